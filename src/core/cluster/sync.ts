// `carbon sync`: heal a node from its replica, carbonate's carbon-sync without rsync. For each metric
// of the source node (matching a Graphite glob), its file is read over the admin API and the target
// node's copy is filled with it: created when absent, else only its gaps are written (the target's own
// points win). Nothing is ever deleted. Idempotent: a second run writes nothing.

import { AbortedError } from '../errors.js'
import { AdminClient } from '../http/admin-client.js'
import type { NodeAddressing } from './nodes.js'
import { resolveNodeUrls } from './nodes.js'
import type { Clock, Rate } from './rate.js'
import { REAL_CLOCK, Throttle } from './rate.js'

export interface SyncOptions extends NodeAddressing {
  from: string
  to: string
  glob?: string
  token: string
  rate?: Rate
  concurrency?: number
  timeoutMs?: number
  clock?: Clock
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

export interface SyncResult {
  from: string
  to: string
  glob: string | null
  /** Metrics of the source (matching the glob). */
  metrics: number
  /** Metrics looked at this run (all of them unless interrupted). */
  synced: number
  /** Files the target did not have, created whole. */
  created: number
  /** Existing files that got points. */
  filledFiles: number
  filledPoints: number
  /** Metrics the source listed but no longer had when read. */
  vanished: number
  bytesRead: number
  elapsedMs: number
}

const DEFAULT_CONCURRENCY = 8

/**
 * Fill `options.to` from `options.from`.
 * @throws InvalidArgumentError for nodes without a URL, UnavailableError when a node fails,
 * AbortedError when `options.signal` fires (saying how far it got; filled files stay filled).
 */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const clock = options.clock ?? REAL_CLOCK
  const started = clock.now()
  const urls = resolveNodeUrls([options.from, options.to], options)
  const client = (member: string): AdminClient =>
    new AdminClient({
      url: urls.get(member)!,
      label: member,
      token: options.token,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    })
  const from = client(options.from)
  const to = client(options.to)
  const result: SyncResult = {
    from: options.from,
    to: options.to,
    glob: options.glob ?? null,
    metrics: 0,
    synced: 0,
    created: 0,
    filledFiles: 0,
    filledPoints: 0,
    vanished: 0,
    bytesRead: 0,
    elapsedMs: 0,
  }
  try {
    const metrics = await from.listMetrics(options.glob)
    result.metrics = metrics.length
    const throttle = new Throttle(options.rate, clock)
    let next = 0
    options.onProgress?.(0, metrics.length)
    const worker = async (): Promise<void> => {
      for (;;) {
        if (options.signal?.aborted) return
        const metric = metrics[next++]
        if (!metric) return
        await throttle.take(metric.bytes, options.signal)
        const copy = await from.getFile(metric.name)
        if (copy === null) {
          result.vanished++
        } else {
          result.bytesRead += copy.bytes.byteLength
          const answer = await to.fill(metric.name, copy.bytes)
          if (answer.created) result.created++
          else if (answer.filled > 0) result.filledFiles++
          result.filledPoints += answer.filled
        }
        result.synced++
        options.onProgress?.(result.synced, metrics.length)
      }
    }
    try {
      await Promise.all(Array.from({ length: options.concurrency ?? DEFAULT_CONCURRENCY }, worker))
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error
    }
    if (options.signal?.aborted)
      throw new AbortedError(
        `interrupted: sync looked at ${result.synced} of ${result.metrics} metrics ` +
          `(${result.created} created, ${result.filledPoints} points filled); run it again to finish`,
      )
    result.elapsedMs = clock.now() - started
    return result
  } finally {
    from.close()
    to.close()
  }
}
