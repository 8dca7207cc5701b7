// The one walk of `wsp ls`, `du` and `stale`, on both cores: the unit of work is a directory. A
// worker thread (the tree pool's script, src/core/tree/worker.ts) reads one directory, does the
// per-file work of the command on its files (nothing, stat(2), the header, or the newest point of
// the data) and sends back its sorted entries: the files with what was found, and the names of its
// subdirectories, which the main thread hands out next. One message per directory, not per file:
// a million files in a thousand directories are a thousand messages. The results are put back in
// the walk's sorted order at the end. Without a worker script everything runs in-process, with a
// pause every few milliseconds so that signals and progress get through.

import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import {
  AbortedError,
  CoreError,
  CorruptFileError,
  InvalidArgumentError,
  fromSystemError,
} from '../errors.js'
import type { SegmentMatcher } from '../http/glob.js'
import { compileGlob, segmentMatches } from '../http/glob.js'
import type { ArchiveInfo, Header } from '../whisper/codec.js'
import { decodeArchiveCount, decodeHeader } from '../whisper/codec.js'
import { readAt, readHeader } from '../whisper/file.js'
import type { WhisperFile } from '../whisper/file.js'
import { METADATA_SIZE, headerSizeFor } from '../whisper/format.js'
import type { Syscalls } from './syscalls.js'
import {
  errnoError,
  loadSyscalls,
  statBlocks,
  statBuffer,
  statDev,
  statIsDirectory,
  statMtime,
  statOf,
  statSize,
} from './syscalls.js'

/** What is found for each file: nothing, sizes, the header, the newest point, or a backup's sizes. */
export type ScanKind = 'names' | 'sizes' | 'long' | 'newest' | 'backups'

/** The work on one directory, as plain data that crosses to a worker thread. */
export interface ScanRequest {
  kind: ScanKind
  dir: string
  /** The directory's path components under the scanned directory. */
  segments: string[]
  glob?: string
  /** For `sizes`: the name segments that make a file's group (`wsp du --depth`). */
  depth?: number
  /** For `newest`: only the files with no point after the cutoff come back (the others are counted). */
  fresh?: FreshTest
  /** For `names`, `long` and `newest` on a worker thread: the entries come back as `listing` (see DirectoryScan). */
  compact?: boolean
}

export interface SizeFacts {
  apparentBytes: number
  /** Blocks on disk: less than apparentBytes for a sparse file. */
  allocatedBytes: number
  /** The file's mtime, epoch seconds. */
  lastWrite: number
}

export interface HeaderFacts extends SizeFacts {
  /** `secondsPerPoint:points` per archive, or null when the header cannot be read. */
  archives: { secondsPerPoint: number; points: number }[] | null
  /** Why the header could not be read. */
  error?: string
}

export type NewestFacts =
  | { newest: number | null; apparentBytes: number; corrupt?: undefined }
  | { corrupt: string; newest?: undefined }

export interface ScannedFile {
  /** Dotted name: the path under the directory without `.wsp` (`.wsp.bak` for a backup). */
  name: string
  path: string
  /** `sizes`: the name's first `depth` segments. */
  group?: string
  /**
   * `sizes`: the files this entry stands for. The files of a directory at or below `depth` share
   * their group, so they come back as one entry (its path is the directory's) with their sums.
   */
  count?: number
  sizes?: SizeFacts
  header?: HeaderFacts
  newest?: NewestFacts
}

export interface DirectoryScan {
  /** Files and subdirectory names, in sorted order. */
  entries: (ScannedFile | { sub: string })[]
  files: number
  /** With `fresh`: the files left out for a point after the cutoff. */
  fresh?: number
  /**
   * With `compact`, instead of `entries`: the files' last name segments and the subdirectories
   * (after a NUL) in sorted order, joined by `/` (neither can be in a file name). One string per
   * directory crosses between threads much faster than a thousand objects; `expandListing` makes
   * the entries. For `newest`, a file whose header is corrupt is marked by a leading \x01 (its
   * reason is the next of `reasons`), and each other file's newest point (0: none) and size are
   * the next two of `numbers`. For `long`, each file's next four `numbers` are its layout (an
   * index in `layouts`, or -1 - k for a corrupt header: why is `reasons[k]`), apparent and
   * allocated bytes and last write.
   */
  listing?: string
  numbers?: Float64Array
  reasons?: string[]
  layouts?: { secondsPerPoint: number; points: number }[][]
}

const SUFFIX = { wsp: '.wsp', bak: '.wsp.bak' } as const

const globs = new Map<string, SegmentMatcher[]>()
function matchersFor(glob: string | undefined): SegmentMatcher[] | undefined {
  if (glob === undefined) return undefined
  let matchers = globs.get(glob)
  if (!matchers) globs.set(glob, (matchers = compileGlob(glob)))
  return matchers
}

