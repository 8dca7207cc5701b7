// The admin API's file work, run on one of carbon serve's writer threads (persister-worker.ts hands
// `kind: 'admin'` messages here): reading whole whisper files under their flock, and filling uploaded
// files' points into local ones by `wsp fill`'s rules (whisper/fill.ts, the one implementation),
// then checking that every uploaded point is there (whisper/copy-check.ts). The flock serialises
// both with the persister's writes to the same file, which take it too; the main thread never does
// this I/O. An upload is read where it lies in memory: no temporary file.

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {
  CannotWriteError,
  CoreError,
  CorruptFileError,
  InvalidArgumentError,
  NotFoundError,
  fromSystemError,
} from '../errors.js'
import { decodeArchiveCount, decodeHeader } from '../whisper/codec.js'
import type { CopyCheck } from '../whisper/copy-check.js'
import { checkCopy, checkedRange } from '../whisper/copy-check.js'
import { create, installFile, temporaryPathFor } from '../whisper/create.js'
import type { WhisperFile } from '../whisper/file.js'
import { lockFile, readAt, readSparse, withWhisperFile } from '../whisper/file.js'
import { fillFile } from '../whisper/fill.js'
import { METADATA_SIZE, POINT_SIZE, alignTimestamp, headerSizeFor } from '../whisper/format.js'

/**
 * The prefix of the temporary files earlier versions wrote uploads to, in the data directory's root
 * (hidden: never indexed); removed at start when a killed daemon left one.
 */
export const UPLOAD_PREFIX = '.carbonkit-admin-upload-'

/**
 * One file of a batch fill: the local file, where its upload lies in the batch's body, the points
 * the node holds that win.
 */
export interface FillItem {
  path: string
  offset: number
  length: number
  keep: Float64Array
}

/** One file's outcome in a batch: done (with the check of the upload against the file after it), or why not. */
export type ItemReply =
  | ({ ok: true; created: boolean; filled: number; now: number } & CopyCheck)
  | { ok: false; status: number; message: string }

/**
 * One file read in a batch: its bytes (its own buffer, or where it lies in the job's `into`) and
 * their version (versionOf), or why not (404: absent).
 */
export type ReadReply =
  | ({ ok: true; version: string } & ({ bytes: ArrayBuffer } | { offset: number; length: number }))
  | { ok: false; status: number; message: string }

/** One file's sha256 in a batch (hex), null when absent. */
export type DigestReply = { ok: true; sha256: string | null } | { ok: false; status: number; message: string }

export type AdminJob = { kind: 'admin'; request: number } & (
  | { op: 'read'; path: string }
  | {
      op: 'fill'
      path: string
      dataDir: string
      /** The uploaded whisper file. */
      upload: ArrayBuffer
      /** Timestamps of the points the daemon holds for the metric: they win over the upload's. */
      keep: Float64Array
      now: number
      fsync: boolean
    }
  | {
      op: 'read-many'
      paths: string[]
      /**
       * Where to read the files, one after the other (a pool's buffer the main thread reuses); a
       * file that does not fit in what is left gets a buffer of its own. Absent: each its own.
       */
      into?: SharedArrayBuffer
    }
  | {
      op: 'fill-many'
      /** The request's body (moved here, or a pool's shared buffer), where the uploads lie. */
      body: ArrayBuffer | SharedArrayBuffer
      items: FillItem[]
      now: number
      fsync: boolean
    }
  | { op: 'digest-many'; paths: string[] }
  | {
      op: 'remove-many'
      /** Files already moved out of the tree: unlinked. */
      files: string[]
      /** Directories emptied by the delete: removed when empty, then their parents up to `root`. */
      dirs: string[]
      root: string
    }
)

export type AdminJobReply = { kind: 'admin'; request: number } & (
  | {
      ok: true
      bytes?: ArrayBuffer
      created?: boolean
      filled?: number
      reads?: ReadReply[]
      fills?: ItemReply[]
      digests?: DigestReply[]
      /** A remove-many's files that could not be unlinked, and why. */
      errors?: string[]
    }
  | { ok: false; status: number; message: string }
)

/** A file's last change must be this much older than its read for its status to name its content. */
const SETTLED_NS = 2_000_000_000n

