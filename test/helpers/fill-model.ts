// A straightforward model of src/core/whisper/fill.ts, for its differential test (fill-model.test.ts):
// the fill done as it reads (fill.ts's header says what it does), through the file's descriptor, with
// the core's tested pieces: fetch.ts's archiveFetch for each destination window and update.ts's
// archiveUpdateMany (whisper's __archive_update_many and __propagate, checked against python3-whisper
// by update's differential tests) for the points written. fill.ts does the same on the file's bytes in
// memory; this model is what it must equal byte for byte. It was fill.ts's own implementation until
// the two were made one (it is about twice as slow): kept here, never in src/.

import { aggregate } from '../../src/core/whisper/aggregate.js'
import type { ArchiveInfo } from '../../src/core/whisper/codec.js'
import { archiveFetch, readArchiveColumns } from '../../src/core/whisper/fetch.js'
import type { WhisperFile } from '../../src/core/whisper/file.js'
import { flushFile, withWhisperFile } from '../../src/core/whisper/file.js'
import type { FillOptions, FillResult } from '../../src/core/whisper/fill.js'
import { alignTimestamp, headerSizeFor } from '../../src/core/whisper/format.js'
import { archiveUpdateMany } from '../../src/core/whisper/update.js'

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

/** Reused between calls of sourceFor: one interval's source values, and its slots (null: no point). */
interface Scratch {
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
function sourceFor(
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
 * The model of fill.ts's fillFile, on open files (the destination open for writing and locked):
 * the destination's windows read with archiveFetch, the points written with update.ts's
 * archiveUpdateMany, pread and pwrite by pread and pwrite.
 */
export function modelFillFile(
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

/** The model of fill.ts's fill(): opens both files as it does. */
export function modelFill(
  sourcePath: string,
  destinationPath: string,
  options: FillOptions = {},
): FillResult {
  return withWhisperFile(sourcePath, { write: false, lock: false }, (source) =>
    withWhisperFile(destinationPath, { write: true, lock: options.lock ?? true }, (destination) =>
      modelFillFile(source, destination, options),
    ),
  )
}