/** Read one directory and do the per-file work on its files (in a worker thread, or in-process). */
export function scanDirectory(request: ScanRequest): DirectoryScan {
  const { dir, segments, kind } = request
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    // A directory removed or unreadable while walking is skipped, not fatal.
    if (segments.length > 0) return { entries: [], files: 0 }
    throw fromSystemError(error, dir, false)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const matchers = matchersFor(request.glob)
  const depth = segments.length
  const matcher = matchers?.[depth]
  const suffix = kind === 'backups' ? SUFFIX.bak : SUFFIX.wsp
  const prefix = segments.length === 0 ? '' : segments.join('.') + '.'
  const base = dir.endsWith('/') ? dir : dir + '/'
  const group =
    kind !== 'sizes' || request.depth === undefined ? undefined : segments.slice(0, request.depth).join('.')
  const out: DirectoryScan = { entries: [], files: 0 }
  let sum: ScannedFile | undefined
  const listing: string[] | undefined =
    request.compact && (kind === 'names' || kind === 'newest' || kind === 'long') ? [] : undefined
  const layouts: NonNullable<DirectoryScan['layouts']> = []
  // `newest` through koffi: nothing per file but its name until the file is one to report.
  const numbers: number[] = []
  const reasons: string[] = []
  const cutoff = request.fresh ? request.fresh.cutoff : Infinity
  // The per-file calls go relative to the directory's descriptor (as du does): no lookup of the
  // whole path per file.
  let dirfd: number | undefined
  const sys = kind === 'names' ? null : loadSyscalls()
  if (sys) dirfd = openDirectory(dir)
  if (sys && dirfd !== undefined && (kind === 'long' || kind === 'newest')) {
    // The files whose first page will be read, in the order the loop below reads them.
    const names: string[] = []
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith(suffix)) continue
      if (
        matchers &&
        (depth !== matchers.length - 1 || !segmentMatches(matcher!, entry.name.slice(0, -suffix.length)))
      )
        continue
      names.push(entry.name)
    }
    ahead = new ReadAhead(sys, dirfd, names, base)
  }
  try {
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (matchers && (depth >= matchers.length - 1 || !segmentMatches(matcher!, entry.name))) continue
        if (listing) listing.push('\0' + entry.name)
        else out.entries.push({ sub: entry.name })
      } else if (entry.isFile() && entry.name.endsWith(suffix)) {
        const last = entry.name.slice(0, -suffix.length)
        if (matchers && (depth !== matchers.length - 1 || !segmentMatches(matcher!, last))) continue
        if (kind === 'names' && listing) {
          listing.push(last)
          out.files++
          continue
        }
        if (kind === 'newest' && dirfd !== undefined) {
          const newest = newestAt(dirfd, entry.name, base, request.fresh)
          if (newest === GONE) continue // removed meanwhile
          out.files++
          if (newest > cutoff) {
            out.fresh = (out.fresh ?? 0) + 1
            continue
          }
          const corrupt = newest === CORRUPT ? corruptReason : undefined
          if (listing) {
            if (corrupt !== undefined) {
              listing.push('\x01' + last)
              reasons.push(corrupt)
            } else {
              listing.push(last)
              numbers.push(newest, reusedOpened.size)
            }
          } else {
            out.entries.push({
              name: prefix + last,
              path: base + entry.name,
              newest:
                corrupt !== undefined
                  ? { corrupt }
                  : { newest: newest === 0 ? null : newest, apparentBytes: reusedOpened.size },
            })
          }
          continue
        }
        if (group !== undefined && depth >= request.depth! && dirfd !== undefined) {
          // A file counted into its directory's sum: its stat(2), and no object for it.
          if (!statInto(dirfd, entry.name, base + entry.name)) continue // removed meanwhile
          out.files++
          if (!sum) out.entries.push((sum = { name: group, path: dir, group, count: 0, sizes: emptySizes() }))
          sum.count!++
          sum.sizes!.apparentBytes += statSize(statBytes)
          sum.sizes!.allocatedBytes += statBlocks(statBytes) * 512
          continue
        }
        if (kind === 'long' && listing && dirfd !== undefined) {
          const file = base + entry.name
          const opened = openForRead(file, dirfd, entry.name)
          if (opened === undefined) continue // removed meanwhile
          out.files++
          listing.push(last)
          try {
            const layout = layoutOf(opened, file)
            let index: number
            if (layout === null) {
              reasons.push(corruptReason)
              index = -reasons.length // -1 - k for reasons[k]
            } else {
              index = layouts.indexOf(layout)
              if (index < 0) index = layouts.push(layout) - 1
            }
            numbers.push(index, opened.size, opened.blocks * 512, opened.mtime)
          } catch (error) {
            if (error instanceof CoreError) throw error
            throw fromSystemError(error, file, false)
          } finally {
            closeOpened(opened)
          }
          continue
        }
        const file: ScannedFile = { name: prefix + last, path: base + entry.name }
        if (kind !== 'names' && !examine(file, kind, request.fresh, dirfd, entry.name)) continue // removed meanwhile
        out.files++
        if (request.fresh && (file.newest!.newest ?? 0) > request.fresh.cutoff) {
          out.fresh = (out.fresh ?? 0) + 1
          continue
        }
        if (group !== undefined && depth >= request.depth!) {
          if (!sum) out.entries.push((sum = { name: group, path: dir, group, count: 0, sizes: emptySizes() }))
          sum.count!++
          sum.sizes!.apparentBytes += file.sizes!.apparentBytes
          sum.sizes!.allocatedBytes += file.sizes!.allocatedBytes
          continue
        }
        if (group !== undefined) file.group = file.name
        out.entries.push(file)
      }
    }
  } finally {
    ahead?.close()
    ahead = undefined
    if (dirfd !== undefined) fs.closeSync(dirfd)
  }
  if (listing) out.listing = listing.join('/')
  if (listing && kind !== 'names') {
    out.numbers = Float64Array.from(numbers)
    out.reasons = reasons
  }
  if (listing && kind === 'long') out.layouts = layouts
  return out
}

