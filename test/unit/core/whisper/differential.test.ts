// Differential tests of the whisper core against Debian's python3-whisper: the same operations, the
// same `now`, then the files must be byte-identical and fetches must agree exactly. The seed is
// printed on failure; replay with CARBONKIT_SEED=<seed>.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { CoreError } from '../../../../src/core/errors.js'
import { aggregate } from '../../../../src/core/whisper/aggregate.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import type { AggregationMethod } from '../../../../src/core/whisper/format.js'
import { AGGREGATION_METHODS, alignTimestamp, mod } from '../../../../src/core/whisper/format.js'
import type { ArchiveSpec } from '../../../../src/core/whisper/retention.js'
import type { Point } from '../../../../src/core/whisper/update.js'
import { update, updateMany } from '../../../../src/core/whisper/update.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, f2h, h2f, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const CASES = Number(process.env.CARBONKIT_DIFF_CASES ?? 500)

function randomArchives(r: Random): ArchiveSpec[] {
  const count = r.int(1, 4)
  const archives: [number, number][] = []
  let spp = r.pick([1, 2, 5, 10, 15, 60])
  let points = r.int(3, 40)
  archives.push([spp, points])
  for (let i = 1; i < count; i++) {
    const factor = r.pick([2, 3, 4, 5, 6, 10])
    const previous = archives[i - 1]!
    // Enough points to consolidate (points >= factor), and a longer retention.
    if (previous[1] < factor) previous[1] = factor + r.int(0, 5)
    spp = previous[0] * factor
    const minPoints = Math.floor((previous[0] * previous[1]) / spp) + 1
    points = minPoints + r.int(0, 30)
    archives.push([spp, points])
  }
  return archives
}

function randomValue(r: Random): number {
  const kind = r.next()
  if (kind < 0.02) return NaN
  if (kind < 0.03) return r.chance(0.5) ? Infinity : -Infinity
  if (kind < 0.05) return r.chance(0.5) ? 0 : -0
  if (kind < 0.35) return r.int(-1000, 1000)
  if (kind < 0.45) return r.int(-5, 5)
  return (r.next() - 0.3) * 10 ** r.int(-3, 6)
}

function randomXff(r: Random): number {
  const kind = r.next()
  if (kind < 0.25) return r.pick([0, 0.5, 1, 0.25])
  if (kind < 0.5) return r.pick([0.1, 0.3, 0.6, 0.7, 0.9, 0.75, 0.2])
  return Math.round(r.next() * 1000) / 1000
}

interface Scenario {
  archives: ArchiveSpec[]
  now: number
}

/** Timestamps around the interesting edges: every archive's range, too old, the future, duplicates. */
function randomBatch(r: Random, s: Scenario): Point[] {
  const maxRetention = Math.max(...s.archives.map(([spp, pts]) => spp * pts))
  const step0 = s.archives[0]![0]
  const n = r.pick([1, 2, 3, 5, 10, 20, 50])
  const points: [number, number][] = []
  let cursor = s.now - r.int(0, maxRetention)
  for (let i = 0; i < n; i++) {
    const kind = r.next()
    let ts: number
    if (kind < 0.45) {
      // a contiguous-ish walk (runs)
      cursor += r.pick([step0, step0, 1, 2 * step0, -step0])
      ts = cursor
    } else if (kind < 0.7) {
      const [spp, pts] = r.pick(s.archives)
      ts = s.now - r.int(0, spp * pts + spp)
    } else if (kind < 0.78) {
      ts = s.now - maxRetention - r.int(-2, 2 * step0)
    } else if (kind < 0.84) {
      ts = s.now + r.int(0, 2 * step0)
    } else if (kind < 0.94 && points.length > 0) {
      ts = r.pick(points)[0] + (r.chance(0.5) ? 0 : r.int(0, step0 - 1))
    } else {
      ts = s.now - r.int(0, maxRetention) + (r.chance(0.5) ? 0.5 : 0.9)
    }
    points.push([ts, randomValue(r)])
  }
  return points
}

/**
 * Batches where whisper's result depends on behaviour carbonkit deliberately changes (see the README):
 * a run longer than archive 0 (far-future points) or two lower buckets of one batch landing in the
 * same slot of the lower ring (whisper's order is a Python set's). Those are tested by hand elsewhere.
 */
