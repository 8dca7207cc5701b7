// The HTTP read API (issue 16): carbon serve --http-port against graphite-web 1.1.8 (Debian's) as a
// backend on the same whisper files in the same run, deployed as its users deploy it: graphite.wsgi
// under gunicorn with 2 x CPUs + 1 sync workers (gunicorn's advice), or Django's runserver when
// gunicorn is missing (said in the output). go-carbon's carbonserver too when GO_CARBON_BIN names a
// binary, with its defaults, as its users run it: its find cache (5 minutes), glob cache, render
// cache (1 minute) and trigram index on. carbonkit keeps a find's answer too (exactly: until the
// index changes); the same find with noCache=1, made afresh each time, is measured beside it, and
// set against finds made afresh by the others: graphite-web's (it keeps none by default) and a
// second go-carbon's with its find cache off (find-cache-enabled = false).
// go-carbon's find pickle is lighter than both others': path and isLeaf only, no intervals (spec §3);
// its render pickle is the same shape. Each answer's bytes are printed beside it.
// A tree of METRICS metrics (default 100,000; sparse files) as bench.hNNN.mNN; the find of a
// 3-level glob and the render of 100 series x 1 day at 1-minute resolution, CONCURRENCY clients for
// SECONDS each, the servers taking turns for ROUNDS rounds: requests per second and p99 latency
// (medians of the rounds), with each server's CPU per request and the client's. The client is wrk
// (CONCURRENCY keep-alive connections on WRK_THREADS threads; its CPU read from /proc) when it is
// installed, else this process (one event loop, said in the output); a client CPU share near 1 says
// the client set the pace, not the server. wrk's p99 counts a stall by its length (it adds the
// requests a stalled connection would have sent: coordinated omission), so one stall of the server
// for 1% of a round (50 ms of 5 s) sets the round's p99; the Node client counts answers only. Then the ingestion rate of carbon serve alone and under a steady read
// load (taking turns), and the index: start-up time to a complete index and memory per metric on
// INDEX_FILES (default 1,000,000) empty .wsp files.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { MetricIndex } from '../../src/core/http/index.js'
import { create } from '../../src/core/whisper/create.js'
import { updateManyFlat } from '../../src/core/whisper/update.js'
import { freePort } from '../helpers/carbon-cache.js'
import { hasGunicorn, startGraphiteWeb } from '../helpers/graphite-web.js'
import { REFERENCE_PYTHON } from '../helpers/reference.js'
import { sendTcp, startServe } from '../helpers/serve.js'
import { benchDir, formatRatio, median, printRows, printTable, processCpuSeconds } from './lib.js'

const METRICS = Number(process.env.CARBONKIT_HTTP_BENCH_METRICS ?? 100_000)
const SECONDS = Number(process.env.CARBONKIT_HTTP_BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.CARBONKIT_HTTP_BENCH_ROUNDS ?? 3)
const WARMUP_SECONDS = Number(process.env.CARBONKIT_HTTP_BENCH_WARMUP_SECONDS ?? 2)
const INDEX_FILES = Number(process.env.CARBONKIT_HTTP_BENCH_INDEX_FILES ?? 1_000_000)
const GO_CARBON_BIN = process.env.GO_CARBON_BIN
const CONCURRENCY = 4
/** wrk's threads: one keeps up with any of the servers here and leaves the other core to them. */
const WRK_THREADS = Number(process.env.CARBONKIT_HTTP_BENCH_WRK_THREADS ?? 1)
/** The load generator: wrk when installed (CARBONKIT_HTTP_BENCH_CLIENT=node forces this process). */
const WRK =
  process.env.CARBONKIT_HTTP_BENCH_CLIENT !== 'node' && spawnSync('wrk', ['--version']).error === undefined
/** The steady read load while ingesting: one find and one render every READ_EVERY_MS. */
const READ_EVERY_MS = 100
/**
 * Points per ingest: 1,500,000 take about 1.3 s alone, long enough that one render landing in the
 * window moves the rate by a few percent, not by 20% (300,000 took 0.25 s: ratios of 0.80x to
 * 1.24x between quiet runs of the same code).
 */
