// Sockets for carbon's protocols: a sender for batches of wire messages over TCP (plaintext and
// pickle) or UDP, and a CarbonLink request/response exchange. Timeouts, retries with exponential
// backoff, an AbortSignal and an observer; no process, no console.
//
// Delivery: neither carbon protocol acknowledges anything. Over TCP the only proof that the server
// read everything is that it closes the connection cleanly after our half-close (carbon reads to
// the end of the stream, then closes): close() waits for that. A server that closes first (carbon
// does so silently on an over-long line or frame) is an error. Over UDP nothing is confirmed, but a
// port nobody listens on answers with ICMP, which is reported as refused.

import dgram from 'node:dgram'
import dns from 'node:dns/promises'
import net from 'node:net'
import { AbortedError, CoreError, MalformedInputError, UnavailableError, systemErrorCode } from '../errors.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from './carbonlink.js'
import { decodeCarbonLinkResponse, encodeCarbonLinkRequest } from './carbonlink.js'
import { createFrameDecoder, encodeFrame } from './framing.js'

export interface Endpoint {
  host: string
  port: number
}

export const DEFAULT_TIMEOUT_MS = 10_000
export const DEFAULT_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 30_000
/** How long a UDP sender waits, after its last datagram, for an ICMP "port unreachable". */
const UDP_REFUSAL_GRACE_MS = 100

export interface ConnectionOptions {
  /** Connect, write, reply and close timeout. Default 10 s. */
  timeoutMs?: number
  /** Attempts after the first one when connecting or sending fails. Default 0. */
  retries?: number
  /** The first retry's delay; each next one doubles (at most 30 s), with ±20% jitter. Default 500 ms. */
  backoffMs?: number
  signal?: AbortSignal
  onEvent?: (event: ClientEvent) => void
  /** For the jitter; default Math.random. */
  random?: () => number
}

export type ClientEvent =
  | { type: 'connected'; server: string; attempt: number }
  | { type: 'retry'; server: string; attempt: number; delayMs: number; error: string }

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EAI_NONAME: 'unknown host',
}

/** Bytes kept of what a server sent first: enough for an HTTP status line. */
const HEAD_BYTES = 80

/**
 * carbon never writes on its line and pickle ports, and CarbonLink replies start with a length: a
 * reply starting `HTTP/` is a web server (graphite-web's port, say) given as carbon's.
 */
function notCarbon(server: string, head: Buffer): UnavailableError | undefined {
  if (head.length < 5 || head.subarray(0, 5).toString('latin1') !== 'HTTP/') return undefined
  const statusLine = head.toString('latin1').split(/\r?\n/)[0]!.trim()
  return new UnavailableError(
    `${server}: looks like an HTTP server, not carbon (it answered "${statusLine}")`,
  )
}

/** A socket error as the one-line UnavailableError an operator reads. */
function unavailable(server: string, error: unknown): CoreError {
  if (error instanceof CoreError) return error
  const code = systemErrorCode(error)
  const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error))
  return new UnavailableError(`${server}: ${reason}`, { cause: error })
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError())
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AbortedError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The delay before retry `attempt` (1-based). */
export function backoffDelay(attempt: number, backoffMs: number, random: () => number): number {
  const base = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** (attempt - 1))
  return Math.round(base * (0.8 + 0.4 * random()))
}

/**
 * Run `attempt` until it succeeds, retrying UnavailableErrors with backoff.
 * @throws the last UnavailableError (its message says how many attempts were made), AbortedError
 */
async function withRetries<T>(
  server: string,
  options: ConnectionOptions,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? 0
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (error) {
      if (!(error instanceof UnavailableError) || options.signal?.aborted) {
        throw options.signal?.aborted ? new AbortedError() : error
      }
      if (n > retries) {
        if (retries === 0) throw error
        throw new UnavailableError(`${error.message} (after ${n} attempts)`, { cause: error.cause })
      }
      const delayMs = backoffDelay(n, options.backoffMs ?? DEFAULT_BACKOFF_MS, options.random ?? Math.random)
      options.onEvent?.({ type: 'retry', server, attempt: n + 1, delayMs, error: error.message })
      await sleep(delayMs, options.signal)
    }
  }
}

/**
 * Open a TCP connection.
 * @throws UnavailableError (refused, timed out, unreachable, unknown host), AbortedError
 */
export function connectTcp(endpoint: Endpoint, options: ConnectionOptions = {}): Promise<net.Socket> {
  const server = formatEndpoint(endpoint)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new AbortedError())
    const socket = net.connect({ host: endpoint.host, port: endpoint.port })
    const cleanup = (): void => {
      clearTimeout(timer)
      socket.off('error', onError)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const fail = (error: CoreError): void => {
      cleanup()
      socket.destroy()
      reject(error)
    }
    const onError = (error: Error): void => fail(unavailable(server, error))
    const onAbort = (): void => fail(new AbortedError())
    const timer = setTimeout(
      () => fail(new UnavailableError(`${server}: connection timed out after ${seconds(timeoutMs)}`)),
      timeoutMs,
    )
    socket.once('error', onError)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      cleanup()
      socket.setNoDelay(true)
      resolve(socket)
    })
  })
}

