// whisper's fetch: the window is (from, until] in aligned intervals, the archive is the first whose
// retention covers now - from (not until - from), and a stored value counts only when its slot
// holds the expected timestamp. One difference, on purpose: with archiveToSelect, a window longer
// than the archive returns one value per step (null beyond the ring) instead of whisper's shorter,
// misaligned list.

import { InvalidArgumentError, InvalidTimeIntervalError } from '../errors.js'
import { formatDuration } from '../format/duration.js'
import type { ArchiveInfo, Header } from './codec.js'
import { decodePointTimestamp } from './codec.js'
import type { WhisperFile } from './file.js'
import { readAt, withWhisperFile } from './file.js'
import { POINT_SIZE, alignTimestamp, mod } from './format.js'
import { parseRetentionDef } from './retention.js'

export interface TimeInfo {
  /** First interval returned. */
  fromInterval: number
  /** One step after the last interval returned. */
  untilInterval: number
  step: number
}

export interface FetchResult {
  timeInfo: TimeInfo
  /** One value per step from fromInterval; null where nothing is stored. */
  values: (number | null)[]
}

/**
 * The same window in columns, for large fetches: a 1s:30d file is 2.6 million values, which as a
 * list of boxed numbers cost more memory and garbage collection than reading them.
 */
export interface FetchColumns {
  timeInfo: TimeInfo
  /** The value of each step (0 where nothing is stored). */
  values: Float64Array
  /** 1 where a value is stored, 0 where whisper would say None. */
  known: Uint8Array
}

export interface FetchOptions {
  /** The clock, in epoch seconds. Defaults to the current time. */
  now?: number
  /** A precision such as `1m` or `60`: fetch from the archive with exactly this step. */
  archiveToSelect?: string | number
}

