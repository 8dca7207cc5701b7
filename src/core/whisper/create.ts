// whisper's create, made safe: everything is validated before the disk is touched, the file is
// written under a temporary name in the same directory and then linked into place, so a failure
// never leaves a 0-byte or half-written file, and an existing file is never replaced unless asked.

import fs from 'node:fs'
import nodePath from 'node:path'
import {
  AbortedError,
  CannotWriteError,
  CoreError,
  InvalidArgumentError,
  fromSystemError,
  systemErrorCode,
} from '../errors.js'
import { allocateBlocks } from './allocate.js'
import { decodeHeader, encodeHeader } from './codec.js'
import type { WhisperFile } from './file.js'
import type { AggregationMethod } from './format.js'
import { DEFAULT_AGGREGATION_METHOD, DEFAULT_X_FILES_FACTOR, POINT_SIZE } from './format.js'
import type { ArchiveSpec } from './retention.js'
import { checkArchiveListStorable, validateArchiveList } from './retention.js'

export interface CreateOptions {
  /** Defaults to 0.5. */
  xFilesFactor?: number
  /** Defaults to average. */
  aggregationMethod?: AggregationMethod | string
  /** Leave the data section as a hole (same bytes, fewer blocks). */
  sparse?: boolean
  /** Allocate every block up front with posix_fallocate (allocate.ts), as whisper does; zeros where it cannot. */
  fallocate?: boolean
  /** Replace an existing file (atomically: readers see the old file or the new one, never a partial one). */
  overwrite?: boolean
  /** fsync the new file and its directory before returning. */
  fsync?: boolean
  /**
   * Write into the new file before it appears at `path` (its first points): the file is open for
   * writing and seen by no one else, so readers find it with its points or not at all, and the
   * points cost no second open. A throw leaves no file.
   */
  initialize?: (file: WhisperFile) => void
}

export interface CreateResult {
  path: string
  fileSize: number
  archives: ArchiveSpec[]
  replaced: boolean
}

const ZERO_CHUNK = 1 << 20

/** Zeros to write from, allocated once per thread (a buffer per file is garbage a daemon piles up). */
let sharedZeros: Buffer | undefined
function zeros(): Buffer {
  sharedZeros ??= Buffer.alloc(ZERO_CHUNK)
  return sharedZeros
}

let temporaryCounter = 0

/**
 * A temporary name beside `path`, so that the final rename or link stays on one file system. Unique
 * unless `fixed`: a fixed name (for operations under the file's lock) lets an interrupted run's
 * leftover be found and removed.
 */
export function temporaryPathFor(path: string, tag: string, fixed = false): string {
  const directory = nodePath.dirname(path)
  const base = nodePath.basename(path)
  if (fixed) return nodePath.join(directory, `.${base}.${tag}`)
  temporaryCounter = (temporaryCounter + 1) % 1_000_000
  const unique = `${Date.now().toString(36)}${temporaryCounter.toString(36)}${Math.random().toString(36).slice(2, 8)}`
  return nodePath.join(directory, `.${base}.${tag}-${unique}`)
}

interface WriteOptions {
  sparse?: boolean
  /** Reserve the data's blocks with posix_fallocate instead of writing zeros (same bytes, no writes). */
  fallocate?: boolean
  fsync?: boolean
  reportPath?: string
  /** Called with the open descriptor once the file is complete, before it is synced and closed. */
  initialize?: (fd: number) => void
}

/**
 * The steps of building a file: one pause after each megabyte of zeros, where an asynchronous
 * caller may wait for signals and stop the build with `throw` (the cleanup below then runs).
 */
function* writeSteps(
  temporaryPath: string,
  header: Buffer,
  dataBytes: number,
  options: WriteOptions,
): Generator<undefined, void, undefined> {
  let fd: number | undefined
  try {
    fd = fs.openSync(temporaryPath, 'wx+', 0o666) // read too: initialize reads what it updates
    fs.writeSync(fd, header, 0, header.byteLength, 0)
    if (options.sparse) {
      // The same bytes as writing zeros: a hole reads back as zeros.
      fs.ftruncateSync(fd, header.byteLength + dataBytes)
    } else if (options.fallocate && allocateBlocks(fd, header.byteLength, dataBytes)) {
      // The same bytes again, and every block reserved, without writing them.
    } else {
      const chunk = zeros()
      let position = header.byteLength
      let remaining = dataBytes
      while (remaining > 0) {
        const n = fs.writeSync(fd, chunk, 0, Math.min(chunk.byteLength, remaining), position)
        position += n
        remaining -= n
        yield
      }
    }
    options.initialize?.(fd)
    if (options.fsync) fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = undefined
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd)
    fs.rmSync(temporaryPath, { force: true })
    throw error instanceof CoreError
      ? error
      : fromSystemError(error, options.reportPath ?? temporaryPath, true)
  }
}

