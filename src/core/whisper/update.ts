// whisper's update and update_many, byte for byte. The rules (whisper.py's update, update_many and __archive_update_many):
// - a point goes to the first archive whose retention covers its age (now - timestamp); update
//   refuses future points and age >= maxRetention, update_many keeps future points in archive 0 and
//   silently drops points older than every archive;
// - timestamps are aligned down to the archive step; slots are found from the archive's base (the
//   timestamp in slot 0) with floor division and Python's modulo; an empty archive's first write
//   becomes its base;
// - update_many: newest-first stable sort, same interval keeps the latest timestamp, identical
//   timestamps keep the first value given; contiguous intervals are written as one run;
// - propagation recomputes each whole lower bucket from the higher archive, values found by their
//   stored timestamps, and writes it when known/total >= the float32 xFilesFactor.
// Where whisper corrupts data, this module does what whisper meant (listed in the README):
// - a run longer than the archive (far-future points) keeps its last `points` points instead of
//   writing past the end of the archive into the next one;
// - lower buckets of one batch are propagated in the order of the Python set whisper iterates (in an
//   empty lower archive the first one becomes the base), except that buckets landing in the same
//   slot of the lower ring go oldest first, so the newest wins (in whisper the set order decides);
// - points are checked against the u32 timestamp range before anything is written.

import { InvalidArgumentError, TimestampNotCoveredError } from '../errors.js'
import { aggregate } from './aggregate.js'
import type { ArchiveInfo } from './codec.js'
import { decodePointTimestamp, decodePointValue, encodePoint, isStorableTimestamp } from './codec.js'
import type { WhisperFile } from './file.js'
import { flushFile, readAt, withWhisperFile, writeAt } from './file.js'
import { POINT_SIZE, alignTimestamp, mod } from './format.js'
import { pythonSetOrder } from '../python/set-order.js'

/** A point as given: timestamp (epoch seconds, truncated to an integer) and value. */
export type Point = readonly [timestamp: number, value: number]

export interface UpdateOptions {
  /** The clock, in epoch seconds. Defaults to the current time. */
  now?: number
  /** flock(LOCK_EX) while writing (default true). */
  lock?: boolean
  /** fsync before closing (carbon's WHISPER_AUTOFLUSH). */
  fsync?: boolean
}

function defaultNow(): number {
  return Math.floor(Date.now() / 1000)
}

/** Python's int() of a number: truncation toward zero, refusing NaN and infinities. */
function toIntegerTimestamp(timestamp: number): number {
  if (!Number.isFinite(timestamp)) {
    throw new InvalidArgumentError(`invalid timestamp ${String(timestamp)}: not a finite number`)
  }
  return Math.trunc(timestamp)
}

function checkStorable(interval: number): void {
  if (!isStorableTimestamp(interval)) {
    throw new InvalidArgumentError(`timestamp ${interval} is outside whisper's range (0 to 4294967295)`)
  }
}

/**
 * Per-operation state: the open file, the base timestamp of each archive (read once, kept in step
 * with writes), and the lower-archive writes of one propagation level, which are coalesced into as
 * few pwrite calls as possible when the level ends. System calls dominate the cost of a write.
 */
const pointBuffer = Buffer.alloc(POINT_SIZE)

/**
 * The base timestamps of an open file's archives, shared by every writer of that open file: several
 * operations (merge, fill, resize's catch-up) write one file through several writers, and each must
 * see the bases the others set. Filled lazily; kept in step with every write to a slot 0.
 */
const basesByFile = new WeakMap<WhisperFile, (number | undefined)[]>()

class ArchiveWriter {
  private readonly bases: (number | undefined)[]
  /** Deferred lower-archive writes: position -> [interval, value]. */
  private readonly pending = new Map<number, [number, number]>()

  constructor(readonly file: WhisperFile) {
    let bases = basesByFile.get(file)
    if (!bases) {
      bases = new Array<number | undefined>(file.header.archives.length)
      basesByFile.set(file, bases)
    }
    this.bases = bases
  }

  base(index: number): number {
    let base = this.bases[index]
    if (base === undefined) {
      const archive = this.file.header.archives[index]!
      const head = this.file.headBytes
      // Archive 0 usually starts inside the bytes read with the header.
      if (archive.offset + POINT_SIZE <= head.byteLength) {
        base = decodePointTimestamp(head, archive.offset)
      } else {
        readAt(this.file.fd, this.file.path, archive.offset, POINT_SIZE, pointBuffer)
        base = decodePointTimestamp(pointBuffer, 0)
      }
      this.bases[index] = base
    }
    return base
  }

