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
//
// How: on the destination's bytes held in memory. The file is read once (header and archives, one
// read), its windows read as fetch.ts's archiveFetch reads them, the points written by whisper's
// __archive_update_many and __propagate as update.ts's ArchiveWriter does them, and only the 12-byte
// slots written are written back, contiguous ones in one pwrite: no pread/pwrite per run and per
// bucket, no array per point or per bucket. `wsp fill` and carbon serve's admin fill (a rebalance's
// destination, thousands of files) run it.
// test/unit/core/whisper/fill-model.test.ts checks it byte for byte against a straightforward model
// (test/helpers/fill-model.ts: update.ts's archiveUpdateMany through the descriptor) on seeded random
// files; the e2e tests check it against Debian's whisper-fill where the two agree.
//
// Why the shortcuts keep ArchiveWriter's bytes:
// - ArchiveWriter defers a propagation level's writes to the end of the level; done at once here, they
//   land in the lower archive, which the level does not read (it reads the higher one), and a later
//   write to the same slot wins either way;
// - ArchiveWriter tracks each archive's base (slot 0's timestamp) as it writes; here it is read from
//   the bytes, which hold exactly what was written;
// - a level's buckets go in the order of whisper's Python set (propagationOrder) only where the order
//   can matter: into an empty lower archive (the first bucket becomes its base) or when two buckets
//   may share a slot. Otherwise each bucket has its own slot and the order changes nothing;
// - the points pushed at the gaps' interval starts (all but a finer source's raw points) are already
//   what __archive_update_many's alignment and dedup make of them: ascending distinct integers,
//   storable when the first and the last are, so they skip that pass;
// - integer arithmetic replaces a division where it is exact (safe integers): a gap's position in a
//   source window, a point's interval after the one before, a lower archive's bucket.

