// Does `carbon serve` give memory back when metrics go idle? A real daemon (bin/carbon.cjs), real
// sockets and real files: a warm-up set of metrics is sent, written and left to go idle, and the
// RSS is read (VmRSS, /proc/<pid>/status): "before". Then `metrics` new distinct metrics, one point
// each, are sent over one plaintext connection and written (every file counted in its directory),
// and left idle: the daemon's sweeps (CARBONKIT_SWEEP_SECONDS, 1 s here instead of 60) forget them
// after two turns, and it gives their memory back. "before" and "after" are measured alike: when the
// daemon says (its `reclaimed` event) that the metrics are forgotten, the churn is over (a sweep forgot
// nothing more) and the memory given back, its reclaim done (it waits for the writer threads it
// replaced to exit and for the parser thread's collection). Shared by the e2e test (100,000 metrics)
// and the serve-memory benchmark (1,000,000).

import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Serve } from './serve.js'
import { startServe, writeServeConfig } from './serve.js'

export interface MemoryOptions {
  root: string
  metrics: number
  /** The HTTP read API on (its index keeps every metric's name: memory it needs to answer finds). */
  http: boolean
  /** RSS may come back to `before` plus this much. */
  allowanceBytes: number
  /** Bounds the wait for the daemon's word that it gave the memory back (a hang), not a measure. */
  settleSeconds?: number
  sweepSeconds?: number
  baseEnv?: NodeJS.ProcessEnv
  log?: (line: string) => void
  /** Called with the daemon's pid at each measurement (a diagnosis: smaps, a heap snapshot). */
  inspect?: (pid: number, stage: 'before' | 'written' | 'after') => Promise<void> | void
}