  /** The byte position of `interval` in the archive, relative to `base`. */
  static slotOffset(archive: ArchiveInfo, base: number, interval: number): number {
    const pointDistance = Math.floor((interval - base) / archive.secondsPerPoint)
    return archive.offset + mod(pointDistance * POINT_SIZE, archive.size)
  }

  /** Write one point now, or queue it until flush() when `deferred`. */
  writePoint(index: number, interval: number, value: number, deferred = false): void {
    const archive = this.file.header.archives[index]!
    const base = this.base(index)
    const position = base === 0 ? archive.offset : ArchiveWriter.slotOffset(archive, base, interval)
    if (deferred) {
      this.pending.set(position, [interval, value])
    } else {
      encodePoint(pointBuffer, 0, interval, value)
      writeAt(this.file.fd, this.file.path, pointBuffer, position)
    }
    if (position === archive.offset) this.bases[index] = interval
  }

  /** Write the queued points, adjacent ones in one call; the last write to a slot wins. */
  flush(): void {
    if (this.pending.size === 0) return
    const positions = [...this.pending.keys()].sort((a, b) => a - b)
    let start = 0
    for (let i = 1; i <= positions.length; i++) {
      if (i < positions.length && positions[i] === positions[i - 1]! + POINT_SIZE) continue
      const bytes = i - start === 1 ? pointBuffer : Buffer.allocUnsafe((i - start) * POINT_SIZE)
      for (let k = start; k < i; k++) {
        const [interval, value] = this.pending.get(positions[k]!)!
        encodePoint(bytes, (k - start) * POINT_SIZE, interval, value)
      }
      writeAt(this.file.fd, this.file.path, bytes, positions[start]!)
      start = i
    }
    this.pending.clear()
  }

  /**
   * Write consecutive points starting at `startInterval` (whisper's packed string), wrapping at the
   * archive's end. `base` is the base whisper computed once for the whole batch.
   */
  writeRun(index: number, base: number, startInterval: number, timestamps: number[], values: number[]): void {
    const archive = this.file.header.archives[index]!
    let first = 0
    if (timestamps.length > archive.points) {
      // Only the last `points` points of a longer run survive in the ring.
      first = timestamps.length - archive.points
      startInterval += first * archive.secondsPerPoint
    }
    const count = timestamps.length - first
    const bytes = Buffer.allocUnsafe(count * POINT_SIZE)
    for (let i = 0; i < count; i++)
      encodePoint(bytes, i * POINT_SIZE, timestamps[first + i]!, values[first + i]!)
    const position = ArchiveWriter.slotOffset(archive, base, startInterval)
    const archiveEnd = archive.offset + archive.size
    const beyond = position + bytes.byteLength - archiveEnd
    if (beyond > 0) {
      writeAt(this.file.fd, this.file.path, bytes.subarray(0, bytes.byteLength - beyond), position)
      writeAt(this.file.fd, this.file.path, bytes.subarray(bytes.byteLength - beyond), archive.offset)
      this.bases[index] = decodePointTimestamp(bytes, bytes.byteLength - beyond)
    } else {
      writeAt(this.file.fd, this.file.path, bytes, position)
      if (position === archive.offset) this.bases[index] = timestamps[first]!
    }
  }

  /**
   * Read the higher-archive points of each lower bucket, as whisper's __propagate reads them (from the
   * bucket start's slot, `lower / higher` points, wrapping). When the buckets lie close together, one
   * read (two when it wraps) covers them all.
   */
  private readBuckets(
    higher: ArchiveInfo,
    higherBase: number,
    starts: readonly number[],
    count: number,
    aligned: boolean,
  ): Buffer[] {
    const { fd, path } = this.file
    const firstOffsets = starts.map((start) =>
      higherBase === 0 ? higher.offset : ArchiveWriter.slotOffset(higher, higherBase, start),
    )
    const readOne = (firstOffset: number): Buffer => {
      const relativeFirst = firstOffset - higher.offset
      const lastOffset = ((relativeFirst + count * POINT_SIZE) % higher.size) + higher.offset
      if (firstOffset < lastOffset) return readAt(fd, path, firstOffset, lastOffset - firstOffset)
      const head = higher.offset + higher.size - firstOffset
      const series = Buffer.allocUnsafe(head + (lastOffset - higher.offset))
      readAt(fd, path, firstOffset, head, series)
      if (series.byteLength > head)
        readAt(fd, path, higher.offset, series.byteLength - head, series.subarray(head))
      return series
    }
    const min = Math.min(...starts)
    const span = (Math.max(...starts) - min) / higher.secondsPerPoint + count
    if (
      starts.length === 1 ||
      !aligned ||
      higherBase === 0 ||
      count > higher.points ||
      span > higher.points
    ) {
      return firstOffsets.map(readOne)
    }
    // One read from the oldest bucket's slot, long enough for the newest bucket's points.
    const origin = ArchiveWriter.slotOffset(higher, higherBase, min)
    const originSlot = (origin - higher.offset) / POINT_SIZE
    const all = Buffer.allocUnsafe(span * POINT_SIZE)
    const firstChunk = Math.min(span, higher.points - originSlot)
    readAt(fd, path, origin, firstChunk * POINT_SIZE, all)
    if (span > firstChunk)
      readAt(fd, path, higher.offset, (span - firstChunk) * POINT_SIZE, all.subarray(firstChunk * POINT_SIZE))
    return starts.map((start) => {
      const at = ((start - min) / higher.secondsPerPoint) * POINT_SIZE
      return all.subarray(at, at + count * POINT_SIZE)
    })
  }

