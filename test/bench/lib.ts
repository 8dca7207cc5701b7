// Shared helpers for benchmarks. Benchmarks compare carbonkit with the reference tools measured in the
// same run, alternating between them, and report medians and ratios: the machine is shared and
// noisy, so a single absolute time means little.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CorruptFileError } from '../../src/core/errors.js'
import {
  decodeArchiveCount,
  decodeHeader,
  decodePointTimestamp,
  decodePointValue,
} from '../../src/core/whisper/codec.js'
import { METADATA_SIZE, POINT_SIZE, headerSizeFor, mod } from '../../src/core/whisper/format.js'
import { canConnect, freePort, startCarbonCache } from '../helpers/carbon-cache.js'
import { ROOT } from '../helpers/paths.js'
import { startServe } from '../helpers/serve.js'

export const WSP = path.join(ROOT, 'bin', 'wsp.cjs')
export const CARBON = path.join(ROOT, 'bin', 'carbon.cjs')
export const PYTHON = process.env.CARBONKIT_PYTHON ?? '/usr/bin/python3'

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface RunMeasure {
  seconds: number
  /** Peak resident set size in bytes. */
  maxRssBytes: number
  status: number | null
}

/**
 * The environment for measured commands. NODE_EXTRA_CA_CERTS is removed: this sandbox sets it, and
 * Node then parses a CA bundle at every start (about 37 ms and 2 MB here), which is neither carbonkit's
 * doing nor what an operator's machine does. Everything else is passed through unchanged.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/**
 * Run a command to completion with stdout discarded (or piped to `stdoutFile`), measuring wall time
 * and peak RSS with GNU time.
 */
export function measureCommand(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): RunMeasure {
  const report = path.join(os.tmpdir(), `carbonkit-bench-time-${process.pid}.txt`)
  const out = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'ignore'
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', report, command, ...args], {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', out, 'pipe'],
    input: options.input,
    env: benchEnv(options.env),
    maxBuffer: 1 << 30,
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (typeof out === 'number') fs.closeSync(out)
  const kib = Number(fs.readFileSync(report, 'utf8').trim().split('\n').pop())
  fs.rmSync(report, { force: true })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}: ${result.stderr?.toString().slice(0, 500)}`,
    )
  }
  return { seconds, maxRssBytes: kib * 1024, status: result.status }
}

/** CPU seconds (user + system, all threads) of a process and its children, from /proc. */
export function processCpuSeconds(pid: number): number {
  const ticks = (p: number): number => {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')
      return Number(fields[11]) + Number(fields[12])
    } catch {
      return 0
    }
  }
  let total = ticks(pid)
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])
      if (ppid === pid) total += ticks(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total / 100
}

/** Time an in-process function `runs` times; returns each run's seconds. */
export async function timeRuns(
  runs: number,
  fn: (run: number) => unknown | Promise<unknown>,
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    await fn(i)
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  return times
}

/** Run a Python snippet with the reference python3 and return its stdout (JSON by convention). */
export function runPython(code: string, args: readonly string[] = []): string {
  const result = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`)
  return result.stdout
}

/** Start a long-running process and resolve when it exits. */
export function spawnAndWait(command: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' })
    child.on('exit', resolve)
  })
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

export interface Row {
  name: string
  carbonkit: string
  reference: string
  ratio: string
  target: string
  pass: boolean
}

/** Print one benchmark's rows as an aligned table, with a PASS/MISS column against its target. */
export function printRows(title: string, rows: readonly Row[]): void {
  const head = ['measure', 'carbonkit (median)', 'reference (median)', 'ratio', 'target', '']
  const cells = rows.map((r) => [
    r.name,
    r.carbonkit,
    r.reference,
    r.ratio,
    r.target,
    r.pass ? 'PASS' : 'MISS',
  ])
  printTable(title, head, cells)
}

/** Print a titled table with aligned columns (the layout of printRows, any columns). */
export function printTable(
  title: string,
  head: readonly string[],
  cells: readonly (readonly string[])[],
): void {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: readonly string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  process.stdout.write(`\n## ${title}\n\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`)
  for (const c of cells) process.stdout.write(line(c) + '\n')
}

