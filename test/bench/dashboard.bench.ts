// A Grafana dashboard against carbon serve and against graphite-web 1.1.8 (Debian's) on the same
// whisper files in the same run (issue 18): 20 panels, one target each, as Grafana 12 sends them
// (each target wrapped in aliasSub(<target>, '(^.*$)', '\1 A'), POSTed form-encoded with from=-24h,
// until=now and maxDataPoints=1000 from the panel width), with globs over a tree of 1,000 series
// (2 data centres x 25 hosts x 20 metrics) holding 24 h at 10 s (gaps, counter resets). The
// targets use what real dashboards use most (spec §2: aliasByNode, sumSeries, groupByNode,
// perSecond, nonNegativeDerivative, movingAverage, highestCurrent, asPercent, summarize, ...).
// Every request also sends now=<the files' clock>, so both servers answer the same window: the
// answers are compared first (names, timestamps, values to 1e-9), so that the speed compared is
// that of the same work. graphite-web runs as it is deployed (graphite.wsgi under gunicorn, 2 x
// CPUs + 1 sync workers) and reads the whisper files itself. A client is a browser loading the
// dashboard: its 20 requests with at most 6 in flight (a browser's connections to one host);
// CLIENTS browsers load it again and again for SECONDS (at least one whole dashboard each), the
// servers taking turns for ROUNDS rounds: requests per second, p50 and p99 latency (medians).

import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { create } from '../../src/core/whisper/create.js'
import { updateManyFlat } from '../../src/core/whisper/update.js'
import { hasGunicorn, startGraphiteWeb } from '../helpers/graphite-web.js'
import { startServe } from '../helpers/serve.js'
import { benchDir, formatRatio, median, printRows, printTable, processCpuSeconds } from './lib.js'

const SECONDS = Number(process.env.CARBONKIT_DASHBOARD_BENCH_SECONDS ?? 10)
const ROUNDS = Number(process.env.CARBONKIT_DASHBOARD_BENCH_ROUNDS ?? 2)
const CLIENTS = Number(process.env.CARBONKIT_DASHBOARD_BENCH_CLIENTS ?? 2)
const IN_FLIGHT = 6
const STEP = 10
const POINTS = 8640
const CPUS = os.availableParallelism()
const NOW = Math.floor(Date.now() / 1000)
const lifetime = { after: (fn: () => void) => void process.on('exit', fn) }

const GAUGES: Record<string, (host: number, i: number) => number> = {
  'cpu.user': (h, i) => 30 + 20 * Math.sin(i / 300 + h) + (i % 7),
  'cpu.system': (h, i) => 8 + 4 * Math.cos(i / 200 + h),
  'cpu.iowait': (h, i) => (i % 50 === h % 50 ? 40 : 1.5 + (h % 3)),
  'cpu.idle': (h, i) => 55 - 20 * Math.sin(i / 300 + h),
  'memory.used': (h, i) => 8e9 + 1e8 * h + 1e6 * (i % 1000),
  'memory.free': (h, i) => 4e9 - 1e6 * (i % 1000) - 1e7 * h,
  'memory.cached': (h, i) => 2e9 + 5e6 * ((i + h) % 400),
  'disk.used_percent': (h, i) => 40 + h + i / 1000,
  'load.load1': (h, i) => 1 + h / 10 + Math.abs(Math.sin(i / 60)) * 3,
  'load.load5': (h, i) => 1 + h / 10 + Math.abs(Math.sin(i / 120)) * 2,
  'load.load15': (h, i) => 1 + h / 10 + Math.abs(Math.sin(i / 360)),
  'http.latency_p95': (h, i) => 120 + 30 * Math.sin(i / 90 + h) + ((i * 7 + h) % 13),
  'http.active': (h, i) => 20 + ((i * 3 + h * 11) % 60),
}
/** Counters: increasing by a per-host rate, reset to 0 once a day at a host's own time. */
const COUNTERS: Record<string, number> = {
  'disk.read_bytes': 4096 * 50,
  'disk.write_bytes': 4096 * 120,
  'net.rx_bytes': 1.25e6,
  'net.tx_bytes': 2.5e6,
  'net.rx_errors': 0.02,
  'http.requests': 350,
  'http.errors': 1.5,
}
const HOSTS = Array.from(
  { length: 50 },
  (_, h) => `dc${1 + Math.floor(h / 25)}.host${String(h % 25).padStart(2, '0')}`,
)

