// The cache between the receivers and the writers: points held per metric until they are written.
// Points live outside the JS heap, in one arena of fixed chunks (8 points, 128 bytes) linked per
// metric: a store is an O(1) append, a written metric's chunks go back to a free list, and the heap
// holds one small queue object per metric, not the points. The arena keeps its peak size (memory
// stays flat under steady load) and the young generation sees no point survive, so it stays small
// (heap arrays per metric were 16 MiB of doubles promoted per million points and grew V8's young
// generation to its 32 MiB maximum; a typed array per queue cost the soak 80 MiB in backing stores
// waiting for a full collection). The write strategy picks which metric to write next. Points handed
// to a writer stay in their chunks, visible to CarbonLink ("in flight"), until the write is done, so
// graphite-web never sees a point vanish between the cache and the file.

import type { WriteStrategy } from './daemon-settings.js'

/** A metric's points in arrival order: `pairs[2i]` is a timestamp, `pairs[2i + 1]` its value, for i < count. */
export interface MetricPoints {
  pairs: ArrayLike<number>
  count: number
}

const CHUNK_POINTS = 8
const CHUNK_DOUBLES = 2 * CHUNK_POINTS
const SLAB_SHIFT = 12
/** Chunks per slab: 4096 x 128 bytes = 512 KiB of points, allocated as the cache first needs it. */
const SLAB_CHUNKS = 1 << SLAB_SHIFT
const SLAB_MASK = SLAB_CHUNKS - 1

/**
 * A slab's memory as malloc gives it, not zeroed (Buffer.allocUnsafeSlow: a typed array of its own
 * memsets its 512 KiB: about 5% of the main thread's time in a burst that grows the arena, perf): a chunk's
 * points are written before they are read (count says how many), and alloc() sets its link.
 */
function newSlab(): Float64Array {
  return new Float64Array(Buffer.allocUnsafeSlow(SLAB_CHUNKS * CHUNK_DOUBLES * 8).buffer)
}

function newLinks(): Int32Array {
  return new Int32Array(Buffer.allocUnsafeSlow(SLAB_CHUNKS * 4).buffer)
}

/** Fixed-size chunks of (timestamp, value) pairs, each with a link to the next chunk of its list. */
class PointArena {
  private readonly slabs: Float64Array[] = []
  private readonly links: Int32Array[] = []
  private freeHead = -1
  private bumped = 0

  constructor() {
    // The first slab now (reset() keeps it too): the arrays hold slabs from the start, and code
    // optimised on one arena (the start-up warm-up's) is not undone by the next one's first store.
    this.slabs.push(newSlab())
    this.links.push(newLinks())
  }

  /** A chunk with no successor. */
  alloc(): number {
    let chunk = this.freeHead
    if (chunk >= 0) {
      this.freeHead = this.next(chunk)
    } else {
      chunk = this.bumped++
      if (chunk >>> SLAB_SHIFT === this.slabs.length) {
        this.slabs.push(newSlab())
        this.links.push(newLinks())
      }
    }
    this.link(chunk, -1)
    return chunk
  }

  /**
   * Every chunk is free (the cache holds nothing): keep the first slab, let the others go. Chunks
   * cannot move (queues hold their numbers), so this is the one moment the arena can shrink; a
   * million metrics that were written and went idle would otherwise keep their 130 MB for good.
   */
  reset(): void {
    this.slabs.length = Math.min(1, this.slabs.length)
    this.links.length = this.slabs.length
    this.freeHead = -1
    this.bumped = 0
  }

  /** Bytes of points and links allocated (in use or free). */
  get bytes(): number {
    return this.slabs.length * SLAB_CHUNKS * (CHUNK_DOUBLES * 8 + 4)
  }

  /** Give back the list from `head` to `tail`. */
  release(head: number, tail: number): void {
    this.link(tail, this.freeHead)
    this.freeHead = head
  }

  next(chunk: number): number {
    return this.links[chunk >>> SLAB_SHIFT]![chunk & SLAB_MASK]!
  }

  link(chunk: number, next: number): void {
    this.links[chunk >>> SLAB_SHIFT]![chunk & SLAB_MASK] = next
  }

  put(chunk: number, slot: number, timestamp: number, value: number): void {
    const slab = this.slabs[chunk >>> SLAB_SHIFT]!
    const at = (chunk & SLAB_MASK) * CHUNK_DOUBLES + 2 * slot
    slab[at] = timestamp
    slab[at + 1] = value
  }

