// Plaintext parsing off the main thread: the units on both sides of the parser thread
// (parser-thread.ts runs them). The main thread frames each connection's bytes into whole lines
// (`LineFramer`: two indexOf calls per chunk, no work per line), logs them, and posts them; the parser
// thread (`LineParseSession`) parses them with the same decoder as before and answers each message
// with one compact batch: the points as [name id, value, timestamp] triples in a Float64Array, the
// names it had not sent before, and the refused lines. `ParseBacklog` bounds what is posted and not yet
// answered (the TCP receivers pause above its limit) and knows the oldest write-ahead log segment a
// posted line may be in: a segment is never deleted while a point from it is still being parsed.

import type { LineReject } from '../protocol/plaintext.js'
import { REJECT_HEAD_BYTES, createPlaintextDecoder } from '../protocol/plaintext.js'
import type { PlaintextDecoder } from '../protocol/plaintext.js'
import { NameInterner } from '../protocol/intern.js'

/** Main thread → parser thread. Each is answered by exactly one ParseReply, in order. */
export type ParseRequest =
  /**
   * Whole lines of connection `conn`, each with its '\n'; `now` is what `-1` means in them. They are
   * `bytes`, or `length` bytes at `at` in the ring shared with the thread (SharedRing).
   */
  | { type: 'lines'; conn: number; now: number; bytes?: Uint8Array; at?: number; length?: number }
  /** A line over the limit, skipped by the framer (`head`: its first bytes): reported, counted. */
  | { type: 'too-long'; conn: number; head: Uint8Array }
  /**
   * The connection ended; `rest`: bytes after its last '\n' (reported as an unterminated line).
   * `dropped`: it was reset, not ended: its state is forgotten, nothing reported.
   */
  | { type: 'end'; conn: number; now: number; rest?: Uint8Array; dropped?: boolean }
  /** Forget every name (the daemon's names went idle): the reply says reset. */
  | { type: 'reset' }
  /** Memory is being given back: the thread collects its heap before it answers (parser-worker.ts). */
  | { type: 'collect' }

export interface ParseReply {
  conn: number
  /** Points: [id, value, timestamp] per point; id >= 0 is a name id, id < 0 is extra[-id - 1]. */
  points: Float64Array
  /** The name table was cleared before `names` (ids start again from 0). */
  reset: boolean
  /** Names new to the main thread, ids `known`, `known + 1`, ... in order. */
  names: string[]
  /** Names not interned (not ASCII), for this batch only. */
  extra: string[]
  rejects: LineReject[]
  /** The reply to an `end`: every point of the connection has been answered. */
  ended: boolean
  /** The reply to a `collect`: the thread's heap (bytes resident) after it collected. */
  heapBytes?: number
}

/** The parser thread's side: one decoder per connection, names interned across connections. */
export class LineParseSession {
  private readonly decoders = new Map<number, PlaintextDecoder>()
  private readonly interner: NameInterner
  /** Names (interner entries) the main thread has. */
  private sent = 0
  private resetNext = false
  private now = 0
  /** [id, value, timestamp] per point of the message being parsed: `count` numbers in use. */
  private points = new Float64Array(3 * 4096)
  private count = 0
  private extra: string[] = []
  private rejects: LineReject[] = []

  /** @param maxNames past this many names the table starts over, between two messages. */
  constructor(
    private readonly options: { maxLineBytes?: number; maxNames?: number; ring?: SharedArrayBuffer } = {},
  ) {
    // Never cleared inside a message (ids in a batch refer to one table): the bound is checked here.
    this.interner = new NameInterner(Number.MAX_SAFE_INTEGER)
  }

  private decoder(conn: number): PlaintextDecoder {
    let decoder = this.decoders.get(conn)
    if (decoder === undefined) {
      decoder = createPlaintextDecoder({
        now: () => this.now,
        maxLineBytes: this.options.maxLineBytes,
        names: this.interner,
        onPoint: (metric, value, timestamp) => {
          let id = this.interner.entryOf(metric)
          if (id < 0) id = -this.extra.push(metric)
          let points = this.points
          const at = this.count
          if (at + 3 > points.length) {
            points = new Float64Array(points.length * 2)
            points.set(this.points)
            this.points = points
          }
          points[at] = id
          points[at + 1] = value
          points[at + 2] = timestamp
          this.count = at + 3
        },
        onReject: (reject) => this.rejects.push(reject),
      })
      this.decoders.set(conn, decoder)
    }
    return decoder
  }

