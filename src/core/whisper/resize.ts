// whisper-resize, done right (its bugs are listed in README.md, Differences). This file does the I/O:
// it reads the old file's windows, has resize-plan.ts build the new archives (pure: copied or
// aggregated from the finest old archive with data, never into a finer new archive), and writes the
// result. Whatever the new layout cannot hold is counted and reported, never silently dropped.
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
import { encodeHeader, decodePointTimestamp, decodePointValue } from './codec.js'
import { allocateBlocks } from './allocate.js'
import { installFile, temporaryPathFor } from './create.js'
import { decodeArchiveExtents } from './fetch.js'
import type { WhisperFile } from './file.js'
import { closeWhisperFile, lockFile, openWhisperFile, readAt, readDataExtents, readSparse } from './file.js'
import type { AggregationMethod } from './format.js'
import { POINT_SIZE, alignTimestamp } from './format.js'
import { lockWaiters, otherWriters } from './live-writers.js'
import type { EncodedFile, LostPoints, OldWindow, ResizeArchiveReport } from './resize-plan.js'
import { planResize } from './resize-plan.js'
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
    const plan = planResize(old.header, readWindows(old, now), specs, now, method, xFilesFactor)
    const { encoded } = plan
    const target = options.newFile ?? path
    const result: ResizeResult = {
      path,
      target,
      unchanged: plan.unchanged,
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
      archives: plan.archives,
      lost: plan.lost,
      merged: plan.merged,
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

/** A file written this recently may have a writer that opened it and has not yet asked for the lock. */
const RECENT_WRITE_SECONDS = 300
/** How long the catch-up waits for such writers to finish with the old file. */
const CATCH_UP_LIMIT_MS = 2000

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
