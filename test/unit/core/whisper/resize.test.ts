// resize: hand-computed expectations for each whisper-resize bug listed in README.md, Differences, the report of
// what cannot be held, and the file handling (backup, --newfile, dry run, mode).

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { InvalidConfigurationError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import { resize } from '../../../../src/core/whisper/resize.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { decodePointTimestamp, decodePointValue } from '../../../../src/core/whisper/codec.js'
import { tempDir } from '../../../helpers/tmp.js'

const A = 1795600000 - (1795600000 % 86400) // aligned to every step used here

/** All stored (timestamp, value) pairs of archive `index`, sorted by time. */
function points(file: string, index: number): [number, number][] {
  const archive = readInfo(file).archives[index]!
  const bytes = fs.readFileSync(file).subarray(archive.offset, archive.offset + archive.size)
  const out: [number, number][] = []
  for (let at = 0; at < bytes.length; at += 12) {
    const ts = decodePointTimestamp(bytes, at)
    if (ts !== 0) out.push([ts, decodePointValue(bytes, at)])
  }
  return out.sort((x, y) => x[0] - y[0])
}

describe('resize fixes whisper-resize', () => {
  test('coarse data is kept when retentions overlap (whisper loses it)', (t) => {
    // 1m:1h 1h:2h, a value only in the hourly archive at now-4000 (now half past the hour). whisper
    // fetches the hourly archive from now-3600 and gets the minute archive instead.
    const now = A + 1800
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [60, 60],
      [3600, 2],
    ])
    updateMany(file, [[now - 4000, 42]], { now })
    assert.deepEqual(points(file, 1), [[A - 3600, 42]])
    const result = resize(
      file,
      [
        [60, 60],
        [3600, 3],
      ],
      { now, backup: false },
    )
    assert.deepEqual(points(file, 1), [[A - 3600, 42]])
    assert.equal(result.lost.points, 0)
  })

  test('a coarser step aggregates aligned buckets with the method and xFilesFactor', (t) => {
    const now = A
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 30]])
    // Minutes ago 0..29, value = minutes ago. The new 5-minute window is A-1500..A; the bucket
    // [A-300, A) holds the minutes 5,4,3,2,1 ago. The bucket at A has only the point of 0 minutes
    // ago: 1 of 5, under the xFilesFactor of 0.5, so it stays empty.
    updateMany(
      file,
      Array.from({ length: 30 }, (_, i) => [now - 60 * i, i] as const),
      { now },
    )
    resize(file, [[300, 6]], { now, backup: false, aggregationMethod: 'sum', xFilesFactor: 0.5 })
    assert.deepEqual(points(file, 0), [
      [A - 1500, 25 + 24 + 23 + 22 + 21],
      [A - 1200, 20 + 19 + 18 + 17 + 16],
      [A - 900, 15 + 14 + 13 + 12 + 11],
      [A - 600, 10 + 9 + 8 + 7 + 6],
      [A - 300, 5 + 4 + 3 + 2 + 1],
    ])
    assert.equal(readInfo(file).aggregationMethod, 'sum')
  })

  test('coarse values never go into a finer archive (whisper writes them as single fine points)', (t) => {
    // 1m:30m 10m:1d with a 10-minute value an hour ago; new 1m:2h 10m:1d.
    const now = A
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [60, 30],
      [600, 144],
    ])
    updateMany(file, [[now - 3600, 5]], { now })
    const result = resize(
      file,
      [
        [60, 120],
        [600, 144],
      ],
      { now, backup: false },
    )
    assert.deepEqual(points(file, 0), [])
    assert.deepEqual(points(file, 1), [[now - 3600, 5]])
    assert.deepEqual(
      result.archives.map((a) => [a.copied, a.aggregated]),
      [
        [0, 0],
        [1, 0],
      ],
    )
  })

  test('what the new layout cannot hold is counted and its time range reported', (t) => {
    const now = A
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [60, 60],
      [3600, 24],
    ])
    updateMany(
      file,
      [
        [now - 12 * 3600, 1],
        [now - 5400, 2],
      ],
      { now },
    )
    // 1m:3h holds neither the 12-hour-old hourly point (too old) nor the one of two hours ago (hourly
    // data is coarser than the only new archive).
    const result = resize(file, [[60, 180]], { now, backup: false })
    assert.equal(result.lost.points, 2)
    assert.equal(result.lost.oldest, now - 12 * 3600)
    assert.equal(result.lost.newest, now - 5400 - ((now - 5400) % 3600))
    assert.deepEqual(result.lost.byCause, { retention: 1, resolution: 1, xFilesFactor: 0 })
  })

  test('points whose roll-up the xFilesFactor refuses are counted as such', (t) => {
    const now = A - (A % 60)
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [10, 360],
      [60, 120],
    ])
    // One point a minute in 10-second slots: 1 of 6 known, under 0.5, so neither whisper's
    // propagation nor the resize rolls them up; at 0.1 both would.
    updateMany(
      file,
      Array.from({ length: 20 }, (_, i) => [now - 60 * (i + 1), i] as [number, number]),
      { now },
    )
    const dry = resize(file, [[60, 120]], { now, dryRun: true })
    assert.equal(dry.lost.points, 20)
    assert.deepEqual(dry.lost.byCause, { retention: 0, resolution: 0, xFilesFactor: 20 })
    const kept = resize(file, [[60, 120]], { now, dryRun: true, xFilesFactor: 0.1 })
    assert.equal(kept.lost.points, 0)
    assert.equal(kept.archives[0]!.aggregated, 20)
    assert.equal(kept.merged, 20)
  })

  test('same steps are copied exactly, NaN and -0.0 included', (t) => {
    const now = A
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 10]])
    updateMany(
      file,
      [
        [now - 60, Number.NaN],
        [now - 120, -0],
        [now - 180, 1e-300],
      ],
      { now },
    )
    resize(file, [[60, 20]], { now, backup: false })
    const got = points(file, 0)
    assert.equal(got.length, 3)
    assert.deepEqual(
      got.map(([ts]) => ts),
      [now - 180, now - 120, now - 60],
    )
    assert.equal(got[0]![1], 1e-300)
    assert.ok(Object.is(got[1]![1], -0))
    assert.ok(Number.isNaN(got[2]![1]))
  })
})