  handle(request: ParseRequest): ParseReply {
    let reset = false
    if (
      this.resetNext ||
      request.type === 'reset' ||
      this.interner.size > (this.options.maxNames ?? 1 << 20)
    ) {
      this.interner.reset()
      this.sent = 0
      this.resetNext = false
      reset = true
    }
    let conn = -1
    let ended = false
    switch (request.type) {
      case 'lines':
        conn = request.conn
        this.now = request.now
        this.decoder(conn).push(
          request.bytes ?? Buffer.from(this.options.ring!, request.at ?? 0, request.length ?? 0),
        )
        break
      case 'too-long':
        conn = request.conn
        this.decoder(conn).skipLine(
          Buffer.from(request.head.buffer, request.head.byteOffset, request.head.length),
        )
        break
      case 'end': {
        conn = request.conn
        this.now = request.now
        if (!request.dropped) {
          const decoder = this.decoder(conn)
          if (request.rest !== undefined) decoder.push(request.rest)
          decoder.end()
        }
        this.decoders.delete(conn)
        ended = true
        break
      }
      case 'reset':
      case 'collect':
        break
    }
    const names: string[] = []
    for (let i = this.sent; i < this.interner.size; i++) names.push(this.interner.nameAt(i))
    this.sent = this.interner.size
    // A copy of its own: it is transferred to the main thread. Not zeroed first (slice() memsets
    // its new buffer), since every number is written.
    const points = new Float64Array(Buffer.allocUnsafeSlow(this.count * 8).buffer, 0, this.count)
    points.set(this.points.subarray(0, this.count))
    const reply: ParseReply = {
      conn,
      points,
      reset,
      names,
      extra: this.extra,
      rejects: this.rejects,
      ended,
    }
    this.count = 0
    this.extra = []
    this.rejects = []
    return reply
  }
}

/**
 * `now` as the receiver sends it: seconds with a fraction. A whole number (a small integer to V8) in
 * the warm-up's messages would make the first real message's `now` a new field representation, and
 * V8 would throw away the optimised code that read it (the parse path inlined in it) at the start
 * of the first burst.
 */
const WARM_UP_NOW = 1_700_000_000.25

/**
 * Parse `lines` made-up lines (names new and repeated, decimal values, whole timestamps) with a
 * session of its own, thrown away afterwards: V8 compiles the parse path before the first real
 * burst instead of during it, when the main and parser threads already take both cores of a small
 * machine (a relay flushing its backlog at a restart). Nothing of it is kept; returns the points
 * parsed (every line, or the warm-up missed the fast path).
 *
 * The session is the thread's own, as the thread makes it (`options`: its workerData, cloned as a
 * message is) and the lines come as the receiver's do (in a shared ring, in cloned messages): V8
 * compiles for the shapes it has seen, and code that saw only the warm-up's would be thrown away at
 * the first real message. For the same reason the name table starts over twice on the way (a real
 * session's first names go into a table as empty as one just reset), the messages take turns between
 * two connections (each connection's decoder has closures of its own: call sites that saw only one
 * were thrown away at a real connection's first message, 'wrong call target'), and `now` has a
 * fraction (WARM_UP_NOW).
 */