  /**
   * whisper's __propagate for each bucket start in `timestamps` (in the given order), from the higher
   * archive into the lower one. Returns whether any bucket was written.
   */
  propagateLevel(timestamps: readonly number[], higherIndex: number, lowerIndex: number): boolean {
    const { header } = this.file
    const higher = header.archives[higherIndex]!
    const lower = header.archives[lowerIndex]!
    const starts = timestamps.map((t) => alignTimestamp(t, lower.secondsPerPoint))
    const higherPoints = Math.floor(lower.secondsPerPoint / higher.secondsPerPoint)
    const aligned = lower.secondsPerPoint % higher.secondsPerPoint === 0
    const series = this.readBuckets(higher, this.base(higherIndex), starts, higherPoints, aligned)
    let wrote = false
    for (let k = 0; k < starts.length; k++) {
      const bucket = series[k]!
      const lowerIntervalStart = starts[k]!
      const count = Math.floor(bucket.byteLength / POINT_SIZE)
      const neighborValues = new Array<number | null>(count)
      const knownValues: number[] = []
      let currentInterval = lowerIntervalStart
      for (let i = 0; i < count; i++) {
        if (decodePointTimestamp(bucket, i * POINT_SIZE) === currentInterval) {
          const value = decodePointValue(bucket, i * POINT_SIZE)
          neighborValues[i] = value
          knownValues.push(value)
        } else {
          neighborValues[i] = null
        }
        currentInterval += higher.secondsPerPoint
      }
      if (knownValues.length === 0) continue
      if (!(knownValues.length / count >= header.xFilesFactor)) continue
      const value = aggregate(header.aggregationMethod, knownValues, neighborValues)
      this.writePoint(lowerIndex, lowerIntervalStart, value, true)
      wrote = true
    }
    this.flush()
    return wrote
  }

  /** whisper's __archive_update_many for one archive; `points` are chronological. */
  archiveUpdateMany(index: number, timestamps: number[], values: number[]): void {
    const { archives } = this.file.header
    const archive = archives[index]!
    const step = archive.secondsPerPoint
    const n = timestamps.length
    const aligned = new Array<number>(n)
    for (let i = 0; i < n; i++) aligned[i] = alignTimestamp(timestamps[i]!, step)

    // Runs of contiguous intervals; of several points in one interval the last (chronologically) wins.
    const runs: { start: number; intervals: number[]; values: number[] }[] = []
    let previous: number | null = null
    let intervals: number[] = []
    let runValues: number[] = []
    for (let i = 0; i < n; i++) {
      if (i + 1 < n && aligned[i] === aligned[i + 1]) continue
      const interval = aligned[i]!
      // whisper tests `not previousInterval`, so an interval of 0 also continues the run.
      if (previous === null || previous === 0 || interval === previous + step) {
        intervals.push(interval)
        runValues.push(values[i]!)
      } else {
        runs.push({ start: previous - step * (intervals.length - 1), intervals, values: runValues })
        intervals = [interval]
        runValues = [values[i]!]
      }
      previous = interval
    }
    if (intervals.length > 0 && previous !== null) {
      runs.push({ start: previous - step * (intervals.length - 1), intervals, values: runValues })
    }

    let base = this.base(index)
    if (base === 0) base = runs[0]!.start
    for (const run of runs) this.writeRun(index, base, run.start, run.intervals, run.values)

    let higherIndex = index
    for (let lowerIndex = 0; lowerIndex < archives.length; lowerIndex++) {
      const lower = archives[lowerIndex]!
      if (!(lower.secondsPerPoint > step)) continue
      const unique = propagationOrder(
        aligned.map((t) => alignTimestamp(t, lower.secondsPerPoint)),
        lower,
      )
      if (!this.propagateLevel(unique, higherIndex, lowerIndex)) break
      higherIndex = lowerIndex
    }
  }
}

