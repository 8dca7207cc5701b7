// The cache between the receivers and the writers: points held per metric until they are written.
// Stores are O(1) appends to one array per metric (timestamp, value, timestamp, value...: 16 bytes a
// point); the write strategy picks which metric to write next. Plain arrays, not typed arrays: under
// steady load most queues live for a second or two, and an off-heap buffer per queue (freed only by a
// later full collection) cost the 5-minute soak about 80 MiB more than short-lived heap arrays. Points handed to a writer stay visible to CarbonLink ("in flight") until the write is done,
// so graphite-web never sees a point vanish between the cache and the file.

import type { WriteStrategy } from './settings.js'

/** A metric's points in arrival order: `pairs[2i]` is a timestamp, `pairs[2i + 1]` its value, for i < count. */
export interface MetricPoints {
  pairs: number[]
  count: number
}

/** Points from separate lists (dumps, tests). */
export function metricPoints(timestamps: readonly number[], values: readonly number[]): MetricPoints {
  const pairs: number[] = []
  for (let i = 0; i < timestamps.length; i++) pairs.push(timestamps[i]!, values[i]!)
  return { pairs, count: timestamps.length }
}

interface Queue extends MetricPoints {
  /** The oldest timestamp held (timesorted). */
  oldest: number
  /** Handed to a writer: points stored from now on go to a new queue. */
  taken: boolean
}

/** A caller's reference to a metric's queue (see storeVia); the cache fills in `queue`. */
export interface QueueHandle {
  readonly name: string
  queue?: Queue | undefined
}

export interface CacheOptions {
  strategy: WriteStrategy
  /** timesorted: a metric is written only when its oldest point is more than this many seconds old. */
  minTimestampLag: number
}

export class MetricCache {
  private readonly queues = new Map<string, Queue>()
  private readonly inflight = new Map<string, MetricPoints[]>()
  private snapshot: string[] = []
  private snapshotAt = 0
  /** Points held (not counting the ones in flight). */
  size = 0

  constructor(private readonly options: CacheOptions) {}

  get metrics(): number {
    return this.queues.size
  }

  store(metric: string, timestamp: number, value: number): void {
    this.append(this.queueOf(metric, timestamp), timestamp, value)
  }

  /**
   * store() for a caller that keeps a handle per metric (the receivers' name table): the handle
   * remembers the metric's queue, which saves looking it up by name for every point.
   */
  storeVia(handle: QueueHandle, timestamp: number, value: number): void {
    let queue = handle.queue
    if (queue === undefined || queue.taken) handle.queue = queue = this.queueOf(handle.name, timestamp)
    this.append(queue, timestamp, value)
  }

  private queueOf(metric: string, timestamp: number): Queue {
    let queue = this.queues.get(metric)
    if (queue === undefined) {
      queue = { pairs: [], count: 0, oldest: timestamp, taken: false }
      this.queues.set(metric, queue)
    }
    return queue
  }

  private append(queue: Queue, timestamp: number, value: number): void {
    if (timestamp < queue.oldest) queue.oldest = timestamp
    queue.pairs.push(timestamp, value)
    queue.count++
    this.size++
  }

  /** Everything held and in flight for a metric (CarbonLink), timestamps ascending, the last value of a repeated timestamp winning. */
  query(metric: string): [number, number][] {
    const parts: MetricPoints[] = [...(this.inflight.get(metric) ?? [])]
    const queue = this.queues.get(metric)
    if (queue) parts.push(queue)
    const byTimestamp = new Map<number, number>()
    for (const { pairs, count } of parts)
      for (let i = 0; i < count; i++) byTimestamp.set(pairs[2 * i]!, pairs[2 * i + 1]!)
    return [...byTimestamp.entries()].sort((a, b) => a[0] - b[0])
  }

