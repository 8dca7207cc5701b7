// The metric receivers of `carbon serve`: plaintext over TCP and UDP, pickle over TCP. Parsing is the
// protocol modules' (pure); framing, sockets and backpressure are here. One bad line, frame or item is
// reported and skipped: a connection is never dropped for its content. TCP receivers can be paused
// (the cache or the write-ahead log is full) instead of points being dropped; UDP cannot, and says so
// in its counters. carbon's only acknowledgement is the close: a TCP connection is closed by the server
// after the client's end, once the sink says every point read from it is safe (acknowledge).

import dgram from 'node:dgram'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { UnavailableError } from '../errors.js'
import { guard } from './faults.js'
import { createFrameDecoder } from '../protocol/framing.js'
import { PickleError } from '../protocol/pickle.js'
import { forEachPickleMetric } from '../protocol/pickle-metrics.js'
import type { NameInterner } from '../protocol/intern.js'
import { createPlaintextDecoder, parseDatagram } from '../protocol/plaintext.js'
import type { Listener } from './daemon-settings.js'
import type { ReceivedFormat } from './wal.js'

export interface ReceiverSink {
  /**
   * The bytes the next points come from, before they are parsed: complete plaintext lines, a
   * datagram, a pickle frame's body; `now` is what `-1` timestamps in them stand for (the
   * write-ahead log keeps them as they came).
   */
  received(format: ReceivedFormat, bytes: Buffer, start: number, end: number, now: number): void
  /** A point as carbon's receivers hand it on: NaN values and bad lines already gone, -1 made now. */
  point(metric: string, value: number, timestamp: number): void
  /** Something refused, by reason (counted, and logged at a bounded rate by the daemon). */
  reject(protocol: string, reason: string, detail: string, peer: string): void
  /** Whether a datagram must be dropped now (the cache or the log is full: UDP cannot wait). */
  full(): boolean
  /** `done` runs once every point handed to point() so far is safe (in the write-ahead log). */
  acknowledge(done: () => void): void
  /**
   * A bug while handling a connection or datagram: the connection is dropped (reset, not
   * acknowledged: its client sends again), the receiver and every other connection go on.
   */
  fault?(where: string, error: unknown): void
}

export interface Receiver {
  protocol: 'line' | 'udp' | 'pickle'
  address: AddressInfo
  /** Stop reading from every connection (TCP); resume undoes it. */
  pause(): void
  resume(): void
  connections(): number
  /** Stop accepting and end the connections. */
  close(): Promise<void>
}

function peerOf(socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
}

/** How long a stopping receiver keeps reading a connection that has gone quiet, and at most. */
const DRAIN_QUIET_MS = 200
const DRAIN_MAX_MS = 5000

/**
 * A TCP receiver: `handle` sets up each connection (its `data` and `end`). Pausing stops reading on
 * every connection, present and future. Closing stops accepting, then reads each connection until
 * it ends or goes quiet, so bytes a client sent before the stop are not lost.
 */
function startTcpReceiver(
  protocol: 'line' | 'pickle',
  listener: Listener,
  handle: (socket: net.Socket, peer: string) => void,
): Promise<Receiver> {
  const sockets = new Map<net.Socket, { lastData: number }>()
  let paused = false
  // allowHalfOpen: the client's end must not close our side at once (Node's default): the close is
  // the acknowledgement, sent only once the sink says the points are safe.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const state = { lastData: Date.now() }
    sockets.set(socket, state)
    if (paused) socket.pause()
    socket.on('data', () => (state.lastData = Date.now()))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
    handle(socket, peerOf(socket))
  })
  const drain = (socket: net.Socket, state: { lastData: number }): Promise<void> =>
    new Promise((resolve) => {
      if (socket.destroyed) return resolve()
      socket.resume()
      const started = Date.now()
      const timer = setInterval(() => {
        const now = Date.now()
        if (now - state.lastData >= DRAIN_QUIET_MS || now - started >= DRAIN_MAX_MS) socket.destroy()
      }, DRAIN_QUIET_MS / 4)
      socket.once('close', () => (clearInterval(timer), resolve()))
    })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const what = protocol === 'line' ? 'plaintext' : 'pickle'
      const where = `${listener.interface}:${listener.port}`
      reject(
        new UnavailableError(`cannot listen for ${what} on ${where}: ${error.code ?? error.message}`, {
          cause: error,
        }),
      )
    })
    server.listen({ host: listener.interface, port: listener.port ?? 0 }, () =>
      resolve({
        protocol,
        address: server.address() as AddressInfo,
        pause() {
          paused = true
          for (const s of sockets.keys()) s.pause()
        },
        resume() {
          paused = false
          for (const s of sockets.keys()) s.resume()
        },
        connections: () => sockets.size,
        async close() {
          const closed = new Promise<void>((done) => server.close(() => done()))
          paused = false
          await Promise.all([...sockets].map(([socket, state]) => drain(socket, state)))
          await closed
        },
      }),
    )
  })
}

/**
 * A connection's chunks go to `push`; at its end, `end` runs and the connection is closed once the
 * sink has acknowledged every point read from it. A fault in either costs the connection (reset,
 * never acknowledged).
 */