/**
 * Build the complete file at `temporaryPath` (created exclusively): the header, then zeros or a hole.
 * Removes the temporary file on any failure; errors name `reportPath`, the file the user asked for.
 */
export function writeNewWhisperFile(
  temporaryPath: string,
  header: Buffer,
  dataBytes: number,
  options: WriteOptions,
): void {
  const steps = writeSteps(temporaryPath, header, dataBytes, options)
  while (!steps.next().done) continue
}

/**
 * writeNewWhisperFile that lets the event loop run every few megabytes and stops when `signal` fires,
 * removing the temporary file.
 * @throws AbortedError when the signal fires
 */
async function writeNewWhisperFileAbortable(
  temporaryPath: string,
  header: Buffer,
  dataBytes: number,
  options: WriteOptions & { signal?: AbortSignal },
): Promise<void> {
  const steps = writeSteps(temporaryPath, header, dataBytes, options)
  let yielded = performance.now()
  for (let step = steps.next(); !step.done;) {
    if (performance.now() - yielded > 20) {
      await new Promise((resolve) => setImmediate(resolve))
      yielded = performance.now()
    }
    step = options.signal?.aborted
      ? steps.throw(new AbortedError(`${options.reportPath ?? temporaryPath}: not created (interrupted)`))
      : steps.next()
  }
}

/**
 * Put a finished temporary file at `path`: atomically, and without replacing an existing file unless
 * `overwrite`. Returns whether a file was replaced. Removes the temporary file on failure.
 * @throws CannotWriteError when `path` exists and overwrite is off
 */
