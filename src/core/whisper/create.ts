// whisper's create, made safe: everything is validated before the disk is touched, the file is
// written under a temporary name in the same directory and then linked into place, so a failure
// never leaves a 0-byte or half-written file, and an existing file is never replaced unless asked.

import fs from 'node:fs'
import nodePath from 'node:path'
import { CannotWriteError, CoreError, fromSystemError, systemErrorCode } from '../errors.js'
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
  /** Allocate every block up front. Node has no posix_fallocate, so zeros are written, which allocates the same blocks. */
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

/**
 * Build the complete file at `temporaryPath` (created exclusively): the header, then zeros or a hole.
 * Removes the temporary file on any failure; errors name `reportPath`, the file the user asked for.
 */
export function writeNewWhisperFile(
  temporaryPath: string,
  header: Buffer,
  dataBytes: number,
  options: {
    sparse?: boolean
    fsync?: boolean
    reportPath?: string
    /** Called with the open descriptor once the file is complete, before it is synced and closed. */
    initialize?: (fd: number) => void
  },
): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(temporaryPath, 'wx+', 0o666) // read too: initialize reads what it updates
    fs.writeSync(fd, header, 0, header.byteLength, 0)
    if (options.sparse) {
      // The same bytes as writing zeros: a hole reads back as zeros.
      fs.ftruncateSync(fd, header.byteLength + dataBytes)
    } else {
      const chunk = zeros()
      let position = header.byteLength
      let remaining = dataBytes
      while (remaining > 0) {
        const n = fs.writeSync(fd, chunk, 0, Math.min(chunk.byteLength, remaining), position)
        position += n
        remaining -= n
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
  const sorted = validateArchiveList(archiveList)
  checkArchiveListStorable(sorted)
  const header = encodeHeader(
    sorted,
    options.xFilesFactor ?? DEFAULT_X_FILES_FACTOR,
    options.aggregationMethod ?? DEFAULT_AGGREGATION_METHOD,
  )
  let dataBytes = 0
  for (const [, points] of sorted) dataBytes += points * POINT_SIZE
  if (!options.overwrite && fs.existsSync(path)) {
    throw new CannotWriteError(path, 'file exists (use --overwrite to replace it)')
  }
  const temporaryPath = temporaryPathFor(path, 'create')
  const { initialize } = options
  const fileSizeBytes = header.byteLength + dataBytes
  writeNewWhisperFile(temporaryPath, header, dataBytes, {
    sparse: options.sparse === true && options.fallocate !== true,
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
  })
  const replaced = installFile(temporaryPath, path, options.overwrite ?? false)
  return { path, fileSize: fileSizeBytes, archives: sorted, replaced }
}
