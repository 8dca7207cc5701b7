// One series for /render: whisper's window on the file (archive chosen by `from` relative to `now`,
// spec §7.1), then the points still in the daemon's cache (including those a writer holds) merged
// in (§7.4).
//
// The cache merge, finest archive: graphite-web's rule; a cached point replaces the slot it falls in
// (`ts - ts mod step`), the later point of a slot winning. Coarser archives: graphite-web replaces
// the slot with an aggregate of the cached points alone, discarding the points of that slot already
// on disk, so a 60 s average of six 10 s points becomes the average of the one still cached.
// carbonkit instead computes the slot as whisper will store it once the cache is written: the
// finer archive's slots (disk, with the cache merged in, recursively down to the finest) aggregated
// with the file's method, subject to its xFilesFactor, exactly as whisper propagates.

import { CoreError } from '../errors.js'
import { aggregate } from '../whisper/aggregate.js'
import type { ArchiveInfo } from '../whisper/codec.js'
import type { WhisperFile } from '../whisper/file.js'
import { withWhisperFile } from '../whisper/file.js'
import type { FetchColumns } from '../whisper/fetch.js'
import {
  fetchWindow,
  fileFetchColumns,
  fileFetchWindow,
  planFetch,
  readArchiveColumns,
  readArchiveSlots,
} from '../whisper/fetch.js'
import type { Series, SeriesSlots } from './formats.js'

/** (timestamp, value) pairs, timestamps ascending, one value per timestamp. */
export type CachedPoints = readonly (readonly [number, number])[]

export interface SeriesRequest {
  name: string
  file: string
  pathExpression: string
  from: number
  until: number
  now: number
}

/**
 * The first read of each file: 32 KiB, so that a file of a day of minutes, or 10s:2h,60s:1d, is read
 * in one go, into this thread's one buffer (a render of 100 series would otherwise allocate 100 of
 * them, and collect them; measured: a fifth less CPU for 100 series of a day of minutes).
 * readSeries is synchronous, so no two reads share it, even in-process; nothing read into it
 * outlives the file's readSeries (the columns are arrays of their own).
 */
const head = Buffer.allocUnsafe(32 << 10)

/**
 * Read one series; undefined when its window is empty (from after now, until before the retention)
 * or the file cannot be read (missing since the index saw it, corrupt): that series is left out.
 */
export function readSeries(
  request: SeriesRequest,
  cached: CachedPoints,
  options: { lengthsOnly?: boolean } = {},
): Series | undefined {
  try {
    return withWhisperFile(request.file, { write: false, lock: false, headBuffer: head }, (file) => {
      const columns = options.lengthsOnly
        ? unreadColumns(file, request)
        : fileFetchColumns(file, request.from, request.until, { now: request.now })
      if (columns === null) return undefined
      const { fromInterval: start, untilInterval: end, step } = columns.timeInfo
      const series: Series = {
        name: request.name,
        pathExpression: request.pathExpression,
        start,
        end,
        step,
        values: columns.values,
        known: columns.known,
        aggregationMethod: file.header.aggregationMethod,
        xFilesFactor: file.header.xFilesFactor,
        requestStart: request.from,
        requestStop: request.until,
      }
      if (cached.length > 0 && !options.lengthsOnly) mergeCache(file, series, cached)
      return series
    })
  } catch (error) {
    if (error instanceof CoreError) return undefined
    throw error
  }
}

/**
 * readSeries for a series with no cached points, its values left as the file stores them: `use`
 * runs while those bytes are valid (they may be this thread's one head buffer). False when the
 * series is left out (where readSeries says undefined).
 */
export function withSeriesSlots(request: SeriesRequest, use: (series: SeriesSlots) => void): boolean {
  try {
    return withWhisperFile(request.file, { write: false, lock: false, headBuffer: head }, (file) => {
      const plan = planFetch(file.header, request.from, request.until, { now: request.now })
      if ('empty' in plan) return false
      const window = fetchWindow(plan.archive.secondsPerPoint, plan.from, plan.until)
      const count = Math.floor((window.untilInterval - window.fromInterval) / window.step)
      const slots = readArchiveSlots(file, plan.archive, window.fromInterval, count)
      use({
        start: window.fromInterval,
        end: window.untilInterval,
        step: window.step,
        count,
        xFilesFactor: file.header.xFilesFactor,
        slots,
      })
      return true
    })
  } catch (error) {
    if (error instanceof CoreError) return false
    throw error
  }
}

