// A small HTTP/1.1 client for the admin API's large answers (a node pulling a peer's files): the
// socket reads into one reused buffer per connection (net's `onread`), and the answer's body is
// copied from there to where the caller wants it. Through node:http, every read of the socket was a
// fresh Buffer and its parser copied each piece of the body into another one: two allocations and
// two copies of every byte, and the external memory of those buffers set off a full collection of
// the heap every few tens of megabytes (a rebalance's destination: ~40 of them for 690 MB).
// One request at a time per connection, kept alive; answers with a Content-Length, chunked, or
// ended by the close of the connection. http: only (https goes through node:http).

import net from 'node:net'

/** Bytes read from the socket at once at most: the reused receive buffer of a connection. */
const RECEIVE_BYTES = 256 << 10
/** An answer's status line and headers at most. */
const MAX_HEAD_BYTES = 64 << 10

export interface RawAnswer {
  status: number
  /** Lower-cased names; a repeated header's values joined with ', '. */
  headers: Record<string, string>
}

export interface RawRequest {
  method: string
  /** Path and query. */
  path: string
  headers: Record<string, string | number>
  body?: readonly Uint8Array[]
  timeoutMs: number
  signal?: AbortSignal
  /** Called once the status line and headers are in, before any of the body. */
  onHead(answer: RawAnswer): void
  /** A piece of the body: a view of the receive buffer, valid only during the call (copy it). */
  onBody(piece: Uint8Array): void
}

/** Why a request failed, and whether it went out on a kept-alive connection that the peer had closed. */
export class RawRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly stale: boolean,
  ) {
    super(message)
  }
}

type BodyMode = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' }

/** One connection: a request at a time. */
class Connection {
  readonly socket: net.Socket
  /** Requests this connection served (a reused one may have been closed by the peer meanwhile). */
  served = 0
  private current: Exchange | undefined
  private closed = false

  constructor(
    host: string,
    port: number,
    private readonly onIdleClose: (connection: Connection) => void,
  ) {
    const receive = Buffer.allocUnsafe(RECEIVE_BYTES)
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: receive, callback: (n: number, buf: Uint8Array) => this.read(buf, n) },
    })
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.gone(error.code ?? error.message))
    this.socket.on('end', () => this.gone('ECONNRESET'))
    this.socket.on('close', () => this.gone('ECONNRESET'))
  }

  get isClosed(): boolean {
    return this.closed
  }

  start(exchange: Exchange): void {
    this.current = exchange
    this.socket.ref()
  }

  private read(buf: Uint8Array, n: number): boolean {
    const exchange = this.current
    if (!exchange) {
      // Nothing asked: a peer that talks out of turn is not trusted with the next request.
      this.destroy()
      return false
    }
    exchange.feed(buf, 0, n)
    return true
  }

  private gone(code: string): void {
    const first = !this.closed
    this.closed = true
    if (first) this.socket.destroy()
    const exchange = this.current
    this.current = undefined
    if (exchange) exchange.closed(code)
    else if (first) this.onIdleClose(this)
  }

  /** The exchange is over: the connection is idle again (or closed). */
  release(): void {
    this.current = undefined
    this.served++
    this.socket.unref()
  }

  destroy(): void {
    if (!this.closed) {
      this.closed = true
      this.socket.destroy()
      if (!this.current) this.onIdleClose(this)
    }
  }
}