export function installFile(temporaryPath: string, path: string, overwrite: boolean): boolean {
  try {
    if (overwrite) {
      const existed = fs.existsSync(path)
      fs.renameSync(temporaryPath, path)
      return existed
    }
    try {
      // link(2) fails with EEXIST atomically: two creators racing for one metric cannot both win.
      fs.linkSync(temporaryPath, path)
    } catch (error) {
      const code = systemErrorCode(error)
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error
      // Some file systems refuse hard links: fall back to check-then-rename.
      if (fs.existsSync(path)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' })
      fs.renameSync(temporaryPath, path)
      return false
    }
    fs.unlinkSync(temporaryPath)
    return false
  } catch (error) {
    fs.rmSync(temporaryPath, { force: true })
    if (systemErrorCode(error) === 'EEXIST') {
      throw new CannotWriteError(path, 'file exists (use --overwrite to replace it)', { cause: error })
    }
    throw fromSystemError(error, path, true)
  }
}

/** What create checks and computes before it touches the disk. */
function prepare(
  path: string,
  archiveList: readonly ArchiveSpec[],
  options: CreateOptions,
): { sorted: ArchiveSpec[]; header: Buffer; dataBytes: number } {
  const sorted = validateArchiveList(archiveList)
  checkArchiveListStorable(sorted)
  const header = encodeHeader(
    sorted,
    options.xFilesFactor ?? DEFAULT_X_FILES_FACTOR,
    options.aggregationMethod ?? DEFAULT_AGGREGATION_METHOD,
  )
  let dataBytes = 0
  for (const [, points] of sorted) dataBytes += points * POINT_SIZE
  const existing = statIfAny(path)
  if (existing?.isDirectory()) throw new InvalidArgumentError(`${path}: is a directory, not a whisper file`)
  if (!options.overwrite && existing) {
    throw new CannotWriteError(path, 'file exists (use --overwrite to replace it)')
  }
  return { sorted, header, dataBytes }
}

/** What is at `path`, or undefined (nothing, or nothing this process may see: the write will say). */
function statIfAny(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

function writeOptions(
  path: string,
  header: Buffer,
  fileSizeBytes: number,
  options: CreateOptions,
): WriteOptions {
  const { initialize } = options
  return {
    sparse: options.sparse === true && options.fallocate !== true,
    fallocate: options.fallocate === true,
    fsync: options.fsync ?? false,
    reportPath: path,
    // Named as the file asked for, so that errors name it too.
    ...(initialize && {
      initialize: (fd: number) =>
        initialize({
          path,
          fd,
          header: decodeHeader(header, path, fileSizeBytes),
          fileSizeBytes,
          headBytes: header,
        }),
    }),
  }
}

/**
 * Create a whisper file with whisper's exact bytes.
 * @throws InvalidConfigurationError, InvalidAggregationMethodError, InvalidXFilesFactorError (before any
 *   disk access), CannotWriteError (exists, permission, disk full), NotFoundError (missing directory)
 */
export function create(
  path: string,
  archiveList: readonly ArchiveSpec[],
  options: CreateOptions = {},
): CreateResult {
  const { sorted, header, dataBytes } = prepare(path, archiveList, options)
  const temporaryPath = temporaryPathFor(path, 'create')
  const fileSizeBytes = header.byteLength + dataBytes
  writeNewWhisperFile(temporaryPath, header, dataBytes, writeOptions(path, header, fileSizeBytes, options))
  const replaced = installFile(temporaryPath, path, options.overwrite ?? false)
  return { path, fileSize: fileSizeBytes, archives: sorted, replaced }
}

export interface CreatePlan {
  /** The file's size (whisper-create's). */
  fileSizeBytes: number
  /** The blocks it takes now: all of them, or the header's for a sparse file. */
  allocatedBytes: number
}

/**
 * Everything create checks before it writes, without writing: the archives, the flags, the path, and
 * the free space of the file system for the blocks the file takes now.
 * @throws as create; CannotWriteError when the file system has not room for the file
 */
export function planCreate(
  path: string,
  archiveList: readonly ArchiveSpec[],
  options: CreateOptions = {},
): CreatePlan {
  const { header, dataBytes } = prepare(path, archiveList, options)
  const plan = planFor(header, dataBytes, options)
  checkFreeSpace(path, plan.allocatedBytes)
  return plan
}

function planFor(header: Buffer, dataBytes: number, options: CreateOptions): CreatePlan {
  const fileSizeBytes = header.byteLength + dataBytes
  const sparse = options.sparse === true && options.fallocate !== true
  // A sparse file takes its header's block now; its data takes room as points arrive.
  const allocatedBytes = Math.ceil((sparse ? header.byteLength : fileSizeBytes) / 4096) * 4096
  return { fileSizeBytes, allocatedBytes }
}

/**
 * create for a command: checks the free space of the file system first, lets the event loop run
 * while it writes, and stops when `signal` fires, leaving no temporary file.
 * @throws as create; CannotWriteError when the file system has not room for the file; AbortedError
 */
export async function createAbortable(
  path: string,
  archiveList: readonly ArchiveSpec[],
  options: CreateOptions & { signal?: AbortSignal } = {},
): Promise<CreateResult> {
  const { sorted, header, dataBytes } = prepare(path, archiveList, options)
  const fileSizeBytes = header.byteLength + dataBytes
  checkFreeSpace(path, planFor(header, dataBytes, options).allocatedBytes)
  const temporaryPath = temporaryPathFor(path, 'create')
  await writeNewWhisperFileAbortable(temporaryPath, header, dataBytes, {
    ...writeOptions(path, header, fileSizeBytes, options),
    signal: options.signal,
  })
  if (options.signal?.aborted) {
    fs.rmSync(temporaryPath, { force: true })
    throw new AbortedError(`${path}: not created (interrupted)`)
  }
  const replaced = installFile(temporaryPath, path, options.overwrite ?? false)
  return { path, fileSize: fileSizeBytes, archives: sorted, replaced }
}

/**
 * Refuse before writing when the file system of `path` has fewer than `bytes` free for this user
 * (statfs's bavail). Where statfs cannot answer, the write itself reports a full disk.
 * @throws CannotWriteError
 */
export function checkFreeSpace(path: string, bytes: number): void {
  let available: number
  try {
    const stats = fs.statfsSync(nodePath.dirname(nodePath.resolve(path)))
    available = Number(stats.bavail) * Number(stats.bsize)
  } catch (error) {
    const known = fromSystemError(error, path, true)
    if (known instanceof CoreError) throw known
    return
  }
  if (bytes > available) {
    throw new CannotWriteError(
      path,
      `not enough space: the file needs ${formatBytes(bytes)}, ${formatBytes(available)} available`,
    )
  }
}

/** A byte count for messages: 1024-based, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  if (bytes < 1024) return `${bytes} bytes`
  let n = bytes / 1024
  let unit = 0
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024
    unit++
  }
  return `${n.toFixed(1)} ${units[unit]}`
}
