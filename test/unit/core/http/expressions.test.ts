import assert from 'node:assert/strict'
import http from 'node:http'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { test } from 'node:test'
import { startHttpApi } from '../../../../src/core/http/server.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateManyFlat } from '../../../../src/core/whisper/update.js'
import { request } from '../../../helpers/http.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1_767_225_637
const DAY_POINTS = 8640

function fill(file: string, offset: number): void {
  create(file, [[10, DAY_POINTS]], { sparse: true })
  const points = new Float64Array(2 * DAY_POINTS)
  for (let i = 0; i < DAY_POINTS; i++) {
    points[2 * i] = NOW - (NOW % 10) - i * 10
    points[2 * i + 1] = Math.sin(i / 50) * 100 + offset + i / 7
  }
  updateManyFlat(file, points, { now: NOW })
}

/** The first target's answer, checked value by value (its parsed JSON is gone before the timing). */
async function checkFirst(port: number, url: string): Promise<void> {
  const first = await request(port, url)
  assert.equal(first.status, 200, first.text)
  const series = JSON.parse(first.text) as { target: string; datapoints: [number | null, number][] }[]
  assert.equal(series.length, 40)
  assert.equal(series[3]!.target, 'm03')
  assert.equal(series[3]!.datapoints.length, DAY_POINTS)
  const last = series[3]!.datapoints.at(-1)!
  assert.equal(last[1], NOW - (NOW % 10))
  assert.ok(Math.abs(last[0]! - 2 * (3 + 0 / 7)) < 1e-9, String(last[0]))
}

/**
 * An answer's status and length, its bytes counted and dropped: the client shares this process's
 * event loop with the server, and must not hold it up (joining and decoding megabytes) itself.
 */
function drain(port: number, url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode!, bytes }))
    })
    req.on('error', reject)
  })
}

test('issue 18: function targets are read and evaluated on the read threads: the event loop stays free', async (t) => {
  const dir = tempDir(t)
  for (let i = 0; i < 40; i++) fill(path.join(dir, `m${String(i).padStart(2, '0')}.wsp`), i)
  const api = await startHttpApi({
    interface: '127.0.0.1',
    port: 0,
    dataDir: dir,
    refreshSeconds: 0,
    readThreads: 2,
    clock: () => NOW,
  })
  t.after(() => api.close())
  const port = api.address.port
  // 40 series x 8640 points, each target's functions over all of them, every value written out.
  const targets = [
    'aliasByNode(scale(m*, 2), 0)',
    'movingAverage(offset(m*, 1), 30)',
    'aliasSub(perSecond(m*), "(^.*$)", "\\1 A")',
  ]
  const urls = targets.map((x) => `/render/?format=json&from=-24h&target=${encodeURIComponent(x)}`)
  await checkFirst(port, urls[0]!)

  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const started = performance.now()
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(urls.map((url) => drain(port, url)))
    for (const answer of answers) assert.equal(answer.status, 200)
    for (const answer of answers) assert.ok(answer.bytes > 40 * DAY_POINTS * 10, String(answer.bytes))
  }
  const elapsedMs = performance.now() - started
  delay.disable()
  const maxDelayMs = delay.max / 1e6
  t.diagnostic(
    `6 renders in ${elapsedMs.toFixed(0)} ms; the event loop's longest wait ${maxDelayMs.toFixed(1)} ms`,
  )
  // Evaluated on this thread, one render's functions and JSON hold the loop for most of its time.
  assert.ok(maxDelayMs < elapsedMs / 10, `the event loop waited ${maxDelayMs.toFixed(1)} ms`)
})