function isOrderSensitive(archives: readonly ArchiveSpec[], points: readonly Point[], now: number): boolean {
  const sorted = points.map((p) => Math.trunc(p[0])).sort((a, b) => b - a)
  const groups = new Map<number, number[]>()
  let index = 0
  for (const ts of sorted) {
    while (index < archives.length && archives[index]![0] * archives[index]![1] < now - ts) index++
    if (index >= archives.length) break
    groups.set(index, [...(groups.get(index) ?? []), ts])
  }
  for (const [i, stamps] of groups) {
    const [spp, pts] = archives[i]!
    const aligned = stamps.map((t) => alignTimestamp(t, spp))
    if ((Math.max(...aligned) - Math.min(...aligned)) / spp >= pts) return true
    for (const [lowerSpp, lowerPoints] of archives.slice(i + 1)) {
      const buckets = new Set(aligned.map((t) => alignTimestamp(t, lowerSpp)))
      const slots = new Set([...buckets].map((b) => mod(b / lowerSpp, lowerPoints)))
      if (slots.size !== buckets.size) return true
    }
  }
  return false
}

function sameBytes(a: string, b: string): boolean {
  return Buffer.compare(fs.readFileSync(a), fs.readFileSync(b)) === 0
}

function firstDifference(a: string, b: string): string {
  const x = fs.readFileSync(a)
  const y = fs.readFileSync(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `first difference at byte ${i} (carbonkit ${x[i]}, whisper ${y[i]}) of ${x.length}/${y.length}`
  }
  return 'identical'
}

interface RefFetch {
  timeInfo: [number, number, number]
  values: (string | null)[]
}

function ours(path: string, from: number, until: number | undefined, now: number, archiveToSelect?: string) {
  try {
    const result = fetch(path, from, until, { now, archiveToSelect })
    return (
      result && {
        timeInfo: [result.timeInfo.fromInterval, result.timeInfo.untilInterval, result.timeInfo.step],
        values: result.values.map(f2h),
      }
    )
  } catch (error) {
    if (error instanceof CoreError) return { error: error.message }
    throw error
  }
}

