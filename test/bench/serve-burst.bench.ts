// A burst of new metrics: 10,000 metrics never seen before, one point each, sent over one plaintext
// connection, with the Graphite documentation's schema 10s:1d,1m:7d,10m:1y (855 KB files) and files
// reserved with fallocate. Measured: seconds from the first byte sent until every point is readable
// from its file (polled every POLL_MS with our whisper reader, one 12-byte read per file once open).
//
// Servers, alternating run by run (RUNS, default 3), each with a fresh data directory:
//  - carbon serve with its DEFAULT settings (no --writers: one writer per core, at most 4; WAL on);
//  - carbon-cache 1.1.7 (Debian's graphite-carbon);
//  - go-carbon, when GO_CARBON_BIN names a binary (workers = cores, at most 4, as carbon serve).
// carbon.conf [cache], for both carbon serve and carbon-cache: WHISPER_FALLOCATE_CREATE = True (the
// example carbon.conf's value), WHISPER_SPARSE_CREATE = False, MAX_CREATES_PER_MINUTE = inf,
// MAX_UPDATES_PER_SECOND = inf, MAX_CACHE_SIZE = inf, no tags, no per-update logging.
// go-carbon: sparse-create = false (go-whisper then calls fallocate(2)), max-updates-per-second = 0;
// 0.17.3 has no create limit.
//
// Targets (issue 14): carbon serve no slower than carbon-cache, and faster than go-carbon.
// After a run its files are truncated to 0 bytes (the 8.5 GB of blocks go back) but not removed:
// ext4 skips recently deleted inodes when it allocates new ones, which would slow the next server.
// Exit status: 0 when the benchmark ran, whatever the targets say; 1 when a server crashed or a
// point never reached its file.

import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Ring, Server, ServerName } from './lib.js'
import {
  BenchFailure,
  GO_CARBON_BIN,
  benchDir,
  formatBytes,
  formatRatio,
  holds,
  median,
  openRing,
  printTable,
  procStatusBytes,
  startCarbonkit,
  startGoCarbon,
  nowMs,
  sleep,
  startReference,
  UNLIMITED_QUIET_SETTINGS,
} from './lib.js'

const RUNS = Number(process.env.RUNS ?? process.env.CARBONKIT_BENCH_RUNS ?? 3)
const METRICS = Number(process.env.CARBONKIT_BURST_METRICS ?? 10_000)
const SCHEMA = '10s:1d,1m:7d,10m:1y'
const POLL_MS = 50
/** Nothing new on disk for this long: the run failed. */
const STALL_MS = 60_000
/** go-carbon's workers: what carbon serve chooses by default (one per core, at most 4). */
const GO_CARBON_WORKERS = Math.max(1, Math.min(4, os.availableParallelism()))

const SETTINGS: Record<string, string> = { ...UNLIMITED_QUIET_SETTINGS, WHISPER_FALLOCATE_CREATE: 'True' }

/** 100 directories of 100 files: burst/host-07/metric-42.wsp. */
function burstName(m: number): string {
  return `burst.host-${String(m % 100).padStart(2, '0')}.metric-${Math.floor(m / 100)}`
}

function burstValue(m: number): number {
  return ((m * 7919) % 100_000) / 100
}

function metricFile(dataDir: string, name: string): string {
  return path.join(dataDir, ...name.split('.')) + '.wsp'
}

function startServer(name: ServerName, root: string, schemas: string): Promise<Server> {
  if (name === 'carbonkit') return startCarbonkit(root, schemas, SETTINGS)
  if (name === 'carbon-cache') return startReference(root, schemas, SETTINGS)
  return startGoCarbon(root, schemas, GO_CARBON_WORKERS)
}

/** Send the whole payload on one connection and end it; resolves when the server has closed its side. */
function send(port: number, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(payload))
    socket.on('error', reject)
    socket.on('close', () => resolve())
    socket.resume()
  })
}

/**
 * Poll until every metric's file holds its point; resolves with the moment the last one was seen.
 * A pass walks the list from the first file not done and stops at the next one not done; it also
 * opens a few hundred files further down and keeps them open, so the last pass is one read per file.
 */
function watchDisk(server: Server, names: readonly string[], timestamp: number): Promise<number> {
  const files = names.map((name) => metricFile(server.dataDir, name))
  const rings: (Ring | undefined)[] = new Array(files.length)
  let head = 0
  let ahead = 0
  let progressMs = nowMs()
  const ready = (m: number): boolean => {
    const ring = (rings[m] ??= openRing(files[m]!))
    if (!ring || !holds(ring, timestamp, burstValue(m))) return false
    fs.closeSync(ring.fd)
    rings[m] = undefined
    return true
  }
  const closeAll = (): void => {
    for (const ring of rings) if (ring) fs.closeSync(ring.fd)
  }
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const crash = server.crashed()
      if (crash) return (closeAll(), reject(new BenchFailure(crash)))
      const before = head
      while (head < files.length && ready(head)) head++
      if (head === files.length) return resolve(nowMs())
      if (head > before) progressMs = nowMs()
      for (let tries = 0; tries < 300 && head + 1 < files.length; tries++) {
        if (ahead <= head || ahead >= files.length) ahead = head + 1
        const m = ahead++
        rings[m] ??= openRing(files[m]!)
      }
      if (nowMs() - progressMs > STALL_MS) {
        closeAll()
        return reject(
          new BenchFailure(`${server.name}: ${names[head]} has no point after ${STALL_MS / 1000} s`),
        )
      }
      setTimeout(tick, POLL_MS)
    }
    tick()
  })
}

