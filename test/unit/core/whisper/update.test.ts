// update and update_many: the reference suite's cases (named in the titles), whisper's rules, and a
// hand-computed test for each behaviour carbonkit changes on purpose (README: Differences).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { InvalidArgumentError, NotFoundError, TimestampNotCoveredError } from '../../../../src/core/errors.js'
import { decodePointTimestamp, decodePointValue } from '../../../../src/core/whisper/codec.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import { update, updateMany, updateManyFlat, writePoints } from '../../../../src/core/whisper/update.js'
import { ROOT } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1795600000 - (1795600000 % 3600) // aligned to every step used below

/** The slots of archive `index` as [timestamp, value] pairs, in file order. */
function slots(file: string, index: number): [number, number][] {
  const info = readInfo(file)
  const archive = info.archives[index]!
  const bytes = fs.readFileSync(file).subarray(archive.offset, archive.offset + archive.size)
  return Array.from({ length: archive.points }, (_, i) => [
    decodePointTimestamp(bytes, i * 12),
    decodePointValue(bytes, i * 12),
  ])
}

/** The reference suite's _update(): [(1, 20)], one point with update, 19 more with update_many. */
function referenceUpdate(
  file: string,
  createOptions: { sparse?: boolean; fallocate?: boolean },
  writeOptions: { lock?: boolean; fsync?: boolean },
) {
  create(file, [[1, 20]], createOptions)
  const points: [number, number][] = Array.from({ length: 20 }, (_, i) => [NOW - 20 + 1 + i, i + 0.5])
  update(file, points[0]![1], points[0]![0], { now: NOW, ...writeOptions })
  updateMany(file, points.slice(1), { now: NOW, ...writeOptions })
  return points
}

describe('update', () => {
  test('test_update_single_archive: values read back; out-of-range timestamps are not covered', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    const points = referenceUpdate(file, {}, {})
    const result = fetch(file, 0, undefined, { now: NOW })!
    assert.deepEqual(
      result.values,
      points.map(([, v]) => v),
    )
    assert.throws(() => update(file, 1.337, NOW + 1, { now: NOW }), TimestampNotCoveredError)
    assert.throws(() => update(file, 1.337, NOW - 20 - 1, { now: NOW }), TimestampNotCoveredError)
    assert.throws(() => update(file, 1.337, NOW - 20, { now: NOW }), TimestampNotCoveredError)
    update(file, 3.7337, undefined, { now: NOW, lock: true })
    assert.equal(fetch(file, 0, undefined, { now: NOW })!.values.at(-1), 3.7337)
  })

  test('test_lock, test_autoflush, test_fallocate, test_sparse: _update with each option writes the same bytes', (t) => {
    const dir = tempDir(t)
    const plain = path.join(dir, 'plain.wsp')
    referenceUpdate(plain, {}, { lock: false })
    for (const [name, createOptions, writeOptions] of [
      ['lock', {}, { lock: true }],
      ['autoflush', {}, { fsync: true }],
      ['fallocate', { fallocate: true }, {}],
      ['sparse', { sparse: true }, {}],
    ] as const) {
      const file = path.join(dir, `${name}.wsp`)
      referenceUpdate(file, createOptions, writeOptions)
      assert.deepEqual(fs.readFileSync(file), fs.readFileSync(plain), name)
    }
  })

  test('test_update_many_excess: the oldest of 4 points in a 3-point archive is dropped', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[1, 3]])
    const points: [number, number][] = [3, 2, 1, 0].map((age) => [NOW - age, 10 - age])
    updateMany(file, points, { now: NOW })
    const result = fetch(file, 0, undefined, { now: NOW })!
    assert.deepEqual(
      [result.timeInfo.fromInterval, result.timeInfo.untilInterval, result.timeInfo.step],
      [points[1]![0], points[3]![0] + 1, 1],
    )
    assert.deepEqual(result.values, [8, 9, 10])
  })

  test('duplicates: identical timestamps keep the first value, one interval keeps the latest timestamp', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 10]])
    updateMany(
      file,
      [
        [NOW - 60, 1],
        [NOW - 60, 2],
        [NOW - 60, 3],
      ],
      { now: NOW },
    )
    updateMany(
      file,
      [
        [NOW - 120 + 30, 7],
        [NOW - 120 + 10, 8],
      ],
      { now: NOW },
    )
    const values = fetch(file, NOW - 180, NOW, { now: NOW })!.values
    assert.deepEqual(values, [7, 1, null])
  })

  test('update_many keeps future points and age == retention, drops older points silently', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 5]])
    updateMany(
      file,
      [
        [NOW + 60, 1],
        [NOW - 300, 2],
        [NOW - 10000, 3],
      ],
      { now: NOW },
    )
    const stored = slots(file, 0).filter(([ts]) => ts !== 0)
    assert.deepEqual(
      stored.sort(),
      [
        [NOW - 300, 2],
        [NOW + 60, 1],
      ].sort(),
    )
  })

  test('a single point no archive covers is an error; several are update_many (writePoints)', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 5]])
    assert.throws(() => writePoints(file, [[NOW + 60, 1]], { now: NOW }), TimestampNotCoveredError)
    writePoints(
      file,
      [
        [NOW + 60, 1],
        [NOW, 2],
      ],
      { now: NOW },
    )
    assert.equal(slots(file, 0).filter(([ts]) => ts !== 0).length, 2)
  })

  test('xFilesFactor is compared as the stored float32: 0.6 does not propagate 3 of 5', (t) => {
    const dir = tempDir(t)
    for (const [xff, propagated] of [
      [0.6, false],
      [0.5, true],
    ] as const) {
      const file = path.join(dir, `xff-${xff}.wsp`)
      create(
        file,
        [
          [60, 10],
          [300, 12],
        ],
        { xFilesFactor: xff, aggregationMethod: 'sum' },
      )
      updateMany(
        file,
        [
          [NOW - 300, 1],
          [NOW - 240, 1],
          [NOW - 180, 1],
        ],
        { now: NOW },
      )
      assert.equal(
        slots(file, 1).some(([ts]) => ts !== 0),
        propagated,
        `xff ${xff}`,
      )
    }
  })

  test('older points go raw into the coarser archive (last wins, no aggregation: whisper#316)', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(
      file,
      [
        [60, 5],
        [300, 12],
      ],
      { aggregationMethod: 'sum' },
    )
    updateMany(
      file,
      [1, 2, 3, 4, 5].map((v, i) => [NOW - 900 + 60 * i, v]),
      { now: NOW },
    )
    assert.deepEqual(
      slots(file, 1).filter(([ts]) => ts !== 0),
      [[NOW - 900, 5]],
    )
  })

  test('a missing file is not found; nothing is opened for an empty batch', (t) => {
    const file = path.join(tempDir(t), 'nope.wsp')
    assert.throws(() => update(file, 1, NOW, { now: NOW }), NotFoundError)
    assert.doesNotThrow(() => updateMany(file, [], { now: NOW }))
  })
})