/** The entries of a `names` scan that came back as a `listing`: what scanDirectory gives in-process. */
export function expandListing(request: ScanRequest, scan: DirectoryScan): void {
  if (scan.listing === undefined) return
  const prefix = request.segments.length === 0 ? '' : request.segments.join('.') + '.'
  const base = request.dir.endsWith('/') ? request.dir : request.dir + '/'
  const entries: DirectoryScan['entries'] = []
  const { numbers, reasons, layouts } = scan
  for (const layout of layouts ?? []) {
    for (const archive of layout) Object.freeze(archive)
    Object.freeze(layout)
  }
  let number = 0
  let reason = 0
  if (scan.listing !== '') {
    for (const item of scan.listing.split('/')) {
      const first = item.charCodeAt(0)
      if (first === 0) entries.push({ sub: item.slice(1) })
      else if (!numbers) entries.push({ name: prefix + item, path: base + item + SUFFIX.wsp })
      else if (layouts) {
        const index = numbers[number++]!
        const sizes = {
          apparentBytes: numbers[number++]!,
          allocatedBytes: numbers[number++]!,
          lastWrite: numbers[number++]!,
        }
        // The directory's files of one layout share its (frozen) archives: three objects fewer
        // per file on the thread that keeps a million of them.
        const header: HeaderFacts =
          index < 0
            ? { archives: null, error: reasons![-1 - index]!, ...sizes }
            : { archives: layouts[index]!, ...sizes }
        entries.push({ name: prefix + item, path: base + item + SUFFIX.wsp, header })
      } else if (first === 1) {
        const last = item.slice(1)
        entries.push({
          name: prefix + last,
          path: base + last + SUFFIX.wsp,
          newest: { corrupt: reasons![reason++]! },
        })
      } else {
        const newest = numbers[number++]!
        const apparentBytes = numbers[number++]!
        entries.push({
          name: prefix + item,
          path: base + item + SUFFIX.wsp,
          newest: { newest: newest === 0 ? null : newest, apparentBytes },
        })
      }
    }
  }
  scan.entries = entries
  delete scan.listing
  delete scan.numbers
  delete scan.reasons
  delete scan.layouts
}

/**
 * The per-file work, on the file `name` of the directory open as `dirfd` (by its path without a
 * descriptor); false when the file is gone.
 */
function examine(
  file: ScannedFile,
  kind: ScanKind,
  fresh: FreshTest | undefined,
  dirfd: number | undefined,
  name: string,
): boolean {
  if (kind === 'sizes' && dirfd !== undefined) {
    const sizes = sizesAt(dirfd, name, file.path)
    if (sizes === undefined) return false
    file.sizes = sizes
    return true
  }
  if (kind === 'newest' || kind === 'long') {
    const opened = openForRead(file.path, dirfd, name)
    if (opened === undefined) return false
    try {
      if (kind === 'newest') file.newest = newestOf(opened, file.path, fresh)
      else file.header = headerOf(opened, file.path)
    } catch (error) {
      if (error instanceof CoreError) throw error
      throw fromSystemError(error, file.path, false)
    } finally {
      closeOpened(opened)
    }
    return true
  }
  const stat = fs.statSync(file.path, { throwIfNoEntry: false })
  if (stat === undefined) return false
  file.sizes = sizesOf(stat)
  return true
}

const statBytes = statBuffer()

/** stat(2) of `name` in the directory open as `dirfd` into statBytes; false when it is gone. */
function statInto(dirfd: number, name: string, file: string): boolean {
  const sys = loadSyscalls()!
  if (sys.fstatat(dirfd, name, statBytes, 0) === 0) return true
  const error = errnoError(sys, 'stat')
  if (error.code === 'ENOENT') return false
  throw fromSystemError(error, file, false)
}

/** stat(2) of `name` in the directory open as `dirfd`: sizes, or undefined when it is gone. */
function sizesAt(dirfd: number, name: string, file: string): SizeFacts | undefined {
  if (!statInto(dirfd, name, file)) return undefined
  const stat = statOf(statBytes)
  return { apparentBytes: stat.size, allocatedBytes: stat.blocks * 512, lastWrite: stat.mtime }
}

/** A directory's descriptor, for fstatat(2); undefined when it cannot be opened (stat by path then). */
function openDirectory(dir: string): number | undefined {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY)
  } catch {
    return undefined
  }
}

function emptySizes(): SizeFacts {
  return { apparentBytes: 0, allocatedBytes: 0, lastWrite: 0 }
}

function sizesOf(stat: fs.Stats): SizeFacts {
  return {
    apparentBytes: stat.size,
    allocatedBytes: stat.blocks * 512,
    lastWrite: Math.floor(stat.mtimeMs / 1000),
  }
}

const POSIX_FADV_RANDOM = 1
const POSIX_FADV_WILLNEED = 3
const O_RDONLY_CLOEXEC = fs.constants.O_RDONLY | 0o2000000
// O_NOATIME where the process may use it (the files' owner, or root): a scan reads every file, and
// its atime updates would mark every inode dirty (a write per file, once a day with relatime) and
// make every metric look recently read to whoever finds unused metrics by atime. Off after the
// first EPERM (not the owner). Per thread.
let noAtime = fs.constants.O_NOATIME ?? 0
const EPERM = 1

