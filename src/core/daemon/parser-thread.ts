// The main thread's side of the plaintext parser thread: posts each connection's whole lines (after
// the receiver has logged them) and hands the points of each reply to the sink, as of the log segment
// their lines went to. Replies come in the order of the messages, so a connection's points keep their
// order, and its end is answered only after all of them. A parser thread that dies is a fault: the
// connections with lines in it are reset (never acknowledged: their clients send again) and a new
// thread starts.

import { Worker } from 'node:worker_threads'
import type { ParseReply, ParseRequest } from './line-parse.js'
import { ParseBacklog, SharedRing } from './line-parse.js'

const EMPTY = Buffer.alloc(0)

export interface ParserConnection {
  /** The points of one reply, with the names they refer to; `epoch` is where their lines were logged. */
  batch(reply: ParseReply, names: readonly string[], epoch: number): void
  /** Every line of the connection is answered (the reply to its end). */
  ended(): void
  /** The parser thread was lost with lines of this connection in it. */
  lost(): void
}

export interface ParserThreadOptions {
  workerUrl: URL
  maxLineBytes?: number
  /** Bytes posted and not answered before hold(true) pauses the receiver. */
  maxBacklogBytes: number
  /** The thread may collect its heap when asked (collect()): the daemon gives memory back. */
  collect?: boolean
  hold(on: boolean): void
  fault(where: string, error: unknown): void
}

export class ParserThread {
  private worker: Worker | undefined
  private readonly backlog: ParseBacklog
  private readonly ring: SharedRing
  private readonly connections = new Map<number, ParserConnection>()
  /** The connection of each message posted and not answered, oldest first. */
  private readonly order: number[] = []
  private orderHead = 0
  private nextConn = 1
  /** Names by id, as the parser thread numbered them. */
  private names: string[] = []
  private idleWaiters: (() => void)[] = []
  /** Messages posted and answered since the start; settled() waits for the one posted last. */
  private postedCount = 0
  private answeredCount = 0
  private settledWaiters: { upTo: number; resolve: () => void }[] = []
  private closed = false
  /** What the last answer to collect() said. */
  private heapBytes: number | undefined
  private markReady: () => void = () => undefined
  /**
   * Resolves once the thread has warmed up (warmUpParser; or it was lost): a receiver listens only
   * then. A burst that came earlier waited in the port for the warm-up, which ran beside it: in a
   * fresh daemon's first burst, the parser thread's CPU was twice a warm one's (0.4 s against 0.2 s
   * for 1M lines), and a second's wait before it took that away.
   */
  readonly ready: Promise<void>

  constructor(private readonly options: ParserThreadOptions) {
    this.backlog = new ParseBacklog(options.maxBacklogBytes)
    // Room for the backlog and what sockets deliver after they are told to pause.
    this.ring = new SharedRing(options.maxBacklogBytes + (options.maxBacklogBytes >> 1))
    this.ready = new Promise((resolve) => (this.markReady = resolve))
    this.start()
  }

  private start(): void {
    const worker = new Worker(this.options.workerUrl, {
      workerData: {
        maxLineBytes: this.options.maxLineBytes,
        ring: this.ring.buffer,
        collect: this.options.collect === true,
      },
    })
    worker.on('message', (reply: ParseReply | { ready: true }) => {
      if (!('ready' in reply)) return this.answer(reply)
      worker.unref()
      this.markReady()
    })
    worker.on('error', (error) => this.lose(worker, error))
    worker.on('exit', (code) => this.lose(worker, new Error(`the parser thread exited (${code})`)))
    // Held (the event loop waits for it) until it is ready: someone awaits that.
    this.worker = worker
  }

  /** A new connection's number, for post(). */
  open(connection: ParserConnection): number {
    const conn = this.nextConn++
    this.connections.set(conn, connection)
    return conn
  }

  /** Post the whole lines `bytes[start, end)` of connection `conn` (copied: the chunk is not kept). */
  postLines(conn: number, now: number, bytes: Uint8Array, start: number, end: number, epoch: number): void {
    const lines = bytes.subarray(start, end)
    const at = this.ring.put(lines)
    if (at >= 0) return this.post({ type: 'lines', conn, now, at, length: end - start }, end - start, epoch)
    const copy = new Uint8Array(end - start)
    copy.set(lines)
    this.post({ type: 'lines', conn, now, bytes: copy }, end - start, epoch, [copy.buffer])
  }

