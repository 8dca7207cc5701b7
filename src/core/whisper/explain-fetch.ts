// Why a fetch returns what it returns (`wsp fetch --explain`): which archive answered and why, its
// window and step, and for each null the reason whisper's rules give it. Reads the same bytes as
// fetch (planFetch is whisper's fileFactsfetch up to the read) and, for nulls of a coarse archive, the
// finer archives over the same window: whisper stores a roll-up only when the finer archive holds at
// least xFilesFactor of the bucket's points, so their count is the answer to "why is this null".

import type { ArchiveInfo } from './codec.js'
import type { ArchiveChoice, FetchColumns, FetchOptions, TimeInfo } from './fetch.js'
import { archiveFetch, planFetch, readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { withWhisperFile } from './file.js'
import { alignTimestamp } from './format.js'

export interface ArchiveSummary {
  index: number
  secondsPerPoint: number
  points: number
  retention: number
}

/**
 * Why one interval is null:
 * - future: after now;
 * - beyond-retention: older than the answering archive reaches back (now - retention);
 * - not-written: nothing was written there (no finer archive holds a point in it either);
 * - finer-gone: nothing stored, and the finest archive no longer reaches back that far, so whether
 *   nothing was written or a roll-up was refused cannot be told (`reaching`: the finest archive that
 *   still does, holding no point there);
 * - xff: the next finer archive holds `presentMin` to `presentMax` of each bucket's `total` points,
 *   fewer than the `needed` that xFilesFactor asks for, so the roll-up was refused;
 * - finer-refused: the next finer archive holds none either, but a finer one still (`deeperArchive`)
 *   holds some of `total`: the roll-ups between them were refused by xFilesFactor;
 * - not-rolled-up: the next finer archive holds enough points, but no roll-up was stored (points
 *   written without propagation).
 */
export type NullReason =
  | { reason: 'future' }
  | { reason: 'beyond-retention' }
  | { reason: 'not-written' }
  | { reason: 'finer-gone'; reaching?: number }
  | ({ reason: 'xff'; finerArchive: number; total: number; needed: number } & Present)
  | ({ reason: 'finer-refused'; finerArchive: number; deeperArchive: number; total: number } & Present)
  | ({ reason: 'not-rolled-up'; finerArchive: number; total: number; needed: number } & Present)

/** How many points of a bucket the finer archive holds: the fewest and the most over a run. */
export interface Present {
  presentMin: number
  presentMax: number
}

/** Consecutive null intervals with the same reason: from the first interval to one step past the last. */
export type NullRun = NullReason & { from: number; until: number; count: number }

export interface FetchExplanation {
  now: number
  /** The window as asked for, before clamping. */
  requested: { from: number; until: number }
  xFilesFactor: number
  archives: ArchiveSummary[]
  /** Set when there is nothing to read: the window is entirely in the future or before the retention. */
  empty?: 'future' | 'before-retention'
  /** The window read, clamped to (now - maxRetention, now] as whisper does. */
  window?: { from: number; until: number; fromClamped: boolean; untilClamped: boolean }
  /** The index of the archive that answered, and why it did. */
  archive?: number
  choice?: ArchiveChoice
  timeInfo?: TimeInfo
  stored: number
  nulls: number
  nullRuns: NullRun[]
}

function summary(archive: ArchiveInfo, index: number): ArchiveSummary {
  const { secondsPerPoint, points, retention } = archive
  return { index, secondsPerPoint, points, retention }
}

/** The fewest known points of `total` that whisper's `known / total >= xFilesFactor` accepts (at least 1). */
export function pointsNeeded(xFilesFactor: number, total: number): number {
  let needed = Math.max(1, Math.ceil(xFilesFactor * total))
  while (needed > 1 && (needed - 1) / total >= xFilesFactor) needed--
  while (needed < total && needed / total < xFilesFactor) needed++
  return needed
}

/** The first interval an archive still reaches at `now` (whisper's window for it starts here). */
function firstHeld(archive: ArchiveInfo, now: number): number {
  return alignTimestamp(now - archive.retention, archive.secondsPerPoint) + archive.secondsPerPoint
}

/**
 * The reasons for the nulls of `columns`, read from `archiveIndex`: grouped into runs.
 * The finer archives are read once each, over the whole window, and only when needed.
 */
function explainNulls(
  file: WhisperFile,
  archiveIndex: number,
  columns: FetchColumns,
  now: number,
): NullRun[] {
  const { archives, xFilesFactor } = file.header
  const archive = archives[archiveIndex]!
  const { fromInterval, step } = columns.timeInfo
  const count = columns.values.length
  // Per finer archive: the first bucket it still reaches, and its points from there on. Reading only
  // what it can hold keeps this to the size of the archive, whatever the window (a 1d fetch over a
  // 1s archive would otherwise ask for 86400 points per value).
  const finer = new Map<number, { firstBucket: number; known: Uint8Array }>()
  const heldBy = (k: number): { firstBucket: number; known: Uint8Array } => {
    let held = finer.get(k)
    if (!held) {
      const ratio = step / archives[k]!.secondsPerPoint
      const firstBucket = Math.min(
        count,
        Math.max(0, Math.floor((firstHeld(archives[k]!, now) - fromInterval) / step)),
      )
      const from = fromInterval + firstBucket * step
      held = {
        firstBucket,
        known: readArchiveColumns(file, archives[k]!, from, (count - firstBucket) * ratio).known,
      }
      finer.set(k, held)
    }
    return held
  }
  /** The points archive k holds in bucket i (none before the buckets it reaches). */
  const presentIn = (k: number, i: number): { presentMin: number; presentMax: number; total: number } => {
    const total = step / archives[k]!.secondsPerPoint
    const { firstBucket, known } = heldBy(k)
    let present = 0
    if (i >= firstBucket) {
      for (let j = (i - firstBucket) * total; j < (i - firstBucket + 1) * total; j++) present += known[j]!
    }
    return { presentMin: present, presentMax: present, total }
  }
  const finestStart = firstHeld(archives[0]!, now)
  const reasonAt = (i: number, t: number): NullReason => {
    if (t > now) return { reason: 'future' }
    if (t < firstHeld(archive, now)) return { reason: 'beyond-retention' }
    if (archiveIndex === 0) return { reason: 'not-written' }
    const finerArchive = archiveIndex - 1
    const next = presentIn(finerArchive, i)
    if (next.presentMax > 0) {
      const needed = pointsNeeded(xFilesFactor, next.total)
      return next.presentMax < needed
        ? { reason: 'xff', finerArchive, ...next, needed }
        : { reason: 'not-rolled-up', finerArchive, ...next, needed }
    }
    for (let k = finerArchive - 1; k >= 0; k--) {
      const deeper = presentIn(k, i)
      if (deeper.presentMax > 0) return { reason: 'finer-refused', finerArchive, deeperArchive: k, ...deeper }
    }
    if (t >= finestStart) return { reason: 'not-written' }
    for (let k = 1; k < archiveIndex; k++) {
      if (t >= firstHeld(archives[k]!, now)) return { reason: 'finer-gone', reaching: k }
    }
    return { reason: 'finer-gone' }
  }
  const runs: NullRun[] = []
  let lastKey = ''
  for (let i = 0; i < count; i++) {
    if (columns.known[i] === 1) continue
    const t = fromInterval + i * step
    const reason = reasonAt(i, t)
    // One run for one reason, however many points each bucket holds.
    const key = JSON.stringify({ ...reason, presentMin: 0, presentMax: 0 })
    const last = runs[runs.length - 1]
    if (last && last.until === t && key === lastKey) {
      last.until += step
      last.count++
      if ('presentMin' in last && 'presentMin' in reason) {
        last.presentMin = Math.min(last.presentMin, reason.presentMin)
        last.presentMax = Math.max(last.presentMax, reason.presentMax)
      }
    } else {
      runs.push({ ...reason, from: t, until: t + step, count: 1 })
      lastKey = key
    }
  }
  return runs
}

/**
 * A fetch (whisper's fileFactsfetch, in columns) with its explanation.
 * @throws InvalidTimeIntervalError when from is after until; InvalidArgumentError for a bad granularity
 */
export function fileExplainFetch(
  file: WhisperFile,
  fromTime: number,
  untilTime: number | undefined,
  options: FetchOptions = {},
): { result: FetchColumns | null; explanation: FetchExplanation } {
  const { header } = file
  const plan = planFetch(header, fromTime, untilTime, options)
  const now = 'empty' in plan ? (options.now ?? Math.floor(Date.now() / 1000)) : plan.now
  const requested = { from: Math.trunc(fromTime), until: Math.trunc(untilTime ?? now) }
  const fileFacts = { xFilesFactor: header.xFilesFactor, archives: header.archives.map(summary) }
  if ('empty' in plan) {
    const explanation = { now, requested, empty: plan.empty, stored: 0, nulls: 0, ...fileFacts, nullRuns: [] }
    return { result: null, explanation }
  }
  const result = archiveFetch(file, plan.archive, plan.from, plan.until)
  let stored = 0
  for (const k of result.known) stored += k
  const window = {
    from: plan.from,
    until: plan.until,
    fromClamped: plan.from !== requested.from,
    untilClamped: plan.until !== requested.until,
  }
  return {
    result,
    explanation: {
      now,
      requested,
      window,
      archive: plan.archiveIndex,
      choice: plan.choice,
      timeInfo: result.timeInfo,
      stored,
      nulls: result.known.length - stored,
      ...fileFacts,
      nullRuns: explainNulls(file, plan.archiveIndex, result, now),
    },
  }
}

/**
 * fetchColumns with its explanation (`wsp fetch --explain`).
 * @throws NotFoundError, CorruptFileError, InvalidTimeIntervalError, InvalidArgumentError
 */
export function explainFetch(
  path: string,
  fromTime: number,
  untilTime?: number,
  options: FetchOptions = {},
): { result: FetchColumns | null; explanation: FetchExplanation } {
  return withWhisperFile(path, { write: false, lock: false }, (file) =>
    fileExplainFetch(file, fromTime, untilTime, options),
  )
}