/**
 * What names the content of a file as read under its shared lock, for a later conditional delete
 * (`/admin/delete` with `version`): its status (device, inode, size, mtime, ctime) when its last
 * change is over SETTLED_NS older than the read. Any later write sets the ctime to the clock of
 * that moment, after the read, so a different status; the kernel's timestamps are coarse (a tick,
 * a few ms), which is why a file changed moments ago is named by the sha256 of its bytes instead:
 * a second write within the same tick could leave its status as it was. The status is compared
 * again in the very turn the delete happens (no write of the metric can start then), without
 * reading the file again. `nowMs`: the real clock (the kernel's timestamps are, not a test's).
 */
export function versionOf(stat: fs.BigIntStats, bytes: Uint8Array, nowMs: number): string {
  if (stat.ctimeNs + SETTLED_NS < BigInt(Math.floor(nowMs)) * 1_000_000n) return statVersion(stat)
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** The status part of versionOf. */
export function statVersion(stat: fs.BigIntStats): string {
  return `stat:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`
}

function readWhole(file: string): ArrayBuffer {
  return readVersioned(file, false).bytes
}

/**
 * `read(fd, size, stat)` on the file opened and held under its shared flock (the persister's
 * writers take it exclusively, so no write is half done while it reads); closed afterwards.
 */
function withSharedLock<T>(file: string, read: (fd: number, size: number, stat: fs.BigIntStats) => T): T {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    throw fromOpen(error, file)
  }
  try {
    lockFile(fd, file, 'shared')
    const stat = fs.fstatSync(fd, { bigint: true })
    if (!stat.isFile()) throw new InvalidArgumentError(`${file}: not a regular file`)
    return read(fd, Number(stat.size), stat)
  } finally {
    fs.closeSync(fd)
  }
}

/** The file's bytes (read under its shared flock) and, when asked, their version (versionOf). */
function readVersioned(file: string, versioned: boolean): { bytes: ArrayBuffer; version: string } {
  return withSharedLock(file, (fd, size, stat) => {
    const bytes = readSparse(fd, file, 0, size)
    // Taken under the lock, after the read: the status and the bytes are of the same content.
    return { bytes: ownBuffer(bytes), version: versioned ? versionOf(stat, bytes, Date.now()) : '' }
  })
}

/**
 * The file's bytes read under its shared flock into `into` at `offset` when they fit, with their
 * version; else as readVersioned reads them (a buffer of their own). The whole length is read
 * (a hole reads as zeros): one read instead of looking for the holes, and `into` holds old bytes.
 */
function readVersionedInto(
  file: string,
  into: Buffer,
  offset: number,
): { offset: number; length: number; version: string } | { bytes: ArrayBuffer; version: string } {
  return withSharedLock(file, (fd, length, stat) => {
    if (length > into.byteLength - offset) {
      const bytes = readSparse(fd, file, 0, length)
      return { bytes: ownBuffer(bytes), version: versionOf(stat, bytes, Date.now()) }
    }
    const view = into.subarray(offset, offset + length)
    readAt(fd, file, 0, length, view)
    // Taken under the lock, after the read: the status and the bytes are of the same content.
    return { offset, length, version: versionOf(stat, view, Date.now()) }
  })
}