/** A scratch directory for a benchmark, removed at exit. */
export function benchDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `carbonkit-bench-${name}-`))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** go-carbon's binary, when the environment names one (built with ../shared/tools/build-go-carbon). */
export const GO_CARBON_BIN = process.env.GO_CARBON_BIN || undefined

/** Something that makes the benchmark itself fail (exit 1): a crash, a connection left open, loss. */
export class BenchFailure extends Error {}

// Whole servers for the serve benchmarks (serve, serve-burst): carbon serve, carbon-cache 1.1.7 and
// go-carbon, each started with its own configuration and data directory on 127.0.0.1.

// --- servers ----------------------------------------------------------------------------------------

/**
 * carbon.conf [cache] settings every serve benchmark gives carbon-cache and carbon serve alike: no
 * limits, no log noise, no UDP, no tags; carbon's defaults for everything else.
 */
export const UNLIMITED_QUIET_SETTINGS: Readonly<Record<string, string>> = {
  MAX_CACHE_SIZE: 'inf',
  MAX_UPDATES_PER_SECOND: 'inf',
  MAX_CREATES_PER_MINUTE: 'inf',
  WHISPER_SPARSE_CREATE: 'False',
  LOG_UPDATES: 'False',
  LOG_CACHE_HITS: 'False',
  LOG_LISTENER_CONN_SUCCESS: 'False',
  ENABLE_UDP_LISTENER: 'False',
  // carbon's default True queues every new metric for graphite-web's tag database, which is not there.
  ENABLE_TAGS: 'False',
}

/** Wall-clock milliseconds with performance.now()'s resolution. */
export const nowMs = (): number => performance.timeOrigin + performance.now()
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** carbon serve with its defaults, then with the other log settings the issue asks to see beside them. */
export const CARBONKIT_VARIANTS = {
  carbonkit: [],
  'carbonkit --wal-sync always': ['--wal-sync', 'always'],
  'carbonkit --no-wal': ['--no-wal'],
} as const satisfies Record<string, readonly string[]>
export type CarbonkitName = keyof typeof CARBONKIT_VARIANTS
export type ServerName = CarbonkitName | 'carbon-cache' | 'go-carbon'

export function isCarbonkit(name: ServerName): name is CarbonkitName {
  return name in CARBONKIT_VARIANTS
}

export interface Server {
  name: ServerName
  /** The server process itself, for /proc/<pid>/status. */
  pid: number
  linePort: number
  picklePort: number
  dataDir: string
  /** Set when the process exited before we stopped it. */
  crashed(): string | undefined
  /** Anything in its log worth a look: errors, rejected input, a full cache, a lost connection. */
  notes(): string[]
  /** SIGTERM and wait; what went wrong while stopping. */
  stop(): Promise<string[]>
}

/** Server processes still running, killed if the benchmark itself dies. */
export const live = new Set<number>()
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

/** A field of /proc/<pid>/status in bytes (VmHWM: peak RSS; VmRSS: RSS now). */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`)
  return Number(match[1]) * 1024
}

/** The peak RSS must be the server's own: make sure the pid is not a wrapper around it. */
export function checkServerProcess(pid: number, expect: string): void {
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  const children = fs
    .readdirSync(`/proc/${pid}/task`)
    .map((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim())
    .join('')
  if (!cmdline.includes(expect) || children !== '') {
    throw new BenchFailure(
      `pid ${pid} is not the server process (${cmdline}; children: ${children || 'none'})`,
    )
  }
}

export function writeCarbonConf(file: string, settings: Record<string, string>): void {
  const lines = ['[cache]', ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`), '']
  fs.writeFileSync(file, lines.join('\n'))
}