describe('whisper core against python3-whisper', needsReference(), () => {
  const oracle = useOracle()
  const seed = runSeed()

  test(`${CASES} random cases: create, update, update_many, fetch (seed ${seed})`, async (t) => {
    const dir = tempDir(t)
    const r = createRandom(seed)
    let comparedWrites = 0
    let skippedBatches = 0
    let comparedFetches = 0
    for (let c = 0; c < CASES; c++) {
      const caseSeed = r.int(0, 2 ** 31)
      const cr = createRandom(caseSeed)
      const where = `case ${c} (run seed ${seed}, case seed ${caseSeed})`
      const archives = randomArchives(cr)
      const method: AggregationMethod = cr.pick(AGGREGATION_METHODS)
      const xFilesFactor = randomXff(cr)
      const mine = path.join(dir, `c${c}.wsp`)
      const theirs = path.join(dir, `c${c}.ref.wsp`)
      create(mine, archives, { xFilesFactor, aggregationMethod: method, sparse: cr.chance(0.3) })
      await oracle().call('create', { path: theirs, archives, xFilesFactor, aggregationMethod: method })
      assert.ok(sameBytes(mine, theirs), `${where}: created files differ: ${firstDifference(mine, theirs)}`)

      const scenario: Scenario = { archives, now: 1_700_000_000 + cr.int(0, 10_000_000) }
      const batches = cr.int(1, 12)
      for (let b = 0; b < batches; b++) {
        scenario.now += cr.chance(0.3) ? 0 : cr.int(0, Math.max(...archives.map(([s, p]) => s * p)) / 3)
        const now = scenario.now
        if (cr.chance(0.25)) {
          const [ts, value] = randomBatch(cr, scenario)[0]!
          const timestamp = cr.chance(0.1) ? undefined : ts
          let ourError: string | null = null
          try {
            update(mine, value, timestamp, { now })
          } catch (error) {
            if (!(error instanceof CoreError)) throw error
            ourError = error.constructor.name
          }
          const theirError = await oracle().callError('update', {
            path: theirs,
            value: f2h(value),
            timestamp,
            now,
          })
          assert.equal(
            ourError === null,
            theirError === null,
            `${where}: update(${timestamp}, ${value}) now=${now}: ours ${ourError}, whisper ${theirError?.message}`,
          )
          if (ourError !== null)
            assert.equal(theirError!.type, 'TimestampNotCovered', `${where}: ${theirError?.message}`)
        } else {
          let points = randomBatch(cr, scenario)
          let attempts = 0
          while (isOrderSensitive(archives, points, now) && attempts++ < 20)
            points = randomBatch(cr, scenario)
          if (isOrderSensitive(archives, points, now)) {
            skippedBatches++
            continue
          }
          updateMany(mine, points, { now })
          await oracle().call('update_many', {
            path: theirs,
            points: points.map(([ts, v]) => [ts, f2h(v)]),
            now,
          })
        }
        comparedWrites++
        assert.ok(
          sameBytes(mine, theirs),
          `${where}, batch ${b} (now ${now}): files differ: ${firstDifference(mine, theirs)}`,
        )
      }

      // Fetch random windows from the file whisper wrote, with both implementations.
      const now = scenario.now
      const maxRetention = Math.max(...archives.map(([s, p]) => s * p))
      for (let f = 0; f < 6; f++) {
        const from = now - cr.int(-archives[0]![0], maxRetention + 3 * archives[0]![0])
        const until = cr.chance(0.15) ? undefined : cr.chance(0.1) ? from : from + cr.int(-5, maxRetention)
        const select = cr.chance(0.2) ? cr.pick(archives)[0] : undefined
        const archiveToSelect =
          select === undefined ? undefined : cr.chance(0.5) ? `${select}s` : String(select)
        const mineResult = ours(theirs, from, until, now, archiveToSelect)
        let theirResult: RefFetch | null | { error: string }
        try {
          theirResult = await oracle().call<RefFetch | null>('fetch', {
            path: theirs,
            from,
            until,
            now,
            archiveToSelect,
          })
        } catch (error) {
          theirResult = { error: (error as Error).message.replace(/^\w+: /, '') }
        }
        const label = `${where}: fetch(${from}, ${until}, now=${now}, archiveToSelect=${archiveToSelect})`
        if (theirResult && 'timeInfo' in theirResult && mineResult && 'timeInfo' in mineResult) {
          assert.deepEqual(mineResult.timeInfo, theirResult.timeInfo, label)
          const [start, end, step] = theirResult.timeInfo
          const expectedLength = (end - start) / step
          if (theirResult.values.length === expectedLength) {
            assert.deepEqual(mineResult.values, theirResult.values, label)
          } else {
            // whisper's length quirk (file_fetch in whisper.py): compare against windows no longer than the archive.
            assert.equal(mineResult.values.length, expectedLength, label)
            const points = archives.find(([s]) => s === step)![1]
            for (let k = 0; k < expectedLength; k += points) {
              const chunkFrom = start + k * step - step
              const chunkUntil = Math.min(start + (k + points) * step - step, end - step)
              const part = await oracle().call<RefFetch>('fetch', {
                path: theirs,
                from: chunkFrom,
                until: chunkUntil,
                now,
                archiveToSelect,
              })
              assert.deepEqual(
                mineResult.values.slice(k, k + part.values.length),
                part.values,
                `${label}, chunk at ${k}`,
              )
            }
          }
        } else if (theirResult && 'error' in theirResult) {
          assert.deepEqual(mineResult, { error: theirResult.error }, label)
        } else {
          assert.deepEqual(mineResult, theirResult, label)
        }
        comparedFetches++
      }
    }
    t.diagnostic(
      `seed ${seed}: ${comparedWrites} writes and ${comparedFetches} fetches compared, ${skippedBatches} batches skipped as order-sensitive`,
    )
    // Order-sensitive batches are redrawn, and only those still order-sensitive after 20 draws are
    // skipped: a bound keeps a regression in the generator from turning the comparison into a no-op.
    assert.ok(comparedWrites >= CASES, `${comparedWrites} writes compared over ${CASES} cases`)
    assert.ok(
      skippedBatches <= 0.05 * comparedWrites,
      `${skippedBatches} batches skipped as order-sensitive against ${comparedWrites} compared`,
    )
  })

  test('aggregate() agrees with whisper.aggregate on random buckets', async () => {
    const r = createRandom(seed ^ 0x5eed)
    // Fixed first: NaN made by inf + -inf, then another NaN added (the result's sign bit once
    // depended on V8's operand order: seed 1297710408).
    const fixed: (number | null)[][] = [
      [0.00010753504261374475, Infinity, -Infinity, 26.933905486948788, NaN, 690],
      [NaN, Infinity, -Infinity, 1],
      [Infinity, -Infinity, null, NaN, 0],
    ]
    const cases = AGGREGATION_METHODS.flatMap((method) => fixed.map((bucket) => ({ method, bucket })))
    for (let i = 0; i < 3000 + cases.length; i++) {
      const method = i < cases.length ? cases[i]!.method : r.pick(AGGREGATION_METHODS)
      const size = r.int(1, 8)
      const neighbors =
        i < cases.length
          ? cases[i]!.bucket
          : Array.from({ length: size }, (): number | null => (r.chance(0.3) ? null : randomValue(r)))
      if (!neighbors.some((v) => v !== null)) neighbors[0] = randomValue(r)
      const known = neighbors.filter((v): v is number => v !== null)
      const expected = h2f(
        await oracle().call<string>('aggregate', { method, neighbors: neighbors.map(f2h) }),
      )
      assert.equal(
        f2h(aggregate(method, known, neighbors)),
        f2h(expected),
        `seed ${seed}: ${method}(${neighbors.join(', ')})`,
      )
    }
  })
})