/** openat(2) for reading, with O_NOATIME while it is allowed: the descriptor, or -1 (sys.errno()). */
function openAt(sys: Syscalls, dirfd: number, name: string): number {
  const fd = sys.openat(dirfd, name, O_RDONLY_CLOEXEC | noAtime)
  if (fd >= 0 || noAtime === 0 || sys.errno() !== EPERM) return fd
  noAtime = 0
  return sys.openat(dirfd, name, O_RDONLY_CLOEXEC)
}

/**
 * How many files of a directory are opened before their turn, each with its first page asked for.
 * A read of a file's first page is one wait on the disk when it is not in the page cache (after
 * other work pushed the tree out, or on a node just started): a few hundred microseconds here, and
 * a thread that waits for each in turn spends a million files' walk waiting (`wsp ls --long` over
 * 1,000,000 files: 45 s with 31 CPU seconds). With the next files' reads already started, the disk
 * has them all at once and the thread finds them done.
 */
const READ_AHEAD_FILES = 32

/**
 * The files of one directory that are read (in the order they are read), each opened up to
 * READ_AHEAD_FILES before its turn with posix_fadvise WILLNEED on its first page: the kernel starts
 * that read and returns. The same five system calls per file (WILLNEED where RANDOM was; RANDOM is
 * set only on a file read past its first page, see `randomAccess`). An error opening a file is
 * kept for its turn, so what fails and when is as without the read-ahead.
 */
class ReadAhead {
  private readonly fds: number[] = []
  private readonly errors = new Map<number, unknown>()
  private opened = 0
  private taken = 0

  constructor(
    private readonly sys: Syscalls,
    private readonly dirfd: number,
    private readonly names: readonly string[],
    private readonly base: string,
  ) {}

  /** The descriptor of `name` (READ_AHEAD_GONE: removed meanwhile), or undefined when it is not the next one. */
  take(name: string): number | undefined {
    if (this.names[this.taken] !== name) return undefined
    const end = Math.min(this.names.length, this.taken + READ_AHEAD_FILES)
    while (this.opened < end) this.open(this.opened++)
    const at = this.taken++
    const fd = this.fds[at]!
    this.fds[at] = READ_AHEAD_GONE
    if (this.errors.has(at)) throw this.errors.get(at)
    return fd
  }

  private open(at: number): void {
    const { sys } = this
    const name = this.names[at]!
    const fd = openAt(sys, this.dirfd, name)
    if (fd < 0) {
      const error = errnoError(sys, 'open')
      if (error.code !== 'ENOENT') this.errors.set(at, fromSystemError(error, this.base + name, false))
      this.fds[at] = READ_AHEAD_GONE
      return
    }
    sys.fadvise(fd, 0, HEAD_BYTES, POSIX_FADV_WILLNEED)
    this.fds[at] = fd
  }

  /** Closes the files opened and not taken (the walk of the directory stopped on an error). */
  close(): void {
    for (let at = this.taken; at < this.opened; at++) {
      if (this.fds[at]! >= 0) this.sys.close(this.fds[at]!)
    }
    this.taken = this.opened
  }
}

const READ_AHEAD_GONE = -1

/** The read-ahead of the directory being walked in this thread (scanDirectory is synchronous). */
let ahead: ReadAhead | undefined

/** An open file with what fstat(2) said of it. */
interface Opened {
  fd: number
  /** Set when opened through koffi (closed the same way). */
  sys: Syscalls | null
  /** Whether read-ahead is off for it (POSIX_FADV_RANDOM, or node:fs, where it is not asked). */
  random: boolean
  size: number
  blocks: number
  dev: number
  mtime: number
}

/**
 * Open a file to read its first bytes only, and fstat it; undefined when it is gone. Through koffi
 * relative to the directory's descriptor where it can (see syscalls.ts), by path with node:fs
 * otherwise. posix_fadvise RANDOM: a read at the start of a file that is not in the page cache
 * reads ahead (16 KiB on Linux), and for a sparse whisper file that is pages of the holes after the
 * header: a million files would fill 16 GB of page cache instead of 4 and push the tree out of it.
 */
function openForRead(file: string, dirfd: number | undefined, name: string): Opened | undefined {
  const sys = dirfd === undefined ? null : loadSyscalls()
  if (sys && dirfd !== undefined) {
    let fd = ahead?.take(name)
    const random = fd === undefined
    if (fd === READ_AHEAD_GONE) return undefined
    if (fd === undefined) {
      fd = openAt(sys, dirfd, name)
      if (fd < 0) {
        const error = errnoError(sys, 'open')
        if (error.code === 'ENOENT') return undefined
        throw fromSystemError(error, file, false)
      }
      sys.fadvise(fd, 0, 0, POSIX_FADV_RANDOM)
    }
    if (sys.fstat(fd, statBytes) !== 0) {
      const error = errnoError(sys, 'fstat')
      sys.close(fd)
      throw fromSystemError(error, file, false)
    }
    if (statIsDirectory(statBytes)) {
      sys.close(fd)
      throw fromSystemError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), file, false)
    }
    // One object for every file of the thread (no caller keeps it past the file).
    const opened = reusedOpened
    opened.fd = fd
    opened.sys = sys
    opened.random = random
    opened.size = statSize(statBytes)
    opened.blocks = statBlocks(statBytes)
    opened.dev = statDev(statBytes)
    opened.mtime = statMtime(statBytes)
    return opened
  }
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined
    throw fromSystemError(error, file, false)
  }
  try {
    const stat = fs.fstatSync(fd)
    if (stat.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' })
    const sizes = sizesOf(stat)
    return {
      fd,
      sys: null,
      random: true,
      size: sizes.apparentBytes,
      blocks: stat.blocks,
      dev: stat.dev,
      mtime: sizes.lastWrite,
    }
  } catch (error) {
    fs.closeSync(fd)
    throw fromSystemError(error, file, false)
  }
}