export function warmUpParser(
  lines = WARM_UP_LINES,
  options: { maxLineBytes?: number; collect?: boolean } = {},
): number {
  // The thread's replies move their points (a transfer detaches the buffer): the first detach in a
  // thread throws away every optimised function that read a typed array, so it happens here, first.
  const moved = new ArrayBuffer(8)
  structuredClone(moved, { transfer: [moved] })
  const ring = new SharedArrayBuffer(1 << 20)
  const ringBytes = Buffer.from(ring)
  // The order of ParserThread's workerData: one shape for both sessions' options.
  const session = new LineParseSession(
    structuredClone({ maxLineBytes: options.maxLineBytes, ring, collect: options.collect === true }),
  )
  const names = 5000
  const perMessage = 1500
  const resetEvery = perMessage * Math.max(1, Math.floor(lines / perMessage / 3))
  let parsed = 0
  for (let first = 0; first < lines; first += perMessage) {
    if (first > 0 && first % resetEvery === 0) session.handle(structuredClone({ type: 'reset' }))
    let text = ''
    for (let i = first; i < Math.min(lines, first + perMessage); i++) {
      const round = Math.floor(i / names)
      text += `carbonkit.warm-up.host-${i % 100}.m${i % names} ${((i * 7919) % 1_000_000) / 100} ${1_700_000_000 + 10 * round}\n`
    }
    const length = ringBytes.write(text, 0, 'latin1')
    const conn = 1 + ((first / perMessage) & 1)
    const request: ParseRequest = structuredClone({ type: 'lines', conn, now: WARM_UP_NOW, at: 0, length })
    parsed += session.handle(request).points.length / 3
  }
  for (const conn of [1, 2])
    session.handle(structuredClone({ type: 'end', conn, now: WARM_UP_NOW, rest: undefined }))
  return parsed
}

/** Enough lines that V8 has optimized the parse path by the end (measured: about 40,000). */
export const WARM_UP_LINES = 50_000

export interface LineFramerSinks {
  /** Whole lines, each with its '\n': `bytes` may be the pushed chunk (use it before returning). */
  lines(bytes: Buffer, start: number, end: number): void
  /** A line over the limit, skipped; `head` holds its first bytes. */
  tooLong(head: Buffer): void
}

/**
 * The main thread's framing of a plaintext stream into whole lines: what LineSplitter hands to its
 * onLines, without looking at each line (an over-long line still in progress is cut here, so memory
 * stays within one line; one that arrives whole is left to the parser, which reports it the same way).
 */
export class LineFramer {
  private held: Buffer[] = []
  private heldBytes = 0
  private skipping = false

  constructor(
    private readonly maxLineBytes: number,
    private readonly sinks: LineFramerSinks,
  ) {}

  push(chunk: Buffer): void {
    const n = chunk.length
    let pos = 0
    if (this.skipping || this.heldBytes > 0) {
      const nl = chunk.indexOf(0x0a)
      if (nl < 0) {
        if (!this.skipping) this.hold(chunk, 0, n)
        return
      }
      if (this.skipping) {
        this.skipping = false
      } else {
        const length = this.heldBytes + nl
        const whole = Buffer.concat([...this.held, chunk.subarray(0, nl + 1)], length + 1)
        this.held = []
        this.heldBytes = 0
        if (length > this.maxLineBytes)
          this.sinks.tooLong(whole.subarray(0, Math.min(length, REJECT_HEAD_BYTES)))
        else this.sinks.lines(whole, 0, length + 1)
      }
      pos = nl + 1
    }
    if (pos >= n) return
    const last = chunk.lastIndexOf(0x0a)
    if (last >= pos) {
      this.sinks.lines(chunk, pos, last + 1)
      pos = last + 1
    }
    if (pos < n) this.hold(chunk, pos, n)
  }

  /** The stream ended: the bytes after its last '\n' (none while skipping an over-long line). */
  end(): Buffer | undefined {
    const rest = this.heldBytes > 0 ? Buffer.concat(this.held, this.heldBytes) : undefined
    this.held = []
    this.heldBytes = 0
    this.skipping = false
    return rest
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    if (this.heldBytes + (to - from) > this.maxLineBytes) {
      const head = Buffer.concat([...this.held, chunk.subarray(from, Math.min(to, from + REJECT_HEAD_BYTES))])
      this.sinks.tooLong(head.subarray(0, REJECT_HEAD_BYTES))
      this.held = []
      this.heldBytes = 0
      this.skipping = true
      return
    }
    // A copy: the socket's chunk is not ours to keep, and a held line is small.
    this.held.push(Buffer.from(chunk.subarray(from, to)))
    this.heldBytes += to - from
  }
}

/**
 * What has been posted to the parser thread and not answered yet: its bytes (the bound) and the log
 * segment (epoch) current when each message's lines were logged. Replies come in order, so the oldest
 * is the first; epochs never decrease.
 */