describe('resize file handling', () => {
  test('.bak keeps the old file, mode is preserved, no temporary file is left', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'db.wsp')
    create(file, [[60, 10]])
    fs.chmodSync(file, 0o640)
    const old = fs.readFileSync(file)
    const result = resize(file, [[60, 20]], { now: A })
    assert.equal(result.backup, `${file}.bak`)
    assert.deepEqual(fs.readFileSync(`${file}.bak`), old)
    assert.equal(fs.statSync(file).mode & 0o777, 0o640)
    assert.equal(readInfo(file).archives[0]!.points, 20)
    assert.deepEqual(fs.readdirSync(dir).sort(), ['db.wsp', 'db.wsp.bak'])
  })

  test('--newfile writes elsewhere and keeps the original; --dry-run writes nothing', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'db.wsp')
    create(file, [[60, 10]])
    updateMany(file, [[A, 3]], { now: A })
    const old = fs.readFileSync(file)
    const dry = resize(file, [[60, 20]], { now: A, dryRun: true })
    assert.equal(dry.dryRun, true)
    assert.equal(dry.after.sizeBytes, 16 + 12 + 240)
    assert.deepEqual(fs.readdirSync(dir), ['db.wsp'])
    resize(file, [[60, 20]], { now: A, newFile: path.join(dir, 'new.wsp') })
    assert.deepEqual(fs.readFileSync(file), old)
    assert.deepEqual(fetch(path.join(dir, 'new.wsp'), A - 60, A, { now: A })!.values, [3])
    assert.throws(
      () => resize(file, [[60, 20]], { now: A, newFile: path.join(dir, 'new.wsp') }),
      /file exists/,
    )
  })

  test('invalid archives, xFilesFactor or method change nothing', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'db.wsp')
    create(file, [[60, 10]])
    const old = fs.readFileSync(file)
    assert.throws(
      () =>
        resize(
          file,
          [
            [60, 10],
            [90, 100],
          ],
          { now: A },
        ),
      InvalidConfigurationError,
    )
    assert.throws(() => resize(file, [[60, 10]], { now: A, xFilesFactor: 3 }), /Invalid xFilesFactor/)
    assert.throws(
      () => resize(file, [[60, 10]], { now: A, aggregationMethod: 'median' }),
      /Unrecognized aggregation method/,
    )
    assert.deepEqual(fs.readFileSync(file), old)
    assert.deepEqual(fs.readdirSync(dir), ['db.wsp'])
  })

  test('the new file is sparse unless fallocate is asked for', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'db.wsp')
    create(file, [[1, 100000]])
    resize(file, [[1, 200000]], { now: A, backup: false })
    const sparseBlocks = fs.statSync(file).blocks
    resize(file, [[1, 300000]], { now: A, backup: false, fallocate: true })
    assert.ok(sparseBlocks * 512 < 100000, `sparse file uses ${sparseBlocks} blocks`)
    assert.ok(fs.statSync(file).blocks * 512 >= 300000 * 12)
  })
})