/** The dashboard: one target per panel, as typed in Grafana's query editor. */
const PANELS = [
  'aliasByNode(servers.*.*.cpu.user, 2)',
  "aliasByNode(movingAverage(servers.dc1.*.cpu.system, '5min'), 2)",
  "alias(averageSeries(servers.*.*.cpu.iowait), 'iowait (avg)')",
  "groupByNode(servers.*.*.cpu.idle, 1, 'avg')",
  'highestCurrent(aliasByNode(servers.*.*.load.load1, 2), 5)',
  'limit(sortByMaxima(aliasByNode(servers.dc2.*.load.load5, 2)), 10)',
  "alias(sumSeries(perSecond(servers.*.*.net.rx_bytes)), 'rx bytes/s')",
  'aliasByNode(nonNegativeDerivative(servers.*.*.net.tx_bytes), 1, 2)',
  "groupByNode(perSecond(servers.*.*.disk.read_bytes), 1, 'sum')",
  'aliasByNode(scale(perSecond(servers.*.*.disk.write_bytes), 0.000001), 2)',
  "alias(asPercent(sumSeries(perSecond(servers.*.*.http.errors)), sumSeries(perSecond(servers.*.*.http.requests))), 'error %')",
  "aliasByNode(summarize(perSecond(servers.dc1.*.http.requests), '1h', 'avg'), 2)",
  "alias(maxSeries(servers.*.*.http.latency_p95), 'p95 (worst host)')",
  'aliasByNode(averageSeriesWithWildcards(servers.*.*.memory.used, 2), 1)',
  'aliasByNode(transformNull(keepLastValue(servers.*.*.disk.used_percent), 0), 2)',
  'currentAbove(aliasByNode(servers.*.*.http.active, 2), 70)',
  "alias(diffSeries(sumSeries(servers.*.*.memory.used), sumSeries(servers.*.*.memory.cached)), 'used - cached')",
  'aliasByNode(removeBelowValue(perSecond(servers.*.*.net.rx_errors), 0.01), 2)',
  "alias(countSeries(servers.*.*.*.*), 'series reporting')",
  "aliasByNode(consolidateBy(servers.*.*.load.load15, 'max'), 2)",
]

/** Grafana 12's body for a panel's target. */
function grafanaBody(target: string): string {
  return new URLSearchParams({
    target: `aliasSub(${target}, '(^.*$)', '\\1 A')`,
    from: '-24h',
    until: 'now',
    now: String(NOW),
    format: 'json',
    maxDataPoints: '1000',
  }).toString()
}

function buildTree(dataDir: string): void {
  const last = NOW - (NOW % STEP)
  HOSTS.forEach((host, h) => {
    const write = (metric: string, value: (i: number) => number | null): void => {
      const file = path.join(dataDir, 'servers', ...host.split('.'), ...metric.split('.')) + '.wsp'
      fs.mkdirSync(path.dirname(file), { recursive: true })
      create(file, [[STEP, POINTS]], { sparse: true })
      const flat: number[] = []
      for (let i = 0; i < POINTS; i++) {
        const v = value(i)
        if (v !== null) flat.push(last - (POINTS - 1 - i) * STEP, v)
      }
      updateManyFlat(file, Float64Array.from(flat), { now: NOW })
    }
    // A host that stopped reporting 2 hours ago, gaps of a minute here and there.
    const stopped = (i: number): boolean => h === 7 && i > POINTS - 720
    const gap = (i: number): boolean => (i + 13 * h) % 541 < 6 || stopped(i)
    for (const [metric, f] of Object.entries(GAUGES)) write(metric, (i) => (gap(i) ? null : f(h, i)))
    for (const [metric, rate] of Object.entries(COUNTERS)) {
      const reset = (h * 997) % POINTS
      write(metric, (i) =>
        gap(i) ? null : Math.round(rate * (1 + (h % 5) / 10) * STEP * (i < reset ? i + 5000 : i - reset)),
      )
    }
  })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * IN_FLIGHT + 2 })

