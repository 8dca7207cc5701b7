// The client side of `carbon serve`'s admin HTTP API (the `/admin/` prefix of its read API's listener,
// enabled by --admin-token-file): list a node's metrics, read a metric's whisper file as the node has
// it, fill a node's file with a file's points (the node's own points win), delete a metric; and the
// same for many metrics per request (/admin/files, /admin/fills, /admin/delete: frames of
// ../protocol/file-frames.ts). node:http with keep-alive, a timeout per request, answers mapped to
// CoreErrors that name the node.

import http from 'node:http'
import { StringDecoder } from 'node:string_decoder'
import https from 'node:https'
import { AbortedError, ConfigError, InvalidArgumentError, UnavailableError } from '../errors.js'
import { FrameError, decodeFrames, encodeFrames } from '../protocol/file-frames.js'
import type { BytePool } from './byte-pool.js'
import { RawClient, RawRequestError } from './raw-client.js'

export interface NodeMetric {
  name: string
  bytes: number
  mtime: number
}

export interface FileCopy {
  bytes: Buffer
  /** Points for the metric still in the node's cache, not yet in `bytes`. */
  cachedPoints: number
  /** What names these bytes for a conditional delete (/admin/files gives it; older nodes do not). */
  version?: string
}

export interface FillAnswer {
  name: string
  created: boolean
  filled: number
}

export interface DeleteAnswer {
  name: string
  deleted: boolean
  droppedCachedPoints: number
}

/** One file of a batch read: its copy, null when the node has no such metric, or why not. */
export type BatchFile = FileCopy | null | { error: string }

/** One metric of a batch fill: done, with the node's check of the upload against its file after it. */
export type BatchFillAnswer =
  | {
      name: string
      created: boolean
      filled: number
      /** The node's clock for the check (epoch seconds). */
      now: number
      checked: number
      missing: number
      examples: string[]
    }
  | { name: string; error: string }

/** One metric of a batch delete: deleted, not (its file changed since it was copied), or why not. */
export type BatchDeleteAnswer =
  | { name: string; deleted: boolean; droppedCachedPoints: number; changed?: false }
  | { name: string; deleted: false; changed: true; cachedPoints: number }
  | { name: string; absent: true }
  | { name: string; error: string }

export interface AdminClientOptions {
  /** The node's HTTP listener: `http://host:port` (a path prefix is kept). */
  url: string
  /** What the node is called in messages: its ring member. */
  label: string
  token: string
  timeoutMs?: number
  signal?: AbortSignal
  /** The largest answer taken (a node pulling from a peer: its --admin-max-upload); no limit by default. */
  maxAnswerBytes?: number
}

/** One metric of a pull (a node filled from a peer): done, with the check and what names the source's copy. */
export type PullAnswer =
  | (Extract<BatchFillAnswer, { created: boolean }> & {
      /** Bytes of the source's file. */
      bytes: number
      /** Points for it still in the source's cache, not in the copy. */
      cachedPoints: number
      version?: string
      sha256?: string
    })
  | { name: string; absent: true }
  | { name: string; error: string }

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** The pool's buffer `body` lies in (a request read into a pool): given back by the caller. */
  shared?: SharedArrayBuffer
}

const DEFAULT_TIMEOUT_MS = 60_000
/** The first buffer taken from a pool for an answer at most (a larger answer grows it). */
const MAX_POOLED_BYTES = 64 << 20
/**
 * What a file of a batch read is guessed to take before any answer was read into a pool: the
 * first buffer is then about the answer's size, not 1 MiB grown by doubling (a pulling node's
 * first batches, four at once: each 16 MiB made and copied up from 1 MiB, 0.3 CPU-s). Too large a
 * guess costs address space only (what is not written is not touched).
 */
const GUESSED_FILE_BYTES = 128 << 10

/** A request's body: one buffer, or pieces sent one after the other. */
type Body = Uint8Array | readonly Uint8Array[]

/** Sends again of a request that met kept-alive connections the node had closed (the pool holds 8). */
const STALE_RETRIES = 9

/** A request that failed on a kept-alive connection the node had closed: sent again. */
class StaleConnection extends UnavailableError {}

export class AdminClient {
  readonly label: string
  readonly url: string
  private readonly base: URL
  private readonly token: string
  private readonly timeoutMs: number
  private readonly signal: AbortSignal | undefined
  private readonly maxAnswerBytes: number
  private readonly agent: http.Agent
  /** The size of the largest answer read into a pool (up to MAX_POOLED_BYTES). */
  private pooledBytes = 0
  /** http: answers read into a pool come through here (raw-client.ts), made on first use. */
  private raw: RawClient | undefined

