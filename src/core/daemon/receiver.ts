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
import { MAX_LINE_BYTES, createPlaintextDecoder, parseDatagram } from '../protocol/plaintext.js'
import type { ParseReply } from './line-parse.js'
import { LineFramer } from './line-parse.js'
import { ParserThread } from './parser-thread.js'
import type { Listener } from './daemon-settings.js'
import type { ReceivedFormat } from './wal.js'

export interface ReceiverSink {
  /**
   * The bytes the next points come from, before they are parsed: complete plaintext lines, a
   * datagram, a pickle frame's body; `now` is what `-1` timestamps in them stand for (the
   * write-ahead log keeps them as they came). `stable`: the bytes never change afterwards (a socket's
   * own chunk), so the log may write them from where they are.
   */
  received(
    format: ReceivedFormat,
    bytes: Buffer,
    start: number,
    end: number,
    now: number,
    stable?: boolean,
  ): void
  /** A point as carbon's receivers hand it on: NaN values and bad lines already gone, -1 made now. */
  point(metric: string, value: number, timestamp: number): void
  /**
   * point() in steps, for a receiver that keeps the answer per name (the parser thread's names):
   * `resolve` once per name, `storeVia` per point (true: stored, false: refused and reported), and
   * `stored` once per batch with how many were stored (the counts, flow control, the persister's
   * wake-up: point() does them per point). The answers are good while `nameGeneration` stays.
   */
  resolve?(metric: string): object
  storeVia?(handle: object, value: number, timestamp: number): boolean
  stored?(count: number): void
  nameGeneration?(): number
  /** Something refused, by reason (counted, and logged at a bounded rate by the daemon). */
  reject(protocol: string, reason: string, detail: string, peer: string): void
  /** Whether a datagram must be dropped now (the cache or the log is full: UDP cannot wait). */
  full(): boolean
  /** `done` runs once every point handed to point() so far is safe (in the write-ahead log). */
  acknowledge(done: () => void): void
  /**
   * The log segment that bytes handed to received() now go to, or an earlier one (the parser thread's
   * points are stored later, as of this segment: see store).
   */
  epoch?(): number
  /** Store the points that apply() hands to point() as of log segment `epoch` (see epoch). */
  store?(epoch: number, apply: () => void): void
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
  /** Stop accepting and end the connections (and every point read from them is stored). */
  close(): Promise<void>
  /** The lowest log segment of a point read and not yet stored (parsing): Infinity when none. */
  oldestEpoch?(): number
  /**
   * Stop reading until every point read so far is stored (lines parsed on a thread, then cached), for
   * what must happen in the log and the cache in the same order (an admin delete's tombstone). The
   * answer resumes reading.
   */
  quiesce?(): Promise<() => void>
  /** The daemon holds `liveNames` names: forget the receiver's own when it holds many more. */
  sweep?(liveNames: number): void
  /** Memory is being given back: the receiver's threads collect their heaps; resolves when they have. */
  reclaim?(): Promise<void>
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
  /** Filled in: hold(true) pauses every connection as pause() does, until hold(false). */
  holder?: { hold: (on: boolean) => void },
): Promise<Receiver> {
  const sockets = new Map<net.Socket, { lastData: number }>()
  // Paused by flow control (pause()), held by the receiver's own backlog: read only when neither.
  let paused = false
  let held = false
  // Closing: every connection is read to its end, whatever flow control or the backlog say.
  let closing = false
  const apply = (): void => {
    for (const s of sockets.keys()) {
      if ((paused || held) && !closing) s.pause()
      else s.resume()
    }
  }
  if (holder) {
    holder.hold = (on) => {
      if (on === held) return
      held = on
      apply()
    }
  }
  // allowHalfOpen: the client's end must not close our side at once (Node's default): the close is
  // the acknowledgement, sent only once the sink says the points are safe.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const state = { lastData: Date.now() }
    sockets.set(socket, state)
    if (paused || held) socket.pause()
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
      let lastTick = started
      // A connection paused until now (flow control, the parse backlog) has not been quiet: it was
      // not read.
      state.lastData = started
      const timer = setInterval(() => {
        const now = Date.now()
        // Timers run before the loop reads sockets: after a long turn (a busy or starved thread),
        // data may be waiting unread. Quiet is judged only on a tick that came on time.
        const onTime = now - lastTick < DRAIN_QUIET_MS / 2
        lastTick = now
        // A connection that has ended is not quiet: it waits for its acknowledgement (its points
        // may still be parsing).
        const quiet = onTime && !socket.readableEnded && now - state.lastData >= DRAIN_QUIET_MS
        if (quiet || now - started >= DRAIN_MAX_MS) socket.destroy()
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
          apply()
        },
        resume() {
          paused = false
          apply()
        },
        connections: () => sockets.size,
        async close() {
          const closed = new Promise<void>((done) => server.close(() => done()))
          paused = false
          held = false
          closing = true
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
  how: {
    /** What a fault does to the connection (default: reset it). */
    drop?: () => void
    /** Acknowledged at its end (default), or later by the caller (the parser thread's answer). */
    acknowledgeAtEnd?: boolean
  } = {},
): void {
  const drop = how.drop ?? ((): void => void socket.resetAndDestroy())
  socket.on('data', guard(where, sink.fault, push, drop))
  socket.on(
    'end',
    guard(
      where,
      sink.fault,
      () => {
        end()
        if (how.acknowledgeAtEnd ?? true) sink.acknowledge(() => socket.end())
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
  /**
   * TCP: parse on a thread of its own (parser-worker.ts): the main thread frames, logs, stores.
   * Without it, lines are parsed on the main thread as they come.
   */
  parserWorkerUrl?: URL
  /** Bytes handed to the parser thread and not yet parsed before the connections pause (default 8 MiB). */
  maxBacklogBytes?: number
  /** The parser thread collects its heap when the daemon gives memory back (Receiver.reclaim). */
  collect?: boolean
}

/** What the plaintext receiver hands its parser thread and has not had back before it pauses. */
export const MAX_PARSE_BACKLOG_BYTES = 8 << 20

/** Plaintext over TCP: `metric value timestamp\n`. */
export function startLineReceiver(
  listener: Listener,
  sink: ReceiverSink,
  options: LineReceiverOptions,
): Promise<Receiver> {
  if (options.parserWorkerUrl !== undefined) return startThreadedLineReceiver(listener, sink, options)
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

/**
 * Plaintext over TCP with a parser thread: each chunk's whole lines are logged (sink.received) and
 * posted as they come; their points are stored when the thread answers, as of the log segment they
 * were logged in; the connection is acknowledged once the thread has answered its end. Replies come in
 * order, so a connection's points keep their order.
 */
async function startThreadedLineReceiver(
  listener: Listener,
  sink: ReceiverSink,
  options: LineReceiverOptions,
): Promise<Receiver> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES
  const holder = { hold: (_on: boolean): void => undefined }
  // Held by the parser's backlog, or while quiesced: reading resumes when neither.
  let backlogHeld = false
  let quiesced = 0
  const epoch = (): number => sink.epoch?.() ?? 0
  const store = sink.store ?? ((_epoch: number, apply: () => void) => apply())
  const parser = new ParserThread({
    workerUrl: options.parserWorkerUrl!,
    maxLineBytes,
    maxBacklogBytes: options.maxBacklogBytes ?? MAX_PARSE_BACKLOG_BYTES,
    collect: options.collect,
    hold: (on) => {
      backlogHeld = on
      holder.hold(backlogHeld || quiesced > 0)
    },
    fault: (where, error) => sink.fault?.(where, error),
  })
  // Listening once the thread has warmed up (see ParserThread.ready).
  await parser.ready
  // The sink's answer per name id, while the thread's name table and the sink's generation last.
  const handles: NameHandles = { handles: [], of: undefined, generation: -1 }
  const base = await startTcpReceiver(
    'line',
    listener,
    (socket, peer) => {
      const where = `line receiver (connection from ${peer})`
      // Reset (a fault, or the parser thread lost): never acknowledged. What it sent before is logged,
      // and parsed and cached like any other.
      let dropped = false
      let endPosted = false
      const drop = (): void => {
        if (dropped) return
        dropped = true
        socket.resetAndDestroy()
      }
      const guarded = (apply: () => void): void => {
        try {
          apply()
        } catch (error) {
          sink.fault?.(where, error)
          drop()
        }
      }
      const conn = parser.open({
        // As of the segment the lines were logged in: a segment is kept until its points are written.
        batch: (reply, names, segment) =>
          guarded(() => store(segment, () => storeReply(sink, handles, reply, names, peer))),
        ended: () => {
          if (!dropped) sink.acknowledge(() => socket.end())
        },
        lost: drop,
      })
      let now = 0
      const framer = new LineFramer(maxLineBytes, {
        lines(bytes, start, end) {
          // Node hands each read its own buffer, and the framer's joined lines are its own too.
          sink.received('line', bytes, start, end, now, true)
          parser.postLines(conn, now, bytes, start, end, epoch())
        },
        tooLong(head) {
          parser.post({ type: 'too-long', conn, head: Uint8Array.from(head) }, head.length, epoch())
        },
      })
      readConnection(
        socket,
        sink,
        where,
        (chunk) => {
          now = options.now()
          framer.push(chunk)
        },
        () => {
          const rest = framer.end()
          endPosted = true
          parser.post({ type: 'end', conn, now: options.now(), rest }, rest?.length ?? 0, epoch())
        },
        // Acknowledged when the thread has parsed and stored the last line (`ended` above).
        { drop, acknowledgeAtEnd: false },
      )
      // A connection gone without its end: the thread forgets its state (after parsing what came).
      socket.on('close', () => {
        if (endPosted) return
        endPosted = true
        dropped = true
        parser.post({ type: 'end', conn, now: 0, dropped: true }, 0, epoch())
      })
    },
    holder,
  )
  return {
    ...base,
    async close() {
      await base.close()
      await parser.close()
    },
    oldestEpoch: () => parser.oldestEpoch(),
    async quiesce() {
      quiesced++
      holder.hold(true)
      await parser.settled()
      let released = false
      return () => {
        if (released) return
        released = true
        quiesced--
        holder.hold(backlogHeld || quiesced > 0)
      }
    },
    sweep(liveNames) {
      if (parser.nameCount > 2 * liveNames + 1024) parser.reset(epoch())
    },
    reclaim: async () => {
      await parser.collect(epoch())
    },
  }
}

/** The sink's answers for the parser thread's names, by id (see storeReply). */
export interface NameHandles {
  handles: object[]
  /** The thread's name table they are for, and the sink's name generation then. */
  of: readonly string[] | undefined
  generation: number
}

/**
 * Hand the points of one parser-thread reply to the sink, resolving each name once per name table
 * (`handles` keeps the answers). The receiver's, and the start-up warm-up's (warm-up.ts): one
 * function, so that what V8 learns warming up is what the first burst runs.
 */
export function storeReply(
  sink: ReceiverSink,
  handles: NameHandles,
  reply: ParseReply,
  names: readonly string[],
  peer: string,
): void {
  const points = reply.points
  const extra = reply.extra
  const resolveName = sink.resolve
  const storeVia = sink.storeVia
  const stored = sink.stored
  if (resolveName !== undefined && storeVia !== undefined && stored !== undefined) {
    const generation = sink.nameGeneration?.() ?? 0
    if (names !== handles.of || generation !== handles.generation) {
      handles.handles = []
      handles.of = names
      handles.generation = generation
    }
    const byId = handles.handles
    let count = 0
    try {
      for (let i = 0; i < points.length; i += 3) {
        const id = points[i]!
        if (id < 0) {
          sink.point(extra[-id - 1]!, points[i + 1]!, points[i + 2]!)
          continue
        }
        const handle = (byId[id] ??= resolveName(names[id]!))
        if (storeVia(handle, points[i + 1]!, points[i + 2]!)) count++
      }
    } finally {
      // Also when a point failed: the ones stored before it are counted.
      stored(count)
    }
  } else {
    for (let i = 0; i < points.length; i += 3) {
      const id = points[i]!
      sink.point(id >= 0 ? names[id]! : extra[-id - 1]!, points[i + 1]!, points[i + 2]!)
    }
  }
  for (const r of reply.rejects)
    sink.reject('line', r.reason, `line ${r.line}: ${r.message}: ${r.text}`, peer)
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
        // Stable: a body is a view into the socket's own chunk or a buffer the decoder joined it in,
        // and neither is written again, so the log writes it from where it is (no copy).
        sink.received('pickle', body, 0, body.length, batch.now, true)
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