import { InvalidArgumentError } from '../errors.js'
import { aggregate } from './aggregate.js'
import type { ArchiveInfo, Header } from './codec.js'
import type { AggregationMethod } from './format.js'
import { isStorableTimestamp } from './codec.js'
import { readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { flushFile, readAt, withWhisperFile, writeAt } from './file.js'
import { MAX_UINT32, POINT_SIZE, alignTimestamp, mod } from './format.js'
import { propagationOrder } from './update.js'

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

/** The destination held whole: its bytes, a view of them, and the slots written (by slot number). */
interface Image {
  readonly bytes: Uint8Array
  readonly view: DataView
  readonly header: Header
  /** 1 for each point slot written, numbered from archive 0's first slot (archives are contiguous). */
  readonly dirty: Uint8Array
  readonly firstOffset: number
}

// Scratch reused between fills (a fill is synchronous; one per thread at a time).
let dirtyScratch = new Uint8Array(0)
let imageScratch = Buffer.alloc(0)
let windowValues = new Float64Array(0)
let windowKnown = new Uint8Array(0)
const bucketValues: number[] = []
let intervalScratch = new Float64Array(0)
let valueScratch = new Float64Array(0)
/** The points a fill writes into one archive (chronological), pointCount of them. */
let pointTimes = new Float64Array(0)
let pointValues = new Float64Array(0)
let pointCount = 0
/** Whether a point pushed since pointCount was reset lies inside an interval, not at its start (raw finer points). */
let pointsInside = false
const lowerIntervals: number[] = []
/** One interval's source values, and its slots (null: no point), for an aggregate. */
const bucketKnown: number[] = []
const bucketNeighbors: (number | null)[] = []

/** A source archive's window up to now: its values, and which are known. */
interface SourceWindow {
  step: number
  fromInterval: number
  length: number
  values: Float64Array
  known: Uint8Array
}
/** The source's windows, reused from fill to fill (their buffers grow to the largest archive seen). */
const sourceWindows: SourceWindow[] = []

function pushPoint(timestamp: number, value: number): void {
  if (pointCount === pointTimes.length) {
    const times = new Float64Array(Math.max(1024, pointCount * 2))
    const values = new Float64Array(times.length)
    times.set(pointTimes)
    values.set(pointValues)
    pointTimes = times
    pointValues = values
  }
  pointTimes[pointCount] = timestamp
  pointValues[pointCount] = value
  pointCount++
}

/**
 * Every source archive, by retention, over its window up to now (its points from the interval after
 * now - retention). An upload held whole is decoded from its bytes into reused buffers; a file on
 * disk is read with fetch.ts's readArchiveColumns.
 */
function readSource(source: WhisperFile, now: number): readonly SourceWindow[] {
  const sorted = [...source.header.archives].sort((a, b) => a.retention - b.retention)
  const head = source.headBytes
  if (head.byteLength < source.fileSizeBytes) {
    return sorted.map((archive) => {
      const step = archive.secondsPerPoint
      const fromInterval = alignTimestamp(now - archive.retention, step) + step
      const { values, known } = readArchiveColumns(source, archive, fromInterval, archive.points)
      return { step, fromInterval, length: values.length, values, known }
    })
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  for (let a = 0; a < sorted.length; a++) {
    const archive = sorted[a]!
    const step = archive.secondsPerPoint
    const fromInterval = alignTimestamp(now - archive.retention, step) + step
    let w = sourceWindows[a]
    if (w === undefined || w.values.length < archive.points) {
      w = {
        step,
        fromInterval,
        length: archive.points,
        values: new Float64Array(archive.points),
        known: new Uint8Array(archive.points),
      }
      sourceWindows[a] = w
    }
    w.step = step
    w.fromInterval = fromInterval
    w.length = archive.points
    w.known.fill(0, 0, archive.points)
    // fetch.ts's readArchiveColumns over the archive's points from fromInterval.
    const archiveBase = view.getUint32(archive.offset)
    if (archiveBase === 0) continue
    const ring = archive.offset + archive.size
    let at =
      archive.offset + mod(Math.floor((fromInterval - archiveBase) / step), archive.points) * POINT_SIZE
    for (let i = 0; i < archive.points; i++) {
      if (view.getUint32(at) === fromInterval + i * step) {
        w.values[i] = view.getFloat64(at + 4)
        w.known[i] = 1
      }
      at += POINT_SIZE
      if (at === ring) at = archive.offset
    }
  }
  return sourceWindows.slice(0, sorted.length)
}

/**
 * Per source window of one destination archive's fill (sourceFor's `windows`, by position): its slots
 * per destination interval (step / the window's step), and the window's position of the destination
 * window's first interval, NaN where that is not an exact integer (then computed per interval).
 */
let windowSizes = new Float64Array(0)
let windowOrigins = new Float64Array(0)

/**
 * Set windowSizes and windowOrigins for the destination window of `count` intervals of `step` from
 * `fromInterval`. An origin is kept where every interval's position is an exact integer
 * (safe integers, the window's step dividing the distance): origin + i * size is then exactly
 * (interval - window's fromInterval) / window's step, without a division per interval.
 */
function windowPositions(
  windows: readonly SourceWindow[],
  fromInterval: number,
  step: number,
  count: number,
): void {
  if (windowSizes.length < windows.length) {
    windowSizes = new Float64Array(windows.length)
    windowOrigins = new Float64Array(windows.length)
  }
  const exact = Number.isSafeInteger(fromInterval) && Number.isSafeInteger(fromInterval + count * step)
  for (let k = 0; k < windows.length; k++) {
    const w = windows[k]!
    windowSizes[k] = step / w.step
    const distance = fromInterval - w.fromInterval
    windowOrigins[k] =
      exact &&
      Number.isSafeInteger(w.fromInterval) &&
      Number.isSafeInteger(distance) &&
      Number.isSafeInteger(distance + count * step) &&
      distance % w.step === 0
        ? distance / w.step
        : Number.NaN
  }
}

/**
 * What the source has for the destination interval [start, start + step), the `index`th of the
 * window windowPositions was set for, pushed as points: those of the finest source archive with data
 * there, at the same or a finer step (raw, for the finest destination archive), or their aggregate
 * (for coarser ones). Answers 'filled', else 'refused' when a source archive had points there but too
 * few for the xFilesFactor, or undefined. `windows`: the source's windows at the same or a finer step
 * dividing `step`, finest retention first.
 */
function sourceFor(
  windows: readonly SourceWindow[],
  index: number,
  start: number,
  raw: boolean,
  method: AggregationMethod,
  xFilesFactor: number,
): 'filled' | 'refused' | undefined {
  let refused = false
  for (let k = 0; k < windows.length; k++) {
    const w = windows[k]!
    const sourceStep = w.step
    const size = windowSizes[k]!
    const origin = windowOrigins[k]!
    const first = origin === origin ? origin + index * size : (start - w.fromInterval) / sourceStep
    if (size === 1) {
      // The same step (most intervals of most fills): one slot.
      if (first < 0 || first >= w.length || w.known[first] !== 1) continue
      pushPoint(start, w.values[first]!)
      return 'filled'
    }
    if (first + size <= 0 || first >= w.length) continue
    const found = sourceBucket(w, first, size, start, raw, method, xFilesFactor)
    if (found === 'filled') return found
    if (found === 'refused') refused = true
  }
  return refused ? 'refused' : undefined
}

/**
 * sourceFor on one window finer than the destination archive, whose slots from `first` (`size` of
 * them) overlap it: its points pushed (raw) or their aggregate. Answers 'filled', 'refused' (too few
 * for the xFilesFactor), or undefined (none there).
 */
function sourceBucket(
  w: SourceWindow,
  first: number,
  size: number,
  start: number,
  raw: boolean,
  method: AggregationMethod,
  xFilesFactor: number,
): 'filled' | 'refused' | undefined {
  const sourceStep = w.step
  const from = Math.max(0, first)
  const until = Math.min(w.length, first + size)
  const { known } = w
  let count = 0
  for (let i = from; i < until; i++) count += known[i]!
  if (count === 0) return undefined
  if (raw) {
    pointsInside = true
    for (let i = from; i < until; i++)
      if (known[i] === 1) pushPoint(start + (i - first) * sourceStep, w.values[i]!)
    return 'filled'
  }
  if (!(count / size >= Math.fround(xFilesFactor))) return 'refused'
  bucketKnown.length = 0
  bucketNeighbors.length = 0
  for (let j = 0; j < size; j++) {
    const i = first + j
    if (i >= 0 && i < w.length && known[i] === 1) {
      bucketKnown.push(w.values[i]!)
      bucketNeighbors.push(w.values[i]!)
    } else bucketNeighbors.push(null)
  }
  pushPoint(start, aggregate(method, bucketKnown, bucketNeighbors))
  return 'filled'
}

function base(image: Image, archive: ArchiveInfo): number {
  return image.view.getUint32(archive.offset)
}

/** ArchiveWriter.slotOffset: the byte position of `interval` in the archive, relative to `base`. */
function slotOffset(archive: ArchiveInfo, archiveBase: number, interval: number): number {
  const pointDistance = Math.floor((interval - archiveBase) / archive.secondsPerPoint)
  return archive.offset + mod(pointDistance * POINT_SIZE, archive.size)
}

function writePoint(image: Image, position: number, interval: number, value: number): void {
  image.view.setUint32(position, interval)
  image.view.setFloat64(position + 4, value)
  image.dirty[(position - image.firstOffset) / POINT_SIZE] = 1
}

/**
 * The values of `count` intervals from `fromInterval` of one archive into the window scratch, as
 * fetch.ts's readArchiveColumns reads them (a slot counts only where it holds that very interval).
 */
function readWindow(image: Image, archive: ArchiveInfo, fromInterval: number, count: number): void {
  if (windowValues.length < count) {
    windowValues = new Float64Array(count)
    windowKnown = new Uint8Array(count)
  }
  windowKnown.fill(0, 0, count)
  const archiveBase = base(image, archive)
  if (archiveBase === 0 || count <= 0) return
  const step = archive.secondsPerPoint
  const { view } = image
  const ring = archive.offset + archive.size
  let at = archive.offset + mod(Math.floor((fromInterval - archiveBase) / step), archive.points) * POINT_SIZE
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at) === fromInterval + i * step) {
      windowValues[i] = view.getFloat64(at + 4)
      windowKnown[i] = 1
    }
    at += POINT_SIZE
    if (at === ring) at = archive.offset
  }
}

