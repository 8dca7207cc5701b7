// Flow control: the TCP receivers pause while the cache holds MAX_CACHE_SIZE points or the write-ahead
// log is full (or its disk is), and resume when both have room again. Nothing is dropped: a paused
// socket is not read, so its client waits (UDP cannot wait: its receiver asks full() per datagram,
// and drops and counts). Each side resumes with a margin, so that receivers do not flap: the cache
// below 95% of its limit, the log below 90% of its own (the log keeps that margin in `holding`).

import type { FlowEvent } from './events.js'

/** What flow control reads of the cache. */
export interface CacheLevel {
  readonly size: number
}

/** What flow control reads of the write-ahead log (WriteAheadLog). */
export interface LogLevel {
  /** Blocked at the last change, with the resume margin. */
  readonly holding: boolean
  readonly bytes: number
  /** Blocked now (at the limit, or its disk full). */
  blocked(): boolean
}

/** A receiver that can stop reading its sockets. */
export interface Pausable {
  pause(): void
  resume(): void
}

export interface FlowControlOptions {
  cache: CacheLevel
  /** Points the cache holds before the receivers pause (Infinity: never). */
  maxCacheSize: number
  wal: LogLevel
  /** Whether points go to the log (with --no-wal a full log never holds anything back). */
  walOn: boolean
  onEvent: (event: FlowEvent) => void
  /** full() said yes because of the cache (carbon's cache.overflow). */
  onOverflow?: () => void
}

export class FlowControl {
  /** Paused because the cache is full (read per point: a field, not a getter). */
  cachePaused = false
  /** Paused because the log is full or stalled. */
  walPaused = false
  private receivers: readonly Pausable[] = []

  constructor(private readonly options: FlowControlOptions) {}

  /**
   * The receivers to pause and resume (the TCP ones), once they listen. Already paused (the replay
   * filled the cache, or the log is full): they start paused.
   */
  attach(receivers: readonly Pausable[]): void {
    this.receivers = receivers
    if (this.paused) for (const r of receivers) r.pause()
  }

  get paused(): boolean {
    return this.cachePaused || this.walPaused
  }

  /** The cache is at its limit. */
  cacheFull(): boolean {
    return this.options.cache.size >= this.options.maxCacheSize
  }

  /**
   * Whether a datagram must be dropped now (ReceiverSink.full): the cache or the log is full. A full
   * cache counts as an overflow each time it is asked.
   */
  full(): boolean {
    if (this.cacheFull()) {
      this.options.onOverflow?.()
      return true
    }
    return this.options.walOn && this.options.wal.blocked()
  }

  /** A point was stored: pause as soon as the cache reaches its limit (the hot path's check). */
  stored(): void {
    if (!this.cachePaused && this.cacheFull()) this.check()
  }

  /** The cache or the log may have changed level (a write done, a segment deleted): pause or resume. */
  check(): void {
    const { cache, maxCacheSize, wal, onEvent } = this.options
    const before = this.paused
    if (!this.cachePaused && this.cacheFull()) {
      this.cachePaused = true
      onEvent({ type: 'cache-full', size: cache.size })
    } else if (this.cachePaused && cache.size < maxCacheSize * 0.95) {
      this.cachePaused = false
      onEvent({ type: 'cache-resumed', size: cache.size })
    }
    if (this.walPaused !== wal.holding) {
      this.walPaused = wal.holding
      onEvent({ type: this.walPaused ? 'wal-full' : 'wal-resumed', bytes: wal.bytes })
    }
    const now = this.paused
    if (before === now) return
    for (const r of this.receivers)
      if (now) r.pause()
      else r.resume()
  }
}
