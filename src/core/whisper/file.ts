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
}

type Flock = (fd: number, flags: 'ex' | 'sh' | 'un' | 'exnb' | 'shnb') => void
let flockSync: Flock | undefined

function loadFlock(): Flock {
  // fs-ext is a native addon: load it only when a lock is taken, so that reads start fast.
  if (!flockSync) {
    const require = createRequire(import.meta.url)
    flockSync = (require('fs-ext') as { flockSync: Flock }).flockSync
  }
  return flockSync
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

/** Try to take the lock without waiting; false when another process holds it. */
export function tryLockFile(fd: number, path: string, mode: 'exclusive' | 'shared' = 'exclusive'): boolean {
  try {
    loadFlock()(fd, mode === 'exclusive' ? 'exnb' : 'shnb')
    return true
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false
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
): { header: Header; headBytes: Uint8Array } {
  // 256 bytes hold the header of a file with up to 20 archives; more are read when needed.
  const first = Buffer.allocUnsafe(Math.min(fileSizeBytes, 256))
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
    if (options.lock ?? write) lockFile(fd, path)
    const stat = fs.fstatSync(fd)
    if (stat.isDirectory())
      throw fromSystemError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path, write)
    const { header, headBytes } = readHeader(fd, path, stat.size)
    return { path, fd, header, fileSizeBytes: stat.size, headBytes }
  } catch (error) {
    fs.closeSync(fd)
    throw fromSystemError(error, path, write)
  }
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
