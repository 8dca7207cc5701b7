// When to give memory back to the system. An idle process is never collected (V8 collects when it
// allocates) and glibc keeps freed pages for the next burst: after a churn of metrics that went idle,
// the daemon asks for a full collection and a malloc trim (`reclaimMemory`) and replaces its idle
// writer threads. The sweeps say how much they forgot (names, files); this decides when that is
// worth a reclaim: at each sweep while RECLAIM_FORGOTTEN or more have been forgotten since the last
// reclaim, and once more at the first sweep that forgets nothing after such a churn (what the last
// names and writes left is freed then: a churn interrupted by sweeps that forgot nothing, writes
// stalling under load, counts whole), and again if the churn's tail forgets more before a whole
// sweep has forgotten nothing. A few names coming and going cost a reclaim per RECLAIM_FORGOTTEN.

/**
 * The churn's last reclaim comes this long after its sweep. V8 shrinks a thread's young generation
 * (grown to 32 MiB by a burst, and kept by an idle thread) only in a collection that follows a few
 * seconds of little allocation: its allocation throughput over the last 5 s, counted from one
 * collection to the next, must be under 1 MB/s. The reclaims of the churn, a sweep apart, are too
 * close to the burst for that. Measured on the main thread after 100,000 new metrics: 30 MiB of young
 * generation kept by a reclaim a second after the last one, 1 MiB once 6 s had passed.
 */
export const RECLAIM_QUIET_MS = 6_000

/** Forgetting this many names and files is worth giving their memory back to the system. */
export const RECLAIM_FORGOTTEN = 10_000

export class ReclaimPolicy {
  /** Forgotten since memory was last given back. */
  private forgotten = 0
  /** Forgotten since the last reclaim of a settled churn (a churn that stuttered counts whole). */
  private sinceSettled = 0
  /** Forgotten since a sweep last forgot nothing. */
  private churned = 0
  /**
   * The churn settled a sweep ago and has not been quiet for a whole sweep since: what its tail
   * forgets after that (writes that lagged, then resumed) is given back too, at its own end.
   */
  private tail = false

  /** A sweep forgot `forgotten` names and files: true when memory should be given back now. */
  swept(forgotten: number): boolean {
    this.forgotten += forgotten
    this.sinceSettled += forgotten
    this.churned += forgotten
    if (this.forgotten >= RECLAIM_FORGOTTEN) {
      this.forgotten = 0
      return true
    }
    if (forgotten > 0) return false
    const settled = this.sinceSettled >= RECLAIM_FORGOTTEN || (this.tail && this.churned > 0)
    this.tail = settled
    this.churned = 0
    if (settled) [this.forgotten, this.sinceSettled] = [0, 0]
    return settled
  }
}
