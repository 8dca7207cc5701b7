// merge and diff: the reference suite's cases (named in the titles).

import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { InvalidArgumentError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { diff } from '../../../../src/core/whisper/diff.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { merge } from '../../../../src/core/whisper/merge.js'
import { update, updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1795600000

test('test_merge and test_merge_empty: source values overwrite, destination-only values stay', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  create(a, [[1, 20]])
  create(b, [[1, 20]])
  merge(a, b, { now: NOW })
  updateMany(
    a,
    [
      [NOW - 5, 1],
      [NOW - 3, 2],
    ],
    { now: NOW },
  )
  updateMany(
    b,
    [
      [NOW - 5, 9],
      [NOW - 4, 8],
    ],
    { now: NOW },
  )
  merge(a, b, { now: NOW })
  assert.deepEqual(fetch(b, NOW - 6, NOW - 2, { now: NOW })!.values, [1, 8, 2, null])
})

test('test_merge_bad_archive_config: unalike files are refused', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'db.wsp')
  const b = path.join(dir, 'test-db.wsp')
  create(a, [[1, 20]])
  create(b, [[100, 1]])
  assert.throws(
    () => merge(a, b, { now: NOW }),
    (e: unknown) =>
      e instanceof InvalidArgumentError &&
      e.message === `${a} and ${b} archive configurations are unalike. Resize the input before merging`,
  )
  assert.throws(() => merge(a, a, { now: NOW, from: 10, until: 5 }), /time_to must be >= time_from/)
})

test('test_diff and test_file_diff: one differing point', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  create(a, [
    [1, 60],
    [60, 60],
  ])
  create(b, [
    [1, 60],
    [60, 60],
  ])
  update(a, 1, NOW, { now: NOW })
  update(b, 2, NOW, { now: NOW })
  const result = diff(a, b, { now: NOW })
  assert.deepEqual(
    result.archives.map((x) => [x.archive, x.differences.map((p) => [p.timestamp, p.a, p.b]), x.total]),
    [
      [0, [[NOW, 1, 2]], 1],
      [1, [], 0],
    ],
  )
  assert.equal(result.differ, true)
})

test('test_diff_with_empty: NaN always differs; ignore-empty skips points missing on one side', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  create(a, [
    [1, 60],
    [60, 60],
  ])
  create(b, [
    [1, 60],
    [60, 60],
  ])
  update(a, Number.NaN, NOW - 1, { now: NOW })
  update(a, 1, NOW, { now: NOW })
  update(b, 2, NOW, { now: NOW })
  const ignoring = diff(a, b, { now: NOW, ignoreEmpty: true })
  assert.deepEqual(
    ignoring.archives[0]!.differences.map((p) => [p.timestamp, p.a, p.b]),
    [[NOW, 1, 2]],
  )
  assert.equal(ignoring.archives[0]!.total, 1)
  const all = diff(a, b, { now: NOW })
  assert.equal(all.archives[0]!.total, 2)
  assert.deepEqual(
    all.archives[0]!.differences.map((p) => p.timestamp),
    [NOW - 1, NOW],
  )
  assert.ok(Number.isNaN(all.archives[0]!.differences[0]!.a))
  assert.equal(all.archives[0]!.differences[0]!.b, null)
})

test('test_file_diff_invalid: unalike files are refused', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  create(a, [[120, 10]])
  create(b, [
    [1, 60],
    [60, 60],
  ])
  assert.throws(
    () => diff(a, b, { now: NOW }),
    /archive configurations are unalike\. Resize the input before diffing/,
  )
  assert.equal(diff(a, a, { now: NOW }).differ, false)
})