const INGEST_POINTS = Number(process.env.CARBONKIT_HTTP_BENCH_INGEST_POINTS ?? 1_500_000)
/** Ingests alone and under reads, taking turns: the ratio is the medians', each round's ratio shown. */
const INGEST_ROUNDS = Number(process.env.CARBONKIT_HTTP_BENCH_INGEST_ROUNDS ?? 5)
/** CARBONKIT_HTTP_BENCH_READS=0: only the ingestion measure (no other servers, no read cases). */
const READS = process.env.CARBONKIT_HTTP_BENCH_READS !== '0'
const CPUS = os.availableParallelism()
const GO_AFRESH = 'go-carbon, find cache off (made afresh)'
const NOW = Math.floor(Date.now() / 1000)
// One exit listener for every cleanup (a listener each went past Node's 10 and warned).
const cleanups: (() => void)[] = []
process.on('exit', () => {
  for (const fn of cleanups) fn()
})
const lifetime = { after: (fn: () => void) => void cleanups.push(fn) }

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

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 })

function get(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`)),
      )
    })
    req.on('error', reject)
  })
}

/** One answer's status and body. */
function fetchBody(port: number, url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
}

/**
 * A find pickle's nodes as graphite-web 1.1's RemoteFinder reads them (path or metric_path,
 * is_leaf or isLeaf: go-carbon writes 0.9's keys), sorted; and how many leaves carry intervals.
 */
function findNodes(body: Buffer): { nodes: string; count: number; intervals: number } {
  const python = spawnSync(
    REFERENCE_PYTHON,
    [
      '-c',
      [
        'import json, pickle, sys',
        'found = pickle.loads(sys.stdin.buffer.read())',
        "nodes = sorted([n.get('path') or n.get('metric_path'), bool(n.get('is_leaf') or n.get('isLeaf'))] for n in found)",
        "print(json.dumps({'nodes': nodes, 'intervals': sum(1 for n in found if n.get('intervals'))}))",
      ].join('\n'),
    ],
    { input: body },
  )
  if (python.status !== 0)
    return { nodes: `not a pickle: ${python.stderr.toString()}`, count: 0, intervals: 0 }
  const { nodes, intervals } = JSON.parse(python.stdout.toString()) as { nodes: unknown[]; intervals: number }
  return { nodes: JSON.stringify(nodes), count: nodes.length, intervals }
}

const CLIENT = WRK
  ? `wrk, ${WRK_THREADS} thread${WRK_THREADS === 1 ? '' : 's'}`
  : 'this Node process, one event loop'

/**
 * A URL, or the i-th of a series of URLs (each render with its own window, as a frontend's): a
 * printf format whose three %d are the window's from, until and now, now moving back a second a
 * request from NOW (wrk's script makes them the same way).
 */
type Url = string | { series: string }
function urlOf(url: Url, i: number): string {
  if (typeof url === 'string') return url
  const now = NOW - i
  const values = [now - 86400, now, now]
  return url.series.replace(/%d/g, () => String(values.shift()))
}
/** Requests made with a URL function, all servers and rounds counted: no two alike. */
let asked = 0

interface Measured {
  rps: number
  p99Ms: number
  cpuMs: number
  clientCpuMs: number
}

// wrk's script: requests of a series made one by one (each thread takes every WRK_THREADS-th index
// from the first given), a fixed URL left to wrk's ready-made request; at the end one line with the
// requests, microseconds, p99, errors and wrk's own /proc/self/stat (all its threads, joined by then).
const WRK_SCRIPT = `
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function done(summary, latency, requests)
  local f = io.open("/proc/self/stat")
  local stat = f:read("*l")
  f:close()
  local e = summary.errors
  io.write(string.format("carbonkit-wrk %d %d %d %d %d %d %s\\n", summary.requests, summary.duration,
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status, summary.bytes, stat))
end
`
const WRK_SERIES = `
local series, base, first, step
local n = 0
function init(args)
  series, base, first, step = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
end
function request()
  local now = base - (first + id + n * step)
  n = n + 1
  return wrk.format("GET", string.format(series, now - 86400, now, now))
end
`

function wrkScript(series: boolean): string {
  const file = path.join(os.tmpdir(), `carbonkit-bench-http-wrk-${process.pid}${series ? '-series' : ''}.lua`)
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, WRK_SCRIPT + (series ? WRK_SERIES : ''))
    lifetime.after(() => fs.rmSync(file, { force: true }))
  }
  return file
}

/** The same measures as load()'s, by wrk: CONCURRENCY connections on WRK_THREADS threads. */
async function loadWrk(port: number, url: Url, pid: number, seconds: number): Promise<Measured> {
  const cpuBefore = processCpuSeconds(pid)
  const args = [
    `-t${WRK_THREADS}`,
    `-c${CONCURRENCY}`,
    `-d${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    wrkScript(typeof url !== 'string'),
    `http://127.0.0.1:${port}${typeof url === 'string' ? url : '/'}`,
  ]
  if (typeof url !== 'string') args.push('--', url.series, String(NOW), String(asked), String(WRK_THREADS))
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const cpuMsTotal = (processCpuSeconds(pid) - cpuBefore) * 1000
  const line = /^carbonkit-wrk (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/m.exec(out)
  if (code !== 0 || line === null) throw new Error(`wrk failed (${code}):\n${out}`)
  const [requests, micros, p99Micros, errors, statusErrors] = line.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  if (errors > 0 || statusErrors > 0 || requests === 0)
    throw new Error(
      `wrk: ${requests} requests, ${errors} socket errors, ${statusErrors} not 2xx/3xx:\n${out}`,
    )
  // Series: every index up to the last each thread took is used; the next load starts after them.
  if (typeof url !== 'string') asked += requests + 2 * CONCURRENCY + WRK_THREADS
  const stat = line[7]!.split(') ')[1]!.split(' ')
  const clientCpuMs = ((Number(stat[11]) + Number(stat[12])) / 100) * 1000
  return {
    rps: requests / (micros / 1e6),
    p99Ms: p99Micros / 1000,
    cpuMs: cpuMsTotal / requests,
    clientCpuMs: clientCpuMs / requests,
  }
}

/**
 * CONCURRENCY clients asking `url` for SECONDS: requests per second, p99 in milliseconds, and the
 * server's CPU milliseconds per request (what a request costs, whatever share of the CPUs the
 * server got on a shared machine). By wrk when installed, else by this process.
 */
function load(port: number, url: Url, pid: number, seconds = SECONDS): Promise<Measured> {
  return WRK ? loadWrk(port, url, pid, seconds) : loadNode(port, url, pid, seconds)
}

async function loadNode(port: number, url: Url, pid: number, seconds: number): Promise<Measured> {
  const cpuBefore = processCpuSeconds(pid)
  const clientBefore = process.cpuUsage()
  const latencies: number[] = []
  const until = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now()
        await get(port, urlOf(url, asked++))
        latencies.push(performance.now() - started)
      }
    }),
  )
  const cpuMs = ((processCpuSeconds(pid) - cpuBefore) * 1000) / latencies.length
  const client = process.cpuUsage(clientBefore)
  const clientCpuMs = (client.user + client.system) / 1000 / latencies.length
  latencies.sort((a, b) => a - b)
  return {
    rps: latencies.length / seconds,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    cpuMs,
    clientCpuMs,
  }
}

