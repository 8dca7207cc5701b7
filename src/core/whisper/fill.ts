// whisper-fill, fixed: copy the source's points into every gap of the destination and nowhere else.
// Each destination archive is filled over the range its finer archives do not cover (as whisper-fill
// walks them), each gap interval from the finest source archive that has data for it; the points are
// written into that destination archive (whisper's update path: several source points in one interval
// keep the newest, as if they had been sent to the destination) and propagate to coarser archives.
// Unlike whisper-fill (whisper.md §3.7): 0.0 is data, not a gap; single-interval gaps and gaps up to
// now are filled; the first point after a gap is never overwritten; a missing file is an error.

import type { ArchiveInfo } from './codec.js'
import { archiveFetch, readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { flushFile, withWhisperFile } from './file.js'
import { alignTimestamp } from './format.js'
import { archiveUpdateMany } from './update.js'

export interface FillOptions {
  now?: number
  /** flock(LOCK_EX) the destination for the whole fill (default true). */
  lock?: boolean
  fsync?: boolean
}

export interface FillResult {
  source: string
  destination: string
  /** Per destination archive (file order): gap intervals found and points written into them. */
  archives: { archive: number; gaps: number; filled: number }[]
  filled: number
}

interface SourceWindow {
  archive: ArchiveInfo
  fromInterval: number
  values: Float64Array
  known: Uint8Array
}

function readSourceWindows(source: WhisperFile, now: number): SourceWindow[] {
  return [...source.header.archives]
    .sort((a, b) => a.retention - b.retention)
    .map((archive) => {
      const step = archive.secondsPerPoint
      const fromInterval = alignTimestamp(now - archive.retention, step) + step
      return { archive, fromInterval, ...readArchiveColumns(source, archive, fromInterval, archive.points) }
    })
}

/** The source points in [start, end) from the finest source archive that has any, chronological. */
function sourcePoints(
  windows: readonly SourceWindow[],
  start: number,
  end: number,
): [number[], number[]] | undefined {
  for (const w of windows) {
    const step = w.archive.secondsPerPoint
    const first = Math.max(0, Math.ceil((start - w.fromInterval) / step))
    const last = Math.min(w.values.length - 1, Math.ceil((end - w.fromInterval) / step) - 1)
    const timestamps: number[] = []
    const values: number[] = []
    for (let i = first; i <= last; i++) {
      if (w.known[i] === 1) {
        timestamps.push(w.fromInterval + i * step)
        values.push(w.values[i]!)
      }
    }
    if (timestamps.length > 0) return [timestamps, values]
  }
  return undefined
}

/**
 * Fill the gaps of `destinationPath` with the points of `sourcePath`. The archive layouts may differ.
 * @throws NotFoundError, CorruptFileError
 */
export function fill(sourcePath: string, destinationPath: string, options: FillOptions = {}): FillResult {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  return withWhisperFile(sourcePath, { write: false, lock: false }, (source) =>
    withWhisperFile(destinationPath, { write: true, lock: options.lock ?? true }, (destination) => {
      const windows = readSourceWindows(source, now)
      const archives = destination.header.archives.map((_, archive) => ({ archive, gaps: 0, filled: 0 }))
      const order = destination.header.archives
        .map((a, i) => [a, i] as const)
        .sort((x, y) => x[0].retention - y[0].retention)
      let startFrom = now
      for (const [archive, index] of order) {
        const fromTime = now - archive.retention
        if (fromTime >= startFrom) continue
        const window = archiveFetch(destination, archive, fromTime, startFrom)
        const step = window.timeInfo.step
        const timestamps: number[] = []
        const values: number[] = []
        for (let i = 0; i < window.values.length; i++) {
          if (window.known[i] === 1) continue
          const interval = window.timeInfo.fromInterval + i * step
          if (interval > now) continue
          archives[index]!.gaps++
          const found = sourcePoints(windows, interval, interval + step)
          if (!found) continue
          timestamps.push(...found[0])
          values.push(...found[1])
          archives[index]!.filled++
        }
        if (timestamps.length > 0) archiveUpdateMany(destination, index, timestamps, values)
        startFrom = fromTime
      }
      if (options.fsync) flushFile(destination)
      const filled = archives.reduce((sum, a) => sum + a.filled, 0)
      return { source: sourcePath, destination: destinationPath, archives, filled }
    }),
  )
}
