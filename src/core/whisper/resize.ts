// whisper-resize, done right (whisper.md §3.9). Each new archive is built from the old file's data:
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
import { installFile, temporaryPathFor } from './create.js'
import { readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { closeWhisperFile, lockFile, openWhisperFile, readAt } from './file.js'
import type { AggregationMethod } from './format.js'
import { POINT_SIZE, alignTimestamp } from './format.js'
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
  before: { archives: ArchiveSpec[]; xFilesFactor: number; aggregationMethod: string; sizeBytes: number }
  after: { archives: ArchiveSpec[]; xFilesFactor: number; aggregationMethod: string; sizeBytes: number }
  archives: ResizeArchiveReport[]
  /** Old points no new archive can hold (too old for the new retention, or only coarser than every new archive covering them). */
  lost: { points: number; oldest?: number; newest?: number }
  backup?: string
  /** Points writers put into the old file while it was being migrated, copied into the new one. */
  caughtUp: number
}

interface OldWindow {
  archive: ArchiveInfo
  fromInterval: number
  values: Float64Array
  known: Uint8Array
}

interface NewArchive {
  spec: ArchiveSpec
  fromInterval: number
  values: Float64Array
  known: Uint8Array
  report: ResizeArchiveReport
}

function readWindows(file: WhisperFile, now: number): OldWindow[] {
  return file.header.archives.map((archive) => {
    const step = archive.secondsPerPoint
    const fromInterval = alignTimestamp(now - archive.retention, step) + step
    return { archive, fromInterval, ...readArchiveColumns(file, archive, fromInterval, archive.points) }
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
  for (let i = 0; i < points; i++) {
    const interval = fromInterval + i * step
    for (const w of candidates) {
      const oldStep = w.archive.secondsPerPoint
      const first = (interval - w.fromInterval) / oldStep
      const size = step / oldStep
      if (first + size <= 0 || first >= w.values.length) continue
      if (size === 1) {
        if (w.known[first] === 1) {
          values[i] = w.values[first]!
          known[i] = 1
          report.copied++
          break
        }
        continue
      }
      const neighbors: (number | null)[] = new Array<number | null>(size)
      const knownValues: number[] = []
      for (let k = 0; k < size; k++) {
        const at = first + k
        if (at >= 0 && at < w.values.length && w.known[at] === 1) {
          neighbors[k] = w.values[at]!
          knownValues.push(w.values[at]!)
        } else {
          neighbors[k] = null
        }
      }
      if (knownValues.length === 0 || !(knownValues.length / size >= xff)) continue
      values[i] = aggregate(method, knownValues, neighbors)
      known[i] = 1
      report.aggregated++
      break
    }
  }
  return { spec, fromInterval, values, known, report }
}

/** Old points that no new archive holds: none covers them at the same or a coarser step with a value. */
function countLost(old: readonly OldWindow[], built: readonly NewArchive[]): ResizeResult['lost'] {
  const lost: ResizeResult['lost'] = { points: 0 }
  for (const w of old) {
    const oldStep = w.archive.secondsPerPoint
    const holders = built.filter((a) => a.spec[0] >= oldStep && a.spec[0] % oldStep === 0)
    for (let i = 0; i < w.values.length; i++) {
      if (w.known[i] !== 1) continue
      const t = w.fromInterval + i * oldStep
      const held = holders.some((a) => {
        const index = (alignTimestamp(t, a.spec[0]) - a.fromInterval) / a.spec[0]
        return index >= 0 && index < a.values.length && a.known[index] === 1
      })
      if (held) continue
      lost.points++
      lost.oldest = Math.min(lost.oldest ?? t, t)
      lost.newest = Math.max(lost.newest ?? t, t)
    }
  }
  return lost
}

/** The new file's bytes: header, then each ring with its oldest point in slot 0. */
function encodeFile(built: readonly NewArchive[], xFilesFactor: number, method: string): Buffer {
  const specs = built.map((a) => a.spec)
  const header = encodeHeader(specs, xFilesFactor, method)
  let size = header.byteLength
  for (const [, points] of specs) size += points * POINT_SIZE
  const out = Buffer.alloc(size)
  header.copy(out, 0)
  let offset = header.byteLength
  for (const archive of built) {
    const [step, points] = archive.spec
    const first = archive.known.indexOf(1)
    if (first >= 0) {
      // The oldest point becomes the base (slot 0), as whisper's first write into an empty archive does.
      for (let i = first; i < points; i++) {
        if (archive.known[i] !== 1) continue
        const slot = (i - first) % points
        encodePoint(out, offset + slot * POINT_SIZE, archive.fromInterval + i * step, archive.values[i]!)
      }
    }
    offset += points * POINT_SIZE
  }
  return out
}

/** Write the new file's bytes at `path` (created exclusively); holes where there is no data unless fallocate. */
function writeTemporary(
  path: string,
  bytes: Buffer,
  like: fs.Stats,
  fallocate: boolean,
  reportPath: string,
): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(path, 'wx', like.mode & 0o7777)
    if (fallocate) {
      fs.writeSync(fd, bytes, 0, bytes.byteLength, 0)
    } else {
      fs.ftruncateSync(fd, bytes.byteLength)
      // Write only the 4 KiB blocks that hold something: the rest stays a hole that reads as zeros.
      const block = 4096
      for (let start = 0; start < bytes.byteLength; start += block) {
        const end = Math.min(start + block, bytes.byteLength)
        let empty = true
        for (let i = start; i < end; i++) {
          if (bytes[i] !== 0) {
            empty = false
            break
          }
        }
        if (!empty) fs.writeSync(fd, bytes, start, end - start, start)
      }
    }
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
    const bytes = encodeFile(built, xFilesFactor, method)
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
        sizeBytes: bytes.byteLength,
      },
      archives: built.map((a) => a.report),
      lost: countLost(windows, built),
      caughtUp: 0,
    }
    if (result.dryRun) return result
    const stat = fs.fstatSync(old.fd)
    const temporary = temporaryPathFor(target, 'resize')
    writeTemporary(temporary, bytes, stat, options.fallocate ?? false, target)
    if (options.newFile !== undefined) {
      installFile(temporary, options.newFile, false)
      fsyncDirectory(options.newFile)
      return result
    }
    const snapshot = old.header.archives.map((a) => readAt(old.fd, old.path, a.offset, a.size))
    if (options.backup ?? true) {
      const backup = `${path}.bak`
      const staged = temporaryPathFor(path, 'bak')
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
    result.caughtUp = catchUp(old, path, snapshot, now, options.catchUpDelayMs ?? 2)
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
  try {
    const inode = fs.fstatSync(fd).ino
    const text = fs.readFileSync('/proc/locks', 'utf8')
    return text.split('\n').filter((line) => line.includes('->') && line.includes(`:${inode} `)).length
  } catch {
    return undefined
  }
}

/**
 * After the rename: let writers queued on the old inode's lock through, then copy what they wrote into
 * the new file, until a pass finds nothing and nobody waits for the old lock any more (two quiet
 * passes where /proc/locks cannot be read). Returns the number of points copied.
 */
function catchUp(old: WhisperFile, path: string, snapshot: Buffer[], now: number, delayMs: number): number {
  const fresh = openWhisperFile(path, { write: true, lock: true })
  let copied = 0
  try {
    let quiet = 0
    for (let pass = 0; pass < 100; pass++) {
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
      const waiters = lockWaiters(old.fd)
      if (waiters === 0 || (waiters === undefined && quiet >= 2)) break
    }
  } finally {
    closeWhisperFile(fresh)
  }
  return copied
}