const reusedOpened: Opened = { fd: -1, sys: null, random: true, size: 0, blocks: 0, dev: 0, mtime: 0 }

/**
 * Read-ahead off (POSIX_FADV_RANDOM) for a file opened by the read-ahead, before a read past its
 * first page: a read in a sparse file would otherwise read ahead into its holes (16 KiB or more a
 * file, pages that push the tree out of the page cache).
 */
function randomAccess(opened: Opened): void {
  if (opened.random || !opened.sys) return
  opened.sys.fadvise(opened.fd, 0, 0, POSIX_FADV_RANDOM)
  opened.random = true
}

function closeOpened(opened: Opened): void {
  if (opened.sys) opened.sys.close(opened.fd)
  else fs.closeSync(opened.fd)
}

/** pread(2) into `into` from 0; the bytes read. */
function readStart(opened: Opened, into: Buffer, length: number): number {
  if (length === 0) return 0
  if (!opened.sys) return fs.readSync(opened.fd, into, 0, length, 0)
  const n = opened.sys.pread(opened.fd, into, length, 0)
  if (n < 0) throw errnoError(opened.sys, 'read')
  return n
}

// The last header decoded in this thread, by its bytes and the file's size: the files of a tree
// mostly share a few layouts, and decoding (and checking) a header again is most of the CPU of a
// file whose data is one read. Only a header that decoded without error is kept.
let lastHeader:
  { bytes: Buffer; fileSizeBytes: number; header: Header; layout: HeaderFacts['archives'] } | undefined

/**
 * The header of a file whose first `n` bytes are in `bytes` (more are read when it is longer).
 * @throws CorruptFileError
 */
function headerFrom(
  opened: Opened,
  file: string,
  bytes: Buffer,
  n: number,
): { header: Header; layout: HeaderFacts['archives']; headBytes?: Uint8Array } {
  const known = lastHeader
  if (known && known.fileSizeBytes === opened.size && n >= known.bytes.length) {
    // The same header as the last file's (most files): no object, the header bytes are bytes[0, n).
    if (bytes.compare(known.bytes, 0, known.bytes.length, 0, known.bytes.length) === 0) return known
  }
  let headBytes: Uint8Array = bytes.subarray(0, n)
  if (n >= METADATA_SIZE && headerSizeFor(decodeArchiveCount(headBytes, file)) > n) {
    randomAccess(opened)
    headBytes = readHeader(opened.fd, file, opened.size).headBytes
  }
  const header = decodeHeader(headBytes, file, opened.size)
  const layout = header.archives.map((a) => ({ secondsPerPoint: a.secondsPerPoint, points: a.points }))
  const size = headerSizeFor(header.archives.length)
  if (size <= n) {
    lastHeader = { bytes: Buffer.from(bytes.subarray(0, size)), fileSizeBytes: opened.size, header, layout }
  }
  return { header, layout, headBytes }
}

/**
 * The layout of an open file (shared, not a copy), or null when its header is corrupt (why:
 * `corruptReason`); one read.
 */
function layoutOf(opened: Opened, file: string): HeaderFacts['archives'] {
  // 256 bytes hold the header of a file with up to 20 archives; more are read when needed.
  const n = readStart(opened, head, Math.min(opened.size, 256))
  try {
    return headerFrom(opened, file, head, n).layout
  } catch (error) {
    if (error instanceof CorruptFileError) {
      corruptReason = error.reason
      return null
    }
    throw error
  }
}

/** Sizes, last write and layout: one open, one fstat, one read. */
function headerOf(opened: Opened, file: string): HeaderFacts {
  const sizes = { apparentBytes: opened.size, allocatedBytes: opened.blocks * 512, lastWrite: opened.mtime }
  // 256 bytes hold the header of a file with up to 20 archives; more are read when needed.
  const n = readStart(opened, head, Math.min(opened.size, 256))
  try {
    const { layout } = headerFrom(opened, file, head, n)
    // A copy per file: the caller may keep or change it.
    return { archives: layout!.map((a) => ({ ...a })), ...sizes }
  } catch (error) {
    if (error instanceof CorruptFileError) return { archives: null, error: error.reason, ...sizes }
    throw error
  }
}

/** What `wsp stale` asks of a file: is there a point after `cutoff`? (`now` says where to look first.) */
export interface FreshTest {
  cutoff: number
  now: number
}

