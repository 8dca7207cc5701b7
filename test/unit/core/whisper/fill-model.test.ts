// fill.ts's fillFile (`wsp fill` and the admin API's fill, on the destination's bytes in memory) against
// the straightforward model it replaced (test/helpers/fill-model.ts: the fill through the file's
// descriptor, whisper's update_many write by write): the same bytes and the same counts, on seeded
// random files with gaps, one to three archives, every aggregation method, several xFilesFactors,
// rings that have wrapped, empty archives, points of the node's cache that win, and sources whose
// points are older than the destination's longest retention; fill() (the path `wsp fill` takes) and
// fillFile on a file opened with its bytes whole (the admin API's) both. The seed is printed in the
// test's name (replay with CARBONKIT_SEED).

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { create } from '../../../../src/core/whisper/create.js'
import { withWhisperFile } from '../../../../src/core/whisper/file.js'
import type { FillResult } from '../../../../src/core/whisper/fill.js'
import { fill, fillFile } from '../../../../src/core/whisper/fill.js'
import { AGGREGATION_METHODS } from '../../../../src/core/whisper/format.js'
import type { ArchiveSpec } from '../../../../src/core/whisper/retention.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { modelFill } from '../../../helpers/fill-model.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { tempDir } from '../../../helpers/tmp.js'

const CASES = Number(process.env.CARBONKIT_DIFF_CASES ?? 500)
const T = 1_795_600_000

/** One to three archives, each coarser one a multiple of the finer step with a longer retention. */
function layout(r: Random): ArchiveSpec[] {
  let step = r.pick([1, 10, 60])
  let points = r.int(12, 90)
  const archives: ArchiveSpec[] = [[step, points]]
  const count = r.int(1, 3)
  for (let a = 1; a < count; a++) {
    const factor = r.pick([2, 3, 5, 10])
    if (factor > points) break
    const retention = step * points
    step *= factor
    points = Math.floor(retention / step) + r.int(1, 40)
    archives.push([step, points])
  }
  return archives
}

/**
 * Points written over several moments up to `now`, as a node receives them: gaps of every length
 * (single intervals too), 0.0, NaN, a ring written past its end (its base is no longer slot 0's).
 */
function history(r: Random, file: string, archives: readonly ArchiveSpec[], now: number): void {
  const longest = Math.max(...archives.map(([step, points]) => step * points))
  const moments = r.int(1, 4)
  for (let k = moments - 1; k >= 0; k--) {
    const at = now - k * r.int(0, longest)
    const density = r.pick([0.1, 0.5, 0.9, 1])
    const points: [number, number][] = []
    const span = r.pick([archives[0]![0] * archives[0]![1], longest])
    for (let t = at - span; t <= at; t += archives[0]![0])
      if (r.chance(density))
        points.push([
          t + r.int(0, archives[0]![0] - 1),
          r.chance(0.03) ? Number.NaN : r.chance(0.05) ? 0 : r.int(-400, 400) / 8,
        ])
    updateMany(file, points, { now: at })
  }
}

function compare(
  dir: string,
  name: string,
  source: string,
  destination: string,
  now: number,
  keep: number[],
  whole: boolean,
): FillResult {
  const byModel = path.join(dir, `${name}-model.wsp`)
  const byFill = path.join(dir, `${name}-fill.wsp`)
  const inMemory = path.join(dir, `${name}-memory.wsp`)
  for (const f of [byModel, byFill, inMemory]) fs.copyFileSync(destination, f)
  const expected = modelFill(source, byModel, { now, keep })
  const want = fs.readFileSync(byModel)
  // `wsp fill`'s path: both files opened by fill().
  const viaFill = fill(source, byFill, { now, keep })
  assert.ok(fs.readFileSync(byFill).equals(want), `${name}: fill() wrote other bytes than the model`)
  assert.deepEqual({ ...viaFill, destination: byModel }, expected, `${name}: fill()'s counts differ`)
  assert.ok(!('bytes' in viaFill), `${name}: fill() returned the thread's buffer`)
  const {
    bytes,
    ...got
  } = // The admin API's path: the source held whole (an upload: decoded from its bytes) or read from its file.
    withWhisperFile(source, { write: false, headBytes: whole ? Number.MAX_SAFE_INTEGER : 256 }, (s) =>
      // Its bytes read with the header, or whole into the thread's buffer.
      withWhisperFile(
        inMemory,
        { write: true, lock: true, headBytes: whole ? Number.MAX_SAFE_INTEGER : 256 },
        (d) => fillFile(s, d, { now, keep }),
      ),
    )
  const have = fs.readFileSync(inMemory)
  assert.ok(have.equals(want), `${name}: fillFile wrote other bytes than the model`)
  assert.ok(Buffer.from(bytes).equals(have), `${name}: the bytes returned are not the file's`)
  assert.deepEqual({ ...got, destination: byModel }, expected, `${name}: fillFile's counts differ`)
  return expected
}