/** One request and its answer on a connection. */
class Exchange {
  private head: Buffer[] = []
  private headBytes = 0
  private answer: RawAnswer | undefined
  private mode: BodyMode | undefined
  /** Chunked: the bytes of the chunk left, or what is read now (a size line, the CRLF after data, trailers). */
  private chunkLeft = 0
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size'
  private line = ''
  private keepAlive = true
  /** Some of the answer came (a failure is then not a stale connection's). */
  private heard = false
  private settled = false
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly connection: Connection,
    private readonly request: RawRequest,
    private readonly done: (error: RawRequestError | undefined, keep: boolean) => void,
  ) {}

  send(hostHeader: string): void {
    const { method, path, headers, body = [] } = this.request
    let text = `${method} ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: keep-alive\r\n`
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(`${name}${value}`)) throw new RangeError(`bad header ${name}`)
      text += `${name}: ${value}\r\n`
    }
    text += `Content-Length: ${body.reduce((sum, piece) => sum + piece.byteLength, 0)}\r\n\r\n`
    const socket = this.connection.socket
    this.timer = setTimeout(
      () => this.fail('ETIMEDOUT', `timed out after ${this.request.timeoutMs} ms`),
      this.request.timeoutMs,
    )
    this.request.signal?.addEventListener('abort', this.onAbort, { once: true })
    socket.cork()
    socket.write(text, 'latin1')
    for (const piece of body) socket.write(piece)
    socket.uncork()
  }

  private readonly onAbort = (): void => this.fail('ABORT_ERR', 'interrupted')

  /** The connection closed (or failed): the end of an answer read to the close, else a failure. */
  closed(code: string): void {
    if (this.settled) return
    if (this.mode?.kind === 'close') return this.finish(false)
    this.fail(code, code)
  }

  feed(buf: Uint8Array, start: number, end: number): void {
    this.heard = true
    this.timer?.refresh()
    let at = start
    while (at < end && !this.settled) {
      if (!this.mode) at = this.readHead(buf, at, end)
      else if (this.mode.kind === 'length') {
        const take = Math.min(this.mode.left, end - at)
        this.body(buf.subarray(at, at + take))
        at += take
        this.mode.left -= take
        if (this.mode.left === 0) this.finish(this.keepAlive)
      } else if (this.mode.kind === 'close') {
        this.body(buf.subarray(at, end))
        at = end
      } else at = this.readChunked(buf, at, end)
    }
    // Bytes after the end of the answer: the connection is not in step any more.
    if (at < end && this.settled) this.connection.destroy()
  }

  private body(piece: Uint8Array): void {
    if (piece.byteLength === 0) return
    try {
      this.request.onBody(piece)
    } catch (error) {
      this.fail((error as Error).message, (error as Error).message)
    }
  }

  private readHead(buf: Uint8Array, at: number, end: number): number {
    // The end of the head, "\r\n\r\n", may straddle reads: looked for in what came so far.
    const piece = Buffer.from(buf.buffer, buf.byteOffset + at, end - at)
    const before = this.headBytes
    this.head.push(Buffer.from(piece)) // copied: the receive buffer is reused
    this.headBytes += piece.byteLength
    const all = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head)
    const stop = all.indexOf('\r\n\r\n', Math.max(0, before - 3), 'latin1')
    if (stop < 0) {
      this.head = [all]
      if (this.headBytes > MAX_HEAD_BYTES) this.fail('EPROTO', 'an answer head over 64 KiB')
      return end
    }
    this.head = []
    this.headBytes = 0
    const lines = all.toString('latin1', 0, stop).split('\r\n')
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!)
    if (!status) {
      this.fail('EPROTO', `not an HTTP answer: ${JSON.stringify(lines[0]!.slice(0, 40))}`)
      return end
    }
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) {
        this.fail('EPROTO', 'a malformed header line')
        return end
      }
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value
    }
    const code = Number(status[1])
    if (code >= 100 && code < 200) {
      // An interim answer (100 Continue): the real one follows.
      return at + (stop + 4 - before)
    }
    this.answer = { status: code, headers }
    const connection = (headers.connection ?? '').toLowerCase()
    if (connection.split(',').some((t) => t.trim() === 'close') || lines[0]!.startsWith('HTTP/1.0'))
      this.keepAlive = false
    const encoding = (headers['transfer-encoding'] ?? '').toLowerCase()
    if (encoding !== '') {
      if (encoding !== 'chunked') {
        this.fail('EPROTO', `transfer-encoding ${encoding}`)
        return end
      }
      this.mode = { kind: 'chunked' }
    } else if (headers['content-length'] !== undefined) {
      const length = headers['content-length']
      if (!/^\d+$/.test(length)) {
        this.fail('EPROTO', 'a malformed content-length')
        return end
      }
      this.mode = { kind: 'length', left: Number(length) }
    } else {
      this.mode = { kind: 'close' }
      this.keepAlive = false
    }
    try {
      this.request.onHead(this.answer)
    } catch (error) {
      this.fail((error as Error).message, (error as Error).message)
      return end
    }
    if (this.mode.kind === 'length' && this.mode.left === 0) this.finish(this.keepAlive)
    return at + (stop + 4 - before)
  }

  private readChunked(buf: Uint8Array, at: number, end: number): number {
    switch (this.chunkState) {
      case 'data': {
        const take = Math.min(this.chunkLeft, end - at)
        this.body(buf.subarray(at, at + take))
        this.chunkLeft -= take
        if (this.chunkLeft === 0) {
          this.chunkState = 'crlf'
          this.line = ''
        }
        return at + take
      }
      case 'size':
      case 'crlf':
      case 'trailer': {
        // A line: read up to its "\n".
        let stop = at
        while (stop < end && buf[stop] !== 0x0a) stop++
        this.line += Buffer.from(buf.buffer, buf.byteOffset + at, stop - at).toString('latin1')
        if (this.line.length > 4096) {
          this.fail('EPROTO', 'a chunk line over 4 KiB')
          return end
        }
        if (stop === end) return end
        const line = this.line.replace(/\r$/, '')
        this.line = ''
        if (this.chunkState === 'crlf') {
          if (line !== '') this.fail('EPROTO', 'no CRLF after a chunk')
          this.chunkState = 'size'
        } else if (this.chunkState === 'size') {
          const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line)
          if (!size) this.fail('EPROTO', 'a malformed chunk size')
          else {
            this.chunkLeft = parseInt(size[1]!, 16)
            this.chunkState = this.chunkLeft === 0 ? 'trailer' : 'data'
          }
        } else if (line === '') this.finish(this.keepAlive)
        return stop + 1
      }
    }
  }

  private finish(keep: boolean): void {
    this.settle(undefined, keep)
  }

  private fail(code: string, message: string): void {
    // Stale: the peer closed a connection it had kept alive before answering anything of this request.
    const stale = this.connection.served > 0 && !this.heard && (code === 'ECONNRESET' || code === 'EPIPE')
    this.settle(new RawRequestError(message, code, stale), false)
  }

  private settle(error: RawRequestError | undefined, keep: boolean): void {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.timer)
    this.request.signal?.removeEventListener('abort', this.onAbort)
    if (keep) this.connection.release()
    else this.connection.destroy()
    this.done(error, keep)
  }
}

/** Connections to one http: origin, kept alive between requests. */
export class RawClient {
  private readonly idle: Connection[] = []
  private readonly hostHeader: string

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.hostHeader = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  }

  /** One request; resolves once the whole answer went to `onBody`. */
  request(request: RawRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      if (request.signal?.aborted) return reject(new RawRequestError('interrupted', 'ABORT_ERR', false))
      let connection: Connection | undefined
      while ((connection = this.idle.pop()) && connection.isClosed);
      connection ??= new Connection(this.host, this.port, (c) => this.forget(c))
      const exchange = new Exchange(connection, request, (error, keep) => {
        if (keep) this.idle.push(connection)
        if (error) reject(error)
        else resolve()
      })
      connection.start(exchange)
      try {
        exchange.send(this.hostHeader)
      } catch (error) {
        connection.destroy()
        reject(error as Error)
      }
    })
  }

  private forget(connection: Connection): void {
    const at = this.idle.indexOf(connection)
    if (at >= 0) this.idle.splice(at, 1)
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy()
  }
}
