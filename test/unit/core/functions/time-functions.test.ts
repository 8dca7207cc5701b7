import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluateTargets } from '../../../../src/core/functions/render.js'
import type { Context } from '../../../../src/core/functions/render.js'
import { TimeSeries } from '../../../../src/core/functions/series.js'

test("issue 18: linearRegression's fit is graphite-web's to the last bit on long series (its integer sums are exact)", async () => {
  // 200,000 and 400,000 values with gaps: n × ΣI² exceeds 2^53 (and ΣI² itself in the second),
  // where doubles round (the last value of the first would be 217.76357430734788). Expected:
  // graphite-web 1.1.8's _linearRegressionAnalysis and its values expression, run on the same
  // series with Debian's python3.
  const expected: Record<number, number[]> = {
    200_000: [17.753425544084166, 17.754425599821843, 217.76357430733333],
    400_000: [17.757570720015792, 17.75857072751387, 417.7595714155177],
  }
  for (const n of [200_000, 400_000]) {
    const values = Array.from({ length: n }, (_, i) => (i % 13 === 5 ? null : (i % 97) * 0.37 + i * 1e-3))
    const start = 1_000_000_000
    const ctx: Context = {
      startTime: start,
      endTime: start + 10 * n,
      now: start + 10 * n,
      xFilesFactor: 0,
      template: new Map(),
      fetch: async (path) => [new TimeSeries(path, start, start + 10 * n, 10, [...values])],
    }
    const [fit] = await evaluateTargets(ctx, ['linearRegression(a)'])
    const read = fit!.read()
    assert.equal(fit!.name, `linearRegression(a, ${start}, ${start + 10 * n})`)
    assert.deepEqual([read[0], read[1], read[n - 1]], expected[n])
  }
})

test("issue 18: the dates of timeSlice, linearRegression and verticalLine are read with the context's now and tz", async () => {
  const now = 1_767_225_637 // 2026-01-01 00:00:37 UTC
  const windows: [number, number][] = []
  const ctx = (tz?: string): Context => ({
    startTime: now - 600,
    endTime: now,
    now,
    tz,
    xFilesFactor: 0,
    template: new Map(),
    fetch: async (path, c) => {
      windows.push([c.startTime, c.endTime])
      const step = 60
      const first = c.startTime - (c.startTime % step) + step
      const values = Array.from({ length: Math.floor((c.endTime - first) / step) + 1 }, (_, i) => i * 2 + 1)
      return [new TimeSeries(path, first, c.endTime, step, values)]
    },
  })
  const [sliced] = await evaluateTargets(ctx(), ['timeSlice(a, "-290s")'])
  assert.equal(sliced!.name, `timeSlice(a, ${now - 290}, ${now})`)
  // Counted from the context's start (now - 600), as graphite-web counts, not from the first
  // timestamp (now - 577): the value at now - 277 is out, though past the slice's start.
  assert.deepEqual(sliced!.read(), [null, null, null, null, null, null, 13, 15, 17, 19])
  // 01:00 in Berlin is midnight UTC.
  const [berlin] = await evaluateTargets(ctx('Europe/Berlin'), [
    'timeSlice(a, "00:58_20260101", "01:00_20260101")',
  ])
  assert.equal(berlin!.name, `timeSlice(a, ${now - 37 - 120}, ${now - 37})`)
  windows.length = 0
  const [fit] = await evaluateTargets(ctx(), ['linearRegression(a, "-1h", "-30min")'])
  assert.deepEqual(windows, [
    [now - 600, now],
    [now - 3600, now - 1800],
  ])
  assert.equal(fit!.name, `linearRegression(a, ${now - 3600}, ${now - 1800})`)
  const [line] = await evaluateTargets(ctx(), ['verticalLine("-2min", "deploy")'])
  assert.deepEqual(
    [line!.name, line!.start, line!.end, line!.read()],
    ['deploy', now - 120, now - 120, [1, 1]],
  )
})