/**
 * whisper's __propagate of each lower bucket start in `starts` (in that order) from the higher
 * archive into the lower one, as ArchiveWriter.propagateLevel. Whether any bucket was written.
 */
function propagateLevel(
  image: Image,
  starts: readonly number[],
  higher: ArchiveInfo,
  lower: ArchiveInfo,
): boolean {
  const { view, header } = image
  const { aggregationMethod, xFilesFactor } = header
  const count = Math.floor(lower.secondsPerPoint / higher.secondsPerPoint)
  const higherBase = base(image, higher)
  const higherStep = higher.secondsPerPoint
  const ringEnd = higher.offset + higher.size
  let wrote = false
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k]!
    // ArchiveWriter.readBuckets: `count` points from the start's slot, wrapping (as many as fit in the
    // ring when the bucket is longer than it, as its read does).
    const firstOffset = higherBase === 0 ? higher.offset : slotOffset(higher, higherBase, start)
    const relativeFirst = firstOffset - higher.offset
    const lastOffset = ((relativeFirst + count * POINT_SIZE) % higher.size) + higher.offset
    const points =
      firstOffset < lastOffset
        ? (lastOffset - firstOffset) / POINT_SIZE
        : (ringEnd - firstOffset + (lastOffset - higher.offset)) / POINT_SIZE
    // A reused array (no view or array per bucket), its length set to the values known.
    bucketValues.length = 0
    let at = firstOffset
    let interval = start
    for (let i = 0; i < points; i++) {
      if (view.getUint32(at) === interval) bucketValues.push(view.getFloat64(at + 4))
      interval += higherStep
      at += POINT_SIZE
      if (at === ringEnd) at = higher.offset
    }
    const known = bucketValues.length
    if (known === 0) continue
    if (!(known / points >= xFilesFactor)) continue
    const value =
      aggregationMethod === 'avg_zero'
        ? aggregate(aggregationMethod, bucketValues, neighbors(image, higher, firstOffset, start, points))
        : aggregate(aggregationMethod, bucketValues)
    const lowerBase = base(image, lower)
    writePoint(image, lowerBase === 0 ? lower.offset : slotOffset(lower, lowerBase, start), start, value)
    wrote = true
  }
  return wrote
}