export interface MemoryResult {
  beforeBytes: number
  /** VmHWM once the metrics are written. */
  peakBytes: number
  /** RSS once the metrics are written, before they go idle. */
  writtenBytes: number
  afterBytes: number
  /** Seconds from the first byte sent to the last file on disk. */
  writeSeconds: number
  /** Seconds from the last file on disk to the end of the measure (two sweeps after the settled reclaim). */
  settleSeconds: number
  files: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A field of /proc/<pid>/status in bytes. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    fs.readFileSync(`/proc/${pid}/status`, 'utf8'),
  )
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`)
  return Number(match[1]) * 1024
}

/** 1,000 directories: prefix.d042.m123456. */
function metricName(prefix: string, m: number): string {
  return `${prefix}.d${String(m % 1000).padStart(3, '0')}.m${m}`
}

/** Send `count` metrics, one point each, on one connection; resolves when the server has closed it. */
async function sendMetrics(port: number, prefix: string, count: number, timestamp: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.resume()
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('close', () => resolve())
  })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  for (let at = 0; at < count; at += 10_000) {
    let text = ''
    for (let m = at; m < Math.min(count, at + 10_000); m++)
      text += `${metricName(prefix, m)} ${m % 97} ${timestamp}\n`
    if (!socket.write(text)) await new Promise((resolve) => socket.once('drain', resolve))
  }
  socket.end()
  await closed
}

/** Files under `dir` (prefix's 1,000 directories), counted by readdir. */
function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0
  let n = 0
  for (const sub of fs.readdirSync(dir)) n += fs.readdirSync(path.join(dir, sub)).length
  return n
}

async function waitForFiles(dir: string, count: number, crashed: () => string | undefined): Promise<void> {
  let last = -1
  let lastChangeMs = Date.now()
  for (;;) {
    const n = countFiles(dir)
    if (n === count) return
    const problem = crashed()
    if (problem) throw new Error(problem)
    if (n !== last) [last, lastChangeMs] = [n, Date.now()]
    else if (Date.now() - lastChangeMs > 60_000)
      throw new Error(`${n} of ${count} files after 60 s without progress`)
    await sleep(n === 0 ? 200 : 1000)
  }
}

/** A `reclaimed` event: the daemon gave memory back after a churn of names (its log, JSON). */
interface Reclaimed {
  type: string
  time?: string
  names?: number
  files?: number
  settled?: boolean
}

/** When the last of the files under `dir` was written (their newest mtime). */
function lastWriteMs(dir: string): number {
  let newest = 0
  for (const sub of fs.readdirSync(dir))
    for (const file of fs.readdirSync(path.join(dir, sub)))
      newest = Math.max(newest, fs.statSync(path.join(dir, sub, file)).mtimeMs)
  return newest
}

/**
 * The daemon's word that a churn is over and its memory given back: a `reclaimed` event logged after
 * the last file under `dir` was written, settled (a sweep forgot nothing more), with at most `known`
 * names and files still known. A condition, not a clock: `seconds` only bounds a hang. While writes
 * lag, a sweep can forget nothing (nothing was written two sweeps before) and find few files known:
 * only the word after the last write counts.
 */
async function reclaimDone(serve: Serve, dir: string, known: number, seconds: number): Promise<void> {
  const after = lastWriteMs(dir)
  const matches = (e: Reclaimed): boolean =>
    e.type === 'reclaimed' &&
    e.settled === true &&
    (e.names ?? 0) + (e.files ?? 0) <= known &&
    Date.parse(e.time ?? '') >= after
  await serve.waitFor(matches, seconds * 1000)
}

/**
 * The lowest VmRSS sampled every 250 ms for `seconds` once the reclaim is done: "before" and "after"
 * alike, so that neither is a sample taken while a timer of the daemon (its self-metrics, a walk of
 * the HTTP index) briefly holds more.
 */
async function lowest(pid: number, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000
  let low = procStatus(pid, 'VmRSS')
  while (Date.now() < deadline) {
    await sleep(250)
    low = Math.min(low, procStatus(pid, 'VmRSS'))
  }
  return low
}

export async function measureIdleMemory(
  t: Pick<TestContext, 'after'>,
  options: MemoryOptions,
): Promise<MemoryResult> {
  const log = options.log ?? (() => undefined)
  const sweepSeconds = options.sweepSeconds ?? 1
  const settleSeconds = options.settleSeconds ?? 300
  const conf = writeServeConfig(options.root, {
    settings: {
      MAX_UPDATES_PER_SECOND: 'inf',
      MAX_CREATES_PER_MINUTE: 'inf',
      MAX_CACHE_SIZE: 'inf',
      WHISPER_SPARSE_CREATE: 'False',
    },
    // 88-byte files: the test is about the daemon's memory, not the disk's.
    schemas: '[default]\npattern = .*\nretentions = 60s:5m\n',
  })
  const dataDir = path.join(options.root, 'storage', 'whisper')
  const serve = await startServe(t, ['--config', conf, ...(options.http ? [] : ['--http-port', '-1'])], {
    env: { CARBONKIT_SWEEP_SECONDS: String(sweepSeconds) },
    baseEnv: options.baseEnv,
  })
  let exited: string | undefined
  void serve.exited.then(
    ({ status, signal }) =>
      (exited = `carbon serve exited (${status}, ${signal}): ${serve.stderr().slice(-2000)}`),
  )
  const crashed = (): string | undefined => exited
  const pid = serve.child.pid!
  const timestamp = Math.floor(Date.now() / 1000 / 60) * 60 - 60
  // What may still be known once a churn is forgotten: the daemon's own metrics (a few dozen).
  const known = 1000

  // Warm-up: the code paths, the writer threads and the pools every later metric uses.
  // As many as make a sweep give memory back: "before" is measured as "after" will be, once the
  // daemon says the warm-up's metrics are forgotten and their memory given back.
  const warm = 10_000
  await sendMetrics(serve.ports.line!, 'warm', warm, timestamp)
  await waitForFiles(path.join(dataDir, 'warm'), warm, crashed)
  await reclaimDone(serve, path.join(dataDir, 'warm'), known, settleSeconds)
  const warmReclaimedBytes = procStatus(pid, 'VmRSS')
  const beforeBytes = await lowest(pid, 2 * sweepSeconds)
  log(
    `before: ${mib(beforeBytes)} (${mib(warmReclaimedBytes)} when the daemon said it was done with ${warm.toLocaleString('en')} warm-up metrics)`,
  )
  await options.inspect?.(pid, 'before')

  const startedMs = Date.now()
  await sendMetrics(serve.ports.line!, 'mem', options.metrics, timestamp)
  log(
    `sent ${options.metrics.toLocaleString('en')} metrics in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
  )
  await waitForFiles(path.join(dataDir, 'mem'), options.metrics, crashed)
  const writtenMs = Date.now()
  const peakBytes = procStatus(pid, 'VmHWM')
  const writtenBytes = procStatus(pid, 'VmRSS')
  log(
    `written in ${((writtenMs - startedMs) / 1000).toFixed(1)} s: RSS ${mib(writtenBytes)}, peak ${mib(peakBytes)}`,
  )
  await options.inspect?.(pid, 'written')
  // Measured once the daemon has forgotten them and says it has given their memory back (its last
  // reclaim waits for the writers it replaced to exit and for the parser thread's collection).
  await reclaimDone(serve, path.join(dataDir, 'mem'), known, settleSeconds)
  const reclaimedBytes = procStatus(pid, 'VmRSS')
  const afterBytes = await lowest(pid, 2 * sweepSeconds)
  log(
    `after: ${mib(afterBytes)} (${mib(reclaimedBytes)} when the daemon said it was done), ${((Date.now() - writtenMs) / 1000).toFixed(1)} s after the last file was written`,
  )
  await options.inspect?.(pid, 'after')
  const result: MemoryResult = {
    beforeBytes,
    peakBytes,
    writtenBytes,
    afterBytes,
    writeSeconds: (writtenMs - startedMs) / 1000,
    settleSeconds: (Date.now() - writtenMs) / 1000,
    files: options.metrics,
  }
  const { status } = await serve.stop('SIGTERM')
  if (status !== 0)
    throw new Error(`carbon serve exited ${status} on SIGTERM: ${serve.stderr().slice(-2000)}`)
  return result
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}
