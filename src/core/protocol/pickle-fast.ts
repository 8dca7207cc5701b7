// The fast path for pickle metric batches: the frames carbon's clients actually send, read straight
// from the bytes into (metric, timestamp, value) without building the object graph. Pure.
//
//   Batch  = (PROTO n)? EMPTY_LIST Put? (Item APPEND | MARK Item* APPENDS)* STOP
//   Item   = (Name Put? Pair TUPLE2 | MARK Name Put? Pair TUPLE) Put?
//   Pair   = (Number Number TUPLE2 | MARK Number Number TUPLE) Put?
//   Name   = SHORT_BINUNICODE n:u8 | BINUNICODE n:u32le | SHORT_BINSTRING n:u8 | BINSTRING n:i32le
//          | SHORT_BINBYTES n:u8 | BINBYTES n:u32le | BINGET u8 | LONG_BINGET u32le      (a memoized Name)
//   Number = BININT i32le | BININT1 u8 | BININT2 u16le | LONG1 n:u8 bytes{n<=16} | BINFLOAT f64be
//          | NEWTRUE | NEWFALSE
//   Put    = BINPUT u8 | LONG_BINPUT u32le | MEMOIZE
//   FRAME n:u64le may come before any opcode (protocols 4 and 5), outside any other frame.
//
// That covers pickle.dumps(list_of_tuples) at protocols 1 to 5 from Python 2 and 3 (repeated names
// come back as BINGET: the pickler memoizes a str it has seen), carbon-relay, carbon-c-relay and
// encodePickleMetrics. The scan is all or nothing: anything else, anything malformed or truncated,
// a limit that could be reached, or a str that is not strict UTF-8 makes it return false before a
// single point is handed on, and the caller decodes the frame with the generic decoder, which gives
// the answer (or the PickleError) for it. So this path accepts a strict subset of what decodePickle
// accepts and agrees with it there; the differential tests in pickle-fast.test.ts hold it to that.

import type { PickleDecodeOptions } from './pickle.js'
import { HIGHEST_PROTOCOL, OP, PICKLE_DECODE_DEFAULTS } from './pickle.js'

/** Where ASCII metric names come from instead of a new string per item (a receiver's NameInterner). */
export interface NameSource {
  intern(bytes: Uint8Array, start: number, end: number): string
  /** Which entry intern() returned last (a NameInterner: a value may be attached to it). */
  readonly lastEntry?: number
  /** Make `entry` (a lastEntry) the one intern() returned last again. */
  select?(entry: number): void
  /**
   * The name in these bytes without a lookup, when the source can tell it cheaply (a NameInterner:
   * the name that followed the last one before); it must be all ASCII. undefined: intern() it.
   */
  guess?(bytes: Uint8Array, start: number, end: number): string | undefined
}

// What a memo entry holds, as far as this path cares: a metric name (a string), a name that is bytes
// but not UTF-8, or something else (a tuple, the list).
const MEMO_NOT_UTF8 = 1
const MEMO_OTHER = 0

// name()'s answers besides a string.
const NAME_NOT_UTF8 = 1
const NAME_REFUSED = 2

/** Enough slack under maxCollectionItems for the list, the open MARKs and an item in progress. */
const ITEM_SLACK = 8

/** Where a scan stops when the body is not one of the shapes above. */
const REFUSED = -1

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const NO_BYTES = Buffer.alloc(0)
const NO_VIEW = new DataView(new ArrayBuffer(0))

/** LONG1's little-endian two's complement as float(int) reads it (the generic decoder's arithmetic). */
function readLong(b: Uint8Array, start: number, count: number): number {
  if (count === 0) return 0
  if (count <= 6) {
    let value = 0
    for (let i = count - 1; i >= 0; i--) value = value * 256 + b[start + i]!
    if (b[start + count - 1]! & 0x80) value -= 2 ** (8 * count)
    return value
  }
  let value = 0n
  for (let i = count - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[start + i]!)
  if (b[start + count - 1]! & 0x80) value -= 1n << BigInt(8 * count)
  return Number(value)
}