/** A bucket as avg_zero wants it: every interval's value, null where missing. */
function neighbors(
  image: Image,
  higher: ArchiveInfo,
  firstOffset: number,
  start: number,
  points: number,
): (number | null)[] {
  const list = new Array<number | null>(points)
  let at = firstOffset
  for (let i = 0; i < points; i++) {
    list[i] =
      image.view.getUint32(at) === start + i * higher.secondsPerPoint ? image.view.getFloat64(at + 4) : null
    at += POINT_SIZE
    if (at === higher.offset + higher.size) at = higher.offset
  }
  return list
}

/** ArchiveWriter.writeRun: consecutive points from `startInterval`, wrapping at the archive's end. */
function writeRun(
  image: Image,
  intervals: Float64Array,
  values: Float64Array,
  archive: ArchiveInfo,
  archiveBase: number,
  startInterval: number,
  from: number,
  until: number,
): void {
  if (until - from > archive.points) {
    // Only the last `points` points of a longer run survive in the ring.
    const skip = until - from - archive.points
    startInterval += skip * archive.secondsPerPoint
    from += skip
  }
  let position = slotOffset(archive, archiveBase, startInterval)
  const end = archive.offset + archive.size
  const { view, dirty } = image
  let slot = (position - image.firstOffset) / POINT_SIZE
  for (let k = from; k < until; k++) {
    view.setUint32(position, intervals[k]!)
    view.setFloat64(position + 4, values[k]!)
    dirty[slot++] = 1
    position += POINT_SIZE
    if (position === end) {
      position = archive.offset
      slot = (position - image.firstOffset) / POINT_SIZE
    }
  }
}

/**
 * whisper's __archive_update_many for archive `index` (update.ts's archiveUpdateMany), chronological
 * points. `atStarts`: the points are at the starts of distinct intervals of the archive, ascending,
 * integers (all a fill pushes but a finer source's raw points): storable when the first and the last
 * are, they are the intervals whisper writes, as they are.
 */
