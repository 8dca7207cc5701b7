// The admin part of carbon serve's HTTP API (/admin/), off unless a token is configured: list the
// metrics with their sizes, read a whisper file under its flock, fill an uploaded file into the local
// one (the node's own points, in its file or its cache, win), delete a metric. The contract is
// /work/notes/ADMIN-API.md (README.md, "Admin API"). The daemon gives it narrow callbacks; the file
// work runs on a writer thread (admin-jobs.ts), never on the event loop.
// Every refusal happens before anything is touched: authentication first, then the name (no empty,
// `.`/`..` component, NUL or `/`, nothing whose real path leaves the data directory), then the size.

import { createHash, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import type { AdminJob, AdminJobReply } from './admin-jobs.js'
import { UPLOAD_PREFIX } from './admin-jobs.js'
import { compileGlob } from './glob.js'
import type { MetricIndex } from './index.js'
import { leafFile } from './index.js'
import type { CachedPoints } from './render.js'

export const ADMIN_PREFIX = '/admin'
/** --admin-max-upload's default: 256 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 << 20

export type Located = { ok: true; key: string; path: string } | { ok: false; reason: string }

/** What the daemon gives the admin API. */
export interface AdminOptions {
  token: string
  maxUploadBytes: number
  instance: string
  version: string
  /** The cache key and file of a metric name (tagged names as the daemon writes them), or why none. */
  locate(name: string): Located
  /** Forget the points held for a cache key once no write of it is under way: how many (resolved in that turn). */
  dropCached(key: string): Promise<number>
  /** Resolves once what the log holds so far (a delete's tombstone) survives a crash; no log: absent. */
  logged?: () => Promise<void>
  /** Run a file job on a writer thread. */
  runJob(job: AdminJob, transfer?: ArrayBuffer[]): Promise<AdminJobReply>
  /** fsync what a fill writes (carbon.conf's WHISPER_AUTOFLUSH). */
  fsync?: boolean
}

export interface AdminContext {
  dataDir: string
  index: MetricIndex
  cacheQuery: (key: string) => CachedPoints
  clock: () => number
  onError?: (message: string) => void
}

export type AdminHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
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

function fail(res: http.ServerResponse, status: number, message: string, close = false): void {
  json(res, status, { error: message.replace(/[\r\n]+/g, ' ') }, close)
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

/** How long the rest of a refused upload is read (and dropped) so that the client sees the answer. */
const DISCARD_MS = 2_000

/**
 * A refused upload's remaining bytes are read and dropped for a moment, then the connection is cut:
 * a client still sending would otherwise get a reset instead of the answer.
 */
function discard(req: http.IncomingMessage): void {
  const cut = setTimeout(() => req.socket.destroy(), DISCARD_MS)
  cut.unref()
  req.on('data', () => undefined)
  req.once('end', () => clearTimeout(cut))
  req.once('close', () => clearTimeout(cut))
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
async function staysInside(dataDir: string, file: string): Promise<boolean> {
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

/** The dotted name the index knows a file by (tagged files by their `_tagged` path). */
function indexName(dataDir: string, file: string): string {
  return path.relative(dataDir, file).slice(0, -'.wsp'.length).split(path.sep).join('.')
}

/** Remove leftovers of uploads a killed daemon did not get to remove (hidden files in the root). */
async function removeStaleUploads(dataDir: string): Promise<void> {
  const entries = await fs.promises.readdir(dataDir).catch(() => [])
  for (const entry of entries)
    if (entry.startsWith(UPLOAD_PREFIX)) await fs.promises.rm(path.join(dataDir, entry), { force: true })
}

export function adminHandler(options: AdminOptions, ctx: AdminContext): AdminHandler {
  const token = digest(options.token)
  const { dataDir } = ctx
  void removeStaleUploads(dataDir).catch((error: unknown) => ctx.onError?.(String(error)))

  const target = async (name: string | null): Promise<{ name: string; key: string; path: string }> => {
    const checked = checkName(name)
    const located = options.locate(checked)
    if (!located.ok) throw new AdminError(400, `bad name ${JSON.stringify(checked)}: ${located.reason}`)
    if (!(await staysInside(dataDir, located.path)))
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

  const readBody = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<Buffer | undefined> => {
    const limit = options.maxUploadBytes
    const tooBig = (): undefined => {
      fail(res, 413, `upload over ${limit} bytes (--admin-max-upload)`, true)
      discard(req)
      return undefined
    }
    if (Number(req.headers['content-length'] ?? 0) > limit) return tooBig()
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      const take = (chunk: Buffer): void => {
        size += chunk.length
        if (size <= limit) return void chunks.push(chunk)
        req.off('data', take)
        resolve(tooBig())
      }
      req.on('data', take)
      req.once('end', () => resolve(Buffer.concat(chunks)))
      req.once('error', reject)
    })
  }

  const list = async (res: http.ServerResponse, glob: string | null, gone: AbortSignal): Promise<void> => {
    let names: string[]
    try {
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
    const BATCH = 64
    for (let i = 0; i < names.length && !gone.aborted; i += BATCH) {
      const batch = names.slice(i, i + BATCH)
      const stats = await Promise.all(
        batch.map((name) => {
          const file = leafFile(dataDir, name)
          return file === undefined ? undefined : fs.promises.stat(file).catch(() => undefined)
        }),
      )
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
    const body = await readBody(req, res)
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

  const remove = async (res: http.ServerResponse, name: string | null): Promise<void> => {
    const metric = await target(name)
    const dropped = await options.dropCached(metric.key)
    // In the turn the points were dropped: no write of them can start before the file goes.
    let deleted = false
    try {
      fs.unlinkSync(metric.path)
      deleted = true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new AdminError(500, (error as Error).message)
    }
    if (deleted) {
      ctx.index.removeMetric(indexName(dataDir, metric.path))
      // Empty parent directories go too, up to the data directory (a writer makes them again if needed).
      for (
        let dir = path.dirname(metric.path);
        dir !== dataDir && isInside(dataDir, dir);
        dir = path.dirname(dir)
      ) {
        try {
          fs.rmdirSync(dir)
        } catch {
          break
        }
      }
    }
    // Answered once a crash cannot bring the metric back (its tombstone is in the log).
    await options.logged?.()
    if (!deleted && dropped === 0) throw new AdminError(404, `no such metric: ${metric.name}`)
    json(res, 200, { name: metric.name, deleted, droppedCachedPoints: dropped })
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
    '/admin/metric': { method: 'DELETE', run: (_req, res, query) => remove(res, query.get('name')) },
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
        // A refused upload is not read: the connection closes after the answer.
        const unread = req.method === 'POST' && !req.readableEnded
        fail(res, error.status, error.message, unread)
        if (unread) discard(req)
        return
      }
      if (gone.signal.aborted) return
      ctx.onError?.(`${req.url ?? ''}: ${(error as Error).message}`)
      if (!res.headersSent) fail(res, 500, 'internal error')
      else res.destroy()
    }
  }
}