const seed = runSeed()

test(`issue 17: ${CASES} random fills write the model's bytes (seed ${seed})`, (t) => {
  const dir = tempDir(t)
  const r = createRandom(seed)
  let filled = 0
  let refused = 0
  for (let c = 0; c < CASES; c++) {
    const archives = layout(r)
    const sourceArchives = r.chance(0.5) ? archives : layout(r)
    const now = T + r.int(0, 100_000)
    const method = r.pick(AGGREGATION_METHODS)
    const xFilesFactor = r.pick([0, 0.3, 0.5, 1])
    const source = path.join(dir, `${c}-source.wsp`)
    const destination = path.join(dir, `${c}-destination.wsp`)
    create(source, sourceArchives, { aggregationMethod: r.pick(AGGREGATION_METHODS), xFilesFactor: 0.5 })
    create(destination, archives, { aggregationMethod: method, xFilesFactor, sparse: r.chance(0.5) })
    // The source at a later moment than the destination's writes, or earlier: points older than the
    // destination's longest retention, and newer than the fill's now.
    history(r, source, sourceArchives, now + r.int(-5000, 200))
    if (r.chance(0.9)) history(r, destination, archives, now - r.int(0, 300))
    const keep = r.chance(0.3)
      ? Array.from({ length: r.int(1, 20) }, () => now - r.int(0, archives[0]![0] * archives[0]![1]))
      : []
    console.log(
      JSON.stringify({
        archives,
        sourceArchives,
        now,
        method,
        xFilesFactor,
        size: fs.statSync(destination).size,
      }),
    )
    const result = compare(dir, String(c), source, destination, now, keep, r.chance(0.8))
    filled += result.filled
    refused += result.refused
    for (const f of [source, destination]) fs.rmSync(f)
    for (const f of ['model', 'fill', 'memory']) fs.rmSync(path.join(dir, `${c}-${f}.wsp`))
  }
  // The cases did fill, and some roll-ups were refused by the xFilesFactor.
  assert.ok(filled > CASES, `only ${filled} points filled`)
  assert.ok(refused > 0, 'no roll-up was refused')
})

test("issue 17: the rebalance bench's pair (1m:1d,10m:30d, a day on the source, the last hour on the destination)", (t) => {
  const dir = tempDir(t)
  const now = T + 1234
  const t0 = Math.floor((now - 3600) / 600) * 600
  const source = path.join(dir, 'source.wsp')
  const destination = path.join(dir, 'destination.wsp')
  const archives: ArchiveSpec[] = [
    [60, 1440],
    [600, 4320],
  ]
  create(source, archives)
  create(destination, archives)
  const value = (t: number): number => ((t / 60) % 1001) / 4 + 1
  const minutes = (from: number, until: number): [number, number][] =>
    Array.from({ length: (until - from) / 60 }, (_, i) => [from + 60 * i, value(from + 60 * i)])
  updateMany(source, minutes(now - 86_400 + 120 - ((now - 86_400) % 60), t0), { now: t0 })
  updateMany(destination, minutes(t0, now - (now % 60)), { now })
  const result = compare(dir, 'bench', source, destination, now, [], true)
  assert.ok(result.archives[0]!.filled > 1300, JSON.stringify(result.archives))
})
