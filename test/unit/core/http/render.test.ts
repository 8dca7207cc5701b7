import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { readSeries } from '../../../../src/core/http/render.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1796540760 // a multiple of 60

function file(t: Parameters<typeof tempDir>[0], method = 'average', xff = 0.5): string {
  const f = path.join(tempDir(t), 'm.wsp')
  create(
    f,
    [
      [10, 720],
      [60, 1440],
    ],
    { aggregationMethod: method, xFilesFactor: xff },
  )
  return f
}

const values = (s: ReturnType<typeof readSeries>): (number | null)[] =>
  Array.from(s!.values, (v, i) => (s!.known[i] === 1 ? v : null))

test("issue 16 render: whisper's window (from excluded, until included), archive chosen by from relative to now", (t) => {
  const f = file(t)
  updateMany(
    f,
    [
      [NOW - 600, 1],
      [NOW - 590, 2],
    ],
    { now: NOW },
  )
  const s = readSeries(
    { name: 'm', file: f, pathExpression: 'm', from: NOW - 600, until: NOW, now: NOW },
    [],
  )!
  assert.deepEqual([s.start, s.end, s.step, s.values.length], [NOW - 590, NOW + 10, 10, 60])
  assert.deepEqual(values(s).slice(0, 2), [2, null])
  // Beyond the 10s archive's 2 h: the 60s archive, whatever until says.
  const coarse = readSeries(
    { name: 'm', file: f, pathExpression: 'm', from: NOW - 3 * 3600, until: NOW - 7000, now: NOW },
    [],
  )!
  assert.equal(coarse.step, 60)
  // Entirely in the future, or before the retention: no series.
  assert.equal(
    readSeries({ name: 'm', file: f, pathExpression: 'm', from: NOW + 10, until: NOW + 20, now: NOW }, []),
    undefined,
  )
  assert.equal(
    readSeries({ name: 'm', file: f, pathExpression: 'm', from: 1, until: 2, now: NOW }, []),
    undefined,
  )
})

test('issue 16 render: cached points replace the finest slots they fall in; the later point of a slot wins', (t) => {
  const f = file(t)
  updateMany(
    f,
    [
      [NOW - 20, 1],
      [NOW - 10, 2],
    ],
    { now: NOW },
  )
  const s = readSeries({ name: 'm', file: f, pathExpression: 'm', from: NOW - 30, until: NOW, now: NOW }, [
    [NOW - 20, 5],
    [NOW - 3, 6],
    [NOW - 1, 7],
    [NOW, 8],
    [NOW + 500, 9],
  ])!
  assert.deepEqual([s.start, s.step], [NOW - 20, 10])
  assert.deepEqual(values(s), [5, 7, 8])
})

test('issue 16 render: a coarse slot is what whisper will store once the cache is written (disk + cache, xff)', (t) => {
  const f = file(t)
  // Four of six 10 s points of the last full minute on disk, two in the cache.
  const minute = NOW - 60
  updateMany(
    f,
    [
      [minute, 1],
      [minute + 10, 2],
      [minute + 20, 3],
      [minute + 30, 4],
    ],
    { now: NOW },
  )
  const cached: [number, number][] = [
    [minute + 40, 5],
    [minute + 50, 6],
  ]
  const s = readSeries(
    { name: 'm', file: f, pathExpression: 'm', from: NOW - 3 * 3600, until: NOW, now: NOW },
    cached,
  )!
  assert.equal(s.step, 60)
  const i = (minute - s.start) / 60
  // graphite-web would say 5.5 (the cached points alone); whisper will store 3.5.
  assert.equal(values(s)[i], 3.5)
  assert.equal(values(s)[i - 1], null)
  // Under the xFilesFactor nothing is propagated, so nothing is shown for the slot either.
  const sparse = file(t, 'sum', 0.5)
  const lone = readSeries(
    { name: 'm', file: sparse, pathExpression: 'm', from: NOW - 3 * 3600, until: NOW, now: NOW },
    [[minute + 50, 6]],
  )!
  assert.equal(values(lone)[i], null)
})
