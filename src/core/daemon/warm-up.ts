// The main thread's share of the plaintext receive path, run on made-up points before the daemon
// listens. A fresh process compiles its hot code while the first burst arrives: V8's optimising
// compiles run on platform threads beside the main and parser threads, on a small machine taking the
// cores that the burst needs (serve.bench.ts: a cold burst accepted at 0.6-0.7x a warm one's rate).
// The parser thread warms its own side (warmUpParser); this does the rest, as a burst would: chunks
// framed into lines (LineFramer), logged (the write-ahead log's record and crc32), copied into a
// parser ring (SharedRing), and the parser's replies (cloned, as a message is) stored through the
// receiver's storeReply and a sink made by createReceiverSink: name resolution, the cache, counts,
// flow control, the persister's wake-up.
//
// Everything it touches is a throwaway of the daemon's classes, built as the daemon builds its own (V8
// keeps what it learns per function and per object shape, so that is what the daemon then runs): a
// cache, a log never opened (it writes nothing: no segment, no file), a persister never started (no
// writer), counters, a name cache. Nothing of it reaches the daemon's cache, log, counts or disk.
// It runs in slices, the event loop turning between them: a stop asked for meanwhile ends it at once.

import path from 'node:path'
import type { ConfigSet } from '../config/match.js'
import { AbortedError } from '../errors.js'
import { MetricCache } from './cache.js'
import type { DaemonSettings } from './daemon-settings.js'
import { FlowControl } from './flow-control.js'
import { createCounters } from './instrumentation.js'
import type { ParseReply } from './line-parse.js'
import { LineFramer, SharedRing } from './line-parse.js'
import { NameCache } from './name-cache.js'
import { Persister } from './persister.js'
import type { NameHandles } from './receiver.js'
import { storeReply } from './receiver.js'
import type { SinkParts } from './sink.js'
import { createReceiverSink } from './sink.js'
import { WAL_DIR, WriteAheadLog } from './wal.js'

/** Points stored per warm-up: V8 has optimised the store path by then (--trace-opt: after about 10,000). */
export const WARM_UP_POINTS = 24_000
/** More metrics than one slab of the cache's arena holds (4,096 chunks): the arena grows, as in a burst. */
const WARM_UP_NAMES = 4500
/** The metrics that get the points after the first round: dozens each. */
const HOT_NAMES = 500
/** Metrics written (taken from the cache, then settled) after each chunk. */
const TAKEN_PER_CHUNK = 50
/** Lines per chunk: about 64 KiB, what a socket read hands over. */
const LINES_PER_CHUNK = 1500

export interface WarmUpOptions {
  settings: DaemonSettings
  config: ConfigSet
  /** Seconds since the epoch (the made-up points' timestamps, `now` of the log's records). */
  clock: () => number
  /** A stop asked for: the warm-up ends at the next slice with AbortedError. */
  signal?: AbortSignal
  points?: number
}

export interface WarmUpReport {
  /** Points the throwaway cache took (all of them, or the store path was missed). */
  stored: number
  /** Lines framed, and bytes the throwaway log took. */
  lines: number
  loggedBytes: number
}

/**
 * Run the receive path's main-thread side on `points` made-up points, in slices of one chunk.
 * @throws AbortedError when `signal` stops it (between two slices)
 */
