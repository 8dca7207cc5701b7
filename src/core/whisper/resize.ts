// whisper-resize, done right (its bugs are listed in README.md, Differences). Each new archive is built from the old file's data:
// every interval of a new archive comes from the finest old archive that has data for it at the same
// or a finer step — copied when the steps match, aggregated over the aligned bucket with the new
// method and xFilesFactor when the new step is coarser. Old data never goes into a finer new archive
// (whisper writes coarse values there as single fine points). Whatever the new layout cannot hold is
// counted and reported, never silently dropped.
//
// Safety: the old file is flock'ed for the whole migration; the new file is written under a temporary
// name in the same directory, fsynced, given the old file's mode and owner, and renamed over the old
// one (with `<file>.bak` kept as a hard link to the old inode unless asked otherwise). Writers that
// were already waiting on the old file's lock write into the old inode when it is released; those
// late points are read back and written into the new file ("catch-up"), so a locking writer loses
// nothing.

import fs from 'node:fs'
import nodePath from 'node:path'
import { fromSystemError, systemErrorCode } from '../errors.js'
import { aggregate } from './aggregate.js'
import type { ArchiveInfo, Header } from './codec.js'
import { encodeHeader, encodePoint, decodePointTimestamp, decodePointValue } from './codec.js'
import { allocateBlocks } from './allocate.js'
import { installFile, temporaryPathFor } from './create.js'
import { decodeArchiveExtents } from './fetch.js'
import type { WhisperFile } from './file.js'
import { closeWhisperFile, lockFile, openWhisperFile, readAt, readDataExtents, readSparse } from './file.js'
import type { AggregationMethod } from './format.js'
import { POINT_SIZE, alignTimestamp, mod } from './format.js'
import type { ArchiveSpec } from './retention.js'
import { checkArchiveListStorable, validateArchiveList } from './retention.js'
import { checkAggregation } from './set-aggregation.js'
import { fileUpdateMany } from './update.js'

export interface ResizeOptions {
  /** The new xFilesFactor (default: the file's). */
  xFilesFactor?: number
  /** The new aggregation method (default: the file's). */
  aggregationMethod?: AggregationMethod | string
  /** Write the result here and leave the original alone (whisper-resize --newfile). */
  newFile?: string
  /** Keep the old file as `<file>.bak` (default true; whisper-resize --nobackup turns it off). */
  backup?: boolean
  /** Allocate every block of the new file (default: sparse, as upstream whisper-resize). */
  fallocate?: boolean
  /** Compute and report, write nothing. */
  dryRun?: boolean
  /**
   * Write the new file even when it discards points, lost or merged into coarser aggregates (default
   * true, as whisper-resize). When false, such a resize writes nothing and returns `refused`: decided
   * under the lock, on the points the resize would really discard.
   */
  allowLoss?: boolean
  now?: number
  /** Milliseconds to let queued writers through the old inode's lock before each catch-up pass (default 2). */
  catchUpDelayMs?: number
}

export interface ResizeArchiveReport {
  secondsPerPoint: number
  points: number
  /** Intervals copied from an old archive with the same step. */
  copied: number
  /** Intervals aggregated from a finer old archive. */
  aggregated: number
}

export interface ResizeResult {
  path: string
  /** Where the result was written (the path itself, or --newfile). */
  target: string
  /** Nothing to do: same archives, xFilesFactor and method. */
  unchanged: boolean
  dryRun: boolean
  /** Not written: it would discard points and `allowLoss` was false. */
  refused?: boolean
  before: { archives: ArchiveSpec[]; xFilesFactor: number; aggregationMethod: string; sizeBytes: number }
  after: { archives: ArchiveSpec[]; xFilesFactor: number; aggregationMethod: string; sizeBytes: number }
  archives: ResizeArchiveReport[]
  /** Old points no new archive holds, and why. */
  lost: LostPoints
  /**
   * Old points the new file keeps only inside aggregates of a coarser archive (10-second points under
   * a 1-minute layout): their intervals have data, their own values are gone.
   */
  merged: number
  backup?: string
  /** Points writers put into the old file while it was being migrated, copied into the new one. */
  caughtUp: number
}

