// The whisper tree of the render-function differential tests (issue 18): written with a fixed
// clock, with gaps, a late start, an early stop, counter resets, zeros, negatives, two steps and
// sparse data, so that graphite-web and carbon serve answer over the same files.

import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { create } from '../../src/core/whisper/create.js'
import { updateMany } from '../../src/core/whisper/update.js'
import type { Serve } from './serve.js'
import { startServe, writeServeConfig } from './serve.js'
import { tempDir } from './tmp.js'

// A fixed clock (2026-01-01 00:00:37 UTC, a few seconds past midnight so that windows are not
// aligned): the files are written with it and every request sends now=NOW. RENDER_NOW moves it.
export const NOW = Number(process.env.RENDER_NOW ?? 1_767_225_637)

type Point = [number, number]

function write(
  dir: string,
  name: string,
  archives: [number, number][],
  points: Point[],
  method = 'average',
): void {
  const file = path.join(dir, ...name.split('.')) + '.wsp'
  fs.mkdirSync(path.dirname(file), { recursive: true })
  create(file, archives, { sparse: true, aggregationMethod: method, xFilesFactor: 0 })
  // Oldest first, in slices that fit each archive, as carbon would have written them over time.
  updateMany(file, points, { now: NOW })
}

const FINE: [number, number][] = [
  [10, 6 * 360],
  [60, 7 * 1440],
]
const COARSE: [number, number][] = [[60, 7 * 1440]]

export function fixture(dir: string): void {
  const every = (
    step: number,
    from: number,
    to: number,
    f: (i: number, t: number) => number | null,
  ): Point[] => {
    const out: Point[] = []
    let i = 0
    for (let t = from - (from % step); t <= to; t += step, i++) {
      const v = f(i, t)
      if (v !== null) out.push([t, v])
    }
    return out
  }
  const day = NOW - 26 * 3600
  write(
    dir,
    'fx.web.host1.cpu',
    FINE,
    every(10, day, NOW, (i) =>
      i % 17 === 3 || i % 17 === 4 ? null : Math.round(50 + 30 * Math.sin(i / 7)) - (i % 23 === 0 ? 90 : 0),
    ),
  )
  // Stops 20 minutes early.
  write(
    dir,
    'fx.web.host2.cpu',
    FINE,
    every(10, day, NOW - 1200, (i) => (i % 29 === 5 ? null : (i % 11) * 2.5)),
  )
  // Starts 2 hours late.
  write(
    dir,
    'fx.web.host3.cpu',
    FINE,
    every(10, NOW - 7200, NOW, (i) => 10 + (i % 7) - (i % 5) * 0.25),
  )
  for (const [host, reset] of [
    [1, 500],
    [2, 1500],
  ] as const) {
    let counter = 0
    write(
      dir,
      `fx.web.host${host}.requests`,
      FINE,
      every(10, day, NOW, (i) => {
        if (i % reset === reset - 1) counter = 0
        counter += (i % 9) + host
        return i % 31 === 7 ? null : counter
      }),
      'max',
    )
  }
  write(
    dir,
    'fx.db.a.latency',
    COARSE,
    every(60, day, NOW, (i) => (i % 13 === 2 ? null : 0.5 + (i % 6) * 0.125)),
  )
  write(
    dir,
    'fx.db.b.latency',
    COARSE,
    every(60, day, NOW - 600, (i) => (i % 10 === 0 ? null : 2 - (i % 4))),
  )
  write(
    dir,
    'fx.sparse.x',
    FINE,
    every(10, day, NOW, (i) => (i % 4 === 0 ? i % 50 : null)),
  )
  write(
    dir,
    'fx.zero.z',
    FINE,
    every(10, day, NOW, () => 0),
  )
  // A counter that wraps at 1000 and has no gaps (graphite-web crashes on a gap with maxValue).
  write(
    dir,
    'fx.counter.wrap',
    FINE,
    every(10, day, NOW, (i) => (i * 37) % 1000),
  )
}

/** A carbon serve (HTTP on a free port) over the fixture tree, in a temporary root. */
export async function serveFixture(t: TestContext): Promise<{ serve: Serve; whisper: string }> {
  const root = tempDir(t)
  const config = writeServeConfig(root, { settings: { CARBON_METRIC_INTERVAL: '0' } })
  const whisper = path.join(root, 'storage', 'whisper')
  fixture(whisper)
  return { serve: await startServe(t, ['--config', config, '--http-port', '0']), whisper }
}

// The zone-alignment tree (hitcount and smartSummarize aligned in `tz`): a clock on a Sunday after
// the spring changes of New York (Mar 8) and Berlin (Mar 29) and just after the autumn change of
// Adelaide and Lord Howe (Apr 5, a half-hour zone with a half-hour change). 2026-04-05 12:20:37 UTC.
export const ZONE_NOW = 1_775_391_637

/** A carbon serve over two series reaching back a year (minutes for 45 days, then hours), with gaps. */
export async function serveZoneFixture(t: TestContext): Promise<{ serve: Serve; whisper: string }> {
  const root = tempDir(t)
  const config = writeServeConfig(root, { settings: { CARBON_METRIC_INTERVAL: '0' } })
  const whisper = path.join(root, 'storage', 'whisper')
  const points = (step: number, f: (i: number) => number | null): Point[] => {
    const out: Point[] = []
    for (let t = ZONE_NOW - 400 * 86400, i = 0; t <= ZONE_NOW; i++) {
      const v = f(i)
      if (v !== null) out.push([t - (t % step), v])
      // As the archives keep them: hours past 45 days, minutes past 2 days.
      t += t < ZONE_NOW - 45 * 86400 ? 3600 : t < ZONE_NOW - 2 * 86400 ? Math.max(step, 60) : step
    }
    return out
  }
  const save = (name: string, archives: [number, number][], data: Point[]): void => {
    const file = path.join(whisper, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, archives, { sparse: true, xFilesFactor: 0 })
    updateMany(file, data, { now: ZONE_NOW })
  }
  const hours: [number, number] = [3600, 400 * 24]
  save(
    'tz.coarse',
    [[60, 45 * 1440], hours],
    points(60, (i) => (i % 19 === 4 ? null : (i % 7) + 0.5)),
  )
  save(
    'tz.fine',
    [[10, 2 * 8640], [60, 45 * 1440], hours],
    points(10, (i) => (i % 13 === 0 ? null : (i % 5) * 0.25)),
  )
  return { serve: await startServe(t, ['--config', config, '--http-port', '0']), whisper }
}
