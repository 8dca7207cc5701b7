// The system calls of the per-file work of the inventory walk, called straight through koffi on
// Linux (x86-64, arm64), once per thread: openat(2) relative to the directory's descriptor (no
// lookup of the whole path per file), fstat(2) into a reused buffer (no fs.Stats and its four Dates
// per file), pread(2) into a reused buffer, posix_fadvise(2), close(2). Node's fs does each with
// argument checks, a path string, a Stats object or an Error per call: measured on 100,000 files,
// the koffi calls cost a third less CPU for the same system calls. Elsewhere (no koffi build, no
// glibc) `loadSyscalls` answers null and the caller uses node:fs.

import os from 'node:os'
import { libcErrno, libcFunction } from '../libc.js'

export interface Syscalls {
  /** A descriptor, or -1 (then `errno()`). */
  openat(dirfd: number, name: string, flags: number): number
  fadvise(fd: number, offset: number, length: number, advice: number): number
  /** 0, or -1; the struct stat goes to `into` (read it with `statOf`). */
  fstat(fd: number, into: Buffer): number
  fstatat(dirfd: number, name: string, into: Buffer, flags: number): number
  /** Bytes read, or -1. */
  pread(fd: number, into: Buffer, length: number, position: number): number
  close(fd: number): number
  errno(): number
}

/** undefined: not loaded yet; null: not available here. Per thread. */
let loaded: Syscalls | null | undefined

export function loadSyscalls(): Syscalls | null {
  if (loaded !== undefined) return loaded
  loaded = null
  if (os.platform() !== 'linux' || (os.arch() !== 'x64' && os.arch() !== 'arm64')) return loaded
  const openat = libcFunction<Syscalls['openat']>('int openat(int dirfd, const char *path, int flags)')
  const fadvise = libcFunction<Syscalls['fadvise']>(
    'int posix_fadvise(int fd, int64_t offset, int64_t len, int advice)',
  )
  const fstat = libcFunction<Syscalls['fstat']>('int fstat(int fd, _Out_ uint8_t *buf)')
  const fstatat = libcFunction<Syscalls['fstatat']>(
    'int fstatat(int dirfd, const char *path, _Out_ uint8_t *buf, int flags)',
  )
  const pread = libcFunction<Syscalls['pread']>(
    'int64_t pread(int fd, _Out_ uint8_t *buf, size_t count, int64_t offset)',
  )
  const close = libcFunction<Syscalls['close']>('int close(int fd)')
  if (openat && fadvise && fstat && fstatat && pread && close)
    loaded = { openat, fadvise, fstat, fstatat, pread, close, errno: libcErrno }
  return loaded
}

/** A buffer for one struct stat (144 bytes on Linux x86-64 and arm64, 128 used). */
export function statBuffer(): Buffer {
  return Buffer.alloc(144)
}

// struct stat of Linux on x86-64 and arm64: st_dev at 0, st_size at 48, st_blocks at 64, st_mtim
// at 88 (both); st_mode at 24 on x86-64, at 16 on arm64 (the generic layout).
const MODE_AT = os.arch() === 'arm64' ? 16 : 24
const S_IFMT = 0o170000
const S_IFDIR = 0o040000

function int64(bytes: Buffer, at: number): number {
  return bytes.readUInt32LE(at) + bytes.readInt32LE(at + 4) * 4294967296
}

/** st_size of a struct stat, without an object. */
export function statSize(bytes: Buffer): number {
  return int64(bytes, 48)
}

/** st_blocks (512-byte units) of a struct stat, without an object. */
export function statBlocks(bytes: Buffer): number {
  return int64(bytes, 64)
}

/** st_dev of a struct stat, without an object. */
export function statDev(bytes: Buffer): number {
  return int64(bytes, 0)
}

/** st_mtim's seconds of a struct stat, without an object. */
export function statMtime(bytes: Buffer): number {
  return int64(bytes, 88)
}

/** Whether a struct stat is a directory's. */
export function statIsDirectory(bytes: Buffer): boolean {
  return (bytes.readUInt32LE(MODE_AT) & S_IFMT) === S_IFDIR
}

export interface StatFacts {
  dev: number
  size: number
  blocks: number
  /** Epoch seconds. */
  mtime: number
  isDirectory: boolean
}

/** The fields of a struct stat that the walk uses. */
export function statOf(bytes: Buffer): StatFacts {
  return {
    dev: int64(bytes, 0),
    size: int64(bytes, 48),
    blocks: int64(bytes, 64),
    mtime: int64(bytes, 88),
    isDirectory: (bytes.readUInt32LE(MODE_AT) & S_IFMT) === S_IFDIR,
  }
}

const ERRNO_CODES = new Map(Object.entries(os.constants.errno).map(([code, n]) => [n, code]))

/** The failed call's errno as a Node system error (code, errno), for fromSystemError. */
export function errnoError(sys: Syscalls, what: string): Error & { code: string; errno: number } {
  const errno = sys.errno()
  const code = ERRNO_CODES.get(errno) ?? `E${errno}`
  return Object.assign(new Error(`${code}: ${what} failed`), { code, errno: -errno })
}
