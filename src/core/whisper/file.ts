// Opening whisper files, positional I/O and flock(2). Synchronous on purpose: a whisper operation is
// a handful of small positional reads and writes, and the synchronous path is many times faster
// than a promise per operation (STYLE.md, Boundaries 7). Long jobs run these in worker threads.

import fs from 'node:fs'
import { createRequire } from 'node:module'
import { CorruptFileError, fromSystemError } from '../errors.js'
import type { Header } from './codec.js'
import { decodeArchiveCount, decodeHeader } from './codec.js'
import { METADATA_SIZE, headerSizeFor } from './format.js'

export interface WhisperFile {
  readonly path: string
  readonly fd: number
  readonly header: Header
  readonly fileSizeBytes: number
  /** The first bytes of the file as read with the header (at least the header; often archive 0's base too). */
  readonly headBytes: Uint8Array
}

export interface OpenOptions {
  /** Open for writing (r+). */
  write?: boolean
  /**
   * Take flock(LOCK_EX) before reading the header, as whisper does with LOCK on, so that carbon-cache,
   * go-carbon and the whisper scripts can share the file. Defaults to `write`.
   */
  lock?: boolean
  /**
   * Bytes read with the header in the first read (default 256): a reader of small files (a day of
   * minutes is 17 KB) asks for more and gets the whole file in one read (see readArchiveColumns).
   */
  headBytes?: number
  /**
   * Read the first bytes (as many as it holds) into this buffer instead of a new one: a reader of
   * many small files reuses one. `headBytes` is then a view of it, valid until the caller reuses the
   * buffer. Read-only opens without the lock only. When the file is shorter than the buffer, the
   * read tells its size and no fstat is made.
   */
  headBuffer?: Buffer
}

type Flock = (fd: number, flags: 'ex' | 'sh' | 'un' | 'exnb' | 'shnb') => void
type Seek = (fd: number, position: number, whence: number) => number
let fsExt: { flockSync: Flock; seekSync: Seek } | undefined

function loadFsExt(): { flockSync: Flock; seekSync: Seek } {
  // fs-ext is a native addon: load it only when needed, so that plain reads start fast.
  if (!fsExt) {
    const require = createRequire(import.meta.url)
    fsExt = require('fs-ext') as { flockSync: Flock; seekSync: Seek }
  }
  return fsExt
}

function loadFlock(): Flock {
  return loadFsExt().flockSync
}

/** flock(2) the file: exclusive for writers, shared for readers that want a consistent view (blocks), or unlock. */
export function lockFile(
  fd: number,
  path: string,
  mode: 'exclusive' | 'shared' | 'unlock' = 'exclusive',
): void {
  try {
    loadFlock()(fd, mode === 'exclusive' ? 'ex' : mode === 'shared' ? 'sh' : 'un')
  } catch (error) {
    throw fromSystemError(error, path, true)
  }
}

/**
 * Read exactly `length` bytes at `position`.
 * @throws CorruptFileError when the file ends first.
 */
export function readAt(fd: number, path: string, position: number, length: number, into?: Buffer): Buffer {
  const buffer = into ?? Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done)
    if (n === 0)
      throw new CorruptFileError(path, `file ends at byte ${position + done}, expected ${position + length}`)
    done += n
  }
  return buffer
}

const SEEK_DATA = 3
const SEEK_HOLE = 4

/**
 * The parts of the region [position, position + length) of a possibly sparse file that hold data,
 * relative to `position` and widened to whole `unit`s (e.g. 12-byte points), found with lseek
 * SEEK_DATA/SEEK_HOLE. Where seeking for data is not supported, the whole region is one part.
 */
function dataRanges(fd: number, position: number, length: number, unit: number): [number, number][] {
  const whole: [number, number][] = [[0, length]]
  let seek: Seek
  try {
    seek = loadFsExt().seekSync
  } catch {
    return whole
  }
  const end = position + length
  const ranges: [number, number][] = []
  let at = position
  while (at < end) {
    let dataStart: number
    let holeStart: number
    try {
      dataStart = seek(fd, at, SEEK_DATA)
      holeStart = seek(fd, dataStart, SEEK_HOLE)
    } catch (error) {
      if ((error as { code?: string }).code === 'ENXIO') break // no data after `at`
      return whole
    }
    if (dataStart >= end) break
    const from = Math.floor((Math.max(at, dataStart) - position) / unit) * unit
    const to = Math.min(length, Math.ceil((Math.min(end, holeStart) - position) / unit) * unit)
    const last = ranges[ranges.length - 1]
    if (last && from <= last[1]) last[1] = Math.max(last[1], to)
    else ranges.push([from, to])
    at = Math.min(end, holeStart)
  }
  return ranges
}

/**
 * Read `length` bytes at `position` from a possibly sparse file, reading only its data extents:
 * holes read as the zeros they are without being copied. A freshly created or resized whisper file
 * is mostly hole.
 * @throws CorruptFileError when the file ends first.
 */