/** Strict UTF-8; undefined when the bytes are not (lone surrogates included). */
function decodeStrict(b: Uint8Array, start: number, end: number): string | undefined {
  try {
    return strictUtf8.decode(b.subarray(start, end))
  } catch {
    return undefined
  }
}

/**
 * Reads frame bodies of the shapes above. After a successful scan, item i of the batch is
 * (metrics[i], timestamps[i], values[i]) for i < count; metrics[i] is undefined when the name is
 * bytes that are not UTF-8. One scanner is reused from frame to frame: the arrays are kept.
 */
export class PickleBatchScanner {
  count = 0
  metrics: (string | undefined)[] = []
  /** The names' entries in the NameSource (lastEntry after interning them), -1 where none. */
  entries = new Int32Array(1024)
  timestamps = new Float64Array(1024)
  values = new Float64Array(1024)

  private b: Buffer = NO_BYTES
  private view: DataView = NO_VIEW
  private pos = 0
  private end = 0
  /** Where the current FRAME ends (0: none). */
  private frameEnd = 0
  /**
   * How far an argument at pos may reach: the frame's end inside a frame, else the body's end. It
   * becomes the body's end once an opcode is read at or past the frame's end, so an argument that
   * starts exactly at a frame's end is refused (the generic decoder reads it; Python never writes it).
   */
  private limit = 0
  private names: NameSource | undefined = undefined
  /** The NameSource entry of the name name() read last, -1 where none. */
  private entry = -1
  private bad = false
  // The memo by index: set in this scan when its stamp is the scan's generation.
  private memoStamps = new Uint32Array(1024)
  private memo: (string | number)[] = []
  private memoCount = 0
  private memoLimit = 0
  private generation = 0