  /**
   * Take the next metric to write, by the write strategy, or undefined when none is due. `skip`
   * leaves metrics that cannot be written now (no create token) in the cache.
   */
  drain(
    now: number,
    skip?: (metric: string) => boolean,
  ): { metric: string; points: MetricPoints } | undefined {
    for (let attempts = 0; attempts < 2; attempts++) {
      while (this.snapshot.length > this.snapshotAt) {
        const metric = this.snapshot[this.snapshotAt++]!
        const queue = this.queues.get(metric)
        if (!queue) continue
        if (this.options.strategy === 'timesorted' && now - queue.oldest <= this.options.minTimestampLag)
          continue
        if (skip?.(metric)) continue
        return { metric, points: this.take(metric, queue) }
      }
      if (this.queues.size === 0) return undefined
      this.resnapshot()
    }
    return undefined
  }

  /** Take every metric at once (shutdown: the lag no longer matters). */
  *drainAll(): Generator<{ metric: string; points: MetricPoints }> {
    for (const [metric, queue] of [...this.queues]) yield { metric, points: this.take(metric, queue) }
  }

  /** The points handed to a writer are written: forget them. */
  settled(metric: string, points: MetricPoints): void {
    const list = this.inflight.get(metric)
    if (!list) return
    const at = list.indexOf(points)
    if (at >= 0) list.splice(at, 1)
    if (list.length === 0) this.inflight.delete(metric)
  }

  /** Put points back (a write that could not happen now): they keep their place in the metric's queue. */
  restore(metric: string, points: MetricPoints): void {
    this.settled(metric, points)
    for (let i = 0; i < points.count; i++) this.store(metric, points.pairs[2 * i]!, points.pairs[2 * i + 1]!)
  }

  /** Everything not yet written: held and in flight (for the shutdown dump). */
  *unwritten(): Generator<[string, MetricPoints]> {
    for (const [metric, list] of this.inflight) for (const points of list) yield [metric, points]
    for (const [metric, queue] of this.queues) yield [metric, queue]
  }

  /** Whether a write of this metric is under way. */
  inflightHas(metric: string): boolean {
    return this.inflight.has(metric)
  }

  get inflightMetrics(): number {
    return this.inflight.size
  }

  private take(metric: string, queue: Queue): MetricPoints {
    this.queues.delete(metric)
    queue.taken = true
    this.size -= queue.count
    const points: MetricPoints = { pairs: queue.pairs, count: queue.count }
    const list = this.inflight.get(metric)
    if (list) list.push(points)
    else this.inflight.set(metric, [points])
    return points
  }

  private resnapshot(): void {
    const entries = [...this.queues]
    switch (this.options.strategy) {
      case 'sorted':
        entries.sort((a, b) => b[1].count - a[1].count)
        break
      case 'timesorted':
        entries.sort((a, b) => a[1].oldest - b[1].oldest)
        break
      case 'max': {
        // The single fullest queue, every time (carbon's max: O(n) per pick).
        let best = entries[0]
        for (const entry of entries) if (entry[1].count > best![1].count) best = entry
        this.snapshot = best ? [best[0]] : []
        this.snapshotAt = 0
        return
      }
      case 'naive':
        break
    }
    this.snapshot = entries.map(([metric]) => metric)
    this.snapshotAt = 0
  }
}

/**
 * The points to write for a metric: timestamps ascending, the last value received for a repeated
 * timestamp winning (carbon keeps them in a dict keyed by timestamp).
 */
export function pointsToWrite(points: MetricPoints): Float64Array {
  const { pairs, count } = points
  let ascending = true
  for (let i = 1; i < count; i++) {
    if (!(pairs[2 * i]! > pairs[2 * i - 2]!)) {
      ascending = false
      break
    }
  }
  if (ascending) {
    const out = new Float64Array(count * 2)
    for (let i = 0; i < count * 2; i++) out[i] = pairs[i]!
    return out
  }
  const byTimestamp = new Map<number, number>()
  for (let i = 0; i < count; i++) byTimestamp.set(pairs[2 * i]!, pairs[2 * i + 1]!)
  const sorted = [...byTimestamp.entries()].sort((a, b) => a[0] - b[0])
  const out = new Float64Array(sorted.length * 2)
  sorted.forEach(([t, v], i) => {
    out[2 * i] = t
    out[2 * i + 1] = v
  })
  return out
}