export async function startCarbonkit(
  root: string,
  schemas: string,
  settings: Record<string, string>,
  name: CarbonkitName = 'carbonkit',
): Promise<Server> {
  const conf = path.join(root, 'conf')
  const storage = path.join(root, 'storage')
  fs.mkdirSync(conf, { recursive: true })
  writeCarbonConf(path.join(conf, 'carbon.conf'), {
    STORAGE_DIR: storage,
    LOCAL_DATA_DIR: path.join(storage, 'whisper'),
    LINE_RECEIVER_INTERFACE: '127.0.0.1',
    PICKLE_RECEIVER_INTERFACE: '127.0.0.1',
    CACHE_QUERY_INTERFACE: '127.0.0.1',
    ...settings,
  })
  fs.writeFileSync(path.join(conf, 'storage-schemas.conf'), schemas)
  // Ports 0 (startServe's default): the bound ports come from the 'listening' event.
  const serve = await startServe(
    { after: () => undefined },
    ['--config', path.join(conf, 'carbon.conf'), ...CARBONKIT_VARIANTS[name]],
    { baseEnv: benchEnv() },
  )
  const pid = serve.child.pid!
  live.add(pid)
  let stopping = false
  let crash: string | undefined
  void serve.exited.then(({ status, signal }) => {
    live.delete(pid)
    if (!stopping)
      crash = `carbon serve exited (status ${status}, signal ${signal}):\n${serve.stderr().slice(-2000)}`
  })
  checkServerProcess(pid, 'carbon.cjs')
  const worth = new Set([
    'write-error',
    'rejected',
    'cache-full',
    'cache-resumed',
    'config-warning',
    'reload-failed',
  ])
  return {
    name,
    pid,
    linePort: serve.ports.line!,
    picklePort: serve.ports.pickle!,
    dataDir: path.join(storage, 'whisper'),
    crashed: () => crash,
    notes: () => [
      ...serve.events.filter((e) => worth.has(e.type)).map((e) => JSON.stringify(e)),
      ...serve
        .stderr()
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('{')),
    ],
    async stop() {
      stopping = true
      const problems: string[] = []
      const timer = setTimeout(() => {
        problems.push('carbon serve did not exit within 120 s of SIGTERM: killed')
        serve.child.kill('SIGKILL')
      }, 120_000)
      const { status, signal } = await serve.stop('SIGTERM')
      clearTimeout(timer)
      if (status !== 0)
        problems.push(`carbon serve exited with status ${status} (signal ${signal}) on SIGTERM`)
      const stopped = serve.events.find((e) => e.type === 'stopped')
      if (!stopped) problems.push('carbon serve logged no "stopped" event')
      else if (Number(stopped.dumped) > 0)
        problems.push(`carbon serve dumped ${stopped.dumped} points on stop`)
      return problems
    },
  }
}

export async function startReference(
  root: string,
  schemas: string,
  settings: Record<string, string>,
): Promise<Server> {
  const cache = await startCarbonCache({
    root,
    settings,
    schemas,
    after: () => undefined,
    // --nodaemon: the foreground with carbon's normal logging, as it runs in production.
    debug: false,
    env: benchEnv(),
  })
  live.add(cache.pid)
  let stopping = false
  let crash: string | undefined
  void cache.exited.then(({ status, signal }) => {
    live.delete(cache.pid)
    if (!stopping)
      crash = `carbon-cache exited (status ${status}, signal ${signal}):\n${cache.log().slice(-2000)}`
  })
  checkServerProcess(cache.pid, 'carbon-cache')
  return {
    name: 'carbon-cache',
    pid: cache.pid,
    linePort: cache.linePort,
    picklePort: cache.picklePort,
    dataDir: cache.dataDir,
    crashed: () => crash,
    notes: () =>
      cache
        .log()
        .split('\n')
        .filter((line) => /traceback|error|exception|lost|full|invalid|refus/i.test(line)),
    async stop() {
      stopping = true
      await cache.stop()
      return []
    },
  }
}

/** go-carbon's configuration for the same job: no limits, `workers` writers, no carbonlink, no carbonserver. */
export function goCarbonConf(
  dataDir: string,
  schemasFile: string,
  linePort: number,
  picklePort: number,
  workers: number,
): string {
  return `[common]
user = ""
graph-prefix = "carbon.agents.{host}"
metric-endpoint = "local"
metric-interval = "1m0s"
max-cpu = 2

[whisper]
data-dir = "${dataDir}"
schemas-file = "${schemasFile}"
aggregation-file = ""
workers = ${workers}
max-updates-per-second = 0
sparse-create = false
enabled = true

[cache]
max-size = 0
write-strategy = "max"

[udp]
enabled = false

[tcp]
listen = "127.0.0.1:${linePort}"
enabled = true

[pickle]
listen = "127.0.0.1:${picklePort}"
max-message-size = 67108864
enabled = true

[carbonlink]
enabled = false

[grpc]
enabled = false

[tags]
enabled = false

[carbonserver]
enabled = false

[dump]
enabled = false

[pprof]
enabled = false

[[logging]]
logger = ""
file = "stderr"
level = "warn"
`
}