  /** Post a message; `epoch` is the log segment current when its lines were logged. */
  post(request: ParseRequest, bytes: number, epoch: number, transfer: ArrayBuffer[] = []): void {
    // Every message but postLines' takes no room in the ring (one release() per message).
    if (request.type !== 'lines') this.ring.put(EMPTY)
    this.order.push(request.type === 'reset' || request.type === 'collect' ? 0 : request.conn)
    this.postedCount++
    if (this.backlog.posted(bytes, epoch)) this.options.hold(true)
    this.worker!.postMessage(request, transfer)
  }

  /** Forget every name (they went idle); the thread's table starts over with the next message. */
  reset(epoch: number): void {
    this.post({ type: 'reset' }, 0, epoch)
  }

  /**
   * Memory is being given back: the thread collects its heap (a reset's names are garbage, and
   * nothing collects an idle thread's heap otherwise). Resolves when it has answered, with its heap's
   * resident bytes then (undefined: the thread was lost).
   */
  async collect(epoch: number): Promise<number | undefined> {
    this.heapBytes = undefined
    this.post({ type: 'collect' }, 0, epoch)
    await this.settled()
    return this.heapBytes
  }

  /** How many names the thread has sent (its table's size). */
  get nameCount(): number {
    return this.names.length
  }

  /** The lowest log segment of a line not yet answered (Infinity: none). */
  oldestEpoch(): number {
    return this.backlog.oldestEpoch()
  }

  /**
   * Resolves once every message posted so far is answered (later ones are not waited for, so a steady
   * stream of lines cannot hold it back): the points of every line logged before the call are stored.
   */
  settled(): Promise<void> {
    if (this.answeredCount >= this.postedCount) return Promise.resolve()
    return new Promise((resolve) => this.settledWaiters.push({ upTo: this.postedCount, resolve }))
  }

  private wakeSettled(all: boolean): void {
    if (this.settledWaiters.length === 0) return
    const waiting = this.settledWaiters
    this.settledWaiters = []
    for (const waiter of waiting) {
      if (all || waiter.upTo <= this.answeredCount) waiter.resolve()
      else this.settledWaiters.push(waiter)
    }
  }

  /** Resolves once every message posted is answered. */
  idle(): Promise<void> {
    if (this.backlog.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  async close(): Promise<void> {
    await this.idle()
    this.closed = true
    await this.worker?.terminate()
  }

  private answer(reply: ParseReply): void {
    const epoch = this.backlog.answered()
    this.ring.release()
    this.orderHead++
    if (reply.reset) this.names = []
    if (reply.heapBytes !== undefined) this.heapBytes = reply.heapBytes
    for (const name of reply.names) this.names.push(name)
    const connection = this.connections.get(reply.conn)
    if (connection !== undefined) {
      try {
        connection.batch(reply, this.names, epoch)
      } finally {
        if (reply.ended) {
          this.connections.delete(reply.conn)
          connection.ended()
        }
      }
    }
    this.answeredCount++
    this.wakeSettled(false)
    if (this.backlog.release()) this.options.hold(false)
    if (this.backlog.length === 0) {
      this.order.length = 0
      this.orderHead = 0
      for (const waiter of this.idleWaiters.splice(0)) waiter()
    }
  }

  private lose(worker: Worker, error: unknown): void {
    if (worker !== this.worker || this.closed) return
    this.worker = undefined
    this.markReady()
    this.options.fault('plaintext parser thread', error)
    const lost = new Set(this.order.slice(this.orderHead))
    this.order.length = 0
    this.orderHead = 0
    this.backlog.clear()
    this.ring.clear()
    this.names = []
    for (const conn of lost) {
      const connection = this.connections.get(conn)
      this.connections.delete(conn)
      connection?.lost()
    }
    if (this.backlog.release()) this.options.hold(false)
    // What was lost is never answered: its connections were reset, none acknowledged.
    this.answeredCount = this.postedCount
    this.wakeSettled(true)
    for (const waiter of this.idleWaiters.splice(0)) waiter()
    this.start()
  }
}
