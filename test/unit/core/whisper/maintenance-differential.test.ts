// merge, diff, setAggregationMethod and setXFilesFactor against python3-whisper on seeded random files:
// the same bytes and the same answers. The seed is printed on failure.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { create } from '../../../../src/core/whisper/create.js'
import { diff } from '../../../../src/core/whisper/diff.js'
import { AGGREGATION_METHODS } from '../../../../src/core/whisper/format.js'
import { merge } from '../../../../src/core/whisper/merge.js'
import type { ArchiveSpec } from '../../../../src/core/whisper/retention.js'
import { setAggregationMethod, setXFilesFactor } from '../../../../src/core/whisper/set-aggregation.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, f2h, h2f, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const CASES = Number(process.env.CARBONKIT_DIFF_CASES ?? 500) / 5

function layout(r: Random): ArchiveSpec[] {
  const first = r.pick([1, 10, 60])
  const second = first * r.pick([2, 5, 10])
  const points = r.int(10, 40)
  // Enough points to consolidate, and a longer retention for the coarser archive.
  return [
    [first, Math.max(points, second / first)],
    [second, Math.floor((first * Math.max(points, second / first)) / second) + r.int(1, 30)],
  ]
}

function fillRandomly(r: Random, file: string, archives: ArchiveSpec[], now: number): void {
  const points: [number, number][] = []
  const span = archives[1]![0] * archives[1]![1]
  for (let i = 0; i < r.int(0, 80); i++)
    points.push([now - r.int(0, span), r.chance(0.05) ? Number.NaN : r.int(-50, 50) / 4])
  updateMany(file, points, { now })
}

describe('maintenance operations against python3-whisper', needsReference(), () => {
  const oracle = useOracle()
  const seed = runSeed()

  test(`${CASES} random merges write whisper's bytes (seed ${seed})`, async (t) => {
    const dir = tempDir(t)
    const r = createRandom(seed)
    for (let c = 0; c < CASES; c++) {
      const archives = layout(r)
      const now = 1_795_600_000 + r.int(0, 100000)
      const names = ['from', 'to', 'ref-to'].map((n) => path.join(dir, `${c}-${n}.wsp`))
      const [from, to, refTo] = names as [string, string, string]
      const method = r.pick(AGGREGATION_METHODS)
      for (const f of names)
        create(f, archives, { aggregationMethod: method, xFilesFactor: r.pick([0, 0.5]) === 0 ? 0 : 0.5 })
      // The same destination bytes on both sides, then merge.
      create(refTo, archives, { overwrite: true, aggregationMethod: method })
      create(to, archives, { overwrite: true, aggregationMethod: method })
      fillRandomly(r, from, archives, now)
      fs.copyFileSync(to, refTo)
      fillRandomly(r, to, archives, now)
      fs.copyFileSync(to, refTo)
      const bounds = [now - r.int(0, archives[1]![0] * archives[1]![1]), now - r.int(0, 30)].sort(
        (x, y) => x - y,
      )
      const window = r.chance(0.5) ? {} : { from: bounds[0], until: bounds[1] }
      merge(from, to, { now, ...window })
      await oracle().call('merge', { from, to: refTo, now, timeFrom: window.from, timeTo: window.until })
      assert.deepEqual(fs.readFileSync(to), fs.readFileSync(refTo), `seed ${seed}, case ${c}`)
    }
  })

  test(`${CASES} random diffs give whisper's answer (seed ${seed})`, async (t) => {
    const dir = tempDir(t)
    const r = createRandom(seed ^ 0xd1ff)
    for (let c = 0; c < CASES; c++) {
      const archives = layout(r)
      const now = 1_795_600_000 + r.int(0, 100000)
      const a = path.join(dir, `${c}-a.wsp`)
      const b = path.join(dir, `${c}-b.wsp`)
      create(a, archives)
      fillRandomly(r, a, archives, now)
      fs.copyFileSync(a, b)
      fillRandomly(r, b, archives, now)
      const ignoreEmpty = r.chance(0.5)
      const until = r.chance(0.3) ? now - r.int(0, 500) : undefined
      const ours = diff(a, b, { now, ignoreEmpty, until })
      const theirs = await oracle().call<[number, [number, string | null, string | null][], number][]>(
        'diff',
        {
          a,
          b,
          ignoreEmpty,
          untilTime: until,
          now,
        },
      )
      assert.deepEqual(
        ours.archives.map((x) => [
          x.archive,
          x.differences.map((p) => [p.timestamp, f2h(p.a), f2h(p.b)]),
          x.total,
        ]),
        theirs,
        `seed ${seed}, case ${c}`,
      )
    }
  })

  test("setAggregationMethod and setXFilesFactor write whisper's bytes and return its old values", async (t) => {
    const dir = tempDir(t)
    const ours = path.join(dir, 'ours.wsp')
    const theirs = path.join(dir, 'theirs.wsp')
    create(ours, [
      [60, 10],
      [600, 10],
    ])
    create(theirs, [
      [60, 10],
      [600, 10],
    ])
    for (const method of AGGREGATION_METHODS) {
      for (const xff of [undefined, 0, 0.1, 0.3, 0.75, 1]) {
        const change = setAggregationMethod(ours, method, xff)
        const old = await oracle().call<string>('set_aggregation', {
          path: theirs,
          aggregationMethod: method,
          xFilesFactor: xff,
        })
        assert.equal(change.old.aggregationMethod, old)
        assert.deepEqual(fs.readFileSync(ours), fs.readFileSync(theirs), `${method} ${xff}`)
      }
      const change = setXFilesFactor(ours, 0.42)
      const old = h2f(await oracle().call<string>('set_xff', { path: theirs, xFilesFactor: 0.42 }))
      assert.equal(change.old.xFilesFactor, old)
      assert.deepEqual(fs.readFileSync(ours), fs.readFileSync(theirs))
    }
  })
})
