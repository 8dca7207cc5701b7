// Whether the writers yield the CPU (SCHED_IDLE, ../thread-priority.ts) or compete for it (their nice
// value only), judged every interval from how long they waited for a CPU. Writers that yield and
// waited for a CPU more than half of an interval are starved: something else keeps every CPU busy
// (another process, or more points than the machine can take), and yielding would let the cache grow
// until the receivers pause. They compete from then on, for at least six intervals, and yield again
// once they wait less than a tenth of an interval. A burst of points does not make them compete: while
// 1,000,000 points came in (0.4-0.6 s), the writers waited about 0.3 s.

/** The share of an interval that yielding writers may wait for a CPU before they compete. */
export const STARVED_SHARE = 0.5
/** The share under which competing writers yield again. */
export const FED_SHARE = 0.1
/** Competing lasts at least this many intervals. */
export const COMPETE_INTERVALS = 6

export interface WriterPaceOptions {
  /** Milliseconds between two judgements (10 s in the daemon). */
  intervalMs: number
  /** Milliseconds, monotonic. */
  now: () => number
  /** Seconds thread `tid` has waited for a CPU so far (undefined: cannot be read). */
  waited: (tid: number) => number | undefined
}

export class WriterPace {
  /** The writers yield the CPU (true) or compete for it. */
  yielding = true
  private intervalStart: number
  private competeSince = 0
  /** Each writer thread's wait at the start of the interval. */
  private waitedAtStart = new Map<number, number>()

  constructor(private readonly options: WriterPaceOptions) {
    this.intervalStart = options.now()
  }

  /**
   * Judge the interval that just ended, if one has (call it often: the daemon's 100 ms tick), for the
   * writer threads `tids`: undefined when nothing changes; otherwise `yielding` has changed (false: the
   * writers that yielded were starved; true: the competing ones are fed again), and `waited` is the
   * share of the interval they waited for a CPU.
   */
  check(tids: readonly number[]): { waited: number } | undefined {
    const now = this.options.now()
    const elapsed = now - this.intervalStart
    if (elapsed < this.options.intervalMs) return undefined
    let waited = 0
    let threads = 0
    const atEnd = new Map<number, number>()
    for (const tid of tids) {
      const seconds = this.options.waited(tid)
      if (seconds === undefined) continue
      atEnd.set(tid, seconds)
      const before = this.waitedAtStart.get(tid)
      // A thread started during the interval is judged from the next one.
      if (before === undefined) continue
      waited += seconds - before
      threads++
    }
    this.waitedAtStart = atEnd
    this.intervalStart = now
    if (threads === 0) return undefined
    const share = waited / threads / (elapsed / 1000)
    if (this.yielding && share > STARVED_SHARE) {
      this.yielding = false
      this.competeSince = now
      return { waited: share }
    }
    if (
      !this.yielding &&
      now - this.competeSince >= COMPETE_INTERVALS * this.options.intervalMs &&
      share < FED_SHARE
    ) {
      this.yielding = true
      return { waited: share }
    }
    return undefined
  }
}