/** Give the files' blocks back without freeing their inodes (see the header). */
function truncateAll(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.wsp'))
      fs.truncateSync(path.join(entry.parentPath, entry.name))
  }
}

interface RunResult {
  seconds: number
  peakRssBytes: number
}

async function run(dir: string, name: ServerName, names: readonly string[]): Promise<RunResult> {
  const root = fs.mkdtempSync(path.join(dir, `${name}-`))
  const server = await startServer(name, root, `[default]\npattern = .*\nretentions = ${SCHEMA}\n`)
  const timestamp = Math.floor(Date.now() / 1000 / 10) * 10 - 10
  const payload = Buffer.from(names.map((n, m) => `${n} ${burstValue(m)} ${timestamp}\n`).join(''))
  let stopped = false
  try {
    // Let the server settle (carbon-cache and go-carbon report ready before their writers are up).
    await sleep(500)
    const startMs = nowMs()
    const watching = watchDisk(server, names, timestamp)
    await send(server.linePort, payload)
    const doneMs = await watching
    const peakRssBytes = procStatusBytes(server.pid, 'VmHWM')
    stopped = true
    const problems = await server.stop()
    if (problems.length > 0) throw new BenchFailure(`${name}: ${problems.join('; ')}`)
    const result = { seconds: (doneMs - startMs) / 1000, peakRssBytes }
    process.stdout.write(
      `  ${name.padEnd(12)} every point on disk in ${result.seconds.toFixed(2)} s, peak RSS ${formatBytes(peakRssBytes)}\n`,
    )
    for (const note of server.notes().slice(0, 5)) process.stdout.write(`    log: ${note}\n`)
    return result
  } finally {
    if (!stopped && !server.crashed()) await server.stop().catch(() => undefined)
    truncateAll(root)
  }
}

async function main(): Promise<void> {
  const dir = benchDir('serve-burst')
  const names = Array.from({ length: METRICS }, (_, m) => burstName(m))
  const servers: ServerName[] = [
    'carbonkit',
    'carbon-cache',
    ...(GO_CARBON_BIN ? (['go-carbon'] as const) : []),
  ]
  process.stdout.write(
    `new-metric burst: ${METRICS.toLocaleString('en')} new metrics x 1 point, plaintext, 1 connection, schema ${SCHEMA} (fallocated), ${RUNS} run(s) per server, alternating\n` +
      `carbon serve: default settings; carbon-cache 1.1.7 with ${Object.entries(SETTINGS)
        .slice(0, 4)
        .map(([k, v]) => `${k} = ${v}`)
        .join(
          ', ',
        )}${GO_CARBON_BIN ? `; go-carbon (${GO_CARBON_BIN}), ${GO_CARBON_WORKERS} workers, sparse-create = false` : ''}\n`,
  )
  const results = new Map<ServerName, RunResult[]>(servers.map((n) => [n, []]))
  const failures: string[] = []
  for (let r = 0; r < RUNS; r++) {
    for (const name of servers) {
      try {
        results.get(name)!.push(await run(dir, name, names))
      } catch (error) {
        if (!(error instanceof BenchFailure)) throw error
        failures.push(error.message)
        process.stdout.write(`  ${name.padEnd(12)} FAILED: ${error.message}\n`)
      }
    }
  }
  const med = (name: ServerName, pick: (r: RunResult) => number): number | undefined => {
    const runs = results.get(name) ?? []
    return runs.length === 0 ? undefined : median(runs.map(pick))
  }
  const ours = med('carbonkit', (r) => r.seconds)
  const cells: string[][] = []
  for (const name of servers) {
    const seconds = med(name, (r) => r.seconds)
    const rss = med(name, (r) => r.peakRssBytes)
    const all = (results.get(name) ?? []).map((r) => r.seconds.toFixed(2)).join(' ')
    let ratio = ''
    let target = ''
    let verdict = ''
    if (name !== 'carbonkit' && ours !== undefined && seconds !== undefined) {
      ratio = formatRatio(ours / seconds)
      target = name === 'carbon-cache' ? '<= 1x' : '< 1x'
      const pass = name === 'carbon-cache' ? ours <= seconds : ours < seconds
      verdict = pass ? 'PASS' : 'FAIL'
    }
    cells.push([
      name === 'carbon-cache' ? 'carbon-cache 1.1.7' : name,
      seconds === undefined ? 'n/a' : `${seconds.toFixed(2)} s`,
      all,
      rss === undefined ? 'n/a' : formatBytes(rss),
      ratio,
      target,
      verdict,
    ])
  }
  printTable(
    `new-metric burst: ${RUNS} run(s) per server, medians; ratio = carbon serve / that server`,
    ['server', 'seconds to disk', 'runs', 'peak RSS', 'ratio', 'target', ''],
    cells,
  )
  if (failures.length > 0) {
    process.stdout.write(
      `\nBENCHMARK FAILED (${failures.length}):\n${failures.map((f) => `- ${f}`).join('\n')}\n`,
    )
    process.exitCode = 1
  }
}

await main().catch((error: unknown) => {
  process.stdout.write(`\nBENCHMARK BROKE: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