// One read at the start of each file takes its header and the first points of its first archive
// together: the bytes of a sparse file that was written once or a few times. Reused, per thread.
const HEAD_BYTES = 4096
const head = Buffer.allocUnsafe(HEAD_BYTES)
const probe = Buffer.allocUnsafe(HEAD_BYTES)

// Filesystems whose st_blocks counts every block that holds data (ext2/3/4, XFS, tmpfs: no
// compression, delayed allocation included), by device: their block size, or 0 for any other
// (btrfs and ZFS count compressed blocks, an overlay cannot say). Per thread.
const COUNTING_FILESYSTEMS = new Set([0xef53, 0x58465342, 0x01021994])
const blockSizes = new Map<number, number>()

function countingBlockSize(dev: number, file: string): number {
  let size = blockSizes.get(dev)
  if (size === undefined) {
    try {
      const fsStat = fs.statfsSync(file)
      size = COUNTING_FILESYSTEMS.has(fsStat.type) ? fsStat.bsize : 0
    } catch {
      size = 0
    }
    blockSizes.set(dev, size)
  }
  return size
}

/**
 * The largest timestamp among the points whose timestamp lies in bytes[0, n) (the file's start):
 * a point cut off by the end of what was read counts by its timestamp, as a full scan counts it.
 * The first timestamp after `above` is returned at once (only the stale need their newest).
 */
function newestInHead(bytes: Buffer, n: number, archives: readonly ArchiveInfo[], above: number): number {
  let newest = 0
  for (const archive of archives) {
    const end = Math.min(archive.offset + archive.size, n + 8)
    for (let at = archive.offset; at + 12 <= end; at += 12) {
      const ts = bytes[at]! * 16777216 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)
      if (ts > newest) {
        newest = ts
        if (ts > above) return ts
      }
    }
  }
  return newest
}

/**
 * Whether some point of the file is after `test.cutoff`, looking only where a recent point would
 * be: in each archive, the slots up to the one `test.now` falls in (from the archive's first
 * timestamp, as whisper places points). Any point found after the cutoff answers yes, wherever it
 * lies (its timestamp is returned); 0 is not a no (the caller then reads everything).
 */
function recentPointAfter(fd: number, n: number, archives: readonly ArchiveInfo[], test: FreshTest): number {
  for (const archive of archives) {
    let base: number
    if (archive.offset + 4 <= n) base = head.readUInt32BE(archive.offset)
    else if (fs.readSync(fd, probe, 0, 4, archive.offset) === 4) base = probe.readUInt32BE(0)
    else continue
    if (base === 0) continue
    const points = archive.points
    // The slot after the one of now (a clock a little behind the writer's), and those before it.
    const last = (((Math.floor((test.now - base) / archive.secondsPerPoint) + 1) % points) + points) % points
    const count = Math.min(points, Math.floor(HEAD_BYTES / 12))
    const start = (((last - count + 1) % points) + points) % points
    const parts: [number, number][] =
      start + count <= points
        ? [[start, count]]
        : [
            [start, points - start],
            [0, count - (points - start)],
          ]
    for (const [slot, slots] of parts) {
      const got = fs.readSync(fd, probe, 0, slots * 12, archive.offset + slot * 12)
      for (let at = 0; at + 4 <= got; at += 12) {
        const ts = probe.readUInt32BE(at)
        if (ts > test.cutoff) return ts
      }
    }
  }
  return 0
}

/**
 * The newest point of a file: one open, one fstat, one read of its first 4 KiB (header and first
 * points), and nothing more when its blocks on disk (st_blocks, where the filesystem counts every
 * block of data) are that first block alone. Otherwise, with `test`, a look where a recent point
 * would be; then the data extents of all archives. With `test`, `newest` of a file with a point
 * after the cutoff is some such point, not always the newest: only the stale need the newest.
 */
function newestOf(opened: Opened, file: string, test?: FreshTest): NewestFacts {
  const newest = newestValue(opened, file, test)
  if (newest === CORRUPT) return { corrupt: corruptReason }
  return { newest: newest === 0 ? null : newest, apparentBytes: opened.size }
}

/** newestAt's answer for a file removed meanwhile. */
const GONE = -2
/** newestAt's answer for a file whose header is corrupt (why: `corruptReason`). */
const CORRUPT = -1
let corruptReason = ''

/**
 * newestOf without an object: the file `name` of the directory open as `dirfd` (whose path ends
 * in `/` is `base`). Its newest point (0: none; with `test` as in newestOf), CORRUPT or GONE; its
 * size is then `reusedOpened.size`.
 */
function newestAt(dirfd: number, name: string, base: string, test: FreshTest | undefined): number {
  const file = base + name
  const opened = openForRead(file, dirfd, name)
  if (opened === undefined) return GONE
  try {
    return newestValue(opened, file, test)
  } catch (error) {
    if (error instanceof CoreError) throw error
    throw fromSystemError(error, file, false)
  } finally {
    closeOpened(opened)
  }
}

