// The cache between the receivers and the writers: points held per metric until they are written.
// Stores are O(1) appends into per-metric arrays; the write strategy picks which metric to write
// next. Points handed to a writer stay visible to CarbonLink ("in flight") until the write is done,
// so graphite-web never sees a point vanish between the cache and the file.

import type { WriteStrategy } from './settings.js'

/** A metric's points: timestamps and values side by side, in arrival order. */
export interface MetricPoints {
  timestamps: number[]
  values: number[]
}

interface Queue extends MetricPoints {
  /** The oldest timestamp held (timesorted). */
  oldest: number
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
    let queue = this.queues.get(metric)
    if (queue === undefined) {
      queue = { timestamps: [], values: [], oldest: timestamp }
      this.queues.set(metric, queue)
    } else if (timestamp < queue.oldest) {
      queue.oldest = timestamp
    }
    queue.timestamps.push(timestamp)
    queue.values.push(value)
    this.size++
  }

  /** Everything held and in flight for a metric (CarbonLink), timestamps ascending, the last value of a repeated timestamp winning. */
  query(metric: string): [number, number][] {
    const parts: MetricPoints[] = [...(this.inflight.get(metric) ?? [])]
    const queue = this.queues.get(metric)
    if (queue) parts.push(queue)
    const byTimestamp = new Map<number, number>()
    for (const part of parts)
      for (let i = 0; i < part.timestamps.length; i++) byTimestamp.set(part.timestamps[i]!, part.values[i]!)
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
    for (let i = 0; i < points.timestamps.length; i++)
      this.store(metric, points.timestamps[i]!, points.values[i]!)
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
    this.size -= queue.timestamps.length
    const points: MetricPoints = { timestamps: queue.timestamps, values: queue.values }
    const list = this.inflight.get(metric)
    if (list) list.push(points)
    else this.inflight.set(metric, [points])
    return points
  }

  private resnapshot(): void {
    const entries = [...this.queues]
    switch (this.options.strategy) {
      case 'sorted':
        entries.sort((a, b) => b[1].timestamps.length - a[1].timestamps.length)
        break
      case 'timesorted':
        entries.sort((a, b) => a[1].oldest - b[1].oldest)
        break
      case 'max': {
        // The single fullest queue, every time (carbon's max: O(n) per pick).
        let best = entries[0]
        for (const entry of entries) if (entry[1].timestamps.length > best![1].timestamps.length) best = entry
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
  const n = points.timestamps.length
  let ascending = true
  for (let i = 1; i < n; i++) {
    if (!(points.timestamps[i]! > points.timestamps[i - 1]!)) {
      ascending = false
      break
    }
  }
  if (ascending) {
    const out = new Float64Array(n * 2)
    for (let i = 0; i < n; i++) {
      out[2 * i] = points.timestamps[i]!
      out[2 * i + 1] = points.values[i]!
    }
    return out
  }
  const byTimestamp = new Map<number, number>()
  for (let i = 0; i < n; i++) byTimestamp.set(points.timestamps[i]!, points.values[i]!)
  const sorted = [...byTimestamp.entries()].sort((a, b) => a[0] - b[0])
  const out = new Float64Array(sorted.length * 2)
  sorted.forEach(([t, v], i) => {
    out[2 * i] = t
    out[2 * i + 1] = v
  })
  return out
}