/**
 * Old points that no new archive holds, by cause: outside every new archive's window (too old for the
 * new retention, or in the future); coarser than every new archive whose window covers them (hourly
 * data where the new file keeps minutes only); or in the window of a new archive that could hold them
 * but whose roll-up of their bucket the xFilesFactor refused (too few old points in the bucket: sparse
 * data, which a lower xFilesFactor keeps).
 */
export interface LostPoints {
  points: number
  oldest?: number
  newest?: number
  byCause: { retention: number; resolution: number; xFilesFactor: number }
}

interface OldWindow {
  archive: ArchiveInfo
  fromInterval: number
  values: Float64Array
  known: Uint8Array
  /** The indices of `known` that hold a point, ascending: old files are mostly empty. */
  knownIndices: number[]
}

interface NewArchive {
  spec: ArchiveSpec
  fromInterval: number
  values: Float64Array
  known: Uint8Array
  report: ResizeArchiveReport
}

/** Each old archive's window, read from its data extents only (a resized file is mostly hole). */
function readWindows(file: WhisperFile, now: number): OldWindow[] {
  return file.header.archives.map((archive) => {
    const step = archive.secondsPerPoint
    const fromInterval = alignTimestamp(now - archive.retention, step) + step
    const extents = readDataExtents(file.fd, file.path, archive.offset, archive.size, POINT_SIZE)
    const columns = decodeArchiveExtents(extents, archive, fromInterval)
    const knownIndices: number[] = []
    const known = columns.known
    for (let k = 0; k < known.length; k++) if (known[k] === 1) knownIndices.push(k)
    return { archive, fromInterval, ...columns, knownIndices }
  })
}

/** Fill one new archive from the old windows (finest first). */
function buildArchive(
  spec: ArchiveSpec,
  old: readonly OldWindow[],
  now: number,
  method: string,
  xFilesFactor: number,
): NewArchive {
  const [step, points] = spec
  const fromInterval = alignTimestamp(now, step) - (points - 1) * step
  const values = new Float64Array(points)
  const known = new Uint8Array(points)
  const report: ResizeArchiveReport = { secondsPerPoint: step, points, copied: 0, aggregated: 0 }
  const candidates = old.filter(
    (w) => w.archive.secondsPerPoint <= step && step % w.archive.secondsPerPoint === 0,
  )
  const xff = Math.fround(xFilesFactor)
  // Finest candidate first; each one visits only its stored points, bucket by bucket, and fills the
  // new intervals still empty: a 1y archive built from a mostly empty 7d one costs a few points' work.
  for (const w of candidates) {
    const oldStep = w.archive.secondsPerPoint
    const size = step / oldStep
    let bucket = -1
    let firstOld = 0
    let count = 0
    const scratch = new Float64Array(size)
    const offsets = new Int32Array(size)
    const finish = (): void => {
      if (bucket < 0 || count === 0) return
      if (size === 1) {
        values[bucket] = scratch[0]!
        known[bucket] = 1
        report.copied++
        return
      }
      if (!(count / size >= xff)) return
      let neighbors: (number | null)[] | undefined
      if (method === 'avg_zero') {
        neighbors = new Array<number | null>(size).fill(null)
        for (let k = 0; k < count; k++) neighbors[offsets[k]!] = scratch[k]!
      }
      values[bucket] = aggregate(method, scratch.subarray(0, count), neighbors)
      known[bucket] = 1
      report.aggregated++
    }
    // The indices ascend, so a bucket is recomputed only when a point passes its end.
    let b = Number.NaN
    let bucketEnd = -Infinity
    for (const index of w.knownIndices) {
      const t = w.fromInterval + index * oldStep
      if (t >= bucketEnd || t < bucketEnd - step) {
        b = Math.floor((t - fromInterval) / step)
        bucketEnd = fromInterval + (b + 1) * step
        finish()
        bucket = b < 0 || b >= points || known[b] === 1 ? -1 : b
        firstOld = (fromInterval + b * step - w.fromInterval) / oldStep
        count = 0
      }
      if (bucket < 0) continue
      scratch[count] = w.values[index]!
      offsets[count] = index - firstOld
      count++
    }
    finish()
  }
  return { spec, fromInterval, values, known, report }
}

