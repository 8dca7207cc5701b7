// The write-ahead log's checkpoint: the persister's progress. The segment id is the cache's epoch
// (README.md, "What the log guarantees"): the log says when it starts a segment, the cache gives each
// queue the epoch of its creation, and after each write the closed segments below the oldest epoch
// still held or in flight are deleted: every point in them is on disk. A segment that still holds a
// point only the cache has is never deleted.

import type { MetricCache } from './cache.js'
import type { WriteAheadLog } from './wal.js'

/** The log's onSegment: points stored from now on are in segment `id` or a later one. */
export function followSegments(cache: MetricCache): (id: number) => void {
  return (id) => {
    cache.epoch = id
  }
}

/**
 * After a write (or a put-back): delete the segments whose points are all on disk. `parsing`: the
 * lowest segment of lines read and not yet parsed into the cache (a parser thread's), Infinity if none.
 */
export function checkpointAfterWrite(
  cache: MetricCache,
  wal: WriteAheadLog,
  walOn: boolean,
  parsing = Infinity,
): void {
  const oldest = Math.min(cache.oldestEpoch(), parsing)
  wal.release(oldest)
  // Nothing is left unwritten: a big current segment is replaced by a fresh one.
  if (oldest === Infinity && walOn) wal.checkpoint()
}