function archiveUpdateMany(image: Image, index: number, atStarts: boolean): void {
  const n = pointCount
  const { archives } = image.header
  const archive = archives[index]!
  const step = archive.secondsPerPoint
  if (atStarts && n > 0 && isStorableTimestamp(pointTimes[0]!) && isStorableTimestamp(pointTimes[n - 1]!)) {
    writeUpdate(image, index, pointTimes, pointValues, n, true)
    return
  }
  if (intervalScratch.length < n) {
    intervalScratch = new Float64Array(n)
    valueScratch = new Float64Array(n)
  }
  // One point per interval, the last given of each (chronological order), as whisper's runs take them.
  let m = 0
  let ascending = true
  let previous = Number.NaN
  for (let i = 0; i < n; i++) {
    const timestamp = pointTimes[i]!
    // The interval after the previous one (most points of a fill): aligned and storable short of the
    // top, without alignTimestamp's division. The previous interval is a storable integer, the step an
    // integer: their sum is exact.
    let interval: number
    if (timestamp === previous + step && timestamp <= MAX_UINT32) interval = timestamp
    else {
      interval = alignTimestamp(timestamp, step)
      if (!isStorableTimestamp(interval))
        throw new InvalidArgumentError(`timestamp ${interval} is outside whisper's range (0 to 4294967295)`)
    }
    // The same interval as the point before: this later one wins.
    if (interval === previous) {
      valueScratch[m - 1] = pointValues[i]!
      continue
    }
    if (m > 0 && interval <= previous) ascending = false
    intervalScratch[m] = interval
    valueScratch[m] = pointValues[i]!
    m++
    previous = interval
  }
  if (m === 0) return
  writeUpdate(image, index, intervalScratch, valueScratch, m, ascending)
}

/**
 * archiveUpdateMany's writes of `m` points at distinct intervals (in `intervals`, chronological),
 * `ascending` when each is later than the one before, and their propagation.
 */
function writeUpdate(
  image: Image,
  index: number,
  intervals: Float64Array,
  values: Float64Array,
  m: number,
  ascending: boolean,
): void {
  const { archives } = image.header
  const archive = archives[index]!
  const step = archive.secondsPerPoint
  // The batch's base, taken once before any write (whisper's): the archive's, else the first run's start.
  let archiveBase = base(image, archive)
  let baseTaken = archiveBase !== 0
  // Runs of contiguous intervals; whisper tests `not previousInterval`, so after 0 a run goes on.
  let runFrom = 0
  for (let k = 1; k <= m; k++) {
    if (k < m) {
      const previous = intervals[k - 1]!
      if (previous === 0 || intervals[k] === previous + step) continue
    }
    const start = intervals[k - 1]! - step * (k - 1 - runFrom)
    if (!baseTaken) {
      archiveBase = start
      baseTaken = true
    }
    writeRun(image, intervals, values, archive, archiveBase, start, runFrom, k)
    runFrom = k
  }

  let higher = archive
  for (let lowerIndex = 0; lowerIndex < archives.length; lowerIndex++) {
    const lower = archives[lowerIndex]!
    if (!(lower.secondsPerPoint > step)) continue
    const lowerStep = lower.secondsPerPoint
    lowerIntervals.length = 0
    // The lower interval of each point: that of the point before while the point is inside it (the
    // intervals are storable integers: the range test is alignTimestamp's floor), else aligned.
    let current = Number.NaN
    for (let k = 0; k < m; k++) {
      const interval = intervals[k]!
      if (interval >= current && interval < current + lowerStep) continue
      current = alignTimestamp(interval, lowerStep)
      if (lowerIntervals.length === 0 || lowerIntervals[lowerIntervals.length - 1] !== current)
        lowerIntervals.push(current)
    }
    const first = lowerIntervals[0]!
    const span = (lowerIntervals[lowerIntervals.length - 1]! - first) / lowerStep
    // Distinct slots in a lower archive that has a base: any order writes the same bytes.
    const anyOrder = ascending && base(image, lower) !== 0 && span < lower.points
    const starts = anyOrder ? lowerIntervals : propagationOrder(lowerIntervals, lower)
    if (!propagateLevel(image, starts, higher, lower)) break
    higher = lower
  }
}

/**
 * Fill the gaps of `destinationPath` with the points of `sourcePath`. The archive layouts may differ.
 * @throws NotFoundError, CorruptFileError
 */
export function fill(sourcePath: string, destinationPath: string, options: FillOptions = {}): FillResult {
  return withWhisperFile(sourcePath, { write: false, lock: false }, (source) =>
    withWhisperFile(destinationPath, { write: true, lock: options.lock ?? true }, (destination) => {
      // The bytes stay here: they are this thread's buffer, and a result crosses threads.
      const { bytes: _bytes, ...result } = fillFile(source, destination, options)
      return result
    }),
  )
}