/**
 * What becomes of each old point: kept (a new archive of its step holds it, or one of a finer step
 * holds the finer points it was rolled up from), merged (only a coarser new archive holds its
 * interval, as an aggregate: its own value is gone), or lost (no new archive holds anything for it).
 * A lost point in the window of a coarser new archive that could hold it was refused by the
 * xFilesFactor: buildArchive visits every old point of a candidate archive, so an empty bucket there
 * has no other cause; the causes are exact, not guesses.
 */
function countLost(
  old: readonly OldWindow[],
  built: readonly NewArchive[],
): { lost: LostPoints; merged: number } {
  const lost: LostPoints = { points: 0, byCause: { retention: 0, resolution: 0, xFilesFactor: 0 } }
  let merged = 0
  const indexOf = (a: NewArchive, t: number): number => {
    const step = a.spec[0]
    const index = (t - mod(t, step) - a.fromInterval) / step
    return index >= 0 && index < a.values.length ? index : -1
  }
  for (const w of old) {
    const oldStep = w.archive.secondsPerPoint
    const same = built.filter((a) => a.spec[0] === oldStep)
    const finer = built.filter((a) => a.spec[0] < oldStep && oldStep % a.spec[0] === 0)
    const coarser = built.filter((a) => a.spec[0] > oldStep && a.spec[0] % oldStep === 0)
    for (const i of w.knownIndices) {
      const t = w.fromInterval + i * oldStep
      const kept =
        same.some((a) => a.known[indexOf(a, t)] === 1) ||
        finer.some((a) => {
          for (let u = t; u < t + oldStep; u += a.spec[0]) if (a.known[indexOf(a, u)] === 1) return true
          return false
        })
      if (kept) continue
      let refused = false
      let held = false
      for (const a of coarser) {
        const index = indexOf(a, t)
        if (index < 0) continue
        if (a.known[index] === 1) {
          held = true
          break
        }
        refused = true
      }
      if (held) {
        merged++
        continue
      }
      lost.points++
      lost.oldest = Math.min(lost.oldest ?? t, t)
      lost.newest = Math.max(lost.newest ?? t, t)
      if (refused) lost.byCause.xFilesFactor++
      else if (built.some((a) => indexOf(a, t) >= 0)) lost.byCause.resolution++
      else lost.byCause.retention++
    }
  }
  return { lost, merged }
}

/** A new file as the regions that hold something; the rest of its `size` bytes are zeros. */
interface EncodedFile {
  size: number
  regions: { position: number; bytes: Buffer }[]
}

/** The new file: header, then each ring with its oldest point in slot 0 (as whisper's first write puts it). */
function encodeFile(built: readonly NewArchive[], xFilesFactor: number, method: string): EncodedFile {
  const specs = built.map((a) => a.spec)
  const header = encodeHeader(specs, xFilesFactor, method)
  const regions = [{ position: 0, bytes: header }]
  let offset = header.byteLength
  for (const archive of built) {
    const [step, points] = archive.spec
    const first = archive.known.indexOf(1)
    if (first >= 0) {
      const last = archive.known.lastIndexOf(1)
      const bytes = Buffer.alloc((last - first + 1) * POINT_SIZE)
      for (let i = first; i <= last; i++) {
        if (archive.known[i] === 1) {
          encodePoint(bytes, (i - first) * POINT_SIZE, archive.fromInterval + i * step, archive.values[i]!)
        }
      }
      regions.push({ position: offset, bytes })
    }
    offset += points * POINT_SIZE
  }
  return { size: offset, regions }
}

