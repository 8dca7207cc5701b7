// whisper-fill, fixed: copy the source's points into every gap of the destination and nowhere else.
// Each destination archive is filled over its whole window, finest archive first (its filled points
// propagate to the coarser ones, which then have fewer gaps). A gap interval takes its data from the
// finest source archive with data at the same or a finer step: the same step is copied; a finer step
// is written as its points into the finest archive (several points in one interval keep the newest,
// as if they had been sent to the destination) and aggregated with the destination's method and
// xFilesFactor into coarser archives. Source data coarser than an archive is never written into it
// (whisper-fill writes hourly values as single minute points).
// Unlike whisper-fill (README.md, Differences): 0.0 is data, not a gap; single-interval gaps and gaps up to
// now are filled; the first point after a gap is never overwritten; a missing file is an error.

import { aggregate } from './aggregate.js'
import type { ArchiveInfo } from './codec.js'
import { archiveFetch, readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { flushFile, withWhisperFile } from './file.js'
import { alignTimestamp, headerSizeFor } from './format.js'
import { archiveUpdateMany } from './update.js'

export interface FillOptions {
  now?: number
  /** flock(LOCK_EX) the destination for the whole fill (default true). */
  lock?: boolean
  fsync?: boolean
  /**
   * Timestamps of points the destination has elsewhere (a daemon's cache, about to be written): the
   * intervals holding one are not gaps, in every archive.
   */
  keep?: ArrayLike<number>
}

export interface FillResult {
  source: string
  destination: string
  /**
   * Per destination archive (file order): gap intervals found, points written into them, and gaps
   * left empty although the source had points there, because the destination's xFilesFactor refused
   * their roll-up (too few source points in the interval: sparse data).
   */
  archives: { archive: number; gaps: number; filled: number; refused: number }[]
  filled: number
  refused: number
  /** The destination's xFilesFactor, which decided the roll-ups. */
  xFilesFactor: number
}

export interface SourceWindow {
  archive: ArchiveInfo
  fromInterval: number
  values: Float64Array
  known: Uint8Array
}

export function readSourceWindows(source: WhisperFile, now: number): SourceWindow[] {
  return [...source.header.archives]
    .sort((a, b) => a.retention - b.retention)
    .map((archive) => {
      const step = archive.secondsPerPoint
      const fromInterval = alignTimestamp(now - archive.retention, step) + step
      return { archive, fromInterval, ...readArchiveColumns(source, archive, fromInterval, archive.points) }
    })
}

/** Reused between calls of sourceFor: one interval's source values, and its slots (null: no point). */
export interface Scratch {
  values: number[]
  neighbors: (number | null)[]
}

/**
 * What the source has for the destination interval [start, start + step), appended to `timestamps`
 * and `values`: the points of the finest source archive with data there, at the same or a finer step
 * (raw, for the finest destination archive), or their aggregate (for coarser ones). Answers 'filled',
 * else 'refused' when a source archive had points there but too few for the xFilesFactor, or
 * undefined. Allocates nothing: a fill looks at every interval of every archive.
 */
export function sourceFor(
  windows: readonly SourceWindow[],
  start: number,
  step: number,
  raw: boolean,
  method: string,
  xFilesFactor: number,
  timestamps: number[],
  values: number[],
  scratch: Scratch,
): 'filled' | 'refused' | undefined {
  let refused = false
  for (const w of windows) {
    const sourceStep = w.archive.secondsPerPoint
    if (sourceStep > step || step % sourceStep !== 0) continue
    const size = step / sourceStep
    const first = (start - w.fromInterval) / sourceStep
    if (first + size <= 0 || first >= w.values.length) continue
    const from = Math.max(0, first)
    const until = Math.min(w.values.length, first + size)
    let count = 0
    for (let i = from; i < until; i++) if (w.known[i] === 1) count++
    if (count === 0) continue
    if (size === 1 || raw) {
      for (let i = from; i < until; i++)
        if (w.known[i] === 1) {
          timestamps.push(start + (i - first) * sourceStep)
          values.push(w.values[i]!)
        }
      return 'filled'
    }
    if (!(count / size >= Math.fround(xFilesFactor))) {
      refused = true
      continue
    }
    scratch.values.length = 0
    scratch.neighbors.length = 0
    for (let k = 0; k < size; k++) {
      const i = first + k
      if (i >= 0 && i < w.values.length && w.known[i] === 1) {
        scratch.values.push(w.values[i]!)
        scratch.neighbors.push(w.values[i]!)
      } else scratch.neighbors.push(null)
    }
    timestamps.push(start)
    values.push(aggregate(method, scratch.values, scratch.neighbors))
    return 'filled'
  }
  return refused ? 'refused' : undefined
}

/**
 * Fill the gaps of `destinationPath` with the points of `sourcePath`. The archive layouts may differ.
 * @throws NotFoundError, CorruptFileError
 */
export function fill(sourcePath: string, destinationPath: string, options: FillOptions = {}): FillResult {
  return withWhisperFile(sourcePath, { write: false, lock: false }, (source) =>
    withWhisperFile(destinationPath, { write: true, lock: options.lock ?? true }, (destination) =>
      fillFile(source, destination, options),
    ),
  )
}

/** fill() on open files (the destination open for writing, and locked if it must be). */
export function fillFile(
  source: WhisperFile,
  destination: WhisperFile,
  options: FillOptions = {},
): FillResult {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const windows = readSourceWindows(source, now)
  const archives = destination.header.archives.map((_, archive) => ({
    archive,
    gaps: 0,
    filled: 0,
    refused: 0,
  }))
  const order = destination.header.archives
    .map((a, i) => [a, i] as const)
    .sort((x, y) => x[0].retention - y[0].retention)
  const { aggregationMethod, xFilesFactor } = destination.header
  const keep = options.keep ?? []
  const scratch: Scratch = { values: [], neighbors: [] }
  // The destination's archives are read from the file, never from the bytes read with its header:
  // those were read before this fill wrote, and in a small file (under 256 bytes, or a first archive
  // of a few points) they hold the start of a coarser archive as it was before the propagation.
  const unread: WhisperFile = {
    ...destination,
    headBytes: destination.headBytes.subarray(0, headerSizeFor(destination.header.archives.length)),
  }
  order.forEach(([archive, index], rank) => {
    const window = archiveFetch(unread, archive, now - archive.retention, now)
    const step = window.timeInfo.step
    const kept = new Set<number>()
    for (let k = 0; k < keep.length; k++) kept.add(alignTimestamp(keep[k]!, step))
    const timestamps: number[] = []
    const values: number[] = []
    for (let i = 0; i < window.values.length; i++) {
      if (window.known[i] === 1) continue
      const interval = window.timeInfo.fromInterval + i * step
      if (interval > now || kept.has(interval)) continue
      archives[index]!.gaps++
      const found = sourceFor(
        windows,
        interval,
        step,
        rank === 0,
        aggregationMethod,
        xFilesFactor,
        timestamps,
        values,
        scratch,
      )
      if (found === 'refused') archives[index]!.refused++
      if (found === 'filled') archives[index]!.filled++
    }
    if (timestamps.length > 0) archiveUpdateMany(destination, index, timestamps, values)
  })
  if (options.fsync) flushFile(destination)
  const filled = archives.reduce((sum, a) => sum + a.filled, 0)
  const refused = archives.reduce((sum, a) => sum + a.refused, 0)
  return { source: source.path, destination: destination.path, archives, filled, refused, xFilesFactor }
}