  /** Copy `count` points of the list starting at `head` into `out` (pairs) from index `at`. */
  copy(head: number, count: number, out: Float64Array, at = 0): void {
    let chunk = head
    for (let done = 0; done < count; done += CHUNK_POINTS) {
      const slab = this.slabs[chunk >>> SLAB_SHIFT]!
      const base = (chunk & SLAB_MASK) * CHUNK_DOUBLES
      const n = 2 * Math.min(CHUNK_POINTS, count - done)
      for (let i = 0; i < n; i++) out[at++] = slab[base + i]!
      chunk = this.next(chunk)
    }
  }
}

/** A metric's points in the arena: a list of chunks, filled in arrival order. */
export interface HeldPoints {
  readonly count: number
}

interface Queue extends HeldPoints {
  head: number
  tail: number
  count: number
  /** The oldest timestamp held (timesorted). */
  oldest: number
  /** Handed to a writer: points stored from now on go to a new queue. */
  taken: boolean
  /** The lowest WAL segment any of its points may be in (see MetricCache.epoch). */
  epoch: number
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
  private readonly arena = new PointArena()
  private readonly queues = new Map<string, Queue>()
  private readonly inflight = new Map<string, Queue[]>()
  private snapshot: string[] = []
  private snapshotAt = 0
  /** Points held (not counting the ones in flight). */
  size = 0
  /**
   * The WAL segment that points stored from now on are appended to. A queue takes the epoch of its
   * creation, which is at or below the segment of every point it will hold.
   */
  epoch = 0
  /** Live queues (held or in flight) per epoch. */
  private readonly epochs = new Map<number, number>()

  constructor(private readonly options: CacheOptions) {}

  get metrics(): number {
    return this.queues.size
  }