/** An ingest's lines: INGEST_POINTS points, each round's at other times. */
function ingestLines(round: number): string {
  const lines: string[] = []
  for (let i = 0; i < INGEST_POINTS; i++)
    lines.push(`ingest.m${i % 1000} ${i} ${NOW - 86400 + ((round * 7919 + i) % 86400)}`)
  return lines.join('\n') + '\n'
}

/** Points per second carbon serve's line receiver takes in (until it has read the last byte). */
async function ingest(port: number, lines: string): Promise<number> {
  const started = performance.now()
  await sendTcp(port, lines)
  return INGEST_POINTS / ((performance.now() - started) / 1000)
}

/**
 * A steady read load until stopped: every READ_EVERY_MS one find and one render, each skipped while
 * the previous one of its kind is still running. Resolves with the requests answered per second.
 */
function steadyReads(port: number, urls: readonly string[]): { stop: () => Promise<number> } {
  let answered = 0
  const busy = new Set<string>()
  const started = performance.now()
  const timer = setInterval(() => {
    for (const url of urls) {
      if (busy.has(url)) continue
      busy.add(url)
      void get(port, url).then(
        () => {
          answered++
          busy.delete(url)
        },
        () => busy.delete(url),
      )
    }
  }, READ_EVERY_MS)
  return {
    stop: async () => {
      clearInterval(timer)
      while (busy.size > 0) await new Promise((resolve) => setTimeout(resolve, 10))
      return answered / ((performance.now() - started) / 1000)
    },
  }
}

