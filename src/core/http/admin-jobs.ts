// The admin API's file work, run on one of carbon serve's writer threads (persister-worker.ts hands
// `kind: 'admin'` messages here): reading a whole whisper file under its flock, and filling an
// uploaded file's points into a local one by `wsp fill`'s rules (whisper/fill.ts, the one
// implementation). The flock serialises both with the persister's writes to the same file, which
// take it too; the main thread never does this I/O.

import fs from 'node:fs'
import path from 'node:path'
import {
  CannotWriteError,
  CoreError,
  CorruptFileError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js'
import { create } from '../whisper/create.js'
import { lockFile, readSparse, withWhisperFile } from '../whisper/file.js'
import { fillFile } from '../whisper/fill.js'

/** The prefix of an upload's temporary file in the data directory's root (hidden: never indexed). */
export const UPLOAD_PREFIX = '.carbonkit-admin-upload-'

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
)

export type AdminJobReply = { kind: 'admin'; request: number } & (
  | { ok: true; bytes?: ArrayBuffer; created?: boolean; filled?: number }
  | { ok: false; status: number; message: string }
)

let uploads = 0

function readWhole(file: string): ArrayBuffer {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    throw fromOpen(error, file)
  }
  try {
    // Shared: the persister's writers take it exclusively, so no write is half done while we read.
    lockFile(fd, file, 'shared')
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) throw new InvalidArgumentError(`${file}: not a regular file`)
    const bytes = readSparse(fd, file, 0, stat.size)
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  } finally {
    fs.closeSync(fd)
  }
}

function fromOpen(error: unknown, file: string): unknown {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotFoundError(file, { cause: error })
  if (code === 'EISDIR') return new InvalidArgumentError(`${file}: is a directory, not a whisper file`)
  return error
}

function fillJob(job: Extract<AdminJob, { op: 'fill' }>): { created: boolean; filled: number } {
  uploads = (uploads + 1) % 1_000_000
  const uploadPath = path.join(
    job.dataDir,
    `${UPLOAD_PREFIX}${Date.now().toString(36)}-${uploads}-${Math.random().toString(36).slice(2, 10)}`,
  )
  fs.writeFileSync(uploadPath, new Uint8Array(job.upload), { flag: 'wx', mode: 0o600 })
  try {
    return withWhisperFile(uploadPath, { write: false, lock: false }, (source) => {
      const options = { now: job.now, keep: job.keep, fsync: job.fsync }
      const intoExisting = (): { created: boolean; filled: number } =>
        withWhisperFile(job.path, { write: true, lock: true }, (destination) => ({
          created: false,
          filled: fillFile(source, destination, options).filled,
        }))
      try {
        return intoExisting()
      } catch (error) {
        if (!(error instanceof NotFoundError) || error.path !== job.path) throw error
      }
      // Absent: created with the upload's layout and filled before it appears (link(2), no clobber).
      fs.mkdirSync(path.dirname(job.path), { recursive: true })
      const { header } = source
      let filled = 0
      try {
        create(
          job.path,
          header.archives.map((a) => [a.secondsPerPoint, a.points] as const),
          {
            xFilesFactor: header.xFilesFactor,
            aggregationMethod: header.aggregationMethod,
            sparse: true,
            fsync: job.fsync,
            initialize: (file) => (filled = fillFile(source, file, options).filled),
          },
        )
        return { created: true, filled }
      } catch (error) {
        // The persister created it meanwhile: its points stay, the upload fills the gaps.
        if (error instanceof CannotWriteError && /file exists/.test(error.message)) return intoExisting()
        throw error
      }
    })
  } catch (error) {
    if (error instanceof CorruptFileError && error.path === uploadPath)
      throw new InvalidArgumentError(`the upload is not a whisper file: ${error.reason}`)
    throw error
  } finally {
    fs.rmSync(uploadPath, { force: true })
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
    return [{ ...base, ok: true, ...fillJob(job) }, []]
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return [{ ...base, ok: false, status: error instanceof CoreError ? statusOf(error) : 500, message }, []]
  }
}
