// What an earlier run left comes back before anything is accepted: first the write-ahead log (every
// point a crash or a stop's deadline left in it), then, once, a shutdown dump an earlier version of
// carbonkit wrote (legacy-dump.ts). Both go into the cache; the daemon writes them like any other.

import fs from 'node:fs'
import path from 'node:path'
import { AbortedError } from '../errors.js'
import type { MetricCache } from './cache.js'
import type { StartupReplayEvent } from './events.js'
import { DUMP_FILE, readDump } from './legacy-dump.js'
import type { ReplayReport, WriteAheadLog } from './wal.js'
import { encodeWalName } from './wal.js'

export interface WalReplayOptions {
  wal: Pick<WriteAheadLog, 'replay' | 'close' | 'dir'>
  cache: Pick<MetricCache, 'epoch' | 'store' | 'drop'>
  onEvent: (event: StartupReplayEvent) => void
  /** A stop asked for while replaying: the replay ends, the log untouched. */
  signal?: AbortSignal
  /** A point from bytes the log kept as a socket delivered them: judged as a receiver judges it. */
  storeAsSent: (name: string, timestamp: number, value: number) => void
}

/**
 * Replay the write-ahead log into the cache, segments oldest first, each point with its segment as
 * its epoch (it keeps its segment until it is written); a tombstone (a metric the admin API deleted)
 * drops the points of its metric replayed before it, so a crash does not bring them back. Whether or not the log is on: what an
 * earlier run left is never ignored.
 * @throws AbortedError when the signal stops it: the log is closed and kept whole, the next start
 *   replays it again
 */
export async function replayWal(options: WalReplayOptions): Promise<ReplayReport> {
  const { wal, cache, onEvent } = options
  const started = performance.now()
  let deletedPoints = 0
  const replay = await wal.replay(
    (segment, name, timestamp, value, asSent) => {
      cache.epoch = segment
      if (asSent) options.storeAsSent(name, timestamp, value)
      else cache.store(name, timestamp, value)
    },
    (progress) => onEvent({ type: 'wal-replaying', ...progress }),
    options.signal,
    (_segment, key) => {
      deletedPoints += cache.drop(key)
    },
  )
  if (replay.aborted) {
    // Nothing was opened or deleted: the next start replays the whole log again.
    wal.close({ discard: false })
    onEvent({ type: 'stopped-starting', wal: wal.dir })
    throw new AbortedError(`stopped while starting: the write-ahead log in ${wal.dir} is kept`)
  }
  if (replay.segments > 0) {
    onEvent({
      type: 'wal-replayed',
      dir: wal.dir,
      points: replay.points,
      segments: replay.segments,
      bytes: replay.bytes,
      deletedPoints,
      seconds: (performance.now() - started) / 1000,
    })
  }
  return replay
}

export interface LegacyDumpOptions {
  storageDir: string
  cache: Pick<MetricCache, 'store'>
  /** The log, open: with it on, the dump's points move into it at once. */
  wal: Pick<WriteAheadLog, 'append' | 'flush' | 'syncNow'>
  walOn: boolean
}

export interface LegacyDumpReplay {
  /** One `replayed` event per file read (the daemon logs them once it listens). */
  events: StartupReplayEvent[]
  /**
   * The dump's points are only in the cache (the log is off): its files stay, renamed
   * `.replaying`, until `remove()` once they are written, so that a crash meanwhile replays them again.
   */
  pending: boolean
  /** Delete the dump's files: their points are on disk, or in the log. */
  remove(): void
}

/**
 * Replay a shutdown dump left in `storageDir` by an earlier version (and one whose replay was cut
 * short: `<dump>.replaying`). With the log on, its points are appended, flushed and fsynced, and the
 * files deleted: from then on the log is the one mechanism.
 * @throws CorruptFileError when a dump cannot be read (the daemon does not start; the dump stays)
 */
export function replayLegacyDump(options: LegacyDumpOptions): LegacyDumpReplay {
  const { cache, wal, walOn } = options
  const dumpFile = path.join(options.storageDir, DUMP_FILE)
  const replaying = `${dumpFile}.replaying`
  const remove = (): void => {
    for (const file of [replaying, `${replaying}.2`]) fs.rmSync(file, { force: true })
  }
  const result: LegacyDumpReplay = { events: [], pending: false, remove }
  for (const file of [replaying, dumpFile]) {
    if (!fs.existsSync(file)) continue
    let points = 0
    for (const [metric, p] of readDump(file)) {
      for (let i = 0; i < p.count; i++) {
        const [timestamp, value] = [p.pairs[2 * i]!, p.pairs[2 * i + 1]!]
        cache.store(metric, timestamp, value)
        // With the log on, the dump's points move into it: one mechanism from here on.
        if (walOn) wal.append(encodeWalName(metric), timestamp, value)
      }
      points += p.count
    }
    if (file === dumpFile) fs.renameSync(dumpFile, fs.existsSync(replaying) ? `${replaying}.2` : replaying)
    result.pending = true
    result.events.push({ type: 'replayed', file, points })
  }
  if (walOn && result.pending) {
    wal.flush()
    wal.syncNow()
    remove()
    result.pending = false
  }
  return result
}