function defaultNow(): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * The archive whisper's fetch would read for `archiveToSelect` (a precision such as `1m`).
 * @throws InvalidRetentionError for a bad precision, InvalidArgumentError `Invalid granularity: N: ...` (with the file's precisions)
 */
export function selectArchiveByPrecision(header: Header, archiveToSelect: string | number): ArchiveInfo {
  const [secondsPerPoint] = parseRetentionDef(`${archiveToSelect}:1`)
  const archive = header.archives.find((a) => a.secondsPerPoint === secondsPerPoint)
  if (!archive) {
    // whisper says only `Invalid granularity: 300`: say what the file has instead.
    const has = header.archives.map((a) => formatDuration(a.secondsPerPoint)).join(', ')
    throw new InvalidArgumentError(
      `Invalid granularity: ${secondsPerPoint}: no archive of ${formatDuration(secondsPerPoint)} precision; ` +
        `the file's archives have ${has}`,
    )
  }
  return archive
}

const SCRATCH_BYTES = 1 << 20
let scratch = Buffer.allocUnsafeSlow(0)

/**
 * The slots that hold `count` intervals from `fromInterval` of one archive, as stored (12-byte
 * points): interval i is the point at byte `at + 12 * i`, wrapping to 0 at `ring` bytes; it counts
 * only where that point's timestamp is the interval's. Undefined when the archive was never written.
 * The bytes are the file's head buffer (valid until the next file is opened into it) or this
 * thread's scratch buffer (valid until its next read): one contiguous range (two when it wraps), at
 * most the whole archive.
 */
export function readArchiveSlots(
  file: WhisperFile,
  archive: ArchiveInfo,
  fromInterval: number,
  count: number,
): { bytes: Uint8Array; at: number; ring: number } | undefined {
  if (count <= 0) return undefined
  const step = archive.secondsPerPoint
  // The bytes read with the header, when they hold the archive (a small file read whole).
  const head = file.headBytes
  const inHead = archive.offset + archive.points * POINT_SIZE <= head.byteLength
  const baseBytes = inHead
    ? head.subarray(archive.offset, archive.offset + POINT_SIZE)
    : readAt(file.fd, file.path, archive.offset, POINT_SIZE)
  const baseInterval = decodePointTimestamp(baseBytes, 0)
  if (baseInterval === 0) return undefined
  const firstSlot = mod(Math.floor((fromInterval - baseInterval) / step), archive.points)
  if (inHead) {
    const bytes = head.subarray(archive.offset, archive.offset + archive.points * POINT_SIZE)
    return { bytes, at: firstSlot * POINT_SIZE, ring: bytes.byteLength }
  }
  const slots = Math.min(count, archive.points)
  const firstChunk = Math.min(slots, archive.points - firstSlot)
  // Up to SCRATCH_BYTES, one buffer of this thread's, reused (a dashboard reads thousands of files
  // of a day at 10 s, 100 KiB each): the bytes are valid until this thread's next read.
  const bytes = slots * POINT_SIZE
  if (bytes <= SCRATCH_BYTES && scratch.byteLength < bytes) scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  const series = bytes <= SCRATCH_BYTES ? scratch.subarray(0, bytes) : Buffer.allocUnsafe(bytes)
  readPast(file, archive.offset + firstSlot * POINT_SIZE, firstChunk * POINT_SIZE, series)
  if (slots > firstChunk)
    readPast(
      file,
      archive.offset,
      (slots - firstChunk) * POINT_SIZE,
      series.subarray(firstChunk * POINT_SIZE),
    )
  // `series` holds the slots from firstSlot on: interval i is in its slot i mod slots.
  return { bytes: series, at: 0, ring: series.byteLength }
}

/**
 * Read the values of `count` intervals starting at `fromInterval` from one archive.
 * Reads one contiguous range (two when it wraps); at most the whole archive.
 */
export function readArchiveColumns(
  file: WhisperFile,
  archive: ArchiveInfo,
  fromInterval: number,
  count: number,
): { values: Float64Array; known: Uint8Array } {
  // A window that ends before it starts (diff's coarser archives, merge's clamped windows) is empty.
  count = Math.max(0, count)
  const values = new Float64Array(count)
  const known = new Uint8Array(count)
  const slots = readArchiveSlots(file, archive, fromInterval, count)
  if (slots === undefined) return { values, known }
  fillColumns(slots.bytes, slots.at, slots.ring, fromInterval, archive.secondsPerPoint, values, known)
  return { values, known }
}

/**
 * `length` bytes from `position` into `into`: what the header's read already holds copied from it
 * (the first archive's first 30 KiB or so), only the rest read.
 */
function readPast(file: WhisperFile, position: number, length: number, into: Buffer): void {
  const head = file.headBytes
  const copied = Math.max(0, Math.min(length, head.byteLength - position))
  if (copied > 0) into.set(head.subarray(position, position + copied), 0)
  if (copied < length)
    readAt(file.fd, file.path, position + copied, length - copied, into.subarray(copied, length))
}

/**
 * Interval `fromInterval + i * step` sits at byte `at + 12 * i` of `slots`, wrapping at `ring`
 * bytes: beyond one ring length it maps onto the same slots again, and a value counts only where
 * the slot holds that very interval.
 */
function fillColumns(
  slots: Uint8Array,
  at: number,
  ring: number,
  fromInterval: number,
  step: number,
  values: Float64Array,
  known: Uint8Array,
): void {
  const view = new DataView(slots.buffer, slots.byteOffset, slots.byteLength)
  // The slot wraps by a comparison, not `% ring`: an integer division per point was most of the
  // cost of a render's decoding (144,000 points for 100 series of a day of minutes).
  for (let i = 0; i < values.length; i++) {
    if (view.getUint32(at) === fromInterval + i * step) {
      values[i] = view.getFloat64(at + 4)
      known[i] = 1
    }
    at += POINT_SIZE
    if (at === ring) at = 0
  }
}

/**
 * The values of a whole archive (count = points) given as its data extents (readDataExtents with
 * 12-byte units): everything outside them is zeros, empty slots.
 */
export function decodeArchiveExtents(
  extents: readonly { offset: number; bytes: Buffer }[],
  archive: ArchiveInfo,
  fromInterval: number,
): { values: Float64Array; known: Uint8Array } {
  const values = new Float64Array(archive.points)
  const known = new Uint8Array(archive.points)
  const head = extents[0]
  if (!head || head.offset !== 0) return { values, known }
  const base = new DataView(head.bytes.buffer, head.bytes.byteOffset, head.bytes.byteLength).getUint32(0)
  if (base === 0) return { values, known }
  const step = archive.secondsPerPoint
  const firstSlot = mod(Math.floor((fromInterval - base) / step), archive.points)
  for (const extent of extents) {
    const view = new DataView(extent.bytes.buffer, extent.bytes.byteOffset, extent.bytes.byteLength)
    const firstSlotOfExtent = extent.offset / POINT_SIZE
    for (let at = 0; at + POINT_SIZE <= extent.bytes.byteLength; at += POINT_SIZE) {
      const timestamp = view.getUint32(at)
      if (timestamp === 0) continue
      const i = mod(firstSlotOfExtent + at / POINT_SIZE - firstSlot, archive.points)
      if (timestamp === fromInterval + i * step) {
        values[i] = view.getFloat64(at + 4)
        known[i] = 1
      }
    }
  }
  return { values, known }
}

/** Columns as whisper's list: the value, or null where nothing is stored. */
export function columnsToList(columns: { values: Float64Array; known: Uint8Array }): (number | null)[] {
  const list = new Array<number | null>(columns.values.length)
  for (let i = 0; i < list.length; i++) list[i] = columns.known[i] === 1 ? columns.values[i]! : null
  return list
}

/** whisper's __archive_fetch on an archive already chosen, for a validated window. */
export function archiveFetch(
  file: WhisperFile,
  archive: ArchiveInfo,
  fromTime: number,
  untilTime: number,
): FetchColumns {
  const timeInfo = fetchWindow(archive.secondsPerPoint, fromTime, untilTime)
  const count = Math.floor((timeInfo.untilInterval - timeInfo.fromInterval) / timeInfo.step)
  return { timeInfo, ...readArchiveColumns(file, archive, timeInfo.fromInterval, count) }
}

/** The intervals whisper's __archive_fetch returns for a validated window, at `step`. */
export function fetchWindow(step: number, fromTime: number, untilTime: number): TimeInfo {
  const fromInterval = alignTimestamp(fromTime, step) + step
  let untilInterval = alignTimestamp(untilTime, step) + step
  // A zero-length window returns the next point.
  if (fromInterval === untilInterval) untilInterval += step
  return { fromInterval, untilInterval, step }
}

/**
 * The window fileFetchColumns would return, without reading it: for a caller that needs only how
 * many values there are (a count of series). null where fileFetchColumns gives null.
 */
export function fileFetchWindow(
  file: WhisperFile,
  fromTime: number,
  untilTime: number | undefined,
  options: FetchOptions = {},
): TimeInfo | null {
  const plan = planFetch(file.header, fromTime, untilTime, options)
  return 'empty' in plan ? null : fetchWindow(plan.archive.secondsPerPoint, plan.from, plan.until)
}

/** Why an archive answers a fetch: `--archive` (archiveToSelect), or the age of `from` (whisper's rule). */
export type ArchiveChoice =
  | { by: 'precision'; precision: string }
  /** The first archive whose retention reaches back `age` seconds (now - from, after clamping). */
  | { by: 'age'; age: number }

/** What whisper's file_fetch decides before it reads: the clamped window and the archive. */
export interface FetchPlan {
  now: number
  /** The window after clamping to (now - maxRetention, now]. */
  from: number
  until: number
  archiveIndex: number
  archive: ArchiveInfo
  choice: ArchiveChoice
}

/** A window with nothing to read: entirely in the future, or entirely older than the file's retention. */
export type EmptyWindow = { empty: 'future' | 'before-retention' }

/**
 * whisper's file_fetch up to the read: validate and clamp the window, choose the archive.
 * @throws InvalidTimeIntervalError when from is after until; InvalidArgumentError for a bad granularity
 */
export function planFetch(
  header: Header,
  fromTime: number,
  untilTime: number | undefined,
  options: FetchOptions = {},
): FetchPlan | EmptyWindow {
  const now = options.now ?? defaultNow()
  let from = Math.trunc(fromTime)
  let until = Math.trunc(untilTime ?? now)
  if (!Number.isFinite(from) || !Number.isFinite(until)) {
    throw new InvalidArgumentError('fetch times must be finite numbers')
  }
  if (from > until) {
    throw new InvalidTimeIntervalError(
      `Invalid time interval: from time '${from}' is after until time '${until}'`,
    )
  }
  const oldestTime = now - header.maxRetention
  if (from > now) return { empty: 'future' }
  if (until < oldestTime) return { empty: 'before-retention' }
  if (from < oldestTime) from = oldestTime
  if (until > now) until = now
  const diff = now - from
  let archive: ArchiveInfo
  let choice: ArchiveChoice
  if (
    options.archiveToSelect !== undefined &&
    options.archiveToSelect !== '' &&
    options.archiveToSelect !== 0
  ) {
    archive = selectArchiveByPrecision(header, options.archiveToSelect)
    choice = { by: 'precision', precision: String(options.archiveToSelect) }
  } else {
    archive = header.archives.find((a) => a.retention >= diff) ?? header.archives[header.archives.length - 1]!
    choice = { by: 'age', age: diff }
  }
  return { now, from, until, archiveIndex: header.archives.indexOf(archive), archive, choice }
}

/**
 * whisper's file_fetch on an open file, in columns. Returns null when the window is entirely in the
 * future or entirely older than the file's retention.
 * @throws InvalidTimeIntervalError when from is after until; InvalidArgumentError for a bad granularity
 */
export function fileFetchColumns(
  file: WhisperFile,
  fromTime: number,
  untilTime: number | undefined,
  options: FetchOptions = {},
): FetchColumns | null {
  const plan = planFetch(file.header, fromTime, untilTime, options)
  return 'empty' in plan ? null : archiveFetch(file, plan.archive, plan.from, plan.until)
}

/**
 * whisper's file_fetch on an open file.
 * @throws InvalidTimeIntervalError when from is after until; InvalidArgumentError for a bad granularity
 */
export function fileFetch(
  file: WhisperFile,
  fromTime: number,
  untilTime: number | undefined,
  options: FetchOptions = {},
): FetchResult | null {
  const columns = fileFetchColumns(file, fromTime, untilTime, options)
  return columns && { timeInfo: columns.timeInfo, values: columnsToList(columns) }
}

/**
 * Fetch values in (fromTime, untilTime] (whisper's fetch).
 * @throws NotFoundError, CorruptFileError, InvalidTimeIntervalError, InvalidArgumentError
 */
export function fetch(
  path: string,
  fromTime: number,
  untilTime?: number,
  options: FetchOptions = {},
): FetchResult | null {
  return withWhisperFile(path, { write: false, lock: false }, (file) =>
    fileFetch(file, fromTime, untilTime, options),
  )
}

/**
 * fetch() in columns (see FetchColumns).
 * @throws NotFoundError, CorruptFileError, InvalidTimeIntervalError, InvalidArgumentError
 */
export function fetchColumns(
  path: string,
  fromTime: number,
  untilTime?: number,
  options: FetchOptions = {},
): FetchColumns | null {
  return withWhisperFile(path, { write: false, lock: false }, (file) =>
    fileFetchColumns(file, fromTime, untilTime, options),
  )
}

/** whisper-fetch's --drop choices. */
export const DROP_MODES = ['nulls', 'zeroes', 'empty'] as const
export type DropMode = (typeof DROP_MODES)[number]

/** Whether whisper-fetch keeps a value under --drop: zeroes drops 0, nulls drops missing, empty both. */
export function keepValue(mode: DropMode, value: number | null): boolean {
  switch (mode) {
    case 'nulls':
      return value !== null
    case 'zeroes':
      return value !== 0
    case 'empty':
      return value !== null && value !== 0
  }
}