/** A connected TCP socket, with what happened to it since. */
class Connection {
  error: Error | undefined
  peerEnded = false
  closed = false
  /** The first bytes the server sent (carbon sends none). */
  head = Buffer.alloc(0)

  constructor(
    readonly socket: net.Socket,
    private readonly server: string,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    socket.on('error', (error) => {
      this.error ??= error
    })
    // Read what the server sends, or its close is never seen (the stream stays paused).
    socket.on('data', (chunk: Buffer) => {
      if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk]).subarray(0, HEAD_BYTES)
    })
    socket.on('end', () => {
      this.peerEnded = true
    })
    socket.on('close', () => {
      this.closed = true
    })
  }

  private broken(): CoreError | undefined {
    const http = notCarbon(this.server, this.head)
    if (http) return http
    if (this.error) return unavailable(this.server, this.error)
    if (this.peerEnded || this.closed)
      return new UnavailableError(`${this.server}: connection closed by the server`)
    return undefined
  }

  /** Resolves when the bytes are handed to the kernel. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const broken = this.broken()
      if (broken) return reject(broken)
      if (this.signal?.aborted) return reject(new AbortedError())
      const timer = setTimeout(() => {
        this.socket.destroy()
        reject(
          new UnavailableError(
            `${this.server}: timed out after ${seconds(this.timeoutMs)} writing (the server is not reading)`,
          ),
        )
      }, this.timeoutMs)
      this.socket.write(bytes, (error) => {
        clearTimeout(timer)
        const problem = error ? unavailable(this.server, error) : this.broken()
        if (problem) reject(problem)
        else resolve()
      })
    })
  }

  /** Half-close, then wait for the server to read everything and close. */
  finish(): Promise<void> {
    return new Promise((resolve, reject) => {
      const broken = this.broken()
      if (broken) {
        this.socket.destroy()
        return reject(broken)
      }
      const timer = setTimeout(() => {
        this.socket.destroy()
        reject(
          new UnavailableError(
            `${this.server}: timed out after ${seconds(this.timeoutMs)} waiting for the server to close the connection`,
          ),
        )
      }, this.timeoutMs)
      this.socket.once('close', (hadError) => {
        clearTimeout(timer)
        const http = notCarbon(this.server, this.head)
        if (http) reject(http)
        else if (hadError || this.error)
          reject(unavailable(this.server, this.error ?? new Error('connection lost')))
        else resolve()
      })
      this.socket.end()
    })
  }

  destroy(): void {
    this.socket.destroy()
  }
}

export type Transport = 'tcp' | 'udp'

export interface SenderOptions extends Endpoint, ConnectionOptions {
  transport: Transport
}

export interface SenderStats {
  /** Bytes handed to the kernel, including messages sent again after a retry. */
  bytes: number
  messages: number
  /** Connections (or UDP sockets) opened. */
  connections: number
}

export interface Sender {
  /**
   * Send a batch of wire messages (plaintext chunks, pickle frames or UDP datagrams). On a broken
   * connection the batch is sent again on a new one, up to `retries` times.
   */
  send(messages: readonly Uint8Array[]): Promise<void>
  /** Finish: TCP waits for the server's clean close; UDP for a refusal. */
  close(): Promise<SenderStats>
  /** Tear down without waiting. */
  destroy(): void
}

class TcpSender implements Sender {
  private connection: Connection | undefined
  private readonly server: string
  private readonly stats: SenderStats = { bytes: 0, messages: 0, connections: 0 }

  constructor(private readonly options: SenderOptions) {
    this.server = formatEndpoint(options)
  }

  async send(messages: readonly Uint8Array[]): Promise<void> {
    await withRetries(this.server, this.options, async (attempt) => {
      try {
        if (!this.connection) {
          const socket = await connectTcp(this.options, this.options)
          this.connection = new Connection(
            socket,
            this.server,
            this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            this.options.signal,
          )
          this.stats.connections++
          this.options.onEvent?.({ type: 'connected', server: this.server, attempt })
        }
        for (const message of messages) {
          await this.connection.write(message)
          this.stats.bytes += message.length
          this.stats.messages++
        }
      } catch (error) {
        this.destroy()
        throw error
      }
    })
  }

  async close(): Promise<SenderStats> {
    const connection = this.connection
    this.connection = undefined
    if (connection) await connection.finish()
    return this.stats
  }

  destroy(): void {
    this.connection?.destroy()
    this.connection = undefined
  }
}

class UdpSender implements Sender {
  private socket: dgram.Socket | undefined
  private error: Error | undefined
  private readonly server: string
  private readonly stats: SenderStats = { bytes: 0, messages: 0, connections: 0 }

  constructor(private readonly options: SenderOptions) {
    this.server = formatEndpoint(options)
  }