function post(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/render',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          if (res.statusCode === 200) resolve(text)
          else
            reject(
              new Error(
                `${res.statusCode}: ${text
                  .replace(/<[^>]*>/g, ' ')
                  .replace(/\s+/g, ' ')
                  .slice(-400)}`,
              ),
            )
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

type JsonSeries = { target: string; datapoints: [number | null, number][] }

/** Where two answers differ (names, order, timestamps, values to a relative 1e-9), or undefined. */
function difference(ours: JsonSeries[], theirs: JsonSeries[]): string | undefined {
  if (ours.length !== theirs.length) return `${ours.length} series, graphite-web ${theirs.length}`
  for (let s = 0; s < ours.length; s++) {
    const [a, b] = [ours[s]!, theirs[s]!]
    if (a.target !== b.target) return `series ${s}: '${a.target}', graphite-web '${b.target}'`
    if (a.datapoints.length !== b.datapoints.length)
      return `${a.target}: ${a.datapoints.length} points, graphite-web ${b.datapoints.length}`
    for (let i = 0; i < a.datapoints.length; i++) {
      const [[v, t], [w, u]] = [a.datapoints[i]!, b.datapoints[i]!]
      const same = v === null || w === null ? v === w : Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(w))
      if (t !== u || !same) return `${a.target} point ${i}: [${v}, ${t}], graphite-web [${w}, ${u}]`
    }
  }
  return undefined
}

/** CLIENTS browsers loading the dashboard for SECONDS: requests per second and latencies. */
async function load(
  port: number,
  pid: number,
): Promise<{ rps: number; p50Ms: number; p99Ms: number; cpuMs: number; errors: number }> {
  const cpuBefore = processCpuSeconds(pid)
  const bodies = PANELS.map(grafanaBody)
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  const until = started + SECONDS * 1000
  const browser = async (): Promise<void> => {
    do {
      let next = 0
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!
            const sent = performance.now()
            // A failed request counts as an error, not as an answer.
            if (
              await post(port, body).then(
                () => true,
                () => false,
              )
            )
              latencies.push(performance.now() - sent)
            else errors++
          }
        }),
      )
    } while (performance.now() < until)
  }
  await Promise.all(Array.from({ length: CLIENTS }, browser))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!
  const cpuMs = ((processCpuSeconds(pid) - cpuBefore) * 1000) / Math.max(1, latencies.length)
  return { rps: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), cpuMs, errors }
}