function readConnection(
  socket: net.Socket,
  sink: ReceiverSink,
  where: string,
  push: (chunk: Buffer) => void,
  end: () => void,
): void {
  const drop = (): void => void socket.resetAndDestroy()
  socket.on('data', guard(where, sink.fault, push, drop))
  socket.on(
    'end',
    guard(
      where,
      sink.fault,
      () => {
        end()
        sink.acknowledge(() => socket.end())
      },
      drop,
    ),
  )
}

export interface LineReceiverOptions {
  now: () => number
  maxLineBytes?: number
  /** Shared by every connection (and the UDP receiver): one string per metric name. */
  names?: NameInterner
}

/** Plaintext over TCP: `metric value timestamp\n`. */
export function startLineReceiver(
  listener: Listener,
  sink: ReceiverSink,
  options: LineReceiverOptions,
): Promise<Receiver> {
  return startTcpReceiver('line', listener, (socket, peer) => {
    // One time per chunk for its `-1` timestamps: the log keeps it with the lines.
    let now = 0
    const decoder = createPlaintextDecoder({
      now: () => now,
      maxLineBytes: options.maxLineBytes,
      names: options.names,
      onLines: (bytes, start, end) => sink.received('line', bytes, start, end, now),
      onPoint: sink.point,
      onReject: (r) => sink.reject('line', r.reason, `line ${r.line}: ${r.message}: ${r.text}`, peer),
    })
    readConnection(
      socket,
      sink,
      `line receiver (connection from ${peer})`,
      (chunk) => {
        now = options.now()
        decoder.push(chunk)
      },
      () => decoder.end(),
    )
  })
}

export interface PickleReceiverOptions {
  now: () => number
  maxFrameBytes: number
  /** Shared with the plaintext receivers: one string per metric name. */
  names?: NameInterner
}

/** Pickle over TCP: 4-byte length, then a pickled list of (metric, (timestamp, value)). */
export function startPickleReceiver(
  listener: Listener,
  sink: ReceiverSink,
  options: PickleReceiverOptions,
): Promise<Receiver> {
  return startTcpReceiver('pickle', listener, (socket, peer) => {
    // Points go straight from the frame's bytes to the sink: no object per point.
    const batch = {
      now: 0,
      names: options.names,
      onPoint: (metric: string, value: number, timestamp: number) => sink.point(metric, value, timestamp),
      onReject: (index: number, reason: string, message: string) =>
        sink.reject('pickle', reason, `item ${index}: ${message}`, peer),
    }
    const frames = createFrameDecoder({
      maxFrameBytes: options.maxFrameBytes,
      onFrame: (body) => {
        batch.now = options.now()
        sink.received('pickle', body, 0, body.length, batch.now)
        try {
          forEachPickleMetric(body, batch)
        } catch (error) {
          // A refused frame hands nothing on before it throws.
          if (!(error instanceof PickleError)) throw error
          sink.reject('pickle', 'bad-pickle', error.message, peer)
        }
      },
      onOversize: (length) =>
        sink.reject(
          'pickle',
          'frame-too-long',
          `a ${length}-byte frame, over the ${options.maxFrameBytes}-byte limit, skipped`,
          peer,
        ),
    })
    readConnection(
      socket,
      sink,
      `pickle receiver (connection from ${peer})`,
      (chunk) => frames.push(chunk),
      () => {
        const end = frames.end()
        if (end.truncated)
          sink.reject(
            'pickle',
            'truncated-frame',
            `the connection ended ${end.missingBytes} bytes into a frame`,
            peer,
          )
      },
    )
  })
}

/** Plaintext over UDP: one or more lines per datagram. */
export function startUdpReceiver(
  listener: Listener,
  sink: ReceiverSink,
  options: LineReceiverOptions,
): Promise<Receiver> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: listener.interface.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: 1 << 22,
    })
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UnavailableError(
          `cannot listen for UDP on ${listener.interface}:${listener.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    )
    const onMessage = (datagram: Buffer, remote: dgram.RemoteInfo): void => {
      const peer = `${remote.address}:${remote.port}`
      if (sink.full()) {
        sink.reject(
          'udp',
          'cache-full',
          `a ${datagram.length}-byte datagram dropped: the cache is full`,
          peer,
        )
        return
      }
      const now = options.now()
      sink.received('datagram', datagram, 0, datagram.length, now)
      parseDatagram(datagram, {
        now,
        maxLineBytes: options.maxLineBytes,
        names: options.names,
        onPoint: sink.point,
        onReject: (r) => sink.reject('udp', r.reason, `line ${r.line}: ${r.message}: ${r.text}`, peer),
      })
    }
    // A bug costs the rest of that datagram only.
    socket.on('message', guard('udp receiver', sink.fault, onMessage))
    socket.bind({ address: listener.interface, port: listener.port ?? 0 }, () => {
      socket.removeAllListeners('error')
      socket.on('error', () => undefined)
      resolve({
        protocol: 'udp',
        address: socket.address(),
        pause: () => undefined,
        resume: () => undefined,
        connections: () => 0,
        close: () => new Promise((done) => socket.close(() => done())),
      })
    })
  })
}