  constructor(options: AdminClientOptions) {
    let base: URL
    try {
      base = new URL(options.url)
    } catch {
      throw new InvalidArgumentError(`${options.label}: not an http URL: ${options.url}`)
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new InvalidArgumentError(`${options.label}: not an http URL: ${options.url}`)
    this.base = base
    this.url = options.url
    this.label = options.label
    this.token = options.token
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.signal = options.signal
    this.maxAnswerBytes = options.maxAnswerBytes ?? Infinity
    this.agent =
      base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 8 })
        : new http.Agent({ keepAlive: true, maxSockets: 8 })
  }

  close(): void {
    this.agent.destroy()
    this.raw?.close()
  }

  /**
   * Every metric of the node (matching `glob`, a Graphite glob). `onMetric` sees each one as its line
   * arrives (the node writes them a slice at a time), before the whole list is in; what it throws
   * ends the listing (thrown here once the answer is read).
   */
  async listMetrics(glob?: string, onMetric?: (metric: NodeMetric) => void): Promise<NodeMetric[]> {
    const metrics: NodeMetric[] = []
    let failure: unknown
    const take = (line: string): void => {
      if (line.trim() === '') return
      const entry = this.parseJson(line) as Partial<NodeMetric>
      if (typeof entry.name !== 'string') throw this.protocolError('a metric line without a name')
      const metric = { name: entry.name, bytes: Number(entry.bytes ?? 0), mtime: Number(entry.mtime ?? 0) }
      metrics.push(metric)
      onMetric?.(metric)
    }
    const decoder = new StringDecoder('utf8')
    let rest = ''
    const answer = await this.request(
      'GET',
      'metrics',
      glob === undefined ? {} : { glob },
      undefined,
      undefined,
      (chunk) => {
        if (failure !== undefined) return
        const lines = (rest + decoder.write(chunk)).split('\n')
        rest = lines.pop()!
        try {
          for (const line of lines) take(line)
        } catch (error) {
          failure = error
        }
      },
    )
    this.check(answer)
    if (failure !== undefined) throw failure
    take(rest + decoder.end())
    return metrics
  }

  /** The metric's whisper file as the node has it, or null when the node has no such metric. */
  async getFile(name: string): Promise<FileCopy | null> {
    const answer = await this.request('GET', 'file', { name })
    if (answer.status === 404) return null
    this.check(answer)
    const cached = Number(answer.headers['x-carbonkit-cached-points'] ?? 0)
    return { bytes: answer.body, cachedPoints: Number.isFinite(cached) ? cached : 0 }
  }

  /** Fill the node's file for `name` with the points of `file` (a whole whisper file). */
  async fill(name: string, file: Uint8Array): Promise<FillAnswer> {
    const answer = await this.expect('POST', 'fill', { name }, file)
    return this.parseJson(answer.body.toString('utf8')) as FillAnswer
  }

  /** Delete the metric from the node; null when the node had no such metric. */
  async deleteMetric(name: string): Promise<DeleteAnswer | null> {
    const answer = await this.request('DELETE', 'metric', { name })
    if (answer.status === 404) return null
    this.check(answer)
    return this.parseJson(answer.body.toString('utf8')) as DeleteAnswer
  }

  /** Many metrics' files in one request, in the order asked. */
  async getFiles(names: readonly string[]): Promise<Map<string, BatchFile>> {
    return (await this.getFilesBody(names)).files
  }

  /**
   * getFiles, with the answer's body the files are views of. With a pool, the body is read into one
   * of its buffers (`shared`), which the caller gives back once done with the files (given back
   * here on a throw).
   */
  async getFilesBody(
    names: readonly string[],
    pool?: BytePool,
  ): Promise<{ body: Buffer; files: Map<string, BatchFile>; shared?: SharedArrayBuffer }> {
    const answer = await this.request(
      'POST',
      'files',
      {},
      Buffer.from(JSON.stringify({ names })),
      pool,
      undefined,
      Math.min(MAX_POOLED_BYTES, names.length * GUESSED_FILE_BYTES),
    )
    try {
      this.check(answer)
      return { body: answer.body, files: this.filesOf(answer.body, names), shared: answer.shared }
    } catch (error) {
      if (answer.shared) pool!.give(answer.shared)
      throw error
    }
  }

  private filesOf(answerBody: Buffer, names: readonly string[]): Map<string, BatchFile> {
    const files = new Map<string, BatchFile>()
    for (const { header, body } of this.frames(answerBody)) {
      const status = Number(header.status)
      const cached = Number(header.cachedPoints ?? 0)
      if (status === 200)
        files.set(header.name, {
          bytes: body,
          cachedPoints: Number.isFinite(cached) ? cached : 0,
          ...(typeof header.version === 'string' ? { version: header.version } : {}),
        })
      else if (status === 404 && cached === 0) files.set(header.name, null)
      else files.set(header.name, { error: `${String(header.error ?? `HTTP ${status}`)} (HTTP ${status})` })
    }
    for (const name of names) if (!files.has(name)) throw this.protocolError(`no frame for ${name}`)
    return files
  }

  /**
   * Have the node fill these metrics straight from `from` (another node's admin URL, which the node
   * must have among its --admin-peer), in one request; answers in the order given. 'unsupported'
   * when the node cannot: an older node, or `from` not one of its peers (the caller relays instead).
   */
  async pull(from: string, names: readonly string[]): Promise<PullAnswer[] | 'unsupported'> {
    const answer = await this.request('POST', 'pull', {}, Buffer.from(JSON.stringify({ from, names })))
    if (answer.status === 403 || answer.status === 404) {
      let parsed: { error?: unknown; peer?: unknown } = {}
      try {
        parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed
      } catch {
        // Not the API's JSON error: check() says what it is.
      }
      if (parsed.peer === false) return 'unsupported'
      if (answer.status === 404 && String(parsed.error).startsWith('no such endpoint')) return 'unsupported'
    }
    this.check(answer)
    return this.results(answer, names.length).map((entry) => {
      const name = String(entry.name)
      if (entry.absent === true) return { name, absent: true }
      if (entry.error !== undefined)
        return { name, error: `${String(entry.error)} (HTTP ${String(entry.status)})` }
      return entry as unknown as PullAnswer
    })
  }

  /** Fill the node's files with many files' points in one request; answers in the order given. */
  async fillMany(files: readonly { name: string; bytes: Uint8Array }[]): Promise<BatchFillAnswer[]> {
    // Sent piece by piece: the files are not copied into one body.
    const body = encodeFrames(files.map((f) => ({ header: { name: f.name }, body: f.bytes })))
    const answer = await this.expect('POST', 'fills', {}, body)
    return this.results(answer, files.length).map((entry) =>
      entry.error !== undefined
        ? { name: String(entry.name), error: `${String(entry.error)} (HTTP ${String(entry.status)})` }
        : (entry as unknown as BatchFillAnswer),
    )
  }

  /**
   * Delete many metrics in one request; with a version (what /admin/files gave with the file) or a
   * sha256, only if the node's file still has it and no point of it is cached (else `changed`).
   */
  async deleteMany(
    metrics: readonly { name: string; sha256?: string; version?: string }[],
  ): Promise<BatchDeleteAnswer[]> {
    const answer = await this.expect('POST', 'delete', {}, Buffer.from(JSON.stringify({ metrics })))
    return this.results(answer, metrics.length).map((entry) => {
      const name = String(entry.name)
      if (entry.status === 404) return { name, absent: true }
      if (entry.error !== undefined)
        return { name, error: `${String(entry.error)} (HTTP ${String(entry.status)})` }
      return entry as unknown as BatchDeleteAnswer
    })
  }

  private results(answer: Answer, count: number): Record<string, unknown>[] {
    const parsed = this.parseJson(answer.body.toString('utf8')) as { results?: unknown }
    if (!Array.isArray(parsed.results) || parsed.results.length !== count)
      throw this.protocolError(`not ${count} results`)
    return parsed.results as Record<string, unknown>[]
  }

  private frames(body: Buffer): ReturnType<typeof decodeFrames> {
    try {
      return decodeFrames(body)
    } catch (error) {
      if (error instanceof FrameError) throw this.protocolError(error.message)
      throw error
    }
  }

  private async expect(
    method: string,
    endpoint: string,
    query: Record<string, string>,
    body?: Body,
  ): Promise<Answer> {
    const answer = await this.request(method, endpoint, query, body)
    this.check(answer)
    return answer
  }

  private check(answer: Answer): void {
    if (answer.status >= 200 && answer.status < 300) return
    let reason = `HTTP ${answer.status}`
    try {
      const parsed = JSON.parse(answer.body.toString('utf8')) as { error?: unknown }
      if (typeof parsed.error === 'string') reason = `${parsed.error} (HTTP ${answer.status})`
    } catch {
      // Not the API's JSON error: the status says enough.
    }
    if (answer.status === 401 || answer.status === 403)
      throw new ConfigError(this.label, `admin API refused the token: ${reason}; check --admin-token-file`)
    if (answer.status === 404)
      throw new UnavailableError(`${this.label}: ${reason}; is carbon serve running with --admin-token-file?`)
    if (answer.status === 400 || answer.status === 413)
      throw new InvalidArgumentError(`${this.label}: ${reason}`)
    throw new UnavailableError(`${this.label}: ${reason}`)
  }

  private parseJson(text: string): unknown {
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw this.protocolError(`not JSON: ${text.slice(0, 80)}`)
    }
  }

  private protocolError(what: string): UnavailableError {
    return new UnavailableError(`${this.label}: unexpected answer from the admin API: ${what}`)
  }

  /**
   * One request, sent again when it went out on a kept-alive connection the node had just closed
   * (it was idle longer than the node's keep-alive timeout: ECONNRESET before any answer). The
   * retry can meet another such connection of the pool, idle as long: up to STALE_RETRIES times (a
   * rebalance on a loaded machine lost a batch's delete to a second stale connection).
   * Every admin request may be repeated: reads, fills (only gaps are written) and deletes.
   */
  private async request(
    method: string,
    endpoint: string,
    query: Record<string, string>,
    body?: Body,
    pool?: BytePool,
    onChunk?: (chunk: Buffer) => void,
    /** The bytes guessed for a pooled answer before any was read. */
    expect = 0,
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      try {
        // A stale connection fails before any answer: nothing went to onChunk yet.
        return pool && this.base.protocol === 'http:'
          ? await this.requestRaw(method, endpoint, query, body, pool, expect)
          : await this.requestOnce(method, endpoint, query, body, pool, onChunk, expect)
      } catch (error) {
        if (!(error instanceof StaleConnection) || attempt >= STALE_RETRIES) throw error
      }
    }
  }

  /**
   * A pool's buffer to copy an answer's body into: first as large as the largest answer read into a
   * pool so far (a batch's answers are alike), or `expect`; growing by doubling copies what came so far.
   */
  private pooledBody(pool: BytePool, expect: number): PooledBody {
    return new PooledBody(pool, this.pooledBytes > 0 ? this.pooledBytes : expect)
  }

  /** What the largest answer read into a pool was (a short last batch does not shrink the next buffers). */
  private pooled(body: PooledBody): void {
    if (body.shared) this.pooledBytes = Math.min(MAX_POOLED_BYTES, Math.max(this.pooledBytes, body.received))
  }

  /** The URL of an admin endpoint, with its query. */
  private endpointUrl(endpoint: string, query: Record<string, string>): URL {
    const url = new URL(this.base.href.replace(/\/?$/, '/') + 'admin/' + endpoint)
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
    return url
  }

  /**
   * requestOnce for an answer read into a pool over http: (raw-client.ts): the socket's reads land in
   * one reused buffer and are copied from there into the pool's, no Buffer made per read.
   */
  private async requestRaw(
    method: string,
    endpoint: string,
    query: Record<string, string>,
    body: Body | undefined,
    pool: BytePool,
    expect: number,
  ): Promise<Answer> {
    const pieces = body === undefined ? [] : body instanceof Uint8Array ? [body] : body
    if (this.signal?.aborted) throw new AbortedError('interrupted')
    const url = this.endpointUrl(endpoint, query)
    this.raw ??= new RawClient(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80))
    let status = 0
    let headers: http.IncomingHttpHeaders = {}
    const into = this.pooledBody(pool, expect)
    try {
      await this.raw.request({
        method,
        path: url.pathname + url.search,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body ? { 'Content-Type': 'application/octet-stream' } : {}),
        },
        body: pieces,
        timeoutMs: this.timeoutMs,
        ...(this.signal ? { signal: this.signal } : {}),
        onHead: (answer) => {
          status = answer.status
          headers = answer.headers
          into.received = 0
        },
        onBody: (piece) => {
          if (into.received + piece.byteLength > this.maxAnswerBytes)
            throw new Error(`an answer over ${this.maxAnswerBytes} bytes`)
          into.append(piece)
        },
      })
    } catch (error) {
      into.release()
      if (!(error instanceof RawRequestError)) throw error
      if (error.code === 'ABORT_ERR') throw new AbortedError('interrupted')
      const code = error.code === 'EPROTO' ? error.message : error.code
      const message = `${this.label} (${this.base.origin}): ${method} ${url.pathname} failed: ${code}`
      if (error.stale) throw new StaleConnection(message, { cause: error })
      throw new UnavailableError(message, { cause: error })
    }
    this.pooled(into)
    if (!into.shared) return { status, headers, body: Buffer.alloc(0) }
    return { status, headers, body: Buffer.from(into.shared, 0, into.received), shared: into.shared }
  }

  private requestOnce(
    method: string,
    endpoint: string,
    query: Record<string, string>,
    body?: Body,
    pool?: BytePool,
    /** A 200's body goes here as it comes, not kept (the answer's body is then empty). */
    onChunk?: (chunk: Buffer) => void,
    expect = 0,
  ): Promise<Answer> {
    const pieces = body === undefined ? [] : body instanceof Uint8Array ? [body] : body
    if (this.signal?.aborted) return Promise.reject(new AbortedError('interrupted'))
    const url = this.endpointUrl(endpoint, query)
    const transport = url.protocol === 'https:' ? https : http
    return new Promise<Answer>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${this.token}` }
      if (body) {
        headers['content-type'] = 'application/octet-stream'
        headers['content-length'] = pieces.reduce((sum, piece) => sum + piece.byteLength, 0)
      }
      const req = transport.request(url, { method, headers, agent: this.agent }, (res) => {
        answered = true
        const chunks: Buffer[] = []
        let received = 0
        // Into a pool's buffer (copied there as it comes, grown by doubling): no fresh buffer per answer.
        const into = pool ? this.pooledBody(pool, expect) : undefined
        const streaming = onChunk !== undefined && res.statusCode === 200
        res.on('data', (chunk: Buffer) => {
          if (received + chunk.byteLength > this.maxAnswerBytes) {
            res.destroy(new Error(`an answer over ${this.maxAnswerBytes} bytes`))
            return
          }
          received += chunk.byteLength
          if (streaming) onChunk(chunk)
          else if (into) into.append(chunk)
          else chunks.push(chunk)
        })
        res.on('end', () => {
          const shared = into?.shared
          if (into) this.pooled(into)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: shared ? Buffer.from(shared, 0, received) : Buffer.concat(chunks),
            ...(shared ? { shared } : {}),
          })
        })
        res.on('error', (error) => {
          into?.release()
          fail(error)
        })
      })
      const onAbort = (): void => {
        req.destroy()
        reject(new AbortedError('interrupted'))
      }
      let answered = false
      function fail(error: Error): void {
        const code = (error as NodeJS.ErrnoException).code ?? error.message
        const message = `${label}: ${method} ${url.pathname} failed: ${code}`
        if (req.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE'))
          reject(new StaleConnection(message, { cause: error }))
        else reject(new UnavailableError(message, { cause: error }))
      }
      const label = `${this.label} (${this.base.origin})`
      this.signal?.addEventListener('abort', onAbort, { once: true })
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(Object.assign(new Error(`timed out after ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      )
      req.on('error', fail)
      req.on('close', () => this.signal?.removeEventListener('abort', onAbort))
      req.cork()
      for (const piece of pieces) req.write(piece)
      req.end()
    })
  }
}

/**
 * An answer's body copied into a pool's buffer as it comes, the buffer grown by doubling: no fresh
 * buffer per answer. `shared` is the pool's buffer holding the body's `received` bytes.
 */
class PooledBody {
  shared: SharedArrayBuffer | undefined
  received = 0
  private into: Uint8Array | undefined

  constructor(
    private readonly pool: BytePool,
    /** The first buffer's size. */
    private readonly first: number,
  ) {}

  append(piece: Uint8Array): void {
    if (!this.into || this.received + piece.byteLength > this.into.byteLength) {
      const bigger = this.pool.take(
        Math.max(this.into ? 2 * this.into.byteLength : this.first, this.received + piece.byteLength),
      )
      const view = new Uint8Array(bigger)
      if (this.into) view.set(this.into.subarray(0, this.received))
      if (this.shared) this.pool.give(this.shared)
      this.shared = bigger
      this.into = view
    }
    this.into.set(piece, this.received)
    this.received += piece.byteLength
  }

  /** The buffer back to the pool (the answer failed). */
  release(): void {
    if (this.shared) this.pool.give(this.shared)
    this.shared = undefined
    this.into = undefined
  }
}