  /**
   * Scan one frame body. True when it has the shape above and stays well inside the decoder's
   * limits: the items are then set. False otherwise: decode the body with the generic path.
   * Never throws, never reads outside `body`.
   */
  scan(body: Uint8Array, decode: PickleDecodeOptions | undefined, names: NameSource | undefined): boolean {
    this.count = 0
    const end = body.length
    const maxInput = decode?.maxInputBytes ?? PICKLE_DECODE_DEFAULTS.maxInputBytes
    const maxDepth = decode?.maxDepth ?? PICKLE_DECODE_DEFAULTS.maxDepth
    const maxMemo = decode?.maxMemoEntries ?? PICKLE_DECODE_DEFAULTS.maxMemoEntries
    const maxItems = decode?.maxCollectionItems ?? PICKLE_DECODE_DEFAULTS.maxCollectionItems
    // Written as "not (within limits)" so that a NaN limit also means the generic path.
    if (!(end <= maxInput && maxDepth >= 3 && maxItems >= 2 * ITEM_SLACK && maxMemo >= 0)) return false
    // A memo index beyond what a body this long could have put in order is not Python's.
    this.memoLimit = Math.min(maxMemo, end)
    if (this.generation === 0xffffffff) {
      this.generation = 0
      this.memoStamps.fill(0)
    }
    this.generation++
    this.memoCount = 0
    // Views, not copies: always pass byteOffset AND byteLength.
    this.b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength)
    this.pos = 0
    this.end = end
    this.frameEnd = 0
    this.limit = end
    this.names = names
    this.bad = false
    try {
      return this.batch(maxItems)
    } finally {
      // Keep neither the frame (often a view into a socket chunk) nor the interner alive.
      this.b = NO_BYTES
      this.view = NO_VIEW
      this.names = undefined
    }
  }

  private batch(maxItems: number): boolean {
    let op = this.next()
    if (op === OP.PROTO) {
      if (!this.fits(1) || this.b[this.pos]! > HIGHEST_PROTOCOL) return false
      this.pos++
      op = this.next()
    }
    if (op !== OP.EMPTY_LIST) return false
    op = this.put(MEMO_OTHER)
    while (op !== OP.STOP) {
      // The generic decoder's list and stack hold at most count + a few items.
      if (this.count + ITEM_SLACK > maxItems) return false
      if (op === OP.MARK) {
        // Items up to APPENDS. (A MARK that opens a lone protocol 1 Item before APPEND fails here,
        // and the generic path reads it.)
        op = this.next()
        while (op !== OP.APPENDS) {
          if (this.count + ITEM_SLACK > maxItems) return false
          op = this.item(op)
          if (op === REFUSED) return false
        }
      } else {
        op = this.item(op)
        if (op !== OP.APPEND) return false
      }
      op = this.next()
    }
    return true
  }

  /** The opcode at pos, past any FRAME; REFUSED at the end of the body or at a FRAME out of place. */
  private next(): number {
    for (;;) {
      const pos = this.pos
      if (pos >= this.limit) {
        if (pos >= this.end) return REFUSED
        this.limit = this.end
      }
      const op = this.b[pos]!
      if (op !== OP.FRAME) {
        this.pos = pos + 1
        return op
      }
      // A frame starts only where the last one is used up, and lies within the body.
      if (pos < this.frameEnd || this.end - pos < 9) return REFUSED
      const length = this.view.getUint32(pos + 1, true)
      if (this.view.getUint32(pos + 5, true) !== 0 || length > this.end - pos - 9) return REFUSED
      this.pos = pos + 9
      this.frameEnd = this.limit = this.pos + length
    }
  }

  /** Whether `size` argument bytes at pos are in the body and do not cross the frame's end. */
  private fits(size: number): boolean {
    return size <= this.limit - this.pos
  }

  /** An optional Put of the value just read (see MEMO_*), then the opcode after it. */
  private put(value: string | number): number {
    const op = this.next()
    let index: number
    if (op === OP.BINPUT) {
      if (!this.fits(1)) return REFUSED
      index = this.b[this.pos++]!
    } else if (op === OP.MEMOIZE) {
      index = this.memoCount
    } else if (op === OP.LONG_BINPUT) {
      if (!this.fits(4)) return REFUSED
      index = this.view.getUint32(this.pos, true)
      this.pos += 4
    } else {
      return op
    }
    if (index >= this.memoLimit) return REFUSED
    if (index >= this.memoStamps.length) this.growMemo(index)
    if (this.memoStamps[index] !== this.generation) {
      this.memoStamps[index] = this.generation
      this.memoCount++
    }
    this.memo[index] = value
    return this.next()
  }

  private growMemo(index: number): void {
    const stamps = new Uint32Array(Math.max(index + 1, this.memoStamps.length * 2))
    stamps.set(this.memoStamps)
    this.memoStamps = stamps
  }

  /** One Item whose first opcode is `op`, then the opcode after it (REFUSED if it is not one). */
  private item(op: number): number {
    const itemMark = op === OP.MARK
    if (itemMark) op = this.next()
    const name = this.name(op)
    if (name === NAME_REFUSED) return REFUSED
    const metric = typeof name === 'string' ? name : undefined
    op = this.put(metric ?? MEMO_NOT_UTF8)
    const pairMark = op === OP.MARK
    if (pairMark) op = this.next()
    const timestamp = this.number(op)
    const value = this.number(this.next())
    if (this.bad) return REFUSED
    if (this.next() !== (pairMark ? OP.TUPLE : OP.TUPLE2)) return REFUSED
    if (this.put(MEMO_OTHER) !== (itemMark ? OP.TUPLE : OP.TUPLE2)) return REFUSED
    const count = this.count
    if (count === this.timestamps.length) {
      const timestamps = new Float64Array(count * 2)
      timestamps.set(this.timestamps)
      this.timestamps = timestamps
      const values = new Float64Array(count * 2)
      values.set(this.values)
      this.values = values
      const entries = new Int32Array(count * 2)
      entries.set(this.entries)
      this.entries = entries
    }
    this.metrics[count] = metric
    this.entries[count] = this.entry
    this.timestamps[count] = timestamp
    this.values[count] = value
    this.count = count + 1
    return this.put(MEMO_OTHER)
  }

  /** The Name whose opcode is `op`: a string, NAME_NOT_UTF8 (bytes) or NAME_REFUSED. */
  private name(op: number): string | number {
    this.entry = -1
    const b = this.b
    let length: number
    let text = true
    switch (op) {
      case OP.SHORT_BINUNICODE:
      case OP.SHORT_BINSTRING:
      case OP.SHORT_BINBYTES:
        if (!this.fits(1)) return NAME_REFUSED
        length = b[this.pos++]!
        text = op !== OP.SHORT_BINBYTES
        break
      case OP.BINUNICODE:
      case OP.BINSTRING:
      case OP.BINBYTES:
        if (!this.fits(4)) return NAME_REFUSED
        length = this.view.getUint32(this.pos, true)
        // BINSTRING's count is signed: a negative one is an error.
        if (op === OP.BINSTRING && length > 0x7fffffff) return NAME_REFUSED
        this.pos += 4
        text = op !== OP.BINBYTES
        break
      case OP.BINGET:
      case OP.LONG_BINGET: {
        let index: number
        if (op === OP.BINGET) {
          if (!this.fits(1)) return NAME_REFUSED
          index = b[this.pos++]!
        } else {
          if (!this.fits(4)) return NAME_REFUSED
          index = this.view.getUint32(this.pos, true)
          this.pos += 4
        }
        if (index >= this.memoStamps.length || this.memoStamps[index] !== this.generation) return NAME_REFUSED
        const value = this.memo[index]!
        if (typeof value === 'string') return value
        return value === MEMO_NOT_UTF8 ? NAME_NOT_UTF8 : NAME_REFUSED
      }
      default:
        return NAME_REFUSED
    }
    if (!this.fits(length)) return NAME_REFUSED
    const start = this.pos
    const end = start + length
    this.pos = end
    const names = this.names
    if (names?.guess !== undefined) {
      const known = names.guess(b, start, end)
      if (known !== undefined) {
        this.entry = names.lastEntry ?? -1
        return known
      }
    }
    // ASCII when no byte has its top bit set: four bytes at a time, then the rest.
    const view = this.view
    let high = 0
    let i = start
    for (; i + 4 <= end; i += 4) high |= view.getInt32(i, true)
    for (; i < end; i++) high |= b[i]!
    if ((high & 0x80808080) === 0) {
      if (names === undefined) return b.toString('latin1', start, end)
      const name = names.intern(b, start, end)
      this.entry = names.lastEntry ?? -1
      return name
    }
    const decoded = decodeStrict(b, start, end)
    if (decoded !== undefined) return decoded
    // A str with lone surrogates (surrogatepass) or a Python 2 str that is not UTF-8 is the generic
    // decoder's business; bytes that are not UTF-8 are the item's reject.
    return text ? NAME_REFUSED : NAME_NOT_UTF8
  }

  /** The Number whose opcode is `op`; sets `bad` when it is not one. */
  private number(op: number): number {
    const pos = this.pos
    switch (op) {
      case OP.BINFLOAT:
        if (!this.fits(8)) break
        this.pos = pos + 8
        return this.view.getFloat64(pos)
      case OP.BININT:
        if (!this.fits(4)) break
        this.pos = pos + 4
        return this.view.getInt32(pos, true)
      case OP.BININT1:
        if (!this.fits(1)) break
        this.pos = pos + 1
        return this.b[pos]!
      case OP.BININT2:
        if (!this.fits(2)) break
        this.pos = pos + 2
        return this.view.getUint16(pos, true)
      case OP.LONG1: {
        if (!this.fits(1)) break
        const length = this.b[pos]!
        // Longer ones can be past the largest double: the generic path words that reject.
        if (length > 16) break
        this.pos = pos + 1
        if (!this.fits(length)) break
        this.pos = pos + 1 + length
        return readLong(this.b, pos + 1, length)
      }
      case OP.NEWTRUE:
        return 1
      case OP.NEWFALSE:
        return 0
    }
    this.bad = true
    return NaN
  }
}
