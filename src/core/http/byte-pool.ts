// Shared byte buffers reused by the admin API's batch transfers (a node reading files for a peer,
// a node pulling a peer's files). A fresh buffer per batch cost more than the copy into it: the
// kernel maps and zeroes its pages on first touch and unmaps them when it is freed (16 MiB made
// and filled 43 times: 0.85 CPU-s, against 0.09 s into one reused buffer), and the main heap ran
// collections for the external memory. SharedArrayBuffers, because a writer thread reads or fills
// them where they lie (posted, not moved: the main thread keeps them for the next batch, and only
// takes them back once the thread has answered). A buffer is given back only when nothing uses it
// any more; one not given back (a connection cut mid-write) is simply left to the collector.
// Buffers idle for IDLE_MS are let go: an idle node keeps none.

const IDLE_MS = 5_000
const MIN_BYTES = 1 << 20

export class BytePool {
  private free: SharedArrayBuffer[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  /** `keep`: buffers kept for reuse at most (about the batches in flight at once). */
  constructor(private readonly keep: number) {}

  /** A buffer of at least `minBytes` (the smallest free one that is large enough, or a new one). */
  take(minBytes: number): SharedArrayBuffer {
    let best = -1
    for (let k = 0; k < this.free.length; k++)
      if (
        this.free[k]!.byteLength >= minBytes &&
        (best < 0 || this.free[k]!.byteLength < this.free[best]!.byteLength)
      )
        best = k
    if (best >= 0) return this.free.splice(best, 1)[0]!
    // Powers of two: a batch a little larger than the last one finds a buffer next time.
    let size = MIN_BYTES
    while (size < minBytes) size *= 2
    return new SharedArrayBuffer(size)
  }

  /** Give a buffer back once nothing reads or writes it any more. */
  give(buffer: SharedArrayBuffer): void {
    if (this.free.includes(buffer)) return
    this.free.push(buffer)
    // The largest are kept: a small one is of no use to a batch that needed a large one.
    if (this.free.length > this.keep) {
      this.free.sort((x, y) => y.byteLength - x.byteLength)
      this.free.length = this.keep
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.free = []
      this.timer = undefined
    }, IDLE_MS)
    this.timer.unref?.()
  }

  /** Buffers held for reuse now (tests). */
  get held(): number {
    return this.free.length
  }
}