/**
 * The order in which whisper's update_many propagates lower buckets: its Python set's order, with
 * buckets that share a slot of the lower ring (one lower retention apart) put oldest first among the
 * positions they occupy, so that the newest is written last and survives.
 */
export function propagationOrder(lowerIntervals: readonly number[], lower: ArchiveInfo): number[] {
  const order = pythonSetOrder(lowerIntervals)
  const bySlot = new Map<number, number[]>()
  for (const [position, interval] of order.entries()) {
    const slot = mod(interval / lower.secondsPerPoint, lower.points)
    const positions = bySlot.get(slot)
    if (positions) positions.push(position)
    else bySlot.set(slot, [position])
  }
  if (bySlot.size === order.length) return order
  const result = [...order]
  for (const positions of bySlot.values()) {
    if (positions.length < 2) continue
    const intervals = positions.map((p) => order[p]!).sort((a, b) => a - b)
    positions.forEach((p, k) => (result[p] = intervals[k]!))
  }
  return result
}

/**
 * whisper's file_update on an open, locked file: one point, strict range rules.
 * @throws TimestampNotCoveredError for a future point or one as old as maxRetention
 */
export function fileUpdate(
  file: WhisperFile,
  value: number,
  timestamp: number | undefined,
  now: number,
): void {
  const { header } = file
  const ts = toIntegerTimestamp(timestamp ?? now)
  const diff = now - ts
  if (!(diff < header.maxRetention && diff >= 0)) throw new TimestampNotCoveredError()
  const index = header.archives.findIndex((archive) => archive.retention >= diff)
  if (index < 0) throw new TimestampNotCoveredError()
  const archive = header.archives[index]!
  const myInterval = alignTimestamp(ts, archive.secondsPerPoint)
  checkStorable(myInterval)
  const writer = new ArchiveWriter(file)
  writer.writePoint(index, myInterval, value)
  let higherIndex = index
  for (let lowerIndex = index + 1; lowerIndex < header.archives.length; lowerIndex++) {
    if (!writer.propagateLevel([myInterval], higherIndex, lowerIndex)) break
    higherIndex = lowerIndex
  }
}

/** The points of one archive, chronological. */
interface ArchiveBatch {
  index: number
  timestamps: number[]
  values: number[]
}

/**
 * Split points (newest first) between archives by age, as whisper's file_update_many walks them.
 * Points older than every archive are dropped.
 */
function assignArchives(
  file: WhisperFile,
  timestamps: number[],
  values: number[],
  now: number,
): ArchiveBatch[] {
  const { archives } = file.header
  const batches: ArchiveBatch[] = []
  let index = 0
  let current: ArchiveBatch = { index: 0, timestamps: [], values: [] }
  for (let i = 0; i < timestamps.length; i++) {
    const age = now - timestamps[i]!
    while (archives[index]!.retention < age) {
      if (current.timestamps.length > 0) batches.push(current)
      index++
      current = { index, timestamps: [], values: [] }
      if (index >= archives.length) return finish(batches)
    }
    current.timestamps.push(timestamps[i]!)
    current.values.push(values[i]!)
  }
  if (current.timestamps.length > 0) batches.push(current)
  return finish(batches)

  function finish(list: ArchiveBatch[]): ArchiveBatch[] {
    for (const batch of list) {
      batch.timestamps.reverse()
      batch.values.reverse()
      const step = archives[batch.index]!.secondsPerPoint
      for (const t of batch.timestamps) checkStorable(alignTimestamp(t, step))
    }
    return list
  }
}

/** Truncated timestamps and values, newest first, stable for equal timestamps (whisper's sort). */
function newestFirst(points: readonly Point[]): { timestamps: number[]; values: number[] } {
  return newestFirstOf(
    points.length,
    (i) => points[i]![0],
    (i) => points[i]![1],
  )
}