/** Write the new file at `path` (created exclusively): holes between the regions, or every block allocated with fallocate. */
function writeTemporary(
  path: string,
  file: EncodedFile,
  like: fs.Stats,
  fallocate: boolean,
  reportPath: string,
): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(path, 'wx', like.mode & 0o7777)
    if (fallocate) {
      if (!allocateBlocks(fd, 0, file.size)) {
        const zeros = Buffer.alloc(Math.min(file.size, 1 << 20))
        for (let at = 0; at < file.size; at += zeros.byteLength) {
          fs.writeSync(fd, zeros, 0, Math.min(zeros.byteLength, file.size - at), at)
        }
      }
    } else {
      fs.ftruncateSync(fd, file.size)
    }
    for (const region of file.regions)
      fs.writeSync(fd, region.bytes, 0, region.bytes.byteLength, region.position)
    fs.fchmodSync(fd, like.mode & 0o7777)
    try {
      fs.fchownSync(fd, like.uid, like.gid)
    } catch (error) {
      // Only root may give a file away; an owner who resizes their own file keeps it anyway.
      if (systemErrorCode(error) !== 'EPERM') throw error
    }
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = undefined
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd)
    fs.rmSync(path, { force: true })
    throw fromSystemError(error, reportPath, true)
  }
}

function fsyncDirectory(path: string): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(nodePath.dirname(path), 'r')
    fs.fsyncSync(fd)
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function sameHeader(
  header: Header,
  specs: readonly ArchiveSpec[],
  xFilesFactor: number,
  method: string,
): boolean {
  return (
    header.aggregationMethod === method &&
    header.xFilesFactor === Math.fround(xFilesFactor) &&
    header.archives.length === specs.length &&
    header.archives.every((a, i) => a.secondsPerPoint === specs[i]![0] && a.points === specs[i]![1])
  )
}

/**
 * Points written into the old inode since `snapshot` was taken: changed slots that hold a direct write
 * (a point whisper puts into that archive because no finer one covers its age), not propagations.
 */