export async function warmUpReceivePath(options: WarmUpOptions): Promise<WarmUpReport> {
  const { settings, config, clock } = options
  const total = options.points ?? WARM_UP_POINTS
  const cache = new MetricCache({
    strategy: settings.writeStrategy,
    minTimestampLag: settings.minTimestampLag,
  })
  // Never opened: appends stay in memory, nothing is written (flush() has no segment to write to).
  const wal = new WriteAheadLog({
    dir: path.join(settings.storageDir, WAL_DIR),
    sync: settings.wal.sync,
    maxBytes: settings.wal.maxBytes,
    onEvent: () => undefined,
    onFlow: () => undefined,
    onSegment: () => undefined,
    onFault: () => undefined,
  })
  const walOn = settings.wal.enabled
  const flow = new FlowControl({
    cache,
    maxCacheSize: settings.maxCacheSize,
    wal,
    walOn,
    onEvent: () => undefined,
    onOverflow: () => undefined,
  })
  // Never started: no writer thread; its pumps find none to hand points to.
  const persister = new Persister({
    cache,
    workers: 0,
    workerUrl: new URL('data:,'),
    target: () => {
      throw new Error('the warm-up writes nothing')
    },
    maxUpdatesPerSecond: settings.maxUpdatesPerSecond,
    maxCreatesPerMinute: settings.maxCreatesPerMinute,
    autoflush: settings.autoflush,
    clock,
    events: { written: () => undefined, deferred: () => undefined, writerDied: () => undefined },
  })
  const names = new NameCache({
    dataDir: settings.dataDir,
    tagHashFilenames: settings.tagHashFilenames,
    useWhitelist: settings.useWhitelist,
    config: () => config,
  })
  let refused = 0
  // The daemon's totals have this shape: the sink's code sees one shape in both.
  const totals = { received: 0, written: 0, rejected: new Map<string, number>() }
  const parts: SinkParts = {
    cache,
    wal: walOn ? wal : undefined,
    counters: createCounters(),
    totals,
    flow,
    persister,
    names,
    reject: () => void refused++,
    fault: (_where, error) => {
      throw error
    },
    resolution: settings.minTimestampResolution,
  }
  // Two sinks taking turns: a call site that saw one closure only is compiled for that very closure,
  // and the daemon's own (of the same code) would undo it; two teach V8 to expect any of them.
  const sinks = [createReceiverSink(parts), createReceiverSink(parts)] as const

  const ring = new SharedRing(1 << 20)
  // Two copies of the parser's name table, taking turns: the receiver's first reply finds a table new
  // to it (storeReply then starts its handles over), the next ones the same table, and V8 must have
  // seen both.
  const tables: [string[], string[]] = [[], []]
  const handles: NameHandles = { handles: [], of: undefined, generation: -1 }
  let lines = 0
  let framed = 0
  const framer = new LineFramer(1 << 16, {
    lines(bytes, start, end) {
      const now = clock()
      sinks[framed++ & 1]!.received('line', bytes, start, end, now, true)
      // As ParserThread.postLines: the lines go into the ring, and out when the reply comes.
      ring.put(bytes.subarray(start, end))
      ring.release()
    },
    tooLong: () => undefined,
  })

  const base = Math.floor(clock() / 10) * 10 - 3600
  const madeUpNames = Array.from(
    { length: WARM_UP_NAMES },
    (_, id) => `carbonkit.warm-up.host-${String(id % 100).padStart(2, '0')}.metric-${Math.floor(id / 100)}`,
  )
  // The bytes a socket hands over: one chunk of lines, framed and logged again for every slice (what
  // the framer, the log and the ring do with bytes does not depend on what they say; the points
  // stored are each slice's own).
  let text = ''
  for (let i = 0; i < LINES_PER_CHUNK; i++)
    text += `${madeUpNames[i % WARM_UP_NAMES]!} ${((i * 7919) % 1_000_000) / 100} ${base}\n`
  const chunk = Buffer.from(text)
  // Cut where a socket read could: the framer holds the partial line over to the next push.
  const cut = chunk.length >> 1
  for (let first = 0; first < total; first += LINES_PER_CHUNK) {
    if (first > 0) await new Promise((resolve) => setImmediate(resolve))
    if (options.signal?.aborted) throw new AbortedError('stopped while starting')
    const n = Math.min(LINES_PER_CHUNK, total - first)
    const { points, fresh } = madeUpPoints(first, n, tables[0].length, base, madeUpNames)
    framer.push(chunk.subarray(0, cut))
    framer.push(chunk.subarray(cut))
    lines += LINES_PER_CHUNK
    // The reply as the parser thread's message arrives (a structured clone, its points moved).
    const message: ParseReply = {
      conn: 1,
      points,
      reset: false,
      names: fresh,
      extra: [],
      rejects: [],
      ended: false,
    }
    const reply = structuredClone(message, { transfer: [points.buffer as ArrayBuffer] })
    for (const name of reply.names) for (const table of tables) table.push(name)
    const slice = first / LINES_PER_CHUNK
    const sink = sinks[slice & 1]!
    // A new table every 4 replies: storeReply sees both, a table it knows and one it does not.
    const table = tables[(slice >> 2) & 1]!
    sink.store!(sink.epoch!(), () => storeReply(sink, handles, reply, table, 'warm-up'))
    // As the persister does meanwhile: metrics taken for a write, then written (their chunks freed,
    // their next points in new queues).
    for (let taken = 0; taken < TAKEN_PER_CHUNK; taken++) {
      const next = cache.drain(Infinity)
      if (next === undefined) break
      cache.pointsToWrite(next.points)
      cache.settled(next.metric, next.points)
    }
  }
  framer.end()
  const report = { stored: totals.received, lines, loggedBytes: wal.bytes }
  if (refused > 0) throw new Error(`the warm-up's points were refused (${refused})`)
  return report
}

/**
 * Points `first` to `first + n - 1` of the warm-up as the parser thread answers them ([name id, value,
 * timestamp] each; `fresh`: the names new since the `known` first ones). A function of its own, so
 * that the warm-up's loop is not what V8 compiles.
 */
function madeUpPoints(
  first: number,
  n: number,
  known: number,
  base: number,
  names: readonly string[],
): { points: Float64Array; fresh: string[] } {
  const points = new Float64Array(3 * n)
  const fresh: string[] = []
  for (let k = 0; k < n; k++) {
    const i = first + k
    // Every name once, then the first HOT_NAMES over and over: a metric's points fill chunk after
    // chunk of the arena, as in a burst.
    const id = i < names.length ? i : i % HOT_NAMES
    if (id === known + fresh.length) fresh.push(names[id]!)
    points[3 * k] = id
    points[3 * k + 1] = ((i * 7919) % 1_000_000) / 100
    points[3 * k + 2] = base + 10 * i
  }
  return { points, fresh }
}