/** A buffer's bytes as an ArrayBuffer of their own (Buffer.alloc's is: handed on as it is). */
function ownBuffer(bytes: Buffer): ArrayBuffer {
  return (
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer
}

function fromOpen(error: unknown, file: string): unknown {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotFoundError(file, { cause: error })
  if (code === 'EISDIR') return new InvalidArgumentError(`${file}: is a directory, not a whisper file`)
  return error
}

/** An upload as a whisper file read from memory (fill.ts reads a file held whole in `headBytes`). */
function uploadFile(bytes: Uint8Array): WhisperFile {
  const label = 'the upload'
  try {
    const count = decodeArchiveCount(bytes.subarray(0, METADATA_SIZE), label)
    const header = decodeHeader(bytes.subarray(0, headerSizeFor(count)), label, bytes.byteLength)
    return { path: label, fd: -1, header, fileSizeBytes: bytes.byteLength, headBytes: bytes }
  } catch (error) {
    if (error instanceof CorruptFileError)
      throw new InvalidArgumentError(`the upload is not a whisper file: ${error.reason}`)
    throw error
  }
}

/**
 * In one pass over a file created as the upload's byte-for-byte copy: the points inside its
 * archives' windows (what a fill into an empty file writes: `filled`), and the source points
 * checkCopy looks for (the same selection: aligned, inside the window shared with the archive of
 * that step, short of the oldest interval's margin). Each of them is found: the file holds the very
 * bytes, so every point is where the upload has it and reads back as it does there (checkCopy of the
 * upload against itself only looked each point up in the same bytes, a second pass per file).
 */
function countCopied(
  bytes: Uint8Array,
  header: WhisperFile['header'],
  now: number,
): { filled: number; checked: number } {
  let filled = 0
  let checked = 0
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (const archive of header.archives) {
    const step = archive.secondsPerPoint
    // As checkCopy pairs archives: the first of the same step (the archive itself in a valid file).
    const peer = header.archives.find((a) => a.secondsPerPoint === step)!
    const filledFrom = now - archive.retention
    const { oldest, newest } = checkedRange(step, Math.min(archive.retention, peer.retention), now)
    for (let i = 0; i < archive.points; i++) {
      const t = view.getUint32(archive.offset + i * POINT_SIZE)
      if (t === 0 || t > newest) continue
      if (t > filledFrom) filled++
      if (t > oldest && t === alignTimestamp(t, step)) checked++
    }
  }
  return { filled, checked }
}

function fillJob(
  target: string,
  upload: Uint8Array,
  keep: Float64Array,
  now: number,
  fsync: boolean,
  readAfter = false,
): { created: boolean; filled: number; copied?: { checked: number }; after?: Uint8Array } {
  const source = uploadFile(upload)
  const options = { now, keep, fsync }
  // A present file is read whole (under the lock) into the thread's buffer, filled in memory and
  // written back where the fill changed it; its bytes as the fill left them go to the check, which
  // reads them before the next fill reuses that buffer.
  const intoExisting = (): { created: boolean; filled: number; after?: Uint8Array } =>
    withWhisperFile(target, { write: true, lock: true }, (destination) => {
      const { filled, bytes } = fillFile(source, destination, options)
      return readAfter ? { created: false, filled, after: bytes } : { created: false, filled }
    })
  // Looked at first: an absent file (half of a rebalance's) then costs no thrown NotFoundError.
  if (fs.existsSync(target))
    try {
      return intoExisting()
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.path !== target) throw error
    }
  // Absent: created with the upload's layout and filled before it appears (link(2), no clobber).
  // With no point of the node's to keep, the fill of an empty file is the upload itself (what
  // carbonate's carbon-sync does with shutil.copyfile): written as it is, at a fraction of the cost.
  if (keep.length === 0) {
    const temporary = temporaryPathFor(target, 'admin')
    const bytes = upload
    try {
      // Its directory made only when missing (a mkdir per file cost more than the open).
      let fd: number
      try {
        fd = fs.openSync(temporary, 'wx', 0o666)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        fs.mkdirSync(path.dirname(target), { recursive: true })
        fd = fs.openSync(temporary, 'wx', 0o666)
      }
      try {
        // Written whole (a short write goes on): the check is then of these bytes, not read back.
        for (let at = 0; at < bytes.byteLength;) at += fs.writeSync(fd, bytes, at, bytes.byteLength - at, at)
        if (fsync) fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
    } catch (error) {
      fs.rmSync(temporary, { force: true })
      throw fromSystemError(error, target, true)
    }
    try {
      installFile(temporary, target, false)
      const { filled, checked } = countCopied(bytes, source.header, now)
      return { created: true, filled, copied: { checked } }
    } catch (error) {
      // The persister created it meanwhile: its points stay, the upload fills the gaps.
      if (error instanceof CannotWriteError && /file exists/.test(error.message)) return intoExisting()
      throw error
    }
  }
  const { header } = source
  let filled = 0
  fs.mkdirSync(path.dirname(target), { recursive: true })
  try {
    create(
      target,
      header.archives.map((a) => [a.secondsPerPoint, a.points] as const),
      {
        xFilesFactor: header.xFilesFactor,
        aggregationMethod: header.aggregationMethod,
        sparse: true,
        fsync,
        initialize: (file) => (filled = fillFile(source, file, options).filled),
      },
    )
    return { created: true, filled }
  } catch (error) {
    // The persister created it meanwhile: its points stay, the upload fills the gaps.
    if (error instanceof CannotWriteError && /file exists/.test(error.message)) return intoExisting()
    throw error
  }
}

function failure(error: unknown): { ok: false; status: number; message: string } {
  const message = error instanceof Error ? error.message : String(error)
  return { ok: false, status: error instanceof CoreError ? statusOf(error) : 500, message }
}

/** Fill one file of a batch, then check the upload against the file as it is now (and the node's cache). */
function fillAndCheck(
  body: ArrayBuffer | SharedArrayBuffer,
  item: FillItem,
  now: number,
  fsync: boolean,
): ItemReply {
  try {
    const upload = new Uint8Array(body, item.offset, item.length)
    const { copied, after: filledFile, ...done } = fillJob(item.path, upload, item.keep, now, fsync, true)
    // A file created as the upload's copy holds what was written (written whole, or the job
    // failed): every point of the upload is in it, as it is in the upload.
    if (copied) return { ok: true, ...done, now, checked: copied.checked, missing: 0, examples: [] }
    const after = filledFile ?? new Uint8Array(readWhole(item.path))
    const check = checkCopy(upload, after, now, {
      names: { source: 'the upload', destination: item.path },
      keep: item.keep,
    })
    return { ok: true, ...done, now, ...check }
  } catch (error) {
    return failure(error)
  }
}

/**
 * Unlink deleted files and remove the directories they emptied (each, then its parents up to the
 * root, while they are empty: most are not, and the first failed rmdir ends that climb). Here, not
 * on the main thread: an unlink that frees a file's blocks takes a while, and a promise's round
 * trip per file and per directory cost the main thread more than the calls themselves.
 */
function removeAll(job: { files: string[]; dirs: string[]; root: string }): string[] {
  const errors: string[] = []
  for (const file of job.files)
    try {
      fs.unlinkSync(file)
    } catch (error) {
      errors.push(`${file}: ${String(error)}`)
    }
  const root = path.resolve(job.root)
  for (const first of job.dirs)
    for (
      let dir = path.resolve(first);
      dir !== root && dir.startsWith(root + path.sep);
      dir = path.dirname(dir)
    )
      try {
        fs.rmdirSync(dir)
      } catch {
        break
      }
  return errors
}

function digestOf(file: string): string | null {
  try {
    return createHash('sha256')
      .update(new Uint8Array(readWhole(file)))
      .digest('hex')
  } catch (error) {
    if (error instanceof NotFoundError) return null
    throw error
  }
}

/** A CoreError's HTTP status: the client's fault (400), nothing there (404), or the node's (409, 507). */
function statusOf(error: unknown): number {
  if (error instanceof NotFoundError) return 404
  if (error instanceof InvalidArgumentError) return 400
  if (error instanceof CorruptFileError) return 409
  if (error instanceof CannotWriteError) return 507
  return 500
}

/** Run one job; the reply, and what to transfer with it. */
export function runAdminJob(job: AdminJob): [AdminJobReply, ArrayBuffer[]] {
  const base = { kind: 'admin', request: job.request } as const
  try {
    if (job.op === 'read') {
      const bytes = readWhole(job.path)
      return [{ ...base, ok: true, bytes }, [bytes]]
    }
    if (job.op === 'read-many') {
      const into = job.into ? Buffer.from(job.into) : undefined
      let offset = 0
      const reads = job.paths.map((file): ReadReply => {
        try {
          if (!into) return { ok: true, ...readVersioned(file, true) }
          const read = readVersionedInto(file, into, offset)
          if ('length' in read) offset += read.length
          return { ok: true, ...read }
        } catch (error) {
          return failure(error)
        }
      })
      return [{ ...base, ok: true, reads }, reads.flatMap((r) => (r.ok && 'bytes' in r ? [r.bytes] : []))]
    }
    if (job.op === 'fill-many') {
      const fills = job.items.map((item) => fillAndCheck(job.body, item, job.now, job.fsync))
      return [{ ...base, ok: true, fills }, []]
    }
    if (job.op === 'digest-many') {
      const digests = job.paths.map((file): DigestReply => {
        try {
          return { ok: true, sha256: digestOf(file) }
        } catch (error) {
          return failure(error)
        }
      })
      return [{ ...base, ok: true, digests }, []]
    }
    if (job.op === 'remove-many') return [{ ...base, ok: true, errors: removeAll(job) }, []]
    const upload = new Uint8Array(job.upload)
    const { created, filled } = fillJob(job.path, upload, job.keep, job.now, job.fsync)
    return [{ ...base, ok: true, created, filled }, []]
  } catch (error) {
    return [{ ...base, ...failure(error) }, []]
  }
}