export async function startGoCarbon(root: string, schemas: string, workers: number): Promise<Server> {
  const dataDir = path.join(root, 'whisper')
  fs.mkdirSync(dataDir, { recursive: true })
  const schemasFile = path.join(root, 'storage-schemas.conf')
  fs.writeFileSync(schemasFile, schemas)
  const [linePort, picklePort] = [await freePort(), await freePort()]
  const conf = path.join(root, 'go-carbon.conf')
  fs.writeFileSync(conf, goCarbonConf(dataDir, schemasFile, linePort, picklePort, workers))
  const child = spawn(GO_CARBON_BIN!, ['-config', conf], {
    env: benchEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const pid = child.pid!
  live.add(pid)
  let stopping = false
  let crash: string | undefined
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (status, signal) => {
      live.delete(pid)
      if (!stopping) crash = `go-carbon exited (status ${status}, signal ${signal}):\n${log.slice(-2000)}`
      resolve()
    }),
  )
  const deadline = Date.now() + 30_000
  while (!((await canConnect(linePort)) && (await canConnect(picklePort)))) {
    if (crash) throw new BenchFailure(crash)
    if (Date.now() > deadline) throw new BenchFailure(`go-carbon did not listen within 30 s:\n${log}`)
    await sleep(100)
  }
  return {
    name: 'go-carbon',
    pid,
    linePort,
    picklePort,
    dataDir,
    crashed: () => crash,
    notes: () => log.split('\n').filter((line) => /error|panic|drop|overflow/i.test(line)),
    async stop() {
      stopping = true
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      await exited
      clearTimeout(timer)
      return []
    },
  }
}

// --- reading the files back ------------------------------------------------------------------------

/** Archive 0 of a whisper file, open, with the timestamp of its slot 0 (whisper's base interval). */
export interface Ring {
  fd: number
  offset: number
  secondsPerPoint: number
  points: number
  base: number
}

/** Undefined while the file is missing, still being created, or its archive 0 is empty. */
export function openRing(file: string): Ring | undefined {
  // Not an exception per missing file: the poller asks about thousands of them.
  if (!fs.existsSync(file)) return undefined
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const meta = Buffer.alloc(METADATA_SIZE)
    if (fs.readSync(fd, meta, 0, METADATA_SIZE, 0) === METADATA_SIZE) {
      const head = Buffer.alloc(headerSizeFor(decodeArchiveCount(meta, file)))
      fs.readSync(fd, head, 0, head.length, 0)
      const archive = decodeHeader(head, file, fs.fstatSync(fd).size).archives[0]!
      const slot0 = Buffer.alloc(POINT_SIZE)
      fs.readSync(fd, slot0, 0, POINT_SIZE, archive.offset)
      const base = decodePointTimestamp(slot0, 0)
      if (base !== 0) return { fd, ...archive, base }
    }
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error
  }
  fs.closeSync(fd)
  return undefined
}

export function slotOf(ring: Ring, timestamp: number): number {
  return mod(Math.floor((timestamp - ring.base) / ring.secondsPerPoint), ring.points)
}

const pointBytes = Buffer.alloc(POINT_SIZE)

/** One 12-byte read: does the ring hold this point? */
export function holds(ring: Ring, timestamp: number, value: number): boolean {
  fs.readSync(ring.fd, pointBytes, 0, POINT_SIZE, ring.offset + slotOf(ring, timestamp) * POINT_SIZE)
  return decodePointTimestamp(pointBytes, 0) === timestamp && decodePointValue(pointBytes, 0) === value
}

/** Every point of archive 0 in slot order, and the ring it came from; undefined as for openRing. */
export function readRing(file: string): { ring: Ring; bytes: Buffer } | undefined {
  const ring = openRing(file)
  if (!ring) return undefined
  const bytes = Buffer.alloc(ring.points * POINT_SIZE)
  fs.readSync(ring.fd, bytes, 0, bytes.length, ring.offset)
  fs.closeSync(ring.fd)
  return { ring, bytes }
}
