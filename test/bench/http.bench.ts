// The HTTP read API (issue 16): carbon serve --http-port against a graphite-web 1.1.8 backend
// (Django's runserver) on the same whisper files, in the same run. A tree of METRICS metrics
// (default 100,000; sparse files) as bench.hNNN.mNN; the find of a 3-level glob and the render of 100
// series x 1 day at 1-minute resolution, with CONCURRENCY clients for SECONDS each: requests per
// second and p99 latency. Then the index's memory per metric and its walk time, and the ingestion
// rate of the daemon with and without a steady read load.

import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { MetricIndex } from '../../src/core/http/index.js'
import { create } from '../../src/core/whisper/create.js'
import { updateManyFlat } from '../../src/core/whisper/update.js'
import { startGraphiteWeb } from '../helpers/graphite-web.js'
import { sendTcp, startServe } from '../helpers/serve.js'
import { benchDir, formatRatio, printRows, printTable } from './lib.js'

const METRICS = Number(process.env.CARBONKIT_HTTP_BENCH_METRICS ?? 100_000)
const SECONDS = Number(process.env.CARBONKIT_HTTP_BENCH_SECONDS ?? 5)
const CONCURRENCY = 4
const NOW = Math.floor(Date.now() / 1000)
const lifetime = { after: (fn: () => void) => void process.on('exit', fn) }

function buildTree(dataDir: string): void {
  const hosts = Math.ceil(METRICS / 100)
  for (let h = 0; h < hosts; h++) {
    const dir = path.join(dataDir, 'bench', `h${String(h).padStart(3, '0')}`)
    fs.mkdirSync(dir, { recursive: true })
    for (let m = 0; m < 100 && h * 100 + m < METRICS; m++) {
      const file = path.join(dir, `m${String(m).padStart(2, '0')}.wsp`)
      create(file, [[60, 1440]], { sparse: true })
      if (h === 0) {
        const points = new Float64Array(2 * 1440)
        for (let i = 0; i < 1440; i++) {
          points[2 * i] = NOW - (NOW % 60) - i * 60
          points[2 * i + 1] = i + m
        }
        updateManyFlat(file, points, { now: NOW })
      }
    }
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function get(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
      res.resume()
      res.on('end', () =>
        res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`${url}: ${res.statusCode}`)),
      )
    })
    req.on('error', reject)
  })
}

/** CONCURRENCY clients asking `url` for SECONDS: requests per second and p99 in milliseconds. */
async function load(port: number, url: string): Promise<{ rps: number; p99Ms: number }> {
  const latencies: number[] = []
  const until = performance.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now()
        await get(port, url)
        latencies.push(performance.now() - started)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  return { rps: latencies.length / SECONDS, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN }
}

async function ingest(port: number, points: number): Promise<number> {
  const lines: string[] = []
  for (let i = 0; i < points; i++) lines.push(`ingest.m${i % 1000} ${i} ${NOW - 3600 + (i % 3600)}`)
  const started = performance.now()
  await sendTcp(port, lines.join('\n') + '\n')
  return points / ((performance.now() - started) / 1000)
}

async function main(): Promise<void> {
  const root = benchDir('http')
  const dataDir = path.join(root, 'whisper')
  let started = performance.now()
  buildTree(dataDir)
  process.stdout.write(
    `tree of ${METRICS} metrics built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )

  const serve = await startServe(lifetime, ['--storage-dir', root, '--http-port', '0', '--line-port', '0'])
  // --storage-dir puts the data in <dir>/whisper: the tree above.
  const node = serve.ports.http!
  started = performance.now()
  await get(node, '/metrics/find/?format=json&query=bench.h000.m00')
  const ready = (performance.now() - started) / 1000
  const reference = await startGraphiteWeb(lifetime, { whisperDir: dataDir })

  const find = `/metrics/find/?local=1&format=pickle&query=bench.h0*.m1*`
  const render = `/render/?local=1&format=pickle&target=bench.h000.*&from=${NOW - 86400}&until=${NOW}&now=${NOW}`
  const rows = []
  for (const [name, url] of [
    ['find bench.h0*.m1* (pickle)', find],
    ['render 100 series x 1 day at 1 min (pickle)', render],
  ] as const) {
    await get(node, url)
    await get(reference, url)
    const ours = await load(node, url)
    const theirs = await load(reference, url)
    rows.push({
      name: `${name}, requests/s`,
      carbonkit: ours.rps.toFixed(1),
      reference: theirs.rps.toFixed(1),
      ratio: formatRatio(ours.rps / theirs.rps),
      target: '>= 10x',
      pass: ours.rps >= 10 * theirs.rps,
    })
    rows.push({
      name: `${name}, p99 ms`,
      carbonkit: ours.p99Ms.toFixed(1),
      reference: theirs.p99Ms.toFixed(1),
      ratio: formatRatio(theirs.p99Ms / ours.p99Ms),
      target: '>= 10x',
      pass: theirs.p99Ms >= 10 * ours.p99Ms,
    })
  }
  printRows(`HTTP read API, ${METRICS} metrics, ${CONCURRENCY} clients, ${SECONDS} s each`, rows)

  // Ingestion with and without a steady render load on the same daemon.
  const idle = await ingest(serve.ports.line!, 300_000)
  let reading = true
  const readers = Array.from({ length: 2 }, async () => {
    while (reading) await get(node, render)
  })
  const loaded = await ingest(serve.ports.line!, 300_000)
  reading = false
  await Promise.all(readers)

  global.gc?.()
  const before = process.memoryUsage().heapUsed
  const index = new MetricIndex(dataDir)
  started = performance.now()
  await index.refresh()
  const walk = (performance.now() - started) / 1000
  global.gc?.()
  const perMetric = (process.memoryUsage().heapUsed - before) / index.stats().metrics
  printTable(
    'index and ingestion',
    ['measure', 'value', 'target'],
    [
      ['first find answered after start (index complete)', `${ready.toFixed(2)} s`, ''],
      [`index walk of ${index.stats().metrics} files`, `${walk.toFixed(2)} s`, ''],
      ['index memory per metric', `${perMetric.toFixed(0)} bytes`, ''],
      ['ingestion, no reads (points/s)', idle.toFixed(0), ''],
      [
        'ingestion under a render load (points/s)',
        `${loaded.toFixed(0)} (${formatRatio(loaded / idle)})`,
        `>= 0.90x ${loaded >= 0.9 * idle ? 'PASS' : 'MISS'}`,
      ],
    ],
  )
  agent.destroy()
  await serve.stop()
  process.exit(0)
}

await main()
