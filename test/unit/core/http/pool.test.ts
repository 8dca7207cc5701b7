import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ReadPool } from '../../../../src/core/http/pool.js'
import type { RenderJob } from '../../../../src/core/http/reads.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateManyFlat } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const WORKER = new URL('../../../../src/core/http/worker.js', import.meta.url)
const NOW = 1_700_000_000

function renderJob(file: string, seconds: number): RenderJob {
  const request = { name: 'a', file, pathExpression: 'a', from: NOW - seconds, until: NOW, now: NOW }
  return { kind: 'render', format: 'pickle', maxPoints: 1e9, series: [{ request, cached: [] }] }
}

test("issue 16 render answers: a sent answer's buffer goes back to its read thread and the next answer is written into it, byte for byte as a new one", async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'a.wsp')
  create(file, [[60, 1440]])
  const points = new Float64Array(2 * 1440)
  for (let i = 0; i < 1440; i++) {
    points[2 * i] = NOW - i * 60
    points[2 * i + 1] = i % 7 === 0 ? NaN : i / 3
  }
  updateManyFlat(file, points, { now: NOW })
  const pool = new ReadPool(WORKER, 1, (message) => assert.fail(message))
  t.after(() => pool.close())
  // The threads are unref'd (they never keep a daemon alive): this test's wait does.
  const alive = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(alive))
  const signal = new AbortController().signal
  const run = async (job: RenderJob): Promise<Uint8Array> => (await pool.run(job, signal)).body as Uint8Array

  const day = await run(renderJob(file, 86400))
  const dayBytes = Buffer.from(day)
  const dayBuffer = day.buffer.byteLength
  // The answers made afresh (nothing given back yet): a smaller one gets a smaller buffer.
  const hourFresh = Buffer.from(await run(renderJob(file, 3600)))
  const hourFreshBuffer = (await run(renderJob(file, 3600))).buffer.byteLength
  assert.ok(hourFreshBuffer < dayBuffer)

  pool.sent(day)
  // Moved back to the thread: nothing here refers to its memory any more.
  assert.equal(day.buffer.byteLength, 0)
  const hour = await run(renderJob(file, 3600))
  assert.equal(hour.buffer.byteLength, dayBuffer, 'written into the buffer given back')
  assert.deepEqual(Buffer.from(hour), hourFresh)
  pool.sent(hour)
  const again = await run(renderJob(file, 86400))
  assert.deepEqual(Buffer.from(again), dayBytes)

  // Only a render's answer, once: another body, or the same one twice, is left alone.
  const text = new Uint8Array(1 << 16)
  pool.sent(text)
  pool.sent(hour)
  assert.equal(text.buffer.byteLength, 1 << 16)
})

test('issue 14 peak RSS: the read threads start at the first job, not with the pool (an idle HTTP API costs no isolates)', async (t) => {
  if (process.platform !== 'linux') return t.skip('counts the threads in /proc/self/task')
  const dir = tempDir(t)
  const file = path.join(dir, 'a.wsp')
  create(file, [[60, 1440]])
  const threads = (): number => fs.readdirSync('/proc/self/task').length
  const before = threads()
  const pool = new ReadPool(WORKER, 2, (message) => assert.fail(message))
  t.after(() => pool.close())
  const alive = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(alive))
  assert.equal(pool.size, 2)
  assert.equal(threads(), before, 'no thread before a job')
  await pool.run(renderJob(file, 3600), new AbortController().signal)
  assert.equal(threads(), before + 2, 'both threads once a job came')
  await pool.run(renderJob(file, 3600), new AbortController().signal)
  assert.equal(threads(), before + 2, 'and no more')
})