function newestValue(opened: Opened, file: string, test?: FreshTest): number {
  const { fd, size } = opened
  const n = readStart(opened, head, Math.min(size, HEAD_BYTES))
  let header: Header
  let headBytes: Uint8Array | undefined
  try {
    ;({ header, headBytes } = headerFrom(opened, file, head, n))
  } catch (error) {
    if (error instanceof CorruptFileError) {
      corruptReason = error.reason
      return CORRUPT
    }
    throw error
  }
  let newest = newestInHead(head, n, header.archives, test ? test.cutoff : Infinity)
  const all = n >= size || (n >= HEAD_BYTES && onlyFirstBlock(opened, file))
  if (!all && !(test && newest > test.cutoff)) {
    randomAccess(opened)
    const recent = test ? recentPointAfter(fd, n, header.archives, test) : 0
    if (recent > 0) newest = recent
    else
      newest = Math.max(
        newest,
        newestTimestamp({
          path: file,
          fd,
          header,
          fileSizeBytes: size,
          headBytes: headBytes ?? head.subarray(0, n),
        }) ?? 0,
      )
  }
  return newest
}

/**
 * Whether no block but the first holds data: the file's allocated blocks are at most one, on a
 * filesystem whose st_blocks counts every block of data. The first holds the header (not zeros, or
 * decodeHeader would have refused it), so it is that one block.
 */
function onlyFirstBlock(opened: Opened, file: string): boolean {
  const blockSize = countingBlockSize(opened.dev, file)
  return blockSize > 0 && blockSize <= HEAD_BYTES && opened.blocks * 512 <= blockSize
}

type Lseek = (fd: number, offset: number, whence: number) => number
interface Koffi {
  load(name: string): { func(signature: string): Lseek }
  errno(): number
}
/** undefined: not loaded yet; null: not available here. */
let lseek: { call: Lseek; errno: () => number } | null | undefined

// lseek(2) through koffi (as whisper/allocate.ts calls posix_fallocate): fs-ext, the other way to
// it, is not safe to load in a worker thread started after another one ended (V8 aborts), and it
// throws an Error for each ENXIO. Per thread.
function loadLseek(): typeof lseek {
  try {
    const require = createRequire(import.meta.url)
    const koffi = require('koffi') as Koffi
    return {
      call: koffi.load('libc.so.6').func('int64_t lseek(int fd, int64_t offset, int whence)'),
      errno: koffi.errno,
    }
  } catch {
    return null
  }
}

const SEEK_DATA = 3
const SEEK_HOLE = 4
const ENXIO = 6

/**
 * The parts of [position, position + length) of a file that hold data, relative to `position` and
 * widened to whole 12-byte points (lseek SEEK_DATA/SEEK_HOLE); the whole region where that cannot
 * be asked.
 */
function dataRanges(fd: number, position: number, length: number): [number, number][] {
  if (lseek === undefined) lseek = loadLseek()
  const seek = lseek
  const whole: [number, number][] = [[0, length]]
  if (!seek) return whole
  const end = position + length
  const ranges: [number, number][] = []
  let at = position
  while (at < end) {
    const dataStart = seek.call(fd, at, SEEK_DATA)
    if (dataStart < 0) {
      if (seek.errno() === ENXIO) break // no data after `at`
      return whole
    }
    if (dataStart >= end) break
    const holeStart = seek.call(fd, dataStart, SEEK_HOLE)
    if (holeStart < 0) return whole
    const from = Math.floor((dataStart - position) / 12) * 12
    const to = Math.min(length, Math.ceil((Math.min(end, holeStart) - position) / 12) * 12)
    const last = ranges[ranges.length - 1]
    if (last && from <= last[1]) last[1] = Math.max(last[1], to)
    else ranges.push([from, to])
    at = Math.min(end, holeStart)
  }
  return ranges
}

/**
 * The newest timestamp stored in any archive of an open file, or null. The data region is read as
 * its data extents only (one set of lseek(2) calls for all archives, not one per archive), and only
 * the timestamps of the points in them are looked at: a sparse file costs what its data holds.
 */
export function newestTimestamp(file: WhisperFile): number | null {
  const archives = file.header.archives
  if (archives.length === 0) return null
  const start = archives[0]!.offset
  const last = archives[archives.length - 1]!
  let newest = 0
  // Every archive starts a whole number of points after the first: the ranges, whole points from
  // `start`, read a point across the edge of an extent (its value in a hole) whole.
  for (const [offset, to] of dataRanges(file.fd, start, last.offset + last.size - start)) {
    const from = start + offset
    const bytes = readAt(file.fd, file.path, from, to - offset)
    for (const archive of archives) {
      const end = Math.min(archive.offset + archive.size, start + to)
      let at = archive.offset + Math.max(0, Math.ceil((from - archive.offset) / 12)) * 12
      for (; at + 12 <= end; at += 12) {
        const i = at - from
        const ts = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0
        if (ts > newest) newest = ts
      }
    }
  }
  return newest === 0 ? null : newest
}

export interface ScanOptions {
  kind: ScanKind
  glob?: string
  depth?: number
  /** The worker script (the tree pool's); in-process without it. */
  workerUrl?: URL
  /** Worker threads (default 2). */
  workers?: number
  /** Stops the walk: it rejects with an AbortedError at once (a scan writes nothing). */
  signal?: AbortSignal
  /** Called as directories are done, with the files found so far. */
  onProgress?: (files: number) => void
  /** For `newest`: leave out (and count) the files with a point after the cutoff. */
  fresh?: FreshTest
}

/**
 * The files under `dir` (matching `glob`), sorted by path, each with what `kind` asks for.
 * @throws NotFoundError, InvalidArgumentError (not a directory, a bad glob), AbortedError
 */
