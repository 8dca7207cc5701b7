// fetch: the reference suite's cases (named in the titles), the (from, until] window, and the
// archiveToSelect length fix (hand-computed).

import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, test } from 'node:test'
import { InvalidArgumentError, InvalidTimeIntervalError, NotFoundError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch, fetchColumns, keepValue } from '../../../../src/core/whisper/fetch.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 999999900 // aligned to 300, as in the verified windows below

function timeInfo(result: ReturnType<typeof fetch>): [number, number, number] | null {
  return result && [result.timeInfo.fromInterval, result.timeInfo.untilInterval, result.timeInfo.step]
}

describe('fetch', () => {
  test('test_fetch: a missing file, from > until, and a whole-file fetch', (t) => {
    const dir = tempDir(t)
    assert.throws(() => fetch(path.join(dir, 'nope.wsp'), 0), NotFoundError)
    const file = path.join(dir, 'db.wsp')
    create(file, [
      [1, 60],
      [60, 60],
      [3600, 24],
      [86400, 365],
    ])
    assert.throws(
      () => fetch(file, NOW, NOW - 1, { now: NOW }),
      (e: unknown) =>
        e instanceof InvalidTimeIntervalError &&
        e.message === `Invalid time interval: from time '${NOW}' is after until time '${NOW - 1}'`,
    )
    const result = fetch(file, 0, undefined, { now: NOW })!
    assert.equal(result.timeInfo.step, 86400)
    assert.equal(result.values.length, 365)
    assert.equal((result.timeInfo.untilInterval - result.timeInfo.fromInterval) / 86400, 365)
  })

  test('test_file_fetch_edge_cases: the future and the too-old give null; a window past now', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[1, 60]])
    assert.equal(fetch(file, NOW + 1, NOW + 5, { now: NOW }), null)
    assert.equal(fetch(file, NOW - 100, NOW - 61, { now: NOW }), null)
    const result = fetch(file, NOW, NOW + 200, { now: NOW })!
    assert.deepEqual(timeInfo(result), [NOW + 1, NOW + 2, 1])
    assert.deepEqual(result.values, [null])
  })

  test("file_fetch's windows, verified against whisper.py", (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [60, 10],
      [300, 12],
    ])
    updateMany(
      file,
      Array.from({ length: 11 }, (_, i) => [NOW - 60 * i, i] as const),
      { now: NOW },
    )
    assert.deepEqual(timeInfo(fetch(file, NOW - 600, NOW, { now: NOW })), [999999360, 999999960, 60])
    assert.deepEqual(fetch(file, NOW - 600, NOW, { now: NOW })!.values, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    assert.deepEqual(timeInfo(fetch(file, NOW - 601, NOW, { now: NOW })), [999999300, 1000000200, 300])
    assert.deepEqual(fetch(file, NOW - 601, NOW, { now: NOW })!.values, [7.5, 3, null])
    assert.deepEqual(fetch(file, NOW - 120, NOW - 120, { now: NOW })!.values, [1])
    assert.deepEqual(timeInfo(fetch(file, NOW, NOW, { now: NOW })), [999999960, 1000000020, 60])
    assert.deepEqual(timeInfo(fetch(file, 0, NOW - 3600, { now: NOW })), [999996600, 999996900, 300])
    assert.equal(fetch(file, 0, NOW - 3601, { now: NOW }), null)
    assert.deepEqual(fetch(file, NOW - 100.9, NOW - 0.5, { now: NOW })!.values, [1])
  })

  test('test_fetch_with_archive_to_select: each precision, and an unknown one', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [1, 60],
      [60, 60],
      [3600, 24],
      [86400, 365],
    ])
    for (const [select, step] of [
      ['1s', 1],
      ['1m', 60],
      ['1h', 3600],
      ['1d', 86400],
    ] as const) {
      const result = fetch(file, 0, undefined, { now: NOW, archiveToSelect: select })!
      assert.equal(result.timeInfo.step, step, select)
      assert.equal(result.timeInfo.untilInterval - result.timeInfo.fromInterval, 365 * 86400, select)
    }
    assert.throws(
      () => fetch(file, 0, undefined, { now: NOW, archiveToSelect: '2s' }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        /^Invalid granularity: 2: no archive of 2s precision; the file's archives have \d/.test(e.message),
    )
  })

  test('archiveToSelect over a window longer than the archive returns one value per step (whisper: fewer)', (t) => {
    // 60:10 holding NOW-540..NOW; a 50-minute window through '1m' has 50 steps (NOW-2940..NOW), of
    // which only the last ten can be stored. whisper returns 10 values matched against the first 10.
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [
      [60, 10],
      [300, 12],
    ])
    updateMany(
      file,
      Array.from({ length: 10 }, (_, i) => [NOW - 60 * i, 100 + i] as const),
      { now: NOW },
    )
    const result = fetch(file, NOW - 3000, NOW, { now: NOW, archiveToSelect: '1m' })!
    assert.deepEqual(timeInfo(result), [NOW - 2940, NOW + 60, 60])
    assert.equal(result.values.length, 50)
    assert.deepEqual(result.values.slice(0, 40), Array(40).fill(null))
    assert.deepEqual(result.values.slice(40), [109, 108, 107, 106, 105, 104, 103, 102, 101, 100])
  })

  test('fetchColumns returns the same window as fetch', (t) => {
    const file = path.join(tempDir(t), 'db.wsp')
    create(file, [[60, 10]])
    updateMany(
      file,
      [
        [NOW - 120, Number.NaN],
        [NOW - 60, -0],
      ],
      { now: NOW },
    )
    const list = fetch(file, NOW - 300, NOW, { now: NOW })!
    const columns = fetchColumns(file, NOW - 300, NOW, { now: NOW })!
    assert.deepEqual(columns.timeInfo, list.timeInfo)
    assert.deepEqual(
      Array.from(columns.values, (v, i) => (columns.known[i] ? v : null)),
      list.values,
    )
  })

  test("--drop's choices keep what whisper-fetch keeps", () => {
    assert.deepEqual(
      [null, 0, 1, NaN].map((v) => keepValue('nulls', v)),
      [false, true, true, true],
    )
    assert.deepEqual(
      [null, 0, 1, -0].map((v) => keepValue('zeroes', v)),
      [true, false, true, false],
    )
    assert.deepEqual(
      [null, 0, 1].map((v) => keepValue('empty', v)),
      [false, false, true],
    )
  })
})
