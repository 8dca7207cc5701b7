// The admin part of carbon serve's HTTP API (/admin/), off unless a token is configured: list the
// metrics with their sizes, read a whisper file under its flock, fill an uploaded file into the local
// one (the node's own points, in its file or its cache, win), delete a metric. The contract is
// /work/notes/ADMIN-API.md (README.md, "Admin API"). The daemon gives it narrow callbacks; the file
// work runs on a writer thread (admin-jobs.ts), never on the event loop.
// The batch endpoints do the same for many metrics per request (what `carbon rebalance` uses: a
// request per metric and step cost more than the work): /admin/files streams many files in one
// answer, /admin/fills fills many uploads and answers each one's check against the file after the
// fill, /admin/delete deletes many, each only if its file still has the sha256 the client copied.
// Bodies and answers of files are frames (../protocol/file-frames.ts).
// Every refusal happens before anything is touched: authentication first, then the name (no empty,
// `.`/`..` component, NUL or `/`, nothing whose real path leaves the data directory), then the size;
// in a batch, every name and every size is checked before the first file is touched.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import { FrameError, decodeFrames, encodeFrameHead } from '../protocol/file-frames.js'
import type { AdminJob, AdminJobReply, FillItem } from './admin-jobs.js'
import { UPLOAD_PREFIX, statVersion } from './admin-jobs.js'
import { compileGlob } from './glob.js'
import type { MetricIndex } from './index.js'
import { leafFile } from './index.js'
import type { CachedPoints } from './render.js'
import { answerAfterBody, readBody } from './body.js'
import type { FileCopy } from './admin-client.js'
import { AdminClient } from './admin-client.js'
import { BytePool } from './byte-pool.js'

export const ADMIN_PREFIX = '/admin'
/** --admin-max-upload's default: 256 MiB (one upload, and one batch request's body). */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 << 20
/** Metrics in one batch request at most. */
export const MAX_BATCH_METRICS = 10_000
/** Files per writer-thread job of a batch, and such jobs under way at once per request. */
const CHUNK_FILES = 16
const CHUNKS_IN_FLIGHT = 2
/** A chunk's reused buffer at most: larger files are read into buffers of their own. */
const MAX_CHUNK_BYTES = 32 << 20

export type Located = { ok: true; key: string; path: string } | { ok: false; reason: string }

/** What the daemon gives the admin API. */
export interface AdminOptions {
  token: string
  maxUploadBytes: number
  instance: string
  version: string
  /** The cache key and file of a metric name (tagged names as the daemon writes them), or why none. */
  locate(name: string): Located
  /**
   * Forget the points held for each cache key once no write of it is under way: how many, per key
   * (resolved in the turn they were dropped, so the files can go in that turn too); `{ kept }` for a
   * key of `unlessCached` that has points held (none dropped: it changed since it was copied).
   */
  dropCached(
    keys: readonly string[],
    unlessCached?: readonly boolean[],
  ): Promise<(number | { kept: number })[]>
  /** Resolves once what the log holds so far (a delete's tombstone) survives a crash; no log: absent. */
  logged?: () => Promise<void>
  /** Run a file job on a writer thread. */
  runJob(job: AdminJob, transfer?: ArrayBuffer[]): Promise<AdminJobReply>
  /** fsync what a fill writes (carbon.conf's WHISPER_AUTOFLUSH). */
  fsync?: boolean
  /**
   * The nodes /admin/pull may read from (--admin-peer): their admin URLs, normalised by peerUrl.
   * The node sends its own token to them, so it never connects anywhere else.
   */
  peers?: readonly string[]
}

/** A peer's URL as compared: http(s), origin and path without a trailing slash, nothing else. */
export function peerUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '')
    return undefined
  if (url.search !== '' || url.hash !== '') return undefined
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export interface AdminContext {
  dataDir: string
  index: MetricIndex
  cacheQuery: (key: string) => CachedPoints
  clock: () => number
  onError?: (message: string) => void
}

interface DeleteAnswer {
  name: string
  deleted: boolean
  droppedCachedPoints: number
}

/** A conditional delete refused: the metric changed since the client copied it. */
interface ChangedAnswer {
  name: string
  deleted: false
  changed: true
  cachedPoints: number
}

export type AdminHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** More fields of the answer's JSON (a refused pull says `peer: false`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

function json(res: http.ServerResponse, status: number, value: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return
  const body = Buffer.from(`${JSON.stringify(value)}\n`)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': body.byteLength,
    'Cache-Control': 'no-cache',
    ...(close ? { Connection: 'close' } : {}),
  })
  res.end(body)
}

function fail(
  res: http.ServerResponse,
  status: number,
  message: string,
  close = false,
  extra: Record<string, unknown> = {},
): void {
  json(res, status, { error: message.replace(/[\r\n]+/g, ' '), ...extra }, close)
}