async function main(): Promise<void> {
  const root = benchDir('dashboard')
  const dataDir = path.join(root, 'whisper')
  let started = performance.now()
  buildTree(dataDir)
  process.stdout.write(
    `${HOSTS.length * 20} series of ${POINTS} points written in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )
  const serve = await startServe(lifetime, ['--storage-dir', root, '--http-port', '0'])
  const gunicornWorkers = hasGunicorn() ? 2 * CPUS + 1 : undefined
  // FETCH_TIMEOUT (6 s by default) and gunicorn's worker timeout (30 s) raised as an operator serving
  // this dashboard would: reading the 1,000 files of one panel takes graphite-web longer on a busy
  // machine.
  let webPid = 0
  const web = await startGraphiteWeb(lifetime, {
    onPid: (pid) => (webPid = pid),
    whisperDir: dataDir,
    gunicornWorkers,
    gunicornTimeout: 300,
    settings: { FETCH_TIMEOUT: '300' },
  })
  const servers: [string, number, number][] = [
    ['carbonkit', serve.ports.http!, serve.child.pid!],
    [
      gunicornWorkers
        ? `graphite-web (gunicorn, ${gunicornWorkers} workers)`
        : 'graphite-web (django runserver: no gunicorn here)',
      web,
      webPid,
    ],
  ]

  // The same answers first: every panel, both servers.
  started = performance.now()
  let values = 0
  const problems: string[] = []
  for (const target of PANELS) {
    const body = grafanaBody(target)
    let ours, theirs
    try {
      ;[ours, theirs] = await Promise.all([post(serve.ports.http!, body), post(web, body)])
    } catch (error) {
      problems.push(`${target}: ${(error as Error).message}`)
      continue
    }
    const [a, b] = [JSON.parse(ours) as JsonSeries[], JSON.parse(theirs) as JsonSeries[]]
    const problem = difference(a, b)
    if (problem) problems.push(`${target}: ${problem}`)
    values += a.reduce((n, s) => n + s.datapoints.filter(([v]) => v !== null).length, 0)
    if (a.length === 0 || a.every((s) => s.datapoints.every(([v]) => v === null)))
      problems.push(`${target}: no values (nothing compared)`)
  }
  process.stdout.write(
    `answers compared: ${PANELS.length - problems.length} of ${PANELS.length} panels identical (${values} values), ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )
  for (const problem of problems) process.stdout.write(`  DIFFERENT ${problem}\n`)

  const results = new Map(
    servers.map(([name]) => [
      name,
      { rps: [] as number[], p50Ms: [] as number[], p99Ms: [] as number[], cpuMs: [] as number[] },
    ]),
  )
  let errors = 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port, pid] of servers) {
      const one = await load(port, pid)
      const r = results.get(name)!
      r.rps.push(one.rps)
      r.p50Ms.push(one.p50Ms)
      r.p99Ms.push(one.p99Ms)
      r.cpuMs.push(one.cpuMs)
      errors += one.errors
      process.stdout.write(
        `round ${round + 1} ${name}: ${one.rps.toFixed(2)} requests/s, p50 ${one.p50Ms.toFixed(0)} ms, ` +
          `p99 ${one.p99Ms.toFixed(0)} ms, ${one.cpuMs.toFixed(0)} CPU ms/request${one.errors > 0 ? `, ${one.errors} requests failed` : ''}\n`,
      )
    }
  }
  const ours = results.get('carbonkit')!
  const [webName] = servers[1]!
  const theirs = results.get(webName)!
  printTable(
    `a Grafana dashboard (${PANELS.length} panels over ${HOSTS.length * 20} series, 24 h at ${STEP} s, maxDataPoints 1000), ` +
      `${CLIENTS} browsers x ${IN_FLIGHT} connections, ${SECONDS} s x ${ROUNDS} rounds (medians)`,
    ['server', 'requests/s', 'p50 ms', 'p99 ms', 'CPU ms/request'],
    servers.map(([name]) => {
      const r = results.get(name)!
      return [
        name,
        median(r.rps).toFixed(2),
        median(r.p50Ms).toFixed(0),
        median(r.p99Ms).toFixed(0),
        median(r.cpuMs).toFixed(0),
      ]
    }),
  )
  const ratio = median(ours.rps) / median(theirs.rps)
  printRows('targets', [
    {
      name:
        `dashboard requests/s vs ${webName}` +
        `${problems.length > 0 ? ' (ANSWERS DIFFER)' : ''}${errors > 0 ? ` (${errors} REQUESTS FAILED)` : ''}`,
      carbonkit: median(ours.rps).toFixed(2),
      reference: median(theirs.rps).toFixed(2),
      ratio: formatRatio(ratio),
      target: '>= 10x',
      pass: ratio >= 10 && problems.length === 0 && errors === 0,
    },
    {
      name: 'dashboard p99 latency ms (reported)',
      carbonkit: median(ours.p99Ms).toFixed(0),
      reference: median(theirs.p99Ms).toFixed(0),
      ratio: formatRatio(median(theirs.p99Ms) / median(ours.p99Ms)),
      target: 'reported',
      pass: true,
    },
    {
      // What a request costs whatever share of the CPUs each server got on a shared machine (carbon
      // serve's read threads run at nice +10, graphite-web's workers at 0).
      name: 'CPU ms per request (reported)',
      carbonkit: median(ours.cpuMs).toFixed(0),
      reference: median(theirs.cpuMs).toFixed(0),
      ratio: formatRatio(median(theirs.cpuMs) / median(ours.cpuMs)),
      target: 'reported',
      pass: true,
    },
  ])
  agent.destroy()
  await serve.stop()
  process.exit(problems.length > 0 ? 1 : 0)
}

await main()
