import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { encodeRender } from '../../../../src/core/http/formats.js'
import { runReadJob } from '../../../../src/core/http/reads.js'
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

test("issue 16 render pickle: values copied from the file's bytes are byte for byte the columns' pickle (ring wrapped, reads beyond the head, NaN payloads, empty archives, cached points)", async (t) => {
  const dir = tempDir(t)
  const wrapped = path.join(dir, 'wrapped.wsp')
  // 3,000 slots (36 KB: read beyond the first 32 KB), written from the middle so a day's window wraps.
  create(wrapped, [[60, 3000]])
  updateMany(wrapped, [[NOW - 1000 * 60, -1]], { now: NOW })
  updateMany(
    wrapped,
    Array.from({ length: 2000 }, (_, i): [number, number] => [NOW - i * 60, i % 5 === 0 ? 0 : i / 7]),
    { now: NOW },
  )
  const coarse = file(t)
  updateMany(
    coarse,
    Array.from({ length: 300 }, (_, i): [number, number] => [NOW - i * 10, i]),
    { now: NOW },
  )
  // A NaN with a payload of its own, as another writer may have stored it: its bytes are kept.
  const nan = path.join(dir, 'nan.wsp')
  create(nan, [[60, 100]])
  updateMany(
    nan,
    [
      [NOW - 60, 1],
      [NOW - 120, 2],
    ],
    { now: NOW },
  )
  const bytes = fs.readFileSync(nan)
  const at = bytes.indexOf(Buffer.from([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))
  Buffer.from('7ff4000000000001', 'hex').copy(bytes, at)
  fs.writeFileSync(nan, bytes)
  const empty = path.join(dir, 'empty.wsp')
  create(empty, [[60, 100]])
  const requests = [
    { name: 'wrapped', file: wrapped, from: NOW - 86400, until: NOW },
    { name: 'coarse', file: coarse, from: NOW - 7200, until: NOW - 300 },
    { name: 'fine', file: coarse, from: NOW - 600, until: NOW },
    { name: 'nan', file: nan, from: NOW - 3600, until: NOW },
    { name: 'empty', file: empty, from: NOW - 3600, until: NOW },
    { name: 'gone', file: path.join(dir, 'gone.wsp'), from: NOW - 3600, until: NOW },
    { name: 'future', file: empty, from: NOW + 60, until: NOW + 120 },
  ].map((r) => ({ ...r, pathExpression: '*', now: NOW }))
  for (const cached of [[], [[NOW - 150, 42] as const]]) {
    const series = requests.map((request) => ({ request, cached }))
    const fromFiles = await runReadJob(
      { kind: 'render', format: 'pickle', maxPoints: 1e9, series },
      () => undefined,
      new Map(),
    )
    const columns = series.flatMap(({ request }) => readSeries(request, cached) ?? [])
    assert.equal(columns.length, 5)
    assert.deepEqual(
      Buffer.from(fromFiles.body as Uint8Array),
      Buffer.from(encodeRender('pickle', columns).body as Uint8Array),
    )
    assert.ok(Buffer.from(fromFiles.body as Uint8Array).includes(Buffer.from('477ff4000000000001', 'hex')))
  }
})