/** Whether the request is for /admin/ (then answered here or refused as disabled). */
export function isAdminPath(url: string | undefined): boolean {
  const pathname = (url ?? '/').split('?')[0]!
  return pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`)
}

/** The answer when the admin API is off: as if it did not exist. */
export function adminDisabled(req: http.IncomingMessage, res: http.ServerResponse): void {
  fail(res, 404, 'admin API disabled')
  req.resume()
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** 401 without a bearer token, 403 with a wrong one; compared in constant time. */
function authenticate(req: http.IncomingMessage, token: Buffer): void {
  const header = req.headers.authorization
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  if (!match) throw new AdminError(401, 'missing bearer token')
  if (!timingSafeEqual(digest(match[1]!), token)) throw new AdminError(403, 'wrong token')
}

/** The name's refusal (400) when it cannot be a metric inside the data directory. */
function checkName(name: string | null): string {
  if (name === null || name === '') throw new AdminError(400, 'missing name')
  if (name.includes('\0')) throw new AdminError(400, 'NUL in name')
  if (name.includes(';')) return name // tagged: the file is named by a hash of the name
  for (const part of name.split('.')) {
    if (part === '') throw new AdminError(400, `empty component in name: ${JSON.stringify(name)}`)
    if (part === '..' || part === '.' || part.includes('/'))
      throw new AdminError(400, `name escapes the data directory: ${JSON.stringify(name)}`)
  }
  return name
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * Whether `file`'s real path stays in the data directory: the deepest part of it that exists is
 * resolved (symbolic links included); a link that resolves nowhere is refused too.
 */
async function resolvesInside(dataDir: string, file: string): Promise<boolean> {
  const root = await fs.promises.realpath(dataDir)
  for (let at = file; ;) {
    try {
      return isInside(root, await fs.promises.realpath(at))
    } catch {
      // A dangling link exists but resolves nowhere: never followed.
      if ((await fs.promises.lstat(at).catch(() => undefined)) !== undefined) return false
    }
    const parent = path.dirname(at)
    if (parent === at || !isInside(dataDir, parent)) return false
    at = parent
  }
}

/** What a path is, without following it: a symbolic link, something else, nothing, or unknown. */
type Kind = 'link' | 'plain' | 'absent' | 'unknown'

/**
 * Synchronous: a name's directories were just listed or written, so their entries are in the
 * kernel's cache, and lstat(2) then takes a microsecond, where a promise's round trip through
 * libuv's pool cost the main thread about 20 (three per metric in a rebalance, on both nodes).
 */
function kindOf(at: string): Kind {
  try {
    const stat = fs.lstatSync(at, { throwIfNoEntry: false })
    return stat === undefined ? 'absent' : stat.isSymbolicLink() ? 'link' : 'plain'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'unknown'
  }
}

/** An absolute POSIX path with no `.`, `..` or empty component (`/` itself included). */
const plainAbsolute = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$|^\/$/
/** A non-empty relative POSIX path with no `.`, `..` or empty component. */
function plainRelative(relative: string): boolean {
  return relative !== '' && plainAbsolute.test(`/${relative}`)
}

/**
 * The paths from the data directory's first level down to `file` (`a`, `a/b`, `a/b/c.wsp` below it),
 * or false when `file` is not below it. Cut out of `file` as it is when both are plain absolute
 * paths (no `.`, `..` or empty component): path.relative and path.join per component cost more
 * than the lstat(2) calls themselves; normalised by them otherwise.
 */
function prefixesBelow(dataDir: string, file: string): string[] | false {
  const sep = path.sep
  const root = dataDir.length > 1 && dataDir.endsWith(sep) ? dataDir.slice(0, -1) : dataDir
  const base = root.endsWith(sep) ? root : root + sep
  if (
    path.sep === '/' &&
    plainAbsolute.test(root) &&
    file.startsWith(base) &&
    plainRelative(file.slice(base.length))
  ) {
    const prefixes: string[] = []
    for (let at = file.indexOf(sep, base.length); at >= 0; at = file.indexOf(sep, at + 1))
      prefixes.push(file.slice(0, at))
    prefixes.push(file)
    return prefixes
  }
  const relative = path.relative(dataDir, file)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false
  const prefixes: string[] = []
  let at = dataDir
  for (const part of relative.split(path.sep)) prefixes.push((at = path.join(at, part)))
  return prefixes
}

/**
 * Whether `file`'s real path stays in the data directory. Its path below the data directory has no
 * `.` or `..` component (checkName), so it can only leave through a symbolic link: each component
 * is looked at with lstat (the directories a batch shares once, through `seen`), and only a path
 * with a link in it (or one that cannot be looked at) is resolved whole. A realpath(3) per name
 * costs a readlink per component from the root: about 20 system calls a metric in a rebalance.
 */
async function staysInside(
  dataDir: string,
  file: string,
  seen: Map<string, Kind> = new Map(),
): Promise<boolean> {
  const prefixes = prefixesBelow(dataDir, file)
  if (prefixes === false) return false
  for (const at of prefixes) {
    let found = seen.get(at)
    if (!found) seen.set(at, (found = kindOf(at)))
    // Nothing below an absent part exists yet: what is created there is made as plain directories.
    if (found === 'absent') return true
    if (found !== 'plain') return resolvesInside(dataDir, file)
  }
  return true
}

/** The dotted name the index knows a file by (tagged files by their `_tagged` path). */
function indexName(dataDir: string, file: string): string {
  return path.relative(dataDir, file).slice(0, -'.wsp'.length).split(path.sep).join('.')
}

/**
 * Deleted metrics' files between their rename out of the tree and their unlink (hidden files in the
 * data directory's root: never indexed); a killed daemon's are removed at start.
 */
const DELETED_PREFIX = '.carbonkit-admin-deleted-'
/** Names of deleted files on their way out: this process's tag and a count. */
const deletedTag = randomBytes(6).toString('hex')
let deletedCount = 0

/** Remove leftovers of uploads and deletes a killed daemon did not get to remove (hidden files in the root). */
async function removeStaleUploads(dataDir: string): Promise<void> {
  const entries = await fs.promises.readdir(dataDir).catch(() => [])
  for (const entry of entries)
    if (entry.startsWith(UPLOAD_PREFIX) || entry.startsWith(DELETED_PREFIX))
      await fs.promises.rm(path.join(dataDir, entry), { force: true })
}

export function adminHandler(options: AdminOptions, ctx: AdminContext): AdminHandler {
  const token = digest(options.token)
  const { dataDir } = ctx
  void removeStaleUploads(dataDir).catch((error: unknown) => ctx.onError?.(String(error)))

  const target = async (
    name: string | null,
    seen?: Map<string, Kind>,
  ): Promise<{ name: string; key: string; path: string }> => {
    const checked = checkName(name)
    const located = options.locate(checked)
    if (!located.ok) throw new AdminError(400, `bad name ${JSON.stringify(checked)}: ${located.reason}`)
    if (!(await staysInside(dataDir, located.path, seen)))
      throw new AdminError(400, `name escapes the data directory: ${JSON.stringify(checked)}`)
    return { name: checked, key: located.key, path: located.path }
  }

  const job = async (work: AdminJob, transfer?: ArrayBuffer[]): Promise<AdminJobReply & { ok: true }> => {
    let reply: AdminJobReply
    try {
      reply = await options.runJob(work, transfer)
    } catch (error) {
      throw new AdminError(503, `no writer thread: ${(error as Error).message}`)
    }
    if (!reply.ok) throw new AdminError(reply.status, reply.message)
    return reply
  }

  /** The upload, or undefined when it is over --admin-max-upload (then answered 413 here). */
  const readUpload = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<Buffer | undefined> => {
    const body = await readBody(req, options.maxUploadBytes)
    if ('bytes' in body) return body.bytes
    fail(res, 413, `upload over ${options.maxUploadBytes} bytes (--admin-max-upload)`, body.cut)
    return undefined
  }

  const list = async (res: http.ServerResponse, glob: string | null, gone: AbortSignal): Promise<void> => {
    let names: string[]
    try {
      // Listed from the whole tree: until the first walk is done the index holds only part of it
      // (a rebalance started with the node would miss metrics).
      await ctx.index.untilComplete(gone)
      names =
        glob === null || glob === ''
          ? await ctx.index.allMetrics(gone)
          : (await ctx.index.find(compileGlob(glob), { signal: gone }))
              .filter((f) => f.isLeaf)
              .map((f) => f.path)
    } catch (error) {
      if (gone.aborted) return
      throw new AdminError(400, (error as Error).message)
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' })
    // stat(2) synchronously, a slice at a time with a turn of the event loop between: the tree was
    // just walked (its entries are in the kernel's cache), and a promise's round trip through libuv's
    // pool per metric cost the main thread many times the call itself.
    const BATCH = 256
    for (let i = 0; i < names.length && !gone.aborted; i += BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve))
      const batch = names.slice(i, i + BATCH)
      const stats = batch.map((name) => {
        const file = leafFile(dataDir, name)
        try {
          return file === undefined ? undefined : fs.statSync(file, { throwIfNoEntry: false })
        } catch {
          return undefined
        }
      })
      let lines = ''
      batch.forEach((name, k) => {
        const stat = stats[k]
        // A file removed since it was indexed is not listed.
        if (stat?.isFile())
          lines += `${JSON.stringify({ name, bytes: stat.size, mtime: Math.floor(stat.mtimeMs / 1000) })}\n`
      })
      if (lines !== '' && !res.write(lines))
        await new Promise((resolve) => {
          res.once('drain', resolve)
          res.once('close', resolve)
        })
    }
    res.end()
  }

  const readFile = async (res: http.ServerResponse, name: string | null): Promise<void> => {
    const metric = await target(name)
    const cached = ctx.cacheQuery(metric.key).length
    let reply: AdminJobReply & { ok: true }
    try {
      reply = await job({ kind: 'admin', request: 0, op: 'read', path: metric.path })
    } catch (error) {
      if (error instanceof AdminError && error.status === 404)
        throw new AdminError(404, `no such metric: ${metric.name}`)
      throw error
    }
    const bytes = Buffer.from(reply.bytes!)
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': bytes.byteLength,
      'Cache-Control': 'no-cache',
      'X-Carbonkit-Cached-Points': cached,
    })
    res.end(bytes)
  }

  const fillFrom = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    name: string | null,
  ): Promise<void> => {
    const metric = await target(name)
    const body = await readUpload(req, res)
    if (body === undefined) return
    // The node's own points win: those still in its cache (and so in its log) are kept out of the fill.
    const keep = Float64Array.from(ctx.cacheQuery(metric.key), ([timestamp]) => timestamp)
    // Moved to the writer thread, not copied, when the body owns its whole buffer (a large upload does).
    const upload = (
      body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
        ? body.buffer
        : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
    ) as ArrayBuffer
    const reply = await job(
      {
        kind: 'admin',
        request: 0,
        op: 'fill',
        path: metric.path,
        dataDir,
        upload,
        keep,
        now: Math.floor(ctx.clock()),
        fsync: options.fsync ?? false,
      },
      [upload],
    )
    if (reply.created) ctx.index.addMetric(indexName(dataDir, metric.path))
    json(res, 200, { name: metric.name, created: reply.created === true, filled: reply.filled ?? 0 })
  }

  /**
   * Delete metrics: their cached points dropped, then their files removed in that same turn (no write
   * of them can start in between), answered once a crash cannot bring them back (their tombstones in
   * the log). An answer per metric, or the AdminError it met.
   * `unlinked`: the answer also waits for the files' unlinks (else they go on afterwards: the files
   * are out of the tree already, under hidden names a restart removes); it always waits for the
   * removal of the directories the delete emptied.
   */
  const removeAll = async (
    metrics: readonly { name: string; key: string; path: string }[],
    unlessCached?: readonly boolean[],
    /** Per metric, a status version (admin-jobs.ts versionOf) its file must still have. */
    statVersions?: readonly (string | undefined)[],
    unlinked = true,
  ): Promise<(DeleteAnswer | ChangedAnswer | AdminError)[]> => {
    const dropped = await options.dropCached(
      metrics.map((m) => m.key),
      unlessCached,
    )
    // Moved out of the tree in this turn (a rename is quick), unlinked together afterwards: an
    // unlink that frees a file's blocks takes milliseconds, and many at once cost about one.
    const going: string[] = []
    const emptied = new Set<string>()
    const answers = metrics.map((metric, k): DeleteAnswer | ChangedAnswer | AdminError => {
      const count = dropped[k]!
      if (typeof count !== 'number')
        return { name: metric.name, deleted: false, changed: true, cachedPoints: count.kept }
      // Compared in the drop's turn: no write of the metric is under way, none can start before the
      // file is gone. An absent file is answered below.
      const version = statVersions?.[k]
      if (version !== undefined) {
        const stat = fs.statSync(metric.path, { bigint: true, throwIfNoEntry: false })
        if (stat !== undefined && statVersion(stat) !== version)
          return { name: metric.name, deleted: false, changed: true, cachedPoints: 0 }
      }
      let deleted = false
      try {
        const away = path.join(dataDir, `${DELETED_PREFIX}${deletedTag}-${deletedCount++}`)
        try {
          fs.renameSync(metric.path, away)
          going.push(away)
        } catch (error) {
          // Another file system under the data directory: removed where it is.
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
          fs.unlinkSync(metric.path)
        }
        deleted = true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          return new AdminError(500, (error as Error).message)
      }
      if (deleted) {
        ctx.index.removeMetric(indexName(dataDir, metric.path))
        emptied.add(path.dirname(metric.path))
      }
      if (!deleted && count === 0) return new AdminError(404, `no such metric: ${metric.name}`)
      return { name: metric.name, deleted, droppedCachedPoints: count }
    })
    // Unlinked, and the empty parent directories removed up to the data directory (a writer makes
    // them again if needed), in one job on a writer thread (admin-jobs.ts removeAll); without one
    // (the daemon stopping), here off the event loop. A batch's files (`unlinked` false) are
    // unlinked in libuv's pool instead, a few at once, the answer not waiting: an unlink that frees
    // a file's blocks can wait for the disk (a discard: 0.4 to 1.5 ms a file here), and a
    // rebalance's deletes, one after the other on a writer thread, held up the reads of the next
    // batches queued behind them there.
    const files = unlinked ? going : []
    if (!unlinked && going.length > 0) void removeHere(going, new Set())
    const removing =
      files.length === 0 && emptied.size === 0
        ? Promise.resolve()
        : options
            .runJob({
              kind: 'admin',
              request: 0,
              op: 'remove-many',
              files,
              dirs: [...emptied],
              root: dataDir,
            })
            .then(
              async (reply) => {
                if (!reply.ok) return removeHere(files, emptied)
                for (const error of reply.errors ?? []) ctx.onError?.(error)
              },
              () => removeHere(files, emptied),
            )
    await Promise.all([options.logged?.(), removing])
    return answers
  }

  const removeHere = async (going: readonly string[], emptied: ReadonlySet<string>): Promise<void> => {
    await Promise.all([
      ...going.map((file) =>
        fs.promises.unlink(file).catch((error: unknown) => ctx.onError?.(`${file}: ${String(error)}`)),
      ),
      // Each once, one after the other (two emptied siblings: the second one's rmdir of their
      // parent works); most are not empty: a failed rmdir ends the climb.
      (async () => {
        for (const first of emptied)
          for (let dir = first; dir !== dataDir && isInside(dataDir, dir); dir = path.dirname(dir)) {
            try {
              await fs.promises.rmdir(dir)
            } catch {
              break
            }
          }
      })(),
    ])
  }

  const remove = async (metric: { name: string; key: string; path: string }): Promise<DeleteAnswer> => {
    const [answer] = await removeAll([metric])
    if (answer instanceof AdminError) throw answer
    return answer as DeleteAnswer
  }

  /**
   * A batch request's JSON body: a list under `field`, each entry checked by `entry`, and the body's
   * other fields (a pull's `from`).
   */
  const readBatch = async <T>(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    field: string,
    entry: (value: unknown) => T,
  ): Promise<{ list: T[]; fields: Record<string, unknown> } | undefined> => {
    const body = await readUpload(req, res)
    if (body === undefined) return undefined
    let fields: Record<string, unknown>
    let list: unknown
    try {
      fields = JSON.parse(body.toString('utf8')) as Record<string, unknown>
      list = fields[field]
    } catch {
      throw new AdminError(400, 'the body is not JSON')
    }
    if (!Array.isArray(list)) throw new AdminError(400, `the body has no list "${field}"`)
    if (list.length > MAX_BATCH_METRICS)
      throw new AdminError(413, `over ${MAX_BATCH_METRICS} metrics in one request`)
    return { list: list.map(entry), fields }
  }

  const readList = async <T>(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    field: string,
    entry: (value: unknown) => T,
  ): Promise<T[] | undefined> => (await readBatch(req, res, field, entry))?.list

  const targets = (
    names: readonly (string | null)[],
  ): Promise<{ name: string; key: string; path: string }[]> => {
    // The batch's directories are looked at once (a batch's metrics share most of their parents).
    const seen = new Map<string, Kind>()
    return Promise.all(names.map((name) => target(name, seen)))
  }

  /** `run` over chunks of `items`, a few at once, each chunk's results handed to `emit` in order. */
  const inChunks = async <T, R>(
    items: readonly T[],
    run: (chunk: T[]) => Promise<R[]>,
    emit: (results: R[], chunk: T[]) => Promise<void> | void,
  ): Promise<void> => {
    const chunks: T[][] = []
    for (let i = 0; i < items.length; i += CHUNK_FILES) chunks.push(items.slice(i, i + CHUNK_FILES))
    const pending: Promise<R[]>[] = []
    let next = 0
    const start = (): void => {
      if (next < chunks.length) pending.push(run(chunks[next++]!))
    }
    for (let k = 0; k < CHUNKS_IN_FLIGHT; k++) start()
    for (let k = 0; k < chunks.length; k++) {
      const results = await pending[k]!
      start()
      await emit(results, chunks[k]!)
    }
  }

  const readFiles = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    gone: AbortSignal,
  ): Promise<void> => {
    const names = await readList(req, res, 'names', (value) => (typeof value === 'string' ? value : null))
    if (names === undefined) return
    const metrics = await targets(names)
    res.writeHead(200, { 'Content-Type': 'application/x-carbonkit-frames', 'Cache-Control': 'no-cache' })
    await inChunks(
      metrics,
      async (chunk) => {
        // Taken before the read: a point cached now is either in the bytes or counted here.
        const cached = chunk.map((metric) => ctx.cacheQuery(metric.key).length)
        // The files are read into a reused buffer (a file too large for it gets its own).
        const into = reading.take(readChunkBytes)
        const reply = await job({
          kind: 'admin',
          request: 0,
          op: 'read-many',
          paths: chunk.map((m) => m.path),
          into,
        })
        const reads = reply.reads!
        // The largest chunk so far (a batch's last, short chunk does not shrink the next buffers).
        readChunkBytes = Math.min(
          MAX_CHUNK_BYTES,
          Math.max(
            readChunkBytes,
            reads.reduce(
              (sum, read) => sum + (!read.ok ? 0 : 'bytes' in read ? read.bytes.byteLength : read.length),
              0,
            ),
          ),
        )
        return reads.map((read, k) => ({ read, cachedPoints: cached[k]!, into }))
      },
      async (results, chunk) => {
        const into = results[0]?.into
        if (gone.aborted) {
          if (into) reading.give(into)
          return
        }
        // Written piece by piece (corked into few writes), never concatenated: no copy of the files.
        res.cork()
        let room = true
        // The buffer is reused once the socket has taken its last bytes (a failed write: it is
        // left to the collector).
        let last = -1
        results.forEach(({ read }, k) => {
          if (read.ok && !('bytes' in read)) last = k
        })
        if (into && last < 0) reading.give(into)
        results.forEach(({ read, cachedPoints }, k) => {
          const name = chunk[k]!.name
          if (read.ok) {
            const bytes =
              'bytes' in read ? new Uint8Array(read.bytes) : new Uint8Array(into!, read.offset, read.length)
            res.write(
              encodeFrameHead({
                name,
                status: 200,
                bytes: bytes.byteLength,
                cachedPoints,
                version: read.version,
              }),
            )
            room = k === last ? res.write(bytes, (error) => error ?? reading.give(into!)) : res.write(bytes)
          } else {
            const error = read.status === 404 ? `no such metric: ${name}` : read.message
            room = res.write(encodeFrameHead({ name, status: read.status, error, cachedPoints }))
          }
        })
        res.uncork()
        if (!room)
          await new Promise((resolve) => {
            res.once('drain', resolve)
            res.once('close', resolve)
          })
      },
    )
    res.end()
  }

  /**
   * Fill each metric with its upload, a view of `body` (moved to the writer thread, not copied): one
   * writer-thread job for the whole batch (a client keeps several batches in flight, which spreads
   * them over the writer threads). The node's own points win: those still in its cache (and so in its
   * log) are kept out of the fill. An answer per metric, in order.
   */
  const fillUploads = async (
    body: Buffer,
    metrics: readonly { name: string; key: string; path: string }[],
    uploads: readonly Buffer[],
  ): Promise<Record<string, unknown>[]> => {
    // A pool's shared buffer is read where it lies (the caller takes it back after the job); any
    // other is moved to the writer thread, not copied, when the body owns it whole.
    const shared = body.buffer instanceof SharedArrayBuffer
    const buffer =
      shared || (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength)
        ? body.buffer
        : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
    const shift = buffer === body.buffer ? 0 : body.byteOffset
    const items: FillItem[] = metrics.map((metric, k) => ({
      path: metric.path,
      offset: uploads[k]!.byteOffset - shift,
      length: uploads[k]!.byteLength,
      keep: Float64Array.from(ctx.cacheQuery(metric.key), ([timestamp]) => timestamp),
    }))
    const reply = await job(
      {
        kind: 'admin',
        request: 0,
        op: 'fill-many',
        body: buffer,
        items,
        now: Math.floor(ctx.clock()),
        fsync: options.fsync ?? false,
      },
      buffer instanceof SharedArrayBuffer ? [] : [buffer],
    )
    return reply.fills!.map((fill, k) => {
      const { name, path: file } = metrics[k]!
      if (!fill.ok) return { name, status: fill.status, error: fill.message }
      if (fill.created) ctx.index.addMetric(indexName(dataDir, file))
      const { created, filled, now, checked, missing, examples } = fill
      return { name, created, filled, now, checked, missing, examples }
    })
  }

  const fillMany = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readUpload(req, res)
    if (body === undefined) return
    let frames
    try {
      frames = decodeFrames(body)
    } catch (error) {
      if (error instanceof FrameError) throw new AdminError(400, error.message)
      throw error
    }
    if (frames.length > MAX_BATCH_METRICS)
      throw new AdminError(413, `over ${MAX_BATCH_METRICS} metrics in one request`)
    const metrics = await targets(frames.map((f) => f.header.name))
    const answers = await fillUploads(
      body,
      metrics,
      frames.map((f) => f.body),
    )
    json(res, 200, { results: answers })
  }

  /** The configured peers (--admin-peer), and a client for each one asked (kept: its connections are reused). */
  const peers = new Set((options.peers ?? []).flatMap((p) => peerUrl(p) ?? []))
  const peerClients = new Map<string, AdminClient>()
  /**
   * The buffers /admin/files reads chunks of files into (2 chunks in flight per request, carbon
   * rebalance's 4 batches), and the largest chunk's bytes so far.
   */
  const reading = new BytePool(8)
  let readChunkBytes = 0
  /** The bodies of pulls: a few in flight at once (carbon rebalance keeps 4 batches going). */
  const pulled = new BytePool(4)

  /**
   * Fill metrics straight from a peer node (what `carbon rebalance` asks a new home to do, so that it
   * does not relay every byte): the peer's files read in one /admin/files request with this node's
   * token, then filled as /admin/fills fills uploads. Only from a peer the operator configured (the
   * token goes to it); every name is checked before the peer is asked.
   */
  const pull = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const batch = await readBatch(req, res, 'names', (value) => (typeof value === 'string' ? value : null))
    if (batch === undefined) return
    const from = batch.fields.from
    if (typeof from !== 'string') throw new AdminError(400, 'the body has no "from" (the peer\'s admin URL)')
    const metrics = await targets(batch.list)
    const peer = peerUrl(from)
    if (peer === undefined || !peers.has(peer))
      throw new AdminError(
        403,
        `not a peer of this node: ${JSON.stringify(from)} (carbon serve --admin-peer)`,
        { peer: false },
      )
    let client = peerClients.get(peer)
    if (!client)
      peerClients.set(
        peer,
        (client = new AdminClient({
          url: peer,
          label: peer,
          token: options.token,
          maxAnswerBytes: options.maxUploadBytes,
        })),
      )
    let read: Awaited<ReturnType<AdminClient['getFilesBody']>>
    try {
      read = await client.getFilesBody(
        metrics.map((m) => m.name),
        pulled,
      )
    } catch (error) {
      throw new AdminError(502, (error as Error).message)
    }
    try {
      await fillPulled(res, peer, metrics, read)
    } finally {
      // Given back only after the fill's job answered: the writer thread read the files in it.
      if (read.shared) pulled.give(read.shared)
    }
  }

  const fillPulled = async (
    res: http.ServerResponse,
    peer: string,
    metrics: readonly { name: string; key: string; path: string }[],
    read: Awaited<ReturnType<AdminClient['getFilesBody']>>,
  ): Promise<void> => {
    const answers: Record<string, unknown>[] = new Array<Record<string, unknown>>(metrics.length)
    const filling: number[] = []
    metrics.forEach((metric, k) => {
      const file = read.files.get(metric.name)!
      if (file === null) answers[k] = { name: metric.name, status: 404, absent: true }
      else if ('error' in file)
        answers[k] = { name: metric.name, status: 502, error: `${peer}: ${file.error}` }
      else filling.push(k)
    })
    if (filling.length > 0) {
      const copies = filling.map((k) => read.files.get(metrics[k]!.name) as FileCopy)
      // Taken before the fill: the body is moved to the writer thread (its views are then empty).
      const named = copies.map((copy) => ({
        bytes: copy.bytes.byteLength,
        cachedPoints: copy.cachedPoints,
        // What the client deletes the source by: the peer's name for the bytes, else their digest.
        ...(copy.version !== undefined
          ? { version: copy.version }
          : { sha256: createHash('sha256').update(copy.bytes).digest('hex') }),
      }))
      const filled = await fillUploads(
        read.body,
        filling.map((k) => metrics[k]!),
        copies.map((c) => c.bytes),
      )
      filled.forEach((answer, n) => {
        answers[filling[n]!] = answer.error !== undefined ? answer : { ...answer, ...named[n]! }
      })
    }
    json(res, 200, { results: answers })
  }

  const removeMany = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const entries = await readList(req, res, 'metrics', (value) => {
      const entry = (value ?? {}) as { name?: unknown; sha256?: unknown; version?: unknown }
      const version = typeof entry.version === 'string' ? entry.version : undefined
      if (version !== undefined && !/^(stat|sha256):/.test(version))
        throw new AdminError(400, `not a version /admin/files gave: ${JSON.stringify(version)}`)
      // A version that is a digest is checked as a sha256 is; one of the file's status, without reading it.
      const sha256 = version?.startsWith('sha256:')
        ? version.slice('sha256:'.length)
        : typeof entry.sha256 === 'string'
          ? entry.sha256
          : undefined
      return {
        name: typeof entry.name === 'string' ? entry.name : null,
        sha256,
        stat: version?.startsWith('stat:') ? version : undefined,
      }
    })
    if (entries === undefined) return
    const metrics = await targets(entries.map((e) => e.name))
    const answers: unknown[] = []
    await inChunks(
      metrics.map((metric, k) => ({ metric, sha256: entries[k]!.sha256, stat: entries[k]!.stat })),
      async (chunk) => {
        const checked = chunk.filter((c) => c.sha256 !== undefined)
        if (checked.length === 0) return chunk.map(() => undefined)
        const reply = await job({
          kind: 'admin',
          request: 0,
          op: 'digest-many',
          paths: checked.map((c) => c.metric.path),
        })
        const digests = new Map(checked.map((c, k) => [c, reply.digests![k]!]))
        return chunk.map((c) => digests.get(c))
      },
      async (digests, chunk) => {
        const going: (typeof chunk)[number]['metric'][] = []
        const conditional: boolean[] = []
        const statVersions: (string | undefined)[] = []
        const at: number[] = []
        for (let k = 0; k < chunk.length; k++) {
          const { metric, sha256, stat } = chunk[k]!
          const digest = digests[k]
          const { name } = metric
          if (digest !== undefined) {
            if (!digest.ok) {
              answers.push({ name, status: digest.status, error: digest.message })
              continue
            }
            // Only the file the client copied and checked goes: a point written or cached since keeps it.
            const cached = ctx.cacheQuery(metric.key).length
            if (digest.sha256 === null && cached === 0) {
              answers.push({ name, status: 404, error: `no such metric: ${name}` })
              continue
            }
            if (digest.sha256 !== sha256 || cached > 0) {
              answers.push({ name, deleted: false, changed: true, cachedPoints: cached })
              continue
            }
          }
          answers.push(undefined)
          going.push(metric)
          conditional.push(digest !== undefined || stat !== undefined)
          statVersions.push(stat)
          at.push(answers.length - 1)
        }
        // One drop, one log barrier for the chunk's deletions.
        // A point cached since the check above keeps the metric (checked again in the drop's turn).
        const removed = await removeAll(going, conditional, statVersions, false)
        removed.forEach((answer, k) => {
          answers[at[k]!] =
            answer instanceof AdminError
              ? { name: going[k]!.name, status: answer.status, error: answer.message }
              : answer
        })
      },
    )
    json(res, 200, { results: answers })
  }

  const ROUTES: Record<
    string,
    {
      method: string
      run: (
        req: http.IncomingMessage,
        res: http.ServerResponse,
        query: URLSearchParams,
        gone: AbortSignal,
      ) => Promise<void>
    }
  > = {
    '/admin/metrics': { method: 'GET', run: (_req, res, query, gone) => list(res, query.get('glob'), gone) },
    '/admin/file': { method: 'GET', run: (_req, res, query) => readFile(res, query.get('name')) },
    '/admin/fill': { method: 'POST', run: (req, res, query) => fillFrom(req, res, query.get('name')) },
    '/admin/metric': {
      method: 'DELETE',
      run: async (_req, res, query) => json(res, 200, await remove(await target(query.get('name')))),
    },
    '/admin/files': { method: 'POST', run: (req, res, _query, gone) => readFiles(req, res, gone) },
    '/admin/fills': { method: 'POST', run: (req, res) => fillMany(req, res) },
    '/admin/pull': { method: 'POST', run: (req, res) => pull(req, res) },
    '/admin/delete': { method: 'POST', run: (req, res) => removeMany(req, res) },
    '/admin/info': {
      method: 'GET',
      run: async (_req, res) =>
        json(res, 200, { dataDir, instance: options.instance, version: options.version }),
    },
  }

  return async (req, res) => {
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    try {
      authenticate(req, token)
      const url = new URL(req.url ?? '/', 'http://admin')
      const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname
      const route = ROUTES[pathname]
      if (!route) throw new AdminError(404, `no such endpoint: ${pathname}`)
      if (req.method !== route.method) {
        res.setHeader('Allow', route.method)
        throw new AdminError(405, `${pathname} takes ${route.method}`)
      }
      // Only a fill reads a body; any other is not wanted (and not kept).
      if (route.method !== 'POST') req.resume()
      await route.run(req, res, url.searchParams, gone.signal)
    } catch (error) {
      if (error instanceof AdminError) {
        // A refused upload's rest is read and dropped first: the client sees the answer.
        answerAfterBody(req, (cut) => fail(res, error.status, error.message, cut, error.extra))
        return
      }
      if (gone.signal.aborted) return
      ctx.onError?.(`${req.url ?? ''}: ${(error as Error).message}`)
      if (!res.headersSent) fail(res, 500, 'internal error')
      else res.destroy()
    }
  }
}