/**
 * fill() on open files (the destination open for writing, and locked if it must be), on the
 * destination's bytes in memory, then the slots it wrote written back (and fsync'd with `fsync`). Its
 * bytes are its headBytes when they hold the whole file (open it with `headBytes` of at least its
 * size), else read whole into a buffer of this thread's. Returns the fill's result and the file's
 * bytes as they now are: in that buffer, valid until the next fill on this thread.
 * @throws CorruptFileError, CannotWriteError
 */
export function fillFile(
  source: WhisperFile,
  destination: WhisperFile,
  options: FillOptions = {},
): FillResult & { bytes: Uint8Array } {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const { header } = destination
  const size = destination.fileSizeBytes
  let bytes: Uint8Array
  if (destination.headBytes.byteLength >= size) bytes = destination.headBytes.subarray(0, size)
  else {
    // Read whole into this thread's buffer: no new buffer per file (a rebalance fills thousands).
    if (imageScratch.byteLength < size)
      imageScratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * imageScratch.byteLength))
    bytes = readAt(destination.fd, destination.path, 0, size, imageScratch).subarray(0, size)
  }
  const firstOffset = header.archives[0]!.offset
  const slots = Math.floor((size - firstOffset) / POINT_SIZE)
  if (dirtyScratch.length < slots) dirtyScratch = new Uint8Array(slots)
  const image: Image = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    header,
    dirty: dirtyScratch,
    firstOffset,
  }
  image.dirty.fill(0, 0, slots)

  const windows = readSource(source, now)
  const archives = header.archives.map((_, archive) => ({ archive, gaps: 0, filled: 0, refused: 0 }))
  const order = header.archives.map((a, i) => [a, i] as const).sort((x, y) => x[0].retention - y[0].retention)
  const { aggregationMethod, xFilesFactor } = header
  const keep = options.keep ?? []
  for (let rank = 0; rank < order.length; rank++) {
    const [archive, index] = order[rank]!
    const step = archive.secondsPerPoint
    // archiveFetch's window over the archive's retention up to now.
    const fromInterval = alignTimestamp(now - archive.retention, step) + step
    let untilInterval = alignTimestamp(now, step) + step
    if (fromInterval === untilInterval) untilInterval += step
    const count = Math.floor((untilInterval - fromInterval) / step)
    readWindow(image, archive, fromInterval, count)
    const kept = keep.length === 0 ? undefined : new Set<number>()
    for (let k = 0; k < keep.length; k++) kept!.add(alignTimestamp(keep[k]!, step))
    pointCount = 0
    pointsInside = false
    // The source archives sourceFor looks at for this step: the same or a finer step dividing it.
    const eligible = windows.filter((w) => !(w.step > step || step % w.step !== 0))
    windowPositions(eligible, fromInterval, step, count)
    const counts = archives[index]!
    for (let i = 0; i < count; i++) {
      if (windowKnown[i] === 1) continue
      const interval = fromInterval + i * step
      if (interval > now || kept?.has(interval)) continue
      counts.gaps++
      const found = sourceFor(eligible, i, interval, rank === 0, aggregationMethod, xFilesFactor)
      if (found === 'refused') counts.refused++
      if (found === 'filled') counts.filled++
    }
    // The points pushed are the gaps' intervals (ascending integers from fromInterval) unless a finer
    // source's raw points went in.
    if (pointCount > 0) archiveUpdateMany(image, index, !pointsInside && Number.isSafeInteger(fromInterval))
  }

  // The slots written, contiguous ones in one write; the rest of the file (holes too) untouched.
  for (let s = 0; s < slots;) {
    if (image.dirty[s] === 0) {
      s++
      continue
    }
    let e = s + 1
    while (e < slots && image.dirty[e] === 1) e++
    const from = firstOffset + s * POINT_SIZE
    writeAt(destination.fd, destination.path, bytes.subarray(from, firstOffset + e * POINT_SIZE), from)
    s = e
  }
  if (options.fsync) flushFile(destination)
  const filled = archives.reduce((sum, a) => sum + a.filled, 0)
  const refused = archives.reduce((sum, a) => sum + a.refused, 0)
  return {
    source: source.path,
    destination: destination.path,
    archives,
    filled,
    refused,
    xFilesFactor,
    bytes,
  }
}