  private async open(): Promise<dgram.Socket> {
    if (this.socket) return this.socket
    let address: { address: string; family: number }
    try {
      // IPv4 first: carbon's UDP listener binds 0.0.0.0 by default, and 'localhost' may be ::1 first.
      address = await dns.lookup(this.options.host, { verbatim: false })
    } catch (error) {
      throw unavailable(this.server, error)
    }
    const socket = dgram.createSocket(address.family === 6 ? 'udp6' : 'udp4')
    socket.on('error', (error) => {
      this.error ??= error
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(this.options.port, address.address, () => {
        socket.off('error', reject)
        resolve()
      })
    }).catch((error: unknown) => {
      socket.close()
      throw unavailable(this.server, error)
    })
    this.socket = socket
    this.stats.connections++
    this.options.onEvent?.({ type: 'connected', server: this.server, attempt: 1 })
    return socket
  }

  async send(messages: readonly Uint8Array[]): Promise<void> {
    if (this.options.signal?.aborted) throw new AbortedError()
    const socket = await this.open()
    for (const message of messages) {
      if (this.error) throw unavailable(this.server, this.error)
      await new Promise<void>((resolve, reject) => {
        socket.send(message, (error) => (error ? reject(unavailable(this.server, error)) : resolve()))
      })
      this.stats.bytes += message.length
      this.stats.messages++
    }
  }

  async close(): Promise<SenderStats> {
    const socket = this.socket
    this.socket = undefined
    if (socket) {
      // An ICMP "port unreachable" for the datagrams arrives as an error event shortly after.
      if (!this.error) await sleep(UDP_REFUSAL_GRACE_MS, this.options.signal).catch(() => undefined)
      socket.close()
    }
    if (this.error) throw unavailable(this.server, this.error)
    return this.stats
  }

  destroy(): void {
    this.socket?.close()
    this.socket = undefined
  }
}

/** A sender for wire messages; it connects lazily, on the first batch. */
export function createSender(options: SenderOptions): Sender {
  return options.transport === 'udp' ? new UdpSender(options) : new TcpSender(options)
}

export interface CarbonLinkOptions extends ConnectionOptions {
  /** Refuse replies larger than this. Default 64 MiB. */
  maxReplyBytes?: number
}

/**
 * Send CarbonLink requests on one connection (pipelined) and read their replies in order.
 * @throws UnavailableError (refused, timed out, closed before every reply came), MalformedInputError
 * (a reply that is not a CarbonLink response), AbortedError
 */
export function exchangeCarbonLink(
  endpoint: Endpoint,
  requests: readonly CarbonLinkRequest[],
  options: CarbonLinkOptions = {},
): Promise<CarbonLinkResponse[]> {
  const server = formatEndpoint(endpoint)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxReplyBytes = options.maxReplyBytes ?? 64 * 1024 * 1024
  return withRetries(server, options, async (attempt) => {
    const socket = await connectTcp(endpoint, options)
    options.onEvent?.({ type: 'connected', server, attempt })
    return new Promise<CarbonLinkResponse[]>((resolve, reject) => {
      const replies: CarbonLinkResponse[] = []
      let settled = false
      const settle = (error: unknown, value?: CarbonLinkResponse[]): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        if (error === undefined) {
          // Close politely (carbon logs "disconnected"), without waiting for it.
          socket.end()
          socket.unref()
          setTimeout(() => socket.destroy(), timeoutMs).unref()
          resolve(value!)
        } else {
          socket.destroy()
          reject(error)
        }
      }
      const onAbort = (): void => settle(new AbortedError())
      const timer = setTimeout(
        () => settle(new UnavailableError(`${server}: no reply within ${seconds(timeoutMs)}`)),
        timeoutMs,
      )
      options.signal?.addEventListener('abort', onAbort, { once: true })
      const frames = createFrameDecoder({
        maxFrameBytes: maxReplyBytes,
        onOversize: (length) =>
          settle(
            new UnavailableError(`${server}: reply of ${length} bytes is over the limit of ${maxReplyBytes}`),
          ),
        onFrame: (body) => {
          try {
            replies.push(decodeCarbonLinkResponse(body, { maxInputBytes: maxReplyBytes }))
          } catch (error) {
            settle(
              error instanceof MalformedInputError
                ? new MalformedInputError(`${server}: ${error.message}`, { cause: error })
                : error,
            )
            return
          }
          if (replies.length === requests.length) settle(undefined, replies)
        },
      })
      // The first 5 bytes tell a CarbonLink reply (a length) from an HTTP one.
      let head: Buffer | undefined = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        if (head === undefined) return frames.push(chunk)
        head = Buffer.concat([head, chunk])
        if (head.length < 5) return
        const http = notCarbon(server, head)
        if (http) return settle(http)
        const first = head
        head = undefined
        frames.push(first)
      })
      socket.on('error', (error) => settle(unavailable(server, error)))
      socket.on('close', () =>
        settle(
          new UnavailableError(
            `${server}: connection closed after ${replies.length} of ${requests.length} replies (carbon closes the connection on a request it cannot read)`,
          ),
        ),
      )
      socket.write(Buffer.concat(requests.map((r) => encodeFrame(encodeCarbonLinkRequest(r)))))
    })
  })
}
