// The HTTP listener (node:http) of the read API. Both `/x/` and `/x` are served, never redirected.
// Every request has a deadline and is stopped when its client goes away; bodies beyond
// maxBodyBytes are refused (413) once read and dropped (./body.ts); slow clients are cut by the server's
// header and request timeouts. Input never yields a 500: bad parameters are a 400 with one line.

import { setMaxListeners } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import v8 from 'node:v8'
import { UnavailableError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import { adminDisabled, adminHandler, isAdminPath } from './admin.js'
import type { Answer, ApiContext, HttpLimits } from './api.js'
import { readBody } from './body.js'
import {
  DEFAULT_LIMITS,
  GRAPHITE_VERSION,
  HttpError,
  capabilities,
  expandView,
  find,
  info,
  findKeyOf,
  ok,
  metricIndex,
  metricList,
  render,
} from './api.js'
import { CONTENT_TYPES } from './formats.js'
import {
  autoCompleteTags,
  autoCompleteValues,
  findSeries,
  functionDetailsView,
  functionsView,
  tagDetails,
  tagList,
} from './grafana.js'
import { keptFindNow } from './find.js'
import { MetricIndex } from './index.js'
import { ReadPool } from './pool.js'
import type { CachedPoints } from './render.js'
import type { ParsedRequest } from './request.js'
import { parseRequest } from './request.js'

export interface HttpApiOptions {
  interface: string
  /** 0 picks a free port. */
  port: number
  dataDir: string
  /** Points held for a metric, in flight to a writer included (the daemon's cache). */
  cacheQuery?: (name: string) => CachedPoints
  /** Epoch seconds. */
  clock?: () => number
  limits?: Partial<HttpLimits>
  /** Seconds between walks of the data directory for files others created or removed; 0: never. */
  refreshSeconds?: number
  /** The name in /_internal/capabilities/. */
  hostname?: string
  /** A request that failed for a reason that is not the client's (a bug): reported, answered 500. */
  onError?: (message: string) => void
  /** Threads that read files and encode answers; 0: in-process. Default: the CPUs, at most 4. */
  readThreads?: number
  /** The read thread's script (worker.ts); found beside this module (or the bundle) by default. */
  workerUrl?: URL
  /**
   * Added to the read threads' nice value on Linux (default 10): when the CPUs are busy, the
   * receivers and writers go first and reads wait.
   */
  readNice?: number
  /** The admin API (/admin/, admin.ts); without it every /admin/ path is a 404. */
  admin?: AdminOptions
  /**
   * A walk of the data directory has finished and its tree replaced the index's: the old tree is
   * garbage (the daemon gives its memory back after a churn of names, see daemon.ts).
   */
  onWalked?: () => void
}

/** worker.ts as built beside this module, or as bundled beside bin/carbon's bundle. */
function defaultWorkerUrl(): URL | undefined {
  for (const candidate of ['./http-worker.cjs', './worker.js']) {
    const url = new URL(candidate, import.meta.url)
    if (fs.existsSync(url)) return url
  }
  return undefined
}

export interface HttpApi {
  address: AddressInfo
  index: MetricIndex
  /** A file the daemon created: its metric is found from now on. */
  addMetric(name: string): void
  /** A file the daemon wrote: the interval a find gives for it is read again. */
  metricWritten(name: string): void
  close(): Promise<void>
}

type Handler = (ctx: ApiContext, request: ParsedRequest, signal: AbortSignal) => Answer | Promise<Answer>

const ROUTES: Record<string, Handler> = {
  '/metrics/find': find,
  '/metrics/expand': expandView,
  '/metrics/index.json': metricIndex,
  '/metrics/list': metricList,
  '/render': render,
  '/info': info,
  '/_internal/capabilities': capabilities,
  '/version': () => ({ status: 200, contentType: CONTENT_TYPES.text, body: `${GRAPHITE_VERSION}\n` }),
  '/functions': functionsView,
  '/tags/autoComplete/tags': autoCompleteTags,
  '/tags/autoComplete/values': autoCompleteValues,
  '/tags': tagList,
  '/tags/findSeries': findSeries,
}

/** Routes with a name in the path: /functions/<name>, /tags/<tag>. */
function routeOf(path: string): Handler | undefined {
  if (ROUTES[path]) return ROUTES[path]
  if (path.startsWith('/functions/')) return functionDetailsView
  if (path.startsWith('/tags/')) return tagDetails
  return undefined
}

const NO_BODY = Buffer.alloc(0)

/** Raw URLs (with their Accept header) of finds answered, each with its find key (findKeyOf). */
const FIND_URLS = 4_096

/** A find's raw URL with its Accept header (carbonapi's protobuf and a browser's JSON differ). */
function rawFindUrl(req: http.IncomingMessage): string {
  const accept = req.headers.accept
  return accept === undefined ? req.url! : `${req.url!}\n${accept}`
}

/** `sent`: told once the body is handed to the kernel (its buffer may be written again). */
function send(res: http.ServerResponse, answer: Answer, sent?: (body: Uint8Array) => void): void {
  if (res.headersSent || res.destroyed) return
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body
  // Ready-made as an array: no object for node:http to walk, no header names to check.
  res.writeHead(answer.status, [
    'Content-Type',
    answer.contentType,
    'Content-Length',
    String(body.byteLength),
    'Cache-Control',
    'no-cache',
  ])
  res.end(body, sent && (() => sent(body)))
}

function refuse(res: http.ServerResponse, status: number, message: string, close = false): void {
  if (close) res.setHeader('Connection', 'close')
  send(res, { status, contentType: CONTENT_TYPES.text, body: `${message.replace(/[\r\n]+/g, ' ')}\n` })
}

/**
 * The process's young generations are scavenged by the thread that fills them, alone. A request
 * to the read API leaves about 8 KB of short-lived objects (node:http's), so a busy listener
 * scavenges 8 times a second; V8's parallel scavenge hands part of each to helper threads and waits
 * for them, and when the CPUs are busy (the clients, the receivers, the writers) a helper waits
 * for a CPU while the event loop waits for it. Measured on 2 busy cores (find under wrk, 10 s):
 * scavenges of 0.5 ms median, 3 ms p90, up to 44 ms, 100-140 ms in all; alone 0.26 ms, 0.55 ms,
 * at most 4 ms, 33 ms in all, and less CPU per request. A young generation of a few MB has little
 * to share out. Process-wide, once (V8 reads the flag at each scavenge).
 */
function scavengeAlone(): void {
  try {
    v8.setFlagsFromString('--no-parallel-scavenge')
  } catch {
    // A V8 that refuses flags at run time keeps its own.
  }
}

/** Start listening; the index is built in the background from here. */
export function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  scavengeAlone()
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const clock = options.clock ?? (() => Date.now() / 1000)
  const index = new MetricIndex(options.dataDir)
  const reads = new ReadPool(
    options.workerUrl ?? defaultWorkerUrl(),
    options.readThreads ?? Math.min(4, os.availableParallelism()),
    (message) => options.onError?.(message),
    options.readNice ?? 10,
  )
  const ctx: ApiContext = {
    reads,
    index,
    dataDir: options.dataDir,
    cacheQuery: options.cacheQuery ?? (() => []),
    clock,
    limits,
    hostname: options.hostname ?? 'carbonkit',
  }
  const closing = new AbortController()
  // Each request in flight listens on it (removed when answered): no limit, no leak warning.
  setMaxListeners(0, closing.signal)
  const admin = options.admin && adminHandler(options.admin, { ...ctx, onError: options.onError })

  // A find asked again is most of what a frontend asks (every dashboard refresh asks the same
  // globs): its raw URL and Accept header name its find key, so a find whose kept answer holds is
  // answered before the URL is parsed again (the same parse, the same key: findKeyOf is pure).
  const findUrls = new Map<string, string>()
  const fastFind = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const headers = req.headers
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false
    const key = findUrls.get(rawFindUrl(req))
    if (key === undefined || !index.complete) return false
    const kept = keptFindNow(ctx, key, Math.floor(clock()))
    if (kept === undefined) return false
    send(res, ok(kept))
    return true
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (isAdminPath(req.url)) return admin ? admin(req, res) : adminDisabled(req, res)
    let body: Buffer = NO_BODY
    // Without a length or chunks, a request has no body (RFC 9112 6.3): nothing to wait for.
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) {
      const read = await readBody(req, limits.maxBodyBytes)
      if (!('bytes' in read))
        return refuse(res, 413, `request body over ${limits.maxBodyBytes} bytes`, read.cut)
      body = read.bytes
    }
    let request: ParsedRequest
    try {
      request = parseRequest(req.url ?? '/', req.headers, body)
    } catch (error) {
      refuse(res, 400, (error as Error).message)
      return
    }
    const route = routeOf(request.path)
    if (!route) {
      refuse(res, 404, `no such endpoint: ${request.path}`)
      return
    }
    if (route === find && body.length === 0) {
      // Its raw URL remembered for fastFind (a bad one too: then it has no key).
      const key = findKeyOf(request)
      if (key !== undefined) {
        if (findUrls.size >= FIND_URLS) findUrls.clear()
        findUrls.set(rawFindUrl(req), key)
        // A find asked again whose kept answer holds: its bytes sent at once (find.ts).
        if (index.complete) {
          const kept = keptFindNow(ctx, key, Math.floor(clock()))
          if (kept !== undefined) return send(res, ok(kept))
        }
      }
    }
    // The index is complete before anything is answered from it (bounded by the deadline).
    // One controller per request, aborted by the deadline, the daemon closing or the client going
    // away (AbortSignal.any and AbortSignal.timeout cost more than a find of 1,000 leaves).
    const stop = new AbortController()
    const signal = stop.signal
    let gone = false
    const deadline = setTimeout(() => stop.abort(new Error('deadline')), limits.deadlineMs)
    const onClosing = (): void => stop.abort(new Error('closing'))
    closing.signal.addEventListener('abort', onClosing, { once: true })
    res.on('close', () => {
      gone = true
      stop.abort(new Error('client gone'))
    })
    try {
      await index.untilComplete(signal)
      send(res, await route(ctx, request, signal), (body) => reads.sent(body))
    } catch (error) {
      if (error instanceof HttpError) refuse(res, error.status, error.message)
      else if (gone) res.destroy()
      else if (signal.aborted) refuse(res, 503, `deadline of ${limits.deadlineMs} ms exceeded`)
      else {
        options.onError?.(`${request.path}: ${(error as Error).message}`)
        refuse(res, 500, 'internal error')
      }
    } finally {
      clearTimeout(deadline)
      closing.signal.removeEventListener('abort', onClosing)
    }
  }

  const server = http.createServer(
    {
      // A client that sends its headers or its body too slowly is cut; the check runs every second.
      requestTimeout: limits.deadlineMs + limits.headersTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      const failed = (error: unknown): void => {
        options.onError?.(String(error))
        if (!res.headersSent) refuse(res, 500, 'internal error')
      }
      // Synchronous: no promise for a kept find.
      try {
        if (findUrls.size > 0 && fastFind(req, res)) return
      } catch (error) {
        return failed(error)
      }
      handle(req, res).catch(failed)
    },
  )
  server.keepAliveTimeout = 5_000
  server.maxHeadersCount = 100
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  const refresh = (): void =>
    void index.refresh(closing.signal).then(
      () => {
        if (!closing.signal.aborted) options.onWalked?.()
      },
      (error: unknown) => options.onError?.(String(error)),
    )
  refresh()
  const refreshSeconds = options.refreshSeconds ?? 60
  const timer = refreshSeconds > 0 ? setInterval(refresh, refreshSeconds * 1000) : undefined
  timer?.unref()

  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      closing.abort()
      void reads.close()
      if (timer) clearInterval(timer)
      reject(
        new UnavailableError(
          `cannot listen for HTTP on ${options.interface}:${options.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      )
    })
    server.listen({ host: options.interface, port: options.port }, () =>
      resolve({
        address: server.address() as AddressInfo,
        index,
        addMetric: (name) => index.addMetric(name),
        metricWritten: (name) => index.metricWritten(name),
        close: () =>
          new Promise((done) => {
            closing.abort()
            if (timer) clearInterval(timer)
            server.close(() => void reads.close().then(done))
            server.closeAllConnections()
          }),
      }),
    )
  })
}
