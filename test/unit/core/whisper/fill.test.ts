// fill: hand-computed expectations for whisper-fill's wrong answers (README.md, Differences) and the
// equivalents of carbonate's fill tests.

import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { NotFoundError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { fill } from '../../../../src/core/whisper/fill.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const T = 1795600000 - (1795600000 % 3600)

function values(file: string, from: number, until: number): (number | null)[] {
  return fetch(file, from, until, { now: T })!.values
}

test('every gap is filled, 0.0 is data, the point after a gap is kept (the whisper-fill bug, fixed)', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(src, [[60, 20]])
  create(dst, [[60, 20]])
  updateMany(
    src,
    Array.from({ length: 20 }, (_, i) => [T - 60 * i, i] as const),
    { now: T },
  )
  // dst before, by minutes ago: -15:100 -12:100 -11:0 -10:100 -2:100 -1:0, the rest missing
  updateMany(
    dst,
    [
      [-15, 100],
      [-12, 100],
      [-11, 0],
      [-10, 100],
      [-2, 100],
      [-1, 0],
    ].map(([m, v]) => [T + 60 * m!, v!] as const),
    { now: T },
  )
  const result = fill(src, dst, { now: T })
  const expected = Array.from({ length: 20 }, (_, k) => {
    const minutesAgo = 19 - k
    return (
      ({ 15: 100, 12: 100, 11: 0, 10: 100, 2: 100, 1: 0 } as Record<number, number>)[minutesAgo] ?? minutesAgo
    )
  })
  assert.deepEqual(values(dst, T - 1200, T), expected)
  assert.equal(result.filled, 14)
  assert.deepEqual(result.archives, [{ archive: 0, gaps: 14, filled: 14, refused: 0 }])
})

test('carbonate test_fill_empty: an empty destination becomes equal to the source', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(
    src,
    [
      [60, 30],
      [300, 24],
    ],
    { xFilesFactor: 0 },
  )
  create(
    dst,
    [
      [60, 30],
      [300, 24],
    ],
    { xFilesFactor: 0 },
  )
  updateMany(
    src,
    Array.from({ length: 100 }, (_, i) => [T - 60 * i, i % 7] as const),
    { now: T },
  )
  fill(src, dst, { now: T })
  assert.deepEqual(values(dst, T - 1800, T), values(src, T - 1800, T))
  assert.deepEqual(values(dst, T - 7200, T), values(src, T - 7200, T))
})

test('carbonate test_fill_should_not_override_destination', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(src, [[60, 30]])
  create(dst, [[60, 30]])
  updateMany(
    src,
    Array.from({ length: 30 }, (_, i) => [T - 60 * i, 1] as const),
    { now: T },
  )
  updateMany(
    dst,
    Array.from({ length: 30 }, (_, i) => [T - 60 * i, 2] as const),
    { now: T },
  )
  assert.equal(fill(src, dst, { now: T }).filled, 0)
  assert.deepEqual(values(dst, T - 1800, T), Array(30).fill(2))
})

test('each gap comes from the finest source archive that has data for it', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(
    src,
    [
      [60, 10],
      [600, 12],
    ],
    { xFilesFactor: 0, aggregationMethod: 'max' },
  )
  create(
    dst,
    [
      [60, 10],
      [600, 12],
    ],
    { xFilesFactor: 0 },
  )
  // Fine source data for the last 10 minutes, coarse source data for older times.
  updateMany(
    src,
    Array.from({ length: 10 }, (_, i) => [T - 60 * i, 10 + i] as const),
    { now: T },
  )
  updateMany(src, [[T - 3600, 77]], { now: T })
  fill(src, dst, { now: T })
  assert.deepEqual(values(dst, T - 600, T), [19, 18, 17, 16, 15, 14, 13, 12, 11, 10])
  assert.equal(values(dst, T - 4200, T - 3000)[0], 77)
})