function latePoints(old: WhisperFile, snapshot: readonly Buffer[], now: number): [number, number][] {
  const points: [number, number][] = []
  old.header.archives.forEach((archive, index) => {
    const current = readAt(old.fd, old.path, archive.offset, archive.size)
    const before = snapshot[index]!
    if (current.equals(before)) return
    const finerRetention = index === 0 ? -Infinity : old.header.archives[index - 1]!.retention
    for (let at = 0; at < archive.size; at += POINT_SIZE) {
      if (current.compare(before, at, at + POINT_SIZE, at, at + POINT_SIZE) === 0) continue
      const timestamp = decodePointTimestamp(current, at)
      if (timestamp === 0 || now - timestamp <= finerRetention) continue
      points.push([timestamp, decodePointValue(current, at)])
    }
    current.copy(snapshot[index] as Buffer)
  })
  return points
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Remove what an interrupted resize of `path` left behind (its temporary new file, a staged backup
 * link): their names are fixed, and this runs under the file's lock, so no other resize of it runs.
 */
function removeLeftovers(path: string): void {
  for (const tag of ['resize', 'bak']) fs.rmSync(temporaryPathFor(path, tag, true), { force: true })
}

/**
 * Check the target of a resize before touching any file (for operations over a tree).
 * @throws InvalidConfigurationError, InvalidXFilesFactorError, InvalidAggregationMethodError
 */
export function checkResizeTarget(
  archiveList: readonly ArchiveSpec[],
  options: ResizeOptions = {},
): ArchiveSpec[] {
  const specs = validateArchiveList(archiveList)
  checkArchiveListStorable(specs)
  checkAggregation(options.aggregationMethod, options.xFilesFactor)
  return specs
}

/**
 * Resize a whisper file to a new archive list (and optionally a new xFilesFactor and method).
 * @throws InvalidConfigurationError, InvalidXFilesFactorError, InvalidAggregationMethodError (before any
 *   change), NotFoundError, CorruptFileError, CannotWriteError
 */
export function resize(
  path: string,
  archiveList: readonly ArchiveSpec[],
  options: ResizeOptions = {},
): ResizeResult {
  const specs = checkResizeTarget(archiveList, options)
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const old = openWhisperFile(path, { write: true, lock: true })
  let oldOpen = true
  try {
    removeLeftovers(path)
    const method = options.aggregationMethod ?? old.header.aggregationMethod
    const xFilesFactor = options.xFilesFactor ?? old.header.xFilesFactor
    // Validates method and xFilesFactor before anything is written.
    encodeHeader(specs, xFilesFactor, method)
    const windows = readWindows(old, now)
    const built = specs.map((spec) =>
      buildArchive(
        spec,
        [...windows].sort((a, b) => a.archive.secondsPerPoint - b.archive.secondsPerPoint),
        now,
        method,
        xFilesFactor,
      ),
    )
    const encoded = encodeFile(built, xFilesFactor, method)
    const target = options.newFile ?? path
    const result: ResizeResult = {
      path,
      target,
      unchanged: sameHeader(old.header, specs, xFilesFactor, method),
      dryRun: options.dryRun ?? false,
      before: {
        archives: old.header.archives.map((a) => [a.secondsPerPoint, a.points] as const),
        xFilesFactor: old.header.xFilesFactor,
        aggregationMethod: old.header.aggregationMethod,
        sizeBytes: old.fileSizeBytes,
      },
      after: {
        archives: specs,
        xFilesFactor: Math.fround(xFilesFactor),
        aggregationMethod: method,
        sizeBytes: encoded.size,
      },
      archives: built.map((a) => a.report),
      ...countLost(windows, built),
      caughtUp: 0,
    }
    if (result.dryRun) return result
    if (options.allowLoss === false && (result.lost.points > 0 || result.merged > 0)) {
      result.refused = true
      return result
    }
    const stat = fs.fstatSync(old.fd)
    const temporary = temporaryPathFor(target, 'resize', options.newFile === undefined)
    writeTemporary(temporary, encoded, stat, options.fallocate ?? false, target)
    if (options.newFile !== undefined) {
      installFile(temporary, options.newFile, false)
      fsyncDirectory(options.newFile)
      return result
    }
    if (options.backup ?? true) {
      const backup = `${path}.bak`
      const staged = temporaryPathFor(path, 'bak', true)
      try {
        fs.linkSync(path, staged)
        fs.renameSync(staged, backup)
      } catch (error) {
        fs.rmSync(staged, { force: true })
        fs.rmSync(temporary, { force: true })
        throw fromSystemError(error, backup, true)
      }
      result.backup = backup
    }
    try {
      fs.renameSync(temporary, path)
    } catch (error) {
      fs.rmSync(temporary, { force: true })
      throw fromSystemError(error, path, true)
    }
    fsyncDirectory(path)
    result.caughtUp = catchUp(old, path, now, options.catchUpDelayMs ?? 2)
    closeWhisperFile(old)
    oldOpen = false
    return result
  } finally {
    if (oldOpen) closeWhisperFile(old)
  }
}

/**
 * How many processes wait for a flock on this inode, from /proc/locks (Linux), or undefined where that
 * cannot be read. Blocked requests are the lines with "->".
 */
function lockWaiters(fd: number): number | undefined {
  let locks: number | undefined
  try {
    const inode = fs.fstatSync(fd).ino
    // A plain read: readFileSync's path for size-0 proc files is an order of magnitude slower.
    locks = fs.openSync('/proc/locks', 'r')
    const chunks: Buffer[] = []
    const buffer = Buffer.allocUnsafe(65536)
    for (let n = fs.readSync(locks, buffer); n > 0; n = fs.readSync(locks, buffer))
      chunks.push(Buffer.from(buffer.subarray(0, n)))
    const text = Buffer.concat(chunks).toString('latin1')
    return text.split('\n').filter((line) => line.includes('->') && line.includes(`:${inode} `)).length
  } catch {
    return undefined
  } finally {
    if (locks !== undefined) fs.closeSync(locks)
  }
}

/** A file written this recently may have a writer that opened it and has not yet asked for the lock. */
const RECENT_WRITE_SECONDS = 300
/** How long the catch-up waits for such writers to finish with the old file. */
const CATCH_UP_LIMIT_MS = 2000

/**
 * How many other processes hold this inode open for writing, from /proc/<pid>/fd (Linux), or undefined
 * where /proc cannot be read. Processes of other users count only when we may look at them (root).
 * Only links naming the file (by its path, its backup, or as deleted) are examined.
 */
function otherWriters(fd: number, path: string): number | undefined {
  let self: string
  let pids: string[]
  try {
    self = fs.readlinkSync('/proc/self')
    pids = fs.readdirSync('/proc')
  } catch {
    return undefined
  }
  const { dev, ino } = fs.fstatSync(fd)
  const base = nodePath.basename(path)
  let writers = 0
  for (const pid of pids) {
    if (pid === self || pid.charCodeAt(0) > 57) continue
    let fds: string[]
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const n of fds) {
      try {
        if (!nodePath.basename(fs.readlinkSync(`/proc/${pid}/fd/${n}`)).startsWith(base)) continue
        const stat = fs.statSync(`/proc/${pid}/fd/${n}`)
        if (stat.ino !== ino || stat.dev !== dev) continue
        const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${n}`, 'latin1'))
        if (!flags || (parseInt(flags[1]!, 8) & 3) !== 0) writers++
      } catch {
        // The process or descriptor went away.
      }
    }
  }
  return writers
}

/**
 * After the rename: let writers still on the old inode through its lock, then copy what they wrote
 * into the new file, until a pass finds nothing and no other process waits for the old lock or, for a
 * file written lately, has it open for writing (a writer between its open and its flock, which
 * /proc/locks cannot show). Where /proc cannot be read, two quiet passes end it. Returns the number of
 * points copied.
 */
function catchUp(old: WhisperFile, path: string, now: number, delayMs: number): number {
  const recent = now - fs.fstatSync(old.fd).mtimeMs / 1000 < RECENT_WRITE_SECONDS
  const busy = (): boolean | undefined => {
    const waiters = lockWaiters(old.fd)
    if (waiters === undefined) return undefined
    if (waiters > 0) return true
    return recent ? (otherWriters(old.fd, old.path) ?? 0) > 0 : false
  }
  // Nobody waiting for the old file's lock (we still hold it) or about to: nobody can write into it.
  if (busy() === false) return 0
  // Still under the lock: the old file as the new one was built from, to spot what writers add.
  const snapshot = old.header.archives.map((a) => readSparse(old.fd, old.path, a.offset, a.size))
  const fresh = openWhisperFile(path, { write: true, lock: true })
  let copied = 0
  try {
    let quiet = 0
    for (let waited = 0; waited < CATCH_UP_LIMIT_MS; waited += delayMs) {
      lockFile(old.fd, old.path, 'unlock')
      sleep(delayMs)
      lockFile(old.fd, old.path, 'exclusive')
      const points = latePoints(old, snapshot, now)
      if (points.length > 0) {
        quiet = 0
        fileUpdateMany(fresh, points, now)
        copied += points.length
        continue
      }
      quiet++
      const state = busy()
      if (state === false || (state === undefined && quiet >= 2)) break
    }
  } finally {
    closeWhisperFile(fresh)
  }
  return copied
}