  /** Bytes the point arena holds, in use or not (it shrinks when the cache empties). */
  get arenaBytes(): number {
    return this.arena.bytes
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
      const chunk = this.arena.alloc()
      queue = { head: chunk, tail: chunk, count: 0, oldest: timestamp, taken: false, epoch: this.epoch }
      this.queues.set(metric, queue)
      this.countEpoch(this.epoch, 1)
    }
    return queue
  }

  private append(queue: Queue, timestamp: number, value: number): void {
    // A point logged in an earlier segment than its queue's (a parser thread's, stored late): the
    // queue keeps the older segment.
    if (this.epoch < queue.epoch) {
      this.countEpoch(queue.epoch, -1)
      queue.epoch = this.epoch
      this.countEpoch(this.epoch, 1)
    }
    if (timestamp < queue.oldest) queue.oldest = timestamp
    const slot = queue.count % CHUNK_POINTS
    if (slot === 0 && queue.count > 0) {
      const chunk = this.arena.alloc()
      this.arena.link(queue.tail, chunk)
      queue.tail = chunk
    }
    this.arena.put(queue.tail, slot, timestamp, value)
    queue.count++
    this.size++
  }

  /** Everything held and in flight for a metric (CarbonLink), timestamps ascending, the last value of a repeated timestamp winning. */
  query(metric: string): [number, number][] {
    const parts: Queue[] = [...(this.inflight.get(metric) ?? [])]
    const queue = this.queues.get(metric)
    if (queue) parts.push(queue)
    let count = 0
    for (const part of parts) count += part.count
    const all = new Float64Array(2 * count)
    let at = 0
    for (const part of parts) {
      this.arena.copy(part.head, part.count, all, at)
      at += 2 * part.count
    }
    const latest = latestByTimestamp(all)
    const out: [number, number][] = []
    for (let i = 0; i < latest.length; i += 2) out.push([latest[i]!, latest[i + 1]!])
    return out
  }

  /**
   * Take the next metric to write, by the write strategy, or undefined when none is due. `skip`
   * leaves metrics that cannot be written now (no create token) in the cache.
   */
  drain(now: number, skip?: (metric: string) => boolean): { metric: string; points: HeldPoints } | undefined {
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
      // A used-up snapshot lets go of its names (a million, after a burst of new metrics).
      this.snapshot = []
      this.snapshotAt = 0
      if (this.queues.size === 0) return undefined
      this.resnapshot()
    }
    return undefined
  }

  /**
   * The points to write for points taken by drain(): timestamps ascending, the last value received
   * for a repeated timestamp winning (carbon keeps them in a dict keyed by timestamp).
   */
  pointsToWrite(points: HeldPoints): Float64Array {
    return latestByTimestamp(this.pointsOf(points as Queue).pairs)
  }

  /** The points handed to a writer are written: forget them. */
  settled(metric: string, points: HeldPoints): void {
    const queue = points as Queue
    const list = this.inflight.get(metric)
    const at = list ? list.indexOf(queue) : -1
    if (at < 0) return
    list!.splice(at, 1)
    if (list!.length === 0) this.inflight.delete(metric)
    this.arena.release(queue.head, queue.tail)
    this.countEpoch(queue.epoch, -1)
    if (this.queues.size === 0 && this.inflight.size === 0) this.arena.reset()
  }

  private countEpoch(epoch: number, change: number): void {
    const n = (this.epochs.get(epoch) ?? 0) + change
    if (n === 0) this.epochs.delete(epoch)
    else this.epochs.set(epoch, n)
  }

  /** The lowest epoch of a point not yet written (held or in flight), or Infinity when there is none. */
  oldestEpoch(): number {
    let oldest = Infinity
    for (const epoch of this.epochs.keys()) if (epoch < oldest) oldest = epoch
    return oldest
  }

  /**
   * Put points back (a write that could not happen now): they go before the points that arrived
   * since, so that a newer value for the same timestamp still wins. The metric's queue object stays
   * the same (receivers hold handles on it).
   */
  restore(metric: string, points: HeldPoints): void {
    const restored = this.pointsOf(points as Queue)
    const epoch = (points as Queue).epoch
    this.settled(metric, points)
    const queue = this.queues.get(metric)
    const newer = queue ? this.pointsOf(queue) : { pairs: [], count: 0 }
    if (queue) {
      this.arena.release(queue.head, queue.tail)
      queue.head = queue.tail = this.arena.alloc()
      this.size -= queue.count
      queue.count = 0
    }
    for (const { pairs, count } of [restored, newer])
      for (let i = 0; i < count; i++) this.store(metric, pairs[2 * i]!, pairs[2 * i + 1]!)
    // The queue now holds the restored points too: it keeps the older of the two epochs.
    const merged = this.queues.get(metric)
    if (merged && epoch < merged.epoch) {
      this.countEpoch(merged.epoch, -1)
      merged.epoch = epoch
      this.countEpoch(epoch, 1)
    }
  }

  /** Everything not yet written: held and in flight (for the shutdown dump). */
  *unwritten(): Generator<[string, MetricPoints]> {
    for (const [metric, list] of this.inflight) for (const queue of list) yield [metric, this.pointsOf(queue)]
    for (const [metric, queue] of this.queues) yield [metric, this.pointsOf(queue)]
  }

  /**
   * Forget the points held for a metric (the admin API's delete); how many. Points in flight are
   * not touched: the caller waits until inflightHas() is false. Receivers holding a handle on the
   * queue start a new one (it is marked taken).
   */
  drop(metric: string): number {
    const queue = this.queues.get(metric)
    if (!queue) return 0
    this.queues.delete(metric)
    queue.taken = true
    this.size -= queue.count
    this.arena.release(queue.head, queue.tail)
    this.countEpoch(queue.epoch, -1)
    if (this.queues.size === 0 && this.inflight.size === 0) this.arena.reset()
    return queue.count
  }

  /** Whether a write of this metric is under way. */
  inflightHas(metric: string): boolean {
    return this.inflight.has(metric)
  }

  private pointsOf(queue: Queue): { pairs: Float64Array; count: number } {
    const pairs = new Float64Array(2 * queue.count)
    this.arena.copy(queue.head, queue.count, pairs)
    return { pairs, count: queue.count }
  }

  private take(metric: string, queue: Queue): HeldPoints {
    this.queues.delete(metric)
    queue.taken = true
    this.size -= queue.count
    const list = this.inflight.get(metric)
    if (list) list.push(queue)
    else this.inflight.set(metric, [queue])
    return queue
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
 * `pairs` with timestamps ascending and the last value of each repeated timestamp: `pairs` itself
 * when its timestamps already ascend strictly (the usual case), else a sorted copy.
 */
function latestByTimestamp(pairs: Float64Array): Float64Array {
  const count = pairs.length / 2
  let ascending = true
  for (let i = 1; i < count; i++) {
    if (!(pairs[2 * i]! > pairs[2 * i - 2]!)) {
      ascending = false
      break
    }
  }
  if (ascending) return pairs
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
