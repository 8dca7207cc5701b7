// When to give memory back to the system. An idle process is never collected (V8 collects when it
// allocates) and glibc keeps freed pages for the next burst: after a churn of metrics that went idle,
// the daemon asks for a full collection and a malloc trim (`reclaimMemory`) and replaces its idle
// writer threads. The sweeps say how much they forgot (names, files); this decides when that is
// worth a reclaim: at each sweep while RECLAIM_FORGOTTEN or more have been forgotten since the last
// reclaim, and once more at the first sweep that forgets nothing after such a churn (what the last
// names and writes left is freed then). A few names coming and going never cost a reclaim.

/** Forgetting this many names and files is worth giving their memory back to the system. */
export const RECLAIM_FORGOTTEN = 10_000

export class ReclaimPolicy {
  /** Forgotten since memory was last given back. */
  private forgotten = 0
  /** Forgotten since a sweep last forgot nothing. */
  private churned = 0

  /** A sweep forgot `forgotten` names and files: true when memory should be given back now. */
  swept(forgotten: number): boolean {
    this.forgotten += forgotten
    this.churned += forgotten
    if (this.forgotten >= RECLAIM_FORGOTTEN) {
      this.forgotten = 0
      return true
    }
    if (forgotten > 0) return false
    const settled = this.churned >= RECLAIM_FORGOTTEN
    this.churned = 0
    if (settled) this.forgotten = 0
    return settled
  }
}
