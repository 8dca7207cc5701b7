// The one walk of `wsp ls`, `du` and `stale`, on both cores: the unit of work is a directory. A
// worker thread (the tree pool's script, src/core/tree/worker.ts) reads one directory, does the
// per-file work of the command on its files (nothing, stat(2), the header, or the newest point of
// the data) and sends back its sorted entries: the files with what was found, and the names of its
// subdirectories, which the main thread hands out next. One message per directory, not per file:
// a million files in a thousand directories are a thousand messages. The results are put back in
// the walk's sorted order at the end. Without a worker script everything runs in-process, with a
// pause every few milliseconds so that signals and progress get through.

import fs from 'node:fs'
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
import { closeWhisperFile, openWhisperFile, readDataExtents, readHeader } from '../whisper/file.js'
import type { WhisperFile } from '../whisper/file.js'

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
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (matchers && (depth >= matchers.length - 1 || !segmentMatches(matcher!, entry.name))) continue
      out.entries.push({ sub: entry.name })
    } else if (entry.isFile() && entry.name.endsWith(suffix)) {
      const last = entry.name.slice(0, -suffix.length)
      if (matchers && (depth !== matchers.length - 1 || !segmentMatches(matcher!, last))) continue
      const file: ScannedFile = { name: prefix + last, path: base + entry.name }
      if (kind !== 'names' && !examine(file, kind)) continue // removed meanwhile
      out.files++
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
  return out
}

/** The per-file work; false when the file is gone. */
function examine(file: ScannedFile, kind: ScanKind): boolean {
  if (kind === 'newest') {
    const newest = newestOf(file.path)
    if (newest === undefined) return false
    file.newest = newest
    return true
  }
  if (kind === 'long') {
    const header = headerOf(file.path)
    if (header === undefined) return false
    file.header = header
    return true
  }
  const stat = fs.statSync(file.path, { throwIfNoEntry: false })
  if (stat === undefined) return false
  file.sizes = sizesOf(stat)
  return true
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

function openOrGone(file: string): number | undefined {
  try {
    return fs.openSync(file, 'r')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined
    throw fromSystemError(error, file, false)
  }
}

/** Sizes, last write and layout: one open, one fstat, one read. */
function headerOf(file: string): HeaderFacts | undefined {
  const fd = openOrGone(file)
  if (fd === undefined) return undefined
  try {
    const sizes = sizesOf(fs.fstatSync(fd))
    try {
      const { header } = readHeader(fd, file, sizes.apparentBytes)
      const archives = header.archives.map((a) => ({ secondsPerPoint: a.secondsPerPoint, points: a.points }))
      return { archives, ...sizes }
    } catch (error) {
      if (error instanceof CorruptFileError) return { archives: null, error: error.reason, ...sizes }
      throw error
    }
  } finally {
    fs.closeSync(fd)
  }
}

function newestOf(file: string): NewestFacts | undefined {
  let open: WhisperFile
  try {
    open = openWhisperFile(file, { write: false, lock: false })
  } catch (error) {
    if (error instanceof CorruptFileError) return { corrupt: error.reason }
    if ((error as { cause?: { code?: string } }).cause?.code === 'ENOENT') return undefined
    throw error
  }
  try {
    return { newest: newestTimestamp(open), apparentBytes: open.fileSizeBytes }
  } finally {
    closeWhisperFile(open)
  }
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
  for (const extent of readDataExtents(file.fd, file.path, start, last.offset + last.size - start)) {
    const from = start + extent.offset
    const to = from + extent.bytes.length
    const bytes = extent.bytes
    for (const archive of archives) {
      const end = Math.min(archive.offset + archive.size, to)
      // A point is written whole, so it lies within one data extent.
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
}

/**
 * The files under `dir` (matching `glob`), sorted by path, each with what `kind` asks for.
 * @throws NotFoundError, InvalidArgumentError (not a directory, a bad glob), AbortedError
 */
export async function scanTree(dir: string, options: ScanOptions): Promise<ScannedFile[]> {
  let stat: fs.Stats
  try {
    stat = fs.statSync(dir)
  } catch (error) {
    throw fromSystemError(error, dir, false)
  }
  if (!stat.isDirectory()) throw new InvalidArgumentError(`${dir}: not a directory`)
  matchersFor(options.glob) // a bad glob fails here, before any thread starts
  const root = dir.length > 1 && dir.endsWith('/') ? dir.replace(/\/+$/, '') || '/' : dir
  const request = (at: string, segments: string[]): ScanRequest => ({
    kind: options.kind,
    dir: at,
    segments,
    glob: options.glob,
    depth: options.depth,
  })
  const done = new Map<string, DirectoryScan>()
  const queue: ScanRequest[] = [request(root, [])]
  let files = 0
  const record = (req: ScanRequest, scan: DirectoryScan): void => {
    done.set(req.dir, scan)
    for (const entry of scan.entries) {
      if ('sub' in entry) queue.push(request(path.join(req.dir, entry.sub), [...req.segments, entry.sub]))
    }
    files += scan.files
    options.onProgress?.(files)
  }
  // A walk for names only runs in-process: the names cost more to send between threads than to read.
  if (options.workerUrl && (options.workers ?? 2) > 1 && options.kind !== 'names') {
    await inWorkers(queue, record, options.workerUrl, options.workers ?? 2, options.signal)
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
  return out
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
    let busy = 0
    let over = false
    const finish = (error?: unknown): void => {
      if (over) return
      over = true
      signal?.removeEventListener('abort', onAbort)
      void Promise.all(workers.map((w) => w.terminate())).finally(() => (error ? reject(error) : resolve()))
    }
    const onAbort = (): void => finish(new AbortedError('interrupted', { cause: signal!.reason }))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort)
    const pump = (): void => {
      while (!over && idle.length > 0 && queue.length > 0) {
        const worker = idle.pop()!
        const next = queue.pop()!
        busy++
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
      idle.push(worker)
    }
    pump()
  })
}

/** A CoreError from a worker thread, as the same class where it matters for the exit status. */
function rebuild(error: { name: string; code?: string; message: string }): Error {
  if (error.code?.startsWith('ERR_')) return new CoreError(error.code as CoreError['code'], error.message)
  return Object.assign(new Error(error.message), { name: error.name })
}