test('coarser source data never goes into a finer archive of the destination', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(
    src,
    [
      [60, 60],
      [3600, 24],
    ],
    { xFilesFactor: 0 },
  )
  create(
    dst,
    [
      [60, 120],
      [3600, 24],
    ],
    { xFilesFactor: 0 },
  )
  updateMany(src, [[T - 3600 * 2, 77]], { now: T })
  const result = fill(src, dst, { now: T })
  // The hourly value is not a minute value: the minute archive keeps its gap, the hourly archive gets it.
  assert.deepEqual(
    result.archives.map((a) => a.filled),
    [0, 1],
  )
  assert.equal(fetch(dst, T - 7260, T - 7200, { now: T, archiveToSelect: '1m' })!.values[0], null)
  assert.equal(fetch(dst, T - 10800, T, { now: T, archiveToSelect: '1h' })!.values[0], 77)
})

test('finer source data is aggregated into a coarser archive with its method and xFilesFactor', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(src, [[60, 120]])
  create(
    dst,
    [
      [60, 10],
      [600, 12],
    ],
    { aggregationMethod: 'sum', xFilesFactor: 0.5 },
  )
  // Six of ten minutes of one bucket (0.6 >= 0.5), four of the next (0.4 < 0.5).
  updateMany(
    src,
    [1, 2, 3, 4, 5, 6].map((v, i) => [T - 1200 + 60 * i, v] as const),
    { now: T },
  )
  updateMany(
    src,
    [1, 1, 1, 1].map((v, i) => [T - 600 + 60 * i, v] as const),
    { now: T },
  )
  fill(src, dst, { now: T })
  assert.deepEqual(fetch(dst, T - 1800, T - 600, { now: T, archiveToSelect: '10m' })!.values, [21, null])
})

test('a missing file is an error (whisper-fill: TypeError traceback)', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  create(src, [[60, 10]])
  assert.throws(() => fill(src, path.join(dir, 'nope.wsp'), { now: T }), NotFoundError)
  assert.throws(() => fill(path.join(dir, 'nope.wsp'), src, { now: T }), NotFoundError)
})

test('issue 17.admin: keep leaves the intervals of points the destination has elsewhere (a cache) unfilled', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  create(src, [
    [60, 20],
    [300, 12],
  ])
  create(dst, [
    [60, 20],
    [300, 12],
  ])
  updateMany(
    src,
    Array.from({ length: 20 }, (_, i) => [T - 60 * i, i + 1] as const),
    { now: T },
  )
  // Held elsewhere: 5 minutes ago (a whole interval) and inside the 5-minute interval 15-11 ago.
  const result = fill(src, dst, { now: T, keep: [T - 300, T - 900 + 7] })
  const minutes = values(dst, T - 1200, T)
  assert.equal(minutes[19 - 5], null)
  assert.equal(minutes[19 - 15], null)
  assert.equal(minutes[19 - 4], 5)
  assert.equal(result.archives[0]!.filled, 20 - 2)
})

test('a small file: the coarser archive is read as the fill left it, not as read with the header', (t) => {
  const dir = tempDir(t)
  const src = path.join(dir, 'src.wsp')
  const dst = path.join(dir, 'dst.wsp')
  // 160 bytes: the whole file is in the first read (256 bytes), archive 1 included.
  const archives: [number, number][] = [
    [60, 5],
    [300, 5],
  ]
  create(src, archives)
  create(dst, archives)
  const bucket = T - 3000
  const now = bucket + 240
  updateMany(
    src,
    [0, 1, 2, 3, 4].map((i) => [bucket + 60 * i, 1] as const),
    { now },
  )
  // One minute of five (0.2 < 0.5): archive 1 has no point for the bucket yet.
  updateMany(dst, [[bucket + 120, 100] as const], { now })
  const result = fill(src, dst, { now })
  // The four minutes filled, then the bucket propagated from the five: (1 + 1 + 100 + 1 + 1) / 5.
  // Read from the stale first bytes, the bucket looked like a gap and took the source's 1.
  assert.deepEqual(fetch(dst, bucket - 1, bucket + 299, { now, archiveToSelect: '5m' })!.values, [20.8])
  assert.deepEqual(result.archives[1], { archive: 1, gaps: 4, filled: 0, refused: 0 })
})