/** Points as columns (timestamp at `timestampAt(i)`, value at `valueAt(i)`), newest first, stable. */
function newestFirstOf(
  n: number,
  timestampAt: (i: number) => number,
  valueAt: (i: number) => number,
): { timestamps: number[]; values: number[] } {
  const timestamps = new Array<number>(n)
  const values = new Array<number>(n)
  let ascending = true
  for (let i = 0; i < n; i++) {
    timestamps[i] = toIntegerTimestamp(timestampAt(i))
    values[i] = valueAt(i)
    if (i > 0 && timestamps[i]! <= timestamps[i - 1]!) ascending = false
  }
  if (ascending) {
    // The common case, points in time order: newest first is the reverse.
    timestamps.reverse()
    values.reverse()
    return { timestamps, values }
  }
  const order = timestamps.map((_, i) => i).sort((a, b) => timestamps[b]! - timestamps[a]! || a - b)
  return { timestamps: order.map((i) => timestamps[i]!), values: order.map((i) => values[i]!) }
}

/**
 * whisper's file_update_many on an open, locked file. `points` in any order; they are sorted
 * newest first (stable) as whisper's update_many does.
 * @throws InvalidArgumentError for a non-finite timestamp or one outside the u32 range
 */
export function fileUpdateMany(file: WhisperFile, points: readonly Point[], now: number): void {
  writeNewestFirst(file, newestFirst(points), now)
}

function writeNewestFirst(
  file: WhisperFile,
  { timestamps, values }: { timestamps: number[]; values: number[] },
  now: number,
): void {
  const batches = assignArchives(file, timestamps, values, now)
  const writer = new ArchiveWriter(file)
  for (const batch of batches) writer.archiveUpdateMany(batch.index, batch.timestamps, batch.values)
}

/**
 * Write one point (whisper's update). `timestamp` defaults to now.
 * @throws NotFoundError, CorruptFileError, TimestampNotCoveredError, InvalidArgumentError
 */
export function update(path: string, value: number, timestamp?: number, options: UpdateOptions = {}): void {
  withWhisperFile(path, { write: true, lock: options.lock ?? true }, (file) => {
    fileUpdate(file, value, timestamp, options.now ?? defaultNow())
    if (options.fsync) flushFile(file)
  })
}

/**
 * Write many points (whisper's update_many). Nothing is opened for an empty list.
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError
 */
export function updateMany(path: string, points: readonly Point[], options: UpdateOptions = {}): void {
  if (points.length === 0) return
  withWhisperFile(path, { write: true, lock: options.lock ?? true }, (file) => {
    fileUpdateMany(file, points, options.now ?? defaultNow())
    if (options.fsync) flushFile(file)
  })
}

/**
 * updateMany for points held flat, `[timestamp, value, timestamp, value...]` (the daemon's writer
 * threads: no array per point).
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError
 */
export function updateManyFlat(path: string, points: Float64Array, options: UpdateOptions = {}): void {
  if (points.length === 0) return
  withWhisperFile(path, { write: true, lock: options.lock ?? true }, (file) => {
    fileUpdateManyFlat(file, points, options.now ?? defaultNow())
    if (options.fsync) flushFile(file)
  })
}

/** fileUpdateMany for points held flat, on an open (locked, or not yet visible) file. */
export function fileUpdateManyFlat(file: WhisperFile, points: Float64Array, now: number): void {
  const ordered = newestFirstOf(
    points.length >> 1,
    (i) => points[2 * i]!,
    (i) => points[2 * i + 1]!,
  )
  writeNewestFirst(file, ordered, now)
}

/**
 * whisper-update's rule: a single point goes through update (an error when no archive covers it),
 * several through update_many (points no archive covers are dropped).
 * @throws NotFoundError, CorruptFileError, TimestampNotCoveredError, InvalidArgumentError
 */
/** What writePoints did: which of whisper's rules it followed, for how many points. */
export interface WritePointsResult {
  path: string
  points: number
  /** One point follows update's rules, several update_many's. */
  rules: 'update' | 'update_many'
}

export function writePoints(
  path: string,
  points: readonly Point[],
  options: UpdateOptions = {},
): WritePointsResult {
  if (points.length === 1) update(path, points[0]![1], points[0]![0], options)
  else updateMany(path, points, options)
  return { path, points: points.length, rules: points.length === 1 ? 'update' : 'update_many' }
}

/**
 * whisper's __archive_update_many: write chronological points straight into archive `index` of an
 * open, locked file (no choice of archive by age) and propagate to the coarser archives. Used by merge.
 */
export function archiveUpdateMany(
  file: WhisperFile,
  index: number,
  timestamps: number[],
  values: number[],
): void {
  for (const t of timestamps) checkStorable(alignTimestamp(t, file.header.archives[index]!.secondsPerPoint))
  new ArchiveWriter(file).archiveUpdateMany(index, timestamps, values)
}
