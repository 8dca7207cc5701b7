// What the receivers hand their bytes and points to: the write-ahead log first, then the cache (with
// the counts, flow control and the persister's wake-up). One factory for the daemon's sink and for the
// start-up warm-up's (warm-up.ts), which gets throwaway parts of the same classes: V8 keeps what it
// learns per function, so both run the same closures, and the warm-up's optimised code is the
// daemon's.

import type { MetricCache } from './cache.js'
import type { FlowControl } from './flow-control.js'
import type { Counters } from './instrumentation.js'
import type { NameCache, Resolved } from './name-cache.js'
import type { Persister } from './persister.js'
import type { ReceiverSink } from './receiver.js'
import type { WriteAheadLog } from './wal.js'

export interface SinkParts {
  cache: MetricCache
  /** The log the received bytes go to first; undefined: the log is off. */
  wal: WriteAheadLog | undefined
  counters: Counters
  /** Points received since the start (the daemon's totals). */
  totals: { received: number }
  flow: FlowControl
  persister: Persister
  names: NameCache
  reject: (protocol: string, reason: string, detail: string, peer: string) => void
  fault: (where: string, error: unknown) => void
  /** MIN_TIMESTAMP_RESOLUTION (0: none). */
  resolution: number
}

export function createReceiverSink(parts: SinkParts): ReceiverSink {
  const { cache, wal, counters, totals, flow, persister, names, reject, resolution } = parts
  const resolve = (raw: string): Resolved => names.resolve(raw)
  // Per point: the store alone. The counts, flow control and the persister's wake-up are per batch
  // (stored): nothing reads them between two points of one batch.
  const storeVia = (handle: object, value: number, timestamp: number): boolean => {
    const resolved = handle as Resolved
    if (resolved.reason !== null) {
      if (resolved.reason === 'blacklisted') counters.blacklistMatches++
      else if (resolved.reason === 'not-whitelisted') counters.whitelistRejects++
      reject('any', resolved.reason, resolved.detail, '')
      return false
    }
    if (resolution > 0) timestamp = Math.floor(Math.trunc(timestamp) / resolution) * resolution
    cache.storeVia(resolved, timestamp, value)
    return true
  }
  const stored = (count: number): void => {
    if (count === 0) return
    counters.metricsReceived += count
    totals.received += count
    flow.stored()
    persister.schedule()
  }
  return {
    // What a receiver read goes to the log as it came, before it is parsed.
    received:
      wal !== undefined
        ? (format, bytes, start, end, now, stable) =>
            wal.appendReceived(format, now, bytes, start, end, stable)
        : () => undefined,
    point(metric, value, timestamp) {
      if (storeVia(resolve(metric), value, timestamp)) stored(1)
    },
    resolve,
    nameGeneration: () => names.generation,
    storeVia,
    stored,
    reject,
    full: () => flow.full(),
    acknowledge: wal !== undefined ? (done) => wal.barrier(done) : (done) => queueMicrotask(done),
    fault: parts.fault,
    epoch: () => cache.epoch,
    // Points parsed on the parser thread arrive after later bytes were logged: their queues take the
    // segment their own bytes went to (cache.ts keeps the lower epoch).
    store(epoch, apply) {
      const current = cache.epoch
      if (epoch < current) cache.epoch = epoch
      try {
        apply()
      } finally {
        cache.epoch = current
      }
    },
  }
}