/** One shared column of Nones, never written: the values of series whose values are not read. */
let nones = { values: new Float64Array(0), known: new Uint8Array(0) }

/** The window's columns as fileFetchColumns would give them, its values not read (all None). */
function unreadColumns(file: WhisperFile, request: SeriesRequest): FetchColumns | null {
  const timeInfo = fileFetchWindow(file, request.from, request.until, { now: request.now })
  if (timeInfo === null) return null
  const count = Math.floor((timeInfo.untilInterval - timeInfo.fromInterval) / timeInfo.step)
  if (nones.values.length < count) nones = { values: new Float64Array(count), known: new Uint8Array(count) }
  return { timeInfo, values: nones.values.subarray(0, count), known: nones.known.subarray(0, count) }
}

function mergeCache(file: WhisperFile, series: Series, cached: CachedPoints): void {
  const archives = file.header.archives
  const level = archives.findIndex((a) => a.secondsPerPoint === series.step)
  if (level < 0) return
  const raw = archives[0]!.secondsPerPoint
  const count = series.values.length
  if (level === 0) {
    for (const [ts, value] of cached) {
      const i = Math.floor((ts - (ts % raw) - series.start) / raw)
      if (i < 0 || i >= count) continue
      series.values[i] = value
      series.known[i] = 1
    }
    return
  }
  const slots = new Set<number>()
  for (const [ts] of cached) {
    const slot = ts - (((ts % series.step) + series.step) % series.step)
    const i = (slot - series.start) / series.step
    if (i >= 0 && i < count) slots.add(slot)
  }
  for (const slot of slots) {
    const merged = slotValue(file, archives, level, slot, cached)
    if (merged === undefined) continue
    const i = (slot - series.start) / series.step
    series.values[i] = merged
    series.known[i] = 1
  }
}

/** The values of `count` slots of archive `level` from `from`, with the cache merged in. */
function mergedRange(
  file: WhisperFile,
  archives: readonly ArchiveInfo[],
  level: number,
  from: number,
  count: number,
  cached: CachedPoints,
): { values: Float64Array; known: Uint8Array } {
  const archive = archives[level]!
  const step = archive.secondsPerPoint
  const disk = readArchiveColumns(file, archive, from, count)
  for (let i = 0; i < count; i++) {
    const slot = from + i * step
    if (!cached.some(([ts]) => ts >= slot && ts < slot + step)) continue
    if (level === 0) {
      for (const [ts, value] of cached) if (ts >= slot && ts < slot + step) disk.values[i] = value
      disk.known[i] = 1
    } else {
      const value = slotValue(file, archives, level, slot, cached)
      if (value !== undefined) {
        disk.values[i] = value
        disk.known[i] = 1
      }
    }
  }
  return disk
}

/** What whisper will store in the slot of archive `level` once the cache is written (propagation). */
function slotValue(
  file: WhisperFile,
  archives: readonly ArchiveInfo[],
  level: number,
  slot: number,
  cached: CachedPoints,
): number | undefined {
  const step = archives[level]!.secondsPerPoint
  const finerStep = archives[level - 1]!.secondsPerPoint
  const relevant = cached.filter(([ts]) => ts >= slot && ts < slot + step)
  const finer = mergedRange(file, archives, level - 1, slot, Math.floor(step / finerStep), relevant)
  const known: number[] = []
  const neighbors: (number | null)[] = []
  for (let i = 0; i < finer.values.length; i++) {
    const v = finer.known[i] === 1 ? finer.values[i]! : null
    neighbors.push(v)
    if (v !== null) known.push(v)
  }
  if (known.length === 0) return undefined
  if (known.length / neighbors.length < file.header.xFilesFactor) return undefined
  return aggregate(file.header.aggregationMethod, known, neighbors)
}