describe('deliberate differences from whisper (hand-computed)', () => {
  test('a run longer than the archive keeps its newest points instead of writing past the archive', (t) => {
    // 60:5 archive, empty. Eleven contiguous points from NOW-240 to NOW+360: whisper writes 132 bytes
    // into a 60-byte archive (past the end of this one-archive file). The ring can hold the last five:
    // NOW+120..NOW+360; the run starts at the base NOW-240, so NOW+120 lands in slot (360/60) % 5 = 1.
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 5]])
    updateMany(
      file,
      Array.from({ length: 11 }, (_, i) => [NOW - 240 + 60 * i, i] as const),
      { now: NOW },
    )
    assert.equal(fs.statSync(file).size, 16 + 12 + 60)
    assert.deepEqual(slots(file, 0), [
      [NOW + 360, 10],
      [NOW + 120, 6],
      [NOW + 180, 7],
      [NOW + 240, 8],
      [NOW + 300, 9],
    ])
  })

  test('two lower buckets in one lower slot: the newest wins', (t) => {
    // Archives 1:150 and 60:3 (a 180 s ring). Points at T+59 and T+180 (now T+180) propagate the
    // buckets T and T+180, one lower retention apart: the same slot. whisper's set order may write T
    // last and lose the newer bucket; carbonkit writes the older first.
    const T = NOW - (NOW % 180)
    const file = path.join(tempDir(t), 'db.wsp')
    create(
      file,
      [
        [1, 150],
        [60, 3],
      ],
      { xFilesFactor: 0 },
    )
    updateMany(
      file,
      [
        [T + 59, 1],
        [T + 180, 2],
      ],
      { now: T + 180 },
    )
    assert.deepEqual(
      slots(file, 1).filter(([ts]) => ts !== 0),
      [[T + 180, 2]],
    )
  })

  test('timestamps outside the u32 range are refused before anything is written', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 10]])
    const before = fs.readFileSync(file)
    const now = 2 ** 32 + 100
    assert.throws(
      () =>
        updateMany(
          file,
          [
            [now - 50, 1],
            [2 ** 32 - 200, 2],
          ],
          { now },
        ),
      InvalidArgumentError,
    )
    assert.throws(() => updateMany(file, [[NaN, 1]], { now: NOW }), InvalidArgumentError)
    assert.deepEqual(fs.readFileSync(file), before)
  })
})

describe('locking', () => {
  test('update waits while another process holds an exclusive flock on the file', async (t) => {
    // The child locks the file, says so, waits, writes 1.0 at T itself and unlocks. If update did not
    // wait for the lock, the child's later write would win; if it waited, update's 2.0 wins.
    const file = path.join(tempDir(t), 'locked.wsp')
    create(file, [[60, 10]])
    const T = NOW - 60
    const script = `
      const { createRequire } = await import('node:module')
      const { flockSync } = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('fs-ext')
      const fs = await import('node:fs')
      const { withWhisperFile } = await import(${JSON.stringify(path.join(ROOT, 'build/src/core/whisper/file.js'))})
      const { fileUpdate } = await import(${JSON.stringify(path.join(ROOT, 'build/src/core/whisper/update.js'))})
      const fd = fs.openSync(${JSON.stringify(file)}, 'r+')
      flockSync(fd, 'ex')
      process.stdout.write('locked\\n')
      await new Promise((r) => setTimeout(r, 800))
      withWhisperFile(${JSON.stringify(file)}, { write: true, lock: false }, (f) => fileUpdate(f, 1, ${T}, ${NOW}))
      flockSync(fd, 'un')
      process.stdout.write('released\\n')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const events: string[] = []
    const exited = new Promise((resolve) => child.on('close', resolve))
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        events.push(...d.toString().trim().split('\n'))
        if (events.includes('locked')) resolve()
      }),
    )
    update(file, 2, T, { now: NOW })
    await exited
    assert.ok(events.includes('released'), events.join(' '))
    assert.deepEqual(fetch(file, T - 60, T, { now: NOW })!.values, [2])
  })
})

test('updateManyFlat writes exactly what updateMany writes, points in any order', (t) => {
  const dir = tempDir(t)
  const now = 1795600000
  const points: [number, number][] = []
  for (let i = 0; i < 300; i++) points.push([now - ((i * 7919) % 5000), (i % 13) / 3])
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  for (const f of [a, b])
    create(f, [
      [10, 100],
      [60, 200],
    ])
  updateMany(a, points, { now })
  updateManyFlat(b, Float64Array.from(points.flat()), { now })
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)))
})