export async function scanTree(dir: string, options: ScanOptions): Promise<ScannedFile[]> {
  return (await walkTree(dir, options)).files
}

/**
 * scanTree's files, and with `fresh`, how many were left out for a point after the cutoff.
 * @throws as scanTree
 */
export async function walkTree(
  dir: string,
  options: ScanOptions,
): Promise<{ files: ScannedFile[]; fresh: number }> {
  let stat: fs.Stats
  try {
    stat = fs.statSync(dir)
  } catch (error) {
    throw fromSystemError(error, dir, false)
  }
  if (!stat.isDirectory()) throw new InvalidArgumentError(`${dir}: not a directory`)
  matchersFor(options.glob) // a bad glob fails here, before any thread starts
  const root = dir.length > 1 && dir.endsWith('/') ? dir.replace(/\/+$/, '') || '/' : dir
  const workerUrl = (options.workers ?? 2) > 1 ? options.workerUrl : undefined
  // Names cross between threads as one string per directory (an object per file cost more to send
  // than to read).
  const compact =
    workerUrl !== undefined &&
    (options.kind === 'names' || options.kind === 'newest' || options.kind === 'long')
  const request = (at: string, segments: string[]): ScanRequest => ({
    kind: options.kind,
    dir: at,
    segments,
    glob: options.glob,
    depth: options.depth,
    fresh: options.fresh,
    compact,
  })
  const done = new Map<string, DirectoryScan>()
  const queue: ScanRequest[] = [request(root, [])]
  let files = 0
  let fresh = 0
  const record = (req: ScanRequest, scan: DirectoryScan): void => {
    expandListing(req, scan)
    done.set(req.dir, scan)
    for (const entry of scan.entries) {
      if ('sub' in entry) queue.push(request(path.join(req.dir, entry.sub), [...req.segments, entry.sub]))
    }
    files += scan.files
    fresh += scan.fresh ?? 0
    options.onProgress?.(files)
  }
  if (workerUrl) {
    await inWorkers(queue, record, workerUrl, options.workers ?? 2, options.signal)
  } else {
    let yielded = performance.now()
    while (queue.length > 0) {
      if (performance.now() - yielded > 20) {
        await new Promise((resolve) => setImmediate(resolve))
        yielded = performance.now()
      }
      if (options.signal?.aborted) throw new AbortedError('interrupted', { cause: options.signal.reason })
      const next = queue.pop()!
      record(next, scanDirectory(next))
    }
  }
  const out: ScannedFile[] = []
  const assemble = (at: string): void => {
    for (const entry of done.get(at)?.entries ?? []) {
      if ('sub' in entry) assemble(path.join(at, entry.sub))
      else out.push(entry)
    }
  }
  assemble(root)
  return { files: out, fresh }
}

type Reply = { scanned?: DirectoryScan; error?: { name: string; code?: string; message: string } }

function inWorkers(
  queue: ScanRequest[],
  record: (request: ScanRequest, scan: DirectoryScan) => void,
  url: URL,
  count: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = []
    const idle: Worker[] = []
    // Per thread, what it is doing: starting (loading its native module) or scanning a directory.
    // Settles when it is done or the thread is gone.
    const doing = new Map<Worker, Promise<void>>()
    const nextMessage = (worker: Worker): Promise<void> =>
      new Promise<void>((done) => {
        const settle = (): void => {
          worker.off('message', settle)
          worker.off('exit', settle)
          done()
        }
        worker.on('message', settle)
        worker.on('exit', settle)
      })
    let busy = 0
    let over = false
    const finish = (error?: unknown): void => {
      if (over) return
      over = true
      signal?.removeEventListener('abort', onAbort)
      // Each thread is stopped once it is done with what it is on: one stopped while Node registers
      // its native module (koffi) aborts the whole process; a directory takes milliseconds.
      void Promise.all(workers.map((w) => doing.get(w)!.then(() => w.terminate()))).finally(() =>
        error ? reject(error) : resolve(),
      )
    }
    const onAbort = (): void => finish(new AbortedError('interrupted', { cause: signal!.reason }))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort)
    const pump = (): void => {
      while (!over && idle.length > 0 && queue.length > 0) {
        const worker = idle.pop()!
        const next = queue.pop()!
        busy++
        doing.set(worker, nextMessage(worker))
        worker.once('message', (reply: Reply) => {
          busy--
          if (over) return
          if (reply.error) return finish(rebuild(reply.error))
          record(next, reply.scanned!)
          idle.push(worker)
          pump()
        })
        worker.postMessage({ id: 0, scan: next })
      }
      if (!over && busy === 0 && queue.length === 0) finish()
    }
    for (let i = 0; i < count; i++) {
      const worker = new Worker(url)
      worker.on('error', (error) => finish(error))
      worker.on('exit', (code) => finish(new Error(`a worker thread exited (code ${code})`)))
      workers.push(worker)
      // Its first message says it is ready (its native module loaded).
      doing.set(worker, nextMessage(worker))
      worker.once('message', () => {
        idle.push(worker)
        pump()
      })
    }
  })
}

/** A CoreError from a worker thread, as the same class where it matters for the exit status. */
function rebuild(error: { name: string; code?: string; message: string }): Error {
  if (error.code?.startsWith('ERR_')) return new CoreError(error.code as CoreError['code'], error.message)
  return Object.assign(new Error(error.message), { name: error.name })
}