export class ParseBacklog {
  private readonly epochs: number[] = []
  private readonly sizes: number[] = []
  private head = 0
  bytes = 0
  private holding = false

  /** Hold (pause the sockets) at `maxBytes`, let go below a quarter of it. */
  constructor(private readonly maxBytes: number) {}

  get length(): number {
    return this.epochs.length - this.head
  }

  /** A message posted. Returns true when the receivers must pause now. */
  posted(bytes: number, epoch: number): boolean {
    this.epochs.push(epoch)
    this.sizes.push(bytes)
    this.bytes += bytes
    if (!this.holding && this.bytes >= this.maxBytes) return (this.holding = true)
    return false
  }

  /** The oldest message answered: its epoch. Check `release` afterwards. */
  answered(): number {
    if (this.head >= this.epochs.length) throw new Error('a parser reply with nothing posted')
    const epoch = this.epochs[this.head]!
    this.bytes -= this.sizes[this.head]!
    this.head++
    if (this.head > 1024 && this.head * 2 > this.epochs.length) {
      this.epochs.splice(0, this.head)
      this.sizes.splice(0, this.head)
      this.head = 0
    }
    return epoch
  }

  /** Whether held receivers may resume now (true once per hold). */
  release(): boolean {
    if (this.holding && this.bytes < this.maxBytes / 4) {
      this.holding = false
      return true
    }
    return false
  }

  get held(): boolean {
    return this.holding
  }

  /** The lowest epoch of a message not answered yet (Infinity: none). */
  oldestEpoch(): number {
    return this.head < this.epochs.length ? this.epochs[this.head]! : Infinity
  }

  /** The parser thread was lost: nothing is pending any more. */
  clear(): void {
    this.epochs.length = 0
    this.sizes.length = 0
    this.head = 0
    this.bytes = 0
  }
}

/**
 * Space in a SharedArrayBuffer for the lines posted to the parser thread: one copy into memory that
 * stays mapped, instead of a new buffer (page faults, zeroing) per message. Freed in the order it was
 * taken (the thread answers in order); a message that does not fit goes as a buffer of its own.
 */
export class SharedRing {
  readonly buffer: SharedArrayBuffer
  /** A Buffer over the ring (see put). */
  private readonly bytes: Buffer
  private write = 0
  private used = 0
  /** What each message took (its bytes and the end of the ring it skipped), oldest first. */
  private readonly costs: number[] = []
  private head = 0

  constructor(size: number) {
    this.buffer = new SharedArrayBuffer(size)
    this.bytes = Buffer.from(this.buffer)
    // Its pages faulted in now, at start-up (one memset), not one by one under the first burst's
    // copies (serve.bench.ts: 12 MiB, about 3,000 of a cold burst's page faults on the main thread).
    this.bytes.fill(0)
  }

  /** Copy `source` in: its offset, or -1 when it does not fit now. Every call is followed by one release(). */
  put(source: Uint8Array): number {
    const size = this.bytes.length
    const length = source.length
    let at = -1
    let cost = 0
    if (this.used === 0) this.write = 0
    if (this.write + length <= size && this.used + length <= size) {
      at = this.write
      cost = length
    } else if (length <= this.write - this.used) {
      // Wrap: the end of the ring is skipped (and counted until this message is released).
      at = 0
      cost = size - this.write + length
    }
    this.costs.push(at < 0 ? 0 : cost)
    if (at < 0) return -1
    // fill() with a buffer as long as the range is one memcpy in C++; set() and copy() into shared
    // memory are V8's relaxed (word by word) copy, several times slower.
    const from = Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, length)
    if (length > 0) this.bytes.fill(from, at, at + length)
    this.write = at + length
    this.used += cost
    return at
  }

  /** The oldest message is answered: its space is free. */
  release(): void {
    this.used -= this.costs[this.head++]!
    if (this.head > 1024 && this.head * 2 > this.costs.length) {
      this.costs.splice(0, this.head)
      this.head = 0
    }
  }

  /** The thread was lost: nothing is in use. */
  clear(): void {
    this.costs.length = 0
    this.head = 0
    this.used = 0
    this.write = 0
  }
}