/**
 * go-carbon with only its carbonserver on, over `dataDir`, its find cache on (its default) or off;
 * resolves with its port and pid once indexed.
 */
async function startGoCarbon(
  bin: string,
  root: string,
  dataDir: string,
  findCache: boolean,
): Promise<[number, number]> {
  const dir = path.join(root, findCache ? 'go-carbon' : 'go-carbon-no-find-cache')
  fs.mkdirSync(dir)
  const port = await freePort()
  fs.writeFileSync(path.join(dir, 'schemas.conf'), '[default]\npattern = .*\nretentions = 60s:1d\n')
  const off = ['udp', 'tcp', 'pickle', 'carbonlink', 'grpc'].map((s) => `[${s}]\nenabled = false\n`)
  fs.writeFileSync(
    path.join(dir, 'go-carbon.conf'),
    [
      `[common]\nuser = ""\nmax-cpu = ${CPUS}\nmetric-interval = "1h0m0s"\n`,
      `[whisper]\ndata-dir = ${JSON.stringify(dataDir)}\nschemas-file = ${JSON.stringify(path.join(dir, 'schemas.conf'))}\nenabled = false\n`,
      ...off,
      `[carbonserver]\nlisten = "127.0.0.1:${port}"\nenabled = true\nfind-cache-enabled = ${findCache}\n`,
      '[[logging]]\nlogger = ""\nfile = "stderr"\nlevel = "error"\n',
    ].join('\n'),
  )
  const child = spawn(bin, ['-config', path.join(dir, 'go-carbon.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (c: Buffer) => (log += c.toString()))
  lifetime.after(() => void child.kill('SIGKILL'))
  for (let attempt = 0; ; attempt++) {
    const bytes = await get(port, '/metrics/find/?format=json&query=bench.h000.m00').catch(() => 0)
    if (bytes > 20) return [port, child.pid!]
    if (attempt > 600 || child.exitCode !== null) throw new Error(`go-carbon did not start:\n${log}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** INDEX_FILES empty .wsp files in directories of 1,000. */
function buildIndexTree(dataDir: string): void {
  for (let d = 0; d * 1000 < INDEX_FILES; d++) {
    const dir = path.join(dataDir, 'idx', `d${String(d).padStart(4, '0')}`)
    fs.mkdirSync(dir, { recursive: true })
    for (let f = 0; f < 1000 && d * 1000 + f < INDEX_FILES; f++)
      fs.closeSync(fs.openSync(path.join(dir, `m${String(f).padStart(3, '0')}.wsp`), 'w'))
  }
}

async function indexMeasures(): Promise<string[][]> {
  const root = benchDir('http-index')
  const dataDir = path.join(root, 'whisper')
  let started = performance.now()
  buildIndexTree(dataDir)
  const built = (performance.now() - started) / 1000
  // Start-up: carbon serve spawned until its first find is answered (answers wait for the index).
  started = performance.now()
  const serve = await startServe(lifetime, ['--storage-dir', root, '--http-port', '0'])
  const answer = await get(serve.ports.http!, '/metrics/find/?format=json&query=idx.d0000.m000')
  const ready = (performance.now() - started) / 1000
  await serve.stop()
  // The index keeps its nodes and names in typed arrays: their bytes count as much as the heap's.
  const used = (): number => {
    const memory = process.memoryUsage()
    return memory.heapUsed + memory.arrayBuffers
  }
  global.gc?.()
  const before = used()
  const index = new MetricIndex(dataDir)
  started = performance.now()
  await index.refresh()
  const walk = (performance.now() - started) / 1000
  global.gc?.()
  const perMetric = (used() - before) / index.stats().metrics
  return [
    [`${INDEX_FILES} empty files created`, `${built.toFixed(1)} s`],
    [
      'carbon serve started until its first find answered (index complete)',
      `${ready.toFixed(2)} s${answer > 2 ? '' : ' (NOT FOUND)'}`,
    ],
    [`index walk of ${index.stats().metrics} files, in-process`, `${walk.toFixed(2)} s`],
    ['index memory per metric (heap and typed arrays)', `${perMetric.toFixed(0)} bytes`],
  ]
}

/**
 * Ingestion alone and under a steady read load (`reads`), taking turns for INGEST_ROUNDS rounds
 * after one ingest not measured; prints the medians' ratio and each round's.
 */
async function ingestion(
  linePort: number,
  httpPort: number,
  pid: number,
  reads: readonly string[],
): Promise<void> {
  await ingest(linePort, ingestLines(0))
  const alone: number[] = []
  const loaded: number[] = []
  const readRates: number[] = []
  // carbon serve's CPU per point while it takes an ingest in (reads included when loaded): on a
  // busy machine the rates measure CPU shares, these the cost.
  const aloneCpuUs: number[] = []
  const loadedCpuUs: number[] = []
  const cpuUs = async (rates: number[], costs: number[], lines: string): Promise<void> => {
    const before = processCpuSeconds(pid)
    rates.push(await ingest(linePort, lines))
    costs.push(((processCpuSeconds(pid) - before) * 1e6) / INGEST_POINTS)
  }
  for (let round = 1; round <= INGEST_ROUNDS; round++) {
    await cpuUs(alone, aloneCpuUs, ingestLines(2 * round))
    // The lines made before the reads start: making them stalls this process's event loop (about
    // a second), which held back the reads it should send (1 answered/s instead of up to 20).
    const lines = ingestLines(2 * round + 1)
    const load = steadyReads(httpPort, reads)
    await cpuUs(loaded, loadedCpuUs, lines)
    readRates.push(await load.stop())
  }
  const ratio = median(loaded) / median(alone)
  const rounds = loaded.map((rate, i) => (rate / alone[i]!).toFixed(2)).join(' ')
  printTable(
    `ingestion (line receiver, ${INGEST_POINTS} points an ingest, points/s, medians of ${INGEST_ROUNDS})`,
    ['measure', 'value', 'target'],
    [
      ['no reads', median(alone).toFixed(0), ''],
      [
        `a steady read load (a find and a render every ${READ_EVERY_MS} ms; ${median(readRates).toFixed(1)} answered/s)`,
        `${median(loaded).toFixed(0)} (${formatRatio(ratio)})`,
        `>= 0.90x ${ratio >= 0.9 ? 'PASS' : 'MISS'}`,
      ],
      ['each round, loaded / alone', rounds, ''],
      [
        'carbon serve CPU us per point, alone / loaded (medians)',
        `${median(aloneCpuUs).toFixed(2)} / ${median(loadedCpuUs).toFixed(2)}`,
        '',
      ],
    ],
  )
  process.stdout.write(
    `${ratio >= 0.9 ? 'PASS' : 'MISS'} ingestion under a steady read load: ${formatRatio(ratio)} (target >= 0.90x; rounds ${rounds}; load average ${os.loadavg()[0]!.toFixed(1)})\n`,
  )
}

async function main(): Promise<void> {
  const root = benchDir('http')
  const dataDir = path.join(root, 'whisper')
  const started = performance.now()
  buildTree(dataDir)
  process.stdout.write(
    `tree of ${METRICS} metrics built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )
  // --storage-dir puts the data in <dir>/whisper: the tree above.
  const serve = await startServe(lifetime, ['--storage-dir', root, '--http-port', '0', '--line-port', '0'])
  const node = serve.ports.http!
  await get(node, '/metrics/find/?format=json&query=bench.h000.m00')
  const find = `/metrics/find/?local=1&format=pickle&query=bench.h0*.m1*`
  // Each render with its own window, as a graphite-web frontend sends them (its from, until and now
  // move with the clock: a dashboard's refresh is a new request): the same work for every server,
  // and no answer kept from an earlier request (go-carbon's render cache, on by default, keys on the
  // window) stands in for reading the files. Each a second earlier than the one before.
  const render = { series: '/render/?local=1&format=pickle&target=bench.h000.*&from=%d&until=%d&now=%d' }
  if (!READS) {
    await ingestion(serve.ports.line!, node, serve.child.pid!, [find, urlOf(render, 0)])
    agent.destroy()
    await serve.stop()
    process.exit(0)
  }
  process.stdout.write(
    WRK
      ? `load generator: ${CLIENT}\n`
      : `load generator: ${CLIENT} (wrk not installed or CARBONKIT_HTTP_BENCH_CLIENT=node: the client's own CPU may set the pace)\n`,
  )
  const gunicornWorkers = hasGunicorn() ? 2 * CPUS + 1 : undefined
  let webPid = 0
  const webPort = await startGraphiteWeb(lifetime, {
    whisperDir: dataDir,
    gunicornWorkers,
    onPid: (pid) => (webPid = pid),
  })
  const servers: [string, number, number][] = [
    ['carbonkit', node, serve.child.pid!],
    [
      gunicornWorkers
        ? `graphite-web (gunicorn, ${gunicornWorkers} workers)`
        : 'graphite-web (django runserver: no gunicorn here)',
      webPort,
      webPid,
    ],
  ]
  // go-carbon again with its find cache off (find-cache-enabled = false, a key of its
  // [carbonserver]): its finds made afresh from its in-memory index, as carbonkit's noCache=1 ones
  // are, for the afresh rows. Measured in the find case only.
  let goAfresh: [string, number, number] | undefined
  if (GO_CARBON_BIN) {
    servers.push(['go-carbon', ...(await startGoCarbon(GO_CARBON_BIN, root, dataDir, true))])
    goAfresh = [GO_AFRESH, ...(await startGoCarbon(GO_CARBON_BIN, root, dataDir, false))]
  } else process.stdout.write('go-carbon: skipped (set GO_CARBON_BIN to a go-carbon binary)\n')

  const rows = []
  const table: string[][] = []
  // The find made afresh for each request: carbonkit without its kept answers.
  const uncached = 'carbonkit, noCache=1 (made afresh)'
  for (const [name, url] of [
    ['find bench.h0*.m1* (1,000 leaves, pickle)', find],
    ['render 100 series x 1 day at 1 min (pickle)', render],
  ] as const) {
    const results = new Map<
      string,
      { rps: number[]; p99Ms: number[]; cpuMs: number[]; clientCpuMs: number[] }
    >()
    const asked: [string, number, number, Url][] = servers.map(([server, port, pid]) => [
      server,
      port,
      pid,
      url,
    ])
    if (url === find) asked.splice(1, 0, [uncached, node, serve.child.pid!, `${find}&noCache=1`])
    if (url === find && goAfresh) asked.push([...goAfresh, find])
    let ourNodes: string | undefined
    for (const [server, port, pid, serverUrl] of asked) {
      const bytes = await get(port, urlOf(serverUrl, 0))
      process.stdout.write(`${name}: ${server} answers ${bytes} bytes\n`)
      if (typeof serverUrl === 'string') {
        // The same find, the same answer: status 200 and the same nodes (get() refuses another
        // status), or the comparison is not one.
        const { status, body } = await fetchBody(port, serverUrl)
        const found = findNodes(body)
        ourNodes ??= found.nodes
        const same = status === 200 && found.nodes === ourNodes && found.count > 0
        process.stdout.write(
          `${same ? 'PASS' : 'MISS'} ${name}: ${server} answers ${status} with ${found.count} nodes (${found.intervals} with intervals), ${same ? 'the same' : 'NOT the same'} nodes as carbonkit\n`,
        )
      }
      results.set(server, { rps: [], p99Ms: [], cpuMs: [], clientCpuMs: [] })
      // Warmed up first, not measured: code compiled, heaps grown (each server alike).
      await load(port, serverUrl, pid, WARMUP_SECONDS)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [server, port, pid, serverUrl] of asked) {
        const one = await load(port, serverUrl, pid)
        results.get(server)!.rps.push(one.rps)
        results.get(server)!.p99Ms.push(one.p99Ms)
        results.get(server)!.cpuMs.push(one.cpuMs)
        results.get(server)!.clientCpuMs.push(one.clientCpuMs)
      }
    }
    const ours = results.get('carbonkit')!
    for (const [server] of asked) {
      const theirs = results.get(server)!
      // The table's ratios: go-carbon made afresh against carbonkit made afresh.
      const like = server === GO_AFRESH ? results.get(uncached)! : ours
      table.push([
        name,
        server,
        median(theirs.rps).toFixed(1),
        median(theirs.p99Ms).toFixed(2),
        median(theirs.cpuMs).toFixed(3),
        median(theirs.clientCpuMs).toFixed(3),
        ((median(theirs.clientCpuMs) * median(theirs.rps)) / 1000).toFixed(2),
        server.startsWith('carbonkit') ? '' : formatRatio(median(like.rps) / median(theirs.rps)),
        server.startsWith('carbonkit') ? '' : formatRatio(median(theirs.cpuMs) / median(like.cpuMs)),
      ])
      if (server.startsWith('carbonkit')) continue
      const target = server.startsWith('go-carbon') ? 1 : 10
      // Made afresh against made afresh: graphite-web keeps no find (its default cache is Django's
      // dummy one) and go-carbon with its find cache off; kept against kept: go-carbon as it is run.
      // go-carbon's cached finds are not set against carbonkit's made afresh, nor the reverse.
      if (url === find && server !== 'go-carbon') {
        const afresh = results.get(uncached)!
        rows.push({
          name: `${name}, made afresh (noCache=1) vs ${server}, requests/s`,
          carbonkit: median(afresh.rps).toFixed(1),
          reference: median(theirs.rps).toFixed(1),
          ratio: formatRatio(median(afresh.rps) / median(theirs.rps)),
          target: `>= ${target}x`,
          pass: median(afresh.rps) >= target * median(theirs.rps),
        })
        rows.push({
          name: `${name}, made afresh (noCache=1) vs ${server}, p99 ms`,
          carbonkit: median(afresh.p99Ms).toFixed(2),
          reference: median(theirs.p99Ms).toFixed(2),
          ratio: formatRatio(median(theirs.p99Ms) / median(afresh.p99Ms)),
          target: `>= ${target}x`,
          pass: median(theirs.p99Ms) >= target * median(afresh.p99Ms),
        })
      }
      if (server === GO_AFRESH) continue
      rows.push({
        name: `${name} vs ${server}, requests/s`,
        carbonkit: median(ours.rps).toFixed(1),
        reference: median(theirs.rps).toFixed(1),
        ratio: formatRatio(median(ours.rps) / median(theirs.rps)),
        target: `>= ${target}x`,
        pass: median(ours.rps) >= target * median(theirs.rps),
      })
      rows.push({
        name: `${name} vs ${server}, p99 ms`,
        carbonkit: median(ours.p99Ms).toFixed(1),
        reference: median(theirs.p99Ms).toFixed(1),
        ratio: formatRatio(median(theirs.p99Ms) / median(ours.p99Ms)),
        target: `>= ${target}x`,
        pass: median(theirs.p99Ms) >= target * median(ours.p99Ms),
      })
    }
  }
  printTable(
    `HTTP read API, ${METRICS} metrics, ${CONCURRENCY} clients (${CLIENT}), ${SECONDS} s x ${ROUNDS} rounds each (medians)`,
    [
      'case',
      'server',
      'requests/s',
      'p99 ms',
      'CPU ms/request',
      'client CPU ms/request',
      'client CPU share',
      'rps ratio',
      'CPU ratio',
    ],
    table,
  )
  printRows('targets', rows)
  // One line per target, for a reader who greps: the rps and p99 ratios above, and the machine's
  // load (on a loaded machine the rps ratios measure shares of the CPUs as much as cost: compare
  // CPU ms/request there).
  for (const row of rows)
    process.stdout.write(`${row.pass ? 'PASS' : 'MISS'} ${row.name}: ${row.ratio} (target ${row.target})\n`)
  process.stdout.write(
    `load average (1 min) at the end of the read cases: ${os.loadavg()[0]!.toFixed(1)} on ${CPUS} CPUs\n`,
  )

  await ingestion(serve.ports.line!, node, serve.child.pid!, [find, urlOf(render, 0)])
  agent.destroy()
  await serve.stop()
  if (INDEX_FILES > 0) printTable('index', ['measure', 'value'], await indexMeasures())
  process.exit(0)
}

await main()