export function readSparse(fd: number, path: string, position: number, length: number): Buffer {
  const out = Buffer.alloc(length)
  for (const [from, to] of dataRanges(fd, position, length, 1))
    readAt(fd, path, position + from, to - from, out.subarray(from, to))
  return out
}

/**
 * The data of the region [position, position + length) of a possibly sparse file, as the extents
 * that hold data (widened to whole `unit`s, e.g. 12-byte points): holes are not read at all.
 */
export function readDataExtents(
  fd: number,
  path: string,
  position: number,
  length: number,
  unit = 1,
): { offset: number; bytes: Buffer }[] {
  return dataRanges(fd, position, length, unit).map(([from, to]) => ({
    offset: from,
    bytes: readAt(fd, path, position + from, to - from),
  }))
}

/** Write all of `bytes` at `position`. */
export function writeAt(fd: number, path: string, bytes: Uint8Array, position: number): void {
  let done = 0
  try {
    while (done < bytes.byteLength) {
      done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, position + done)
    }
  } catch (error) {
    throw fromSystemError(error, path, true)
  }
}

/**
 * Read and decode the header of an open file; also returns the bytes read.
 * @throws CorruptFileError
 */
export function readHeader(
  fd: number,
  path: string,
  fileSizeBytes: number,
  firstBytes = 256,
): { header: Header; headBytes: Uint8Array } {
  // 256 bytes hold the header of a file with up to 20 archives; more are read when needed.
  const first = Buffer.allocUnsafe(Math.min(fileSizeBytes, Math.max(256, firstBytes)))
  const n = first.byteLength > 0 ? fs.readSync(fd, first, 0, first.byteLength, 0) : 0
  let bytes: Uint8Array = first.subarray(0, n)
  if (n >= METADATA_SIZE) {
    const needed = headerSizeFor(decodeArchiveCount(bytes, path))
    if (needed > n && needed <= fileSizeBytes) bytes = readAt(fd, path, 0, needed)
  }
  return { header: decodeHeader(bytes, path, fileSizeBytes), headBytes: bytes }
}

/**
 * Open a whisper file and read its header (under the lock when writing).
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (a directory), CannotWriteError
 */
export function openWhisperFile(path: string, options: OpenOptions = {}): WhisperFile {
  const write = options.write ?? false
  let fd: number
  try {
    fd = fs.openSync(path, write ? 'r+' : 'r')
  } catch (error) {
    throw fromSystemError(error, path, write)
  }
  try {
    if (options.headBuffer !== undefined && !write && !(options.lock ?? false))
      return { path, fd, ...readHeaderInto(fd, path, options.headBuffer) }
    let size: number
    if (options.lock ?? write) {
      lockFile(fd, path)
      // fs-ext is loaded now: lseek tells the size in one call, without fstat's Stats and Dates
      // (a tenth of a small update_many). A directory cannot get here: opening one r+ fails, and
      // locking reads are file reads.
      size = write ? loadFsExt().seekSync(fd, 0, SEEK_END) : statSize(fd, path, write)
    } else {
      size = statSize(fd, path, write)
    }
    const { header, headBytes } = readHeader(fd, path, size, options.headBytes)
    return { path, fd, header, fileSizeBytes: size, headBytes }
  } catch (error) {
    fs.closeSync(fd)
    throw fromSystemError(error, path, write)
  }
}

const SEEK_END = 2

/**
 * readHeader into a caller's buffer: the file's first bytes in one read, which tells the size of a
 * file shorter than the buffer (no fstat then).
 */
function readHeaderInto(
  fd: number,
  path: string,
  buffer: Buffer,
): { header: Header; headBytes: Uint8Array; fileSizeBytes: number } {
  // A directory fails here with EISDIR, as statSize's check would have said.
  const n = fs.readSync(fd, buffer, 0, buffer.byteLength, 0)
  const size = n < buffer.byteLength ? n : statSize(fd, path, false)
  let bytes: Uint8Array = buffer.subarray(0, n)
  if (n >= METADATA_SIZE) {
    const needed = headerSizeFor(decodeArchiveCount(bytes, path))
    if (needed > n && needed <= size) bytes = readAt(fd, path, 0, needed)
  }
  return { header: decodeHeader(bytes, path, size), headBytes: bytes, fileSizeBytes: size }
}

/** The size of an open file that must not be a directory. */
function statSize(fd: number, path: string, write: boolean): number {
  const stat = fs.fstatSync(fd)
  if (stat.isDirectory())
    throw fromSystemError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path, write)
  return stat.size
}

/** Close the file (and with it, release its lock). */
export function closeWhisperFile(file: WhisperFile): void {
  fs.closeSync(file.fd)
}

/** Run `action` on the opened file and always close it. */
export function withWhisperFile<T>(path: string, options: OpenOptions, action: (file: WhisperFile) => T): T {
  const file = openWhisperFile(path, options)
  try {
    return action(file)
  } finally {
    closeWhisperFile(file)
  }
}

/** fsync, for WHISPER_AUTOFLUSH-style durability. */
export function flushFile(file: WhisperFile): void {
  try {
    fs.fsyncSync(file.fd)
  } catch (error) {
    throw fromSystemError(error, file.path, true)
  }
}
