// The pickle encoder: writes what carbon's clients write (protocol 2, raised to 3 for bytes and 4 for
// sets), batching as Python's pickler does. Pure.

import { InvalidArgumentError } from '../errors.js'
import { PICKLE_DECODE_DEFAULTS } from './pickle-decode.js'
import { OP } from './pickle-opcodes.js'
import type { PicklableValue } from './pickle-values.js'
import { typeName } from './pickle-values.js'

export interface PickleEncodeOptions {
  /**
   * 'auto' (default): a number that is a safe integer (and not -0) is written as a Python int, any
   * other as a float. 'float': every number is a float (bigints stay ints).
   */
  numbers?: 'auto' | 'float'
  /** Refuse values nested deeper than this. Default 100. */
  maxDepth?: number
}

/** Python pickles items in batches of this many per APPENDS/SETITEMS/ADDITEMS. */
const BATCH = 1000

/**
 * A growing buffer that writes pickle opcodes the way Python's pickler does for protocol 2. The
 * header names protocol 2 and is raised to 3 when bytes are written and to 4 for sets, as Python
 * needs those protocols to write them without globals.
 */
export class PickleWriter {
  private buffer: Buffer
  private pos = 0
  private protocol = 2

  /** `buffer`, when given, is written from its start (a spare one reused: no allocation). */
  constructor(initialBytes = 256, buffer?: Buffer) {
    this.buffer =
      buffer !== undefined && buffer.length >= 16 ? buffer : Buffer.allocUnsafe(Math.max(16, initialBytes))
    this.buffer[0] = OP.PROTO
    this.buffer[1] = 2
    this.pos = 2
  }

  private ensure(count: number): void {
    if (this.pos + count <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < this.pos + count) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buffer.copy(next, 0, 0, this.pos)
    this.buffer = next
  }

  opcode(op: number): void {
    this.ensure(1)
    this.buffer[this.pos++] = op
  }

  private u32(value: number): void {
    this.ensure(4)
    this.buffer.writeUInt32LE(value, this.pos)
    this.pos += 4
  }

  private memoIndex = 0

  /** Python's memoize(): BINPUT (LONG_BINPUT from index 256) with the next memo index. */
  memoize(): number {
    const index = this.memoIndex++
    if (index < 256) {
      this.ensure(2)
      this.buffer[this.pos++] = OP.BINPUT
      this.buffer[this.pos++] = index
    } else {
      this.opcode(OP.LONG_BINPUT)
      this.u32(index)
    }
    return index
  }

  /** A reference to a memoized value: BINGET or LONG_BINGET. */
  get(index: number): void {
    if (index < 256) {
      this.ensure(2)
      this.buffer[this.pos++] = OP.BINGET
      this.buffer[this.pos++] = index
    } else {
      this.opcode(OP.LONG_BINGET)
      this.u32(index)
    }
  }

  raiseProtocol(protocol: number): void {
    if (protocol > this.protocol) this.protocol = protocol
  }

  none(): void {
    this.opcode(OP.NONE)
  }

  bool(value: boolean): void {
    this.opcode(value ? OP.NEWTRUE : OP.NEWFALSE)
  }

  /** A Python int: BININT1, BININT2, BININT, or LONG1/LONG4 with the shortest two's complement. */
  int(value: number | bigint): void {
    if (typeof value === 'number' || (value >= -2147483648n && value <= 2147483647n)) {
      const n = Number(value)
      if (n >= -2147483648 && n <= 2147483647) {
        this.ensure(5)
        if (n >= 0 && n <= 0xff) {
          this.buffer[this.pos++] = OP.BININT1
          this.buffer[this.pos++] = n
        } else if (n >= 0 && n <= 0xffff) {
          this.buffer[this.pos++] = OP.BININT2
          this.buffer.writeUInt16LE(n, this.pos)
          this.pos += 2
        } else {
          this.buffer[this.pos++] = OP.BININT
          this.buffer.writeInt32LE(n, this.pos)
          this.pos += 4
        }
        return
      }
      value = BigInt(n)
    }
    // encode_long: (bit_length >> 3) + 1 bytes, little-endian, signed; a redundant 0xff dropped.
    const big = value as bigint
    const magnitude = big < 0n ? -big : big
    const bitLength = magnitude === 0n ? 0 : magnitude.toString(2).length
    let count = (bitLength >> 3) + 1
    let twos = big < 0n ? (1n << BigInt(8 * count)) + big : big
    const bytes: number[] = []
    for (let i = 0; i < count; i++) {
      bytes.push(Number(twos & 0xffn))
      twos >>= 8n
    }
    if (big < 0n && count > 1 && bytes[count - 1] === 0xff && (bytes[count - 2]! & 0x80) !== 0) {
      bytes.pop()
      count--
    }
    if (count < 256) {
      this.ensure(2 + count)
      this.buffer[this.pos++] = OP.LONG1
      this.buffer[this.pos++] = count
    } else {
      this.opcode(OP.LONG4)
      this.u32(count)
      this.ensure(count)
    }
    for (const byte of bytes) this.buffer[this.pos++] = byte
  }

  float(value: number): void {
    this.ensure(9)
    this.buffer[this.pos++] = OP.BINFLOAT
    this.buffer.writeDoubleBE(value, this.pos)
    this.pos += 8
  }

  /**
   * List items as the pickler writes floats and None: BINFLOAT where known[i] is 1, NONE elsewhere,
   * for i in [from, to). One bounds check and a DataView for the lot (a day of 1-minute points
   * per series, 100 series per render, is 144,000 of them).
   */
  floatsOrNone(values: ArrayLike<number>, known: ArrayLike<number>, from: number, to: number): void {
    this.ensure(9 * (to - from))
    const buffer = this.buffer
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    let pos = this.pos
    for (let i = from; i < to; i++) {
      if (known[i] === 1) {
        buffer[pos] = OP.BINFLOAT
        view.setFloat64(pos + 1, values[i]!)
        pos += 9
      } else buffer[pos++] = OP.NONE
    }
    this.pos = pos
  }

  /** Up to `maxBytes` written by `write` from `pos`, which returns the position after them. */
  writeWith(maxBytes: number, write: (buffer: Buffer, pos: number) => number): void {
    this.ensure(maxBytes)
    this.pos = write(this.buffer, this.pos)
  }

  /** The byte at `at` taken out (a MARK written before it was known that one item follows). */
  cut(at: number): void {
    this.buffer.copyWithin(at, at + 1, this.pos)
    this.pos--
  }

  /** A str as BINUNICODE: UTF-8, lone surrogates with Python's surrogatepass. */
  string(value: string): void {
    // Short ASCII names, the usual case, are copied a character at a time: cheaper than a call
    // into the UTF-8 encoder for a metric name or a dict key.
    if (value.length <= 64) {
      this.ensure(5 + value.length)
      const buffer = this.buffer
      const at = this.pos + 5
      let i = 0
      for (; i < value.length; i++) {
        const code = value.charCodeAt(i)
        if (code >= 0x80) break
        buffer[at + i] = code
      }
      if (i === value.length) {
        buffer[this.pos] = OP.BINUNICODE
        buffer.writeUInt32LE(i, this.pos + 1)
        this.pos = at + i
        return
      }
    }
    if (LONE_SURROGATE_TEST.test(value)) {
      const encoded = encodeSurrogatePass(value)
      this.opcode(OP.BINUNICODE)
      this.u32(encoded.length)
      this.raw(encoded)
      return
    }
    // Otherwise no byte count first: room for the longest UTF-8, then the count written.
    const max = value.length * 3
    this.ensure(5 + max)
    this.buffer[this.pos] = OP.BINUNICODE
    const written = this.buffer.write(value, this.pos + 5, 'utf8')
    this.buffer.writeUInt32LE(written, this.pos + 1)
    this.pos += 5 + written
  }

  bytes(value: Uint8Array): void {
    this.raiseProtocol(3)
    if (value.length < 256) {
      this.ensure(2)
      this.buffer[this.pos++] = OP.SHORT_BINBYTES
      this.buffer[this.pos++] = value.length
    } else {
      this.opcode(OP.BINBYTES)
      this.u32(value.length)
    }
    this.raw(value)
  }

  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buffer.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** STOP, and the finished pickle (a copy sized to fit). */
  finish(): Buffer {
    this.opcode(OP.STOP)
    this.buffer[1] = this.protocol
    return Buffer.from(this.buffer.subarray(0, this.pos))
  }

  /**
   * STOP, and the finished pickle as a view of the writer's buffer, not a copy: for a writer sized
   * well from the start (a render of 1.3 MB), one buffer instead of two.
   */
  finishView(): Buffer {
    this.opcode(OP.STOP)
    this.buffer[1] = this.protocol
    return this.buffer.subarray(0, this.pos)
  }

  get length(): number {
    return this.pos
  }
}

const LONE_SURROGATE_TEST = /[\ud800-\udfff]/

function encodeSurrogatePass(value: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const low = value.charCodeAt(i + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        i++
      }
    }
    if (code < 0x80) out.push(code)
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f))
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f))
    else {
      out.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      )
    }
  }
  return Buffer.from(out)
}

function isPlainObject(value: object): value is { readonly [key: string]: PicklableValue } {
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

class Pickler {
  private readonly open = new Set<object>()
  /** Objects already written, by identity, as Python's memo: a second occurrence is a GET. */
  private readonly memo = new Map<object, number>()
  private readonly floats: boolean
  private readonly maxDepth: number

  constructor(
    readonly writer: PickleWriter,
    options: PickleEncodeOptions,
  ) {
    this.floats = options.numbers === 'float'
    this.maxDepth = options.maxDepth ?? PICKLE_DECODE_DEFAULTS.maxDepth
  }

  private enter(value: object, depth: number): void {
    if (depth > this.maxDepth)
      throw new InvalidArgumentError(`cannot pickle: nested deeper than ${this.maxDepth}`)
    this.open.add(value)
  }

  // CPython's batching (batch_list_exact, batch_dict_exact, save_set): a single item gets APPEND
  // or SETITEM; otherwise batches of 1000 between MARK and APPENDS/SETITEMS/ADDITEMS. For dicts and
  // sets, a size that is a multiple of 1000 ends with one more, empty batch.

  private list(items: readonly PicklableValue[], depth: number): void {
    const w = this.writer
    if (items.length === 0) return
    if (items.length === 1) {
      this.save(items[0]!, depth)
      w.opcode(OP.APPEND)
      return
    }
    for (let i = 0; i < items.length; i += BATCH) {
      w.opcode(OP.MARK)
      for (let k = i; k < Math.min(items.length, i + BATCH); k++) this.save(items[k]!, depth)
      w.opcode(OP.APPENDS)
    }
  }

  private pairs(entries: readonly (readonly [PicklableValue, PicklableValue])[], depth: number): void {
    const w = this.writer
    const save = ([key, value]: readonly [PicklableValue, PicklableValue]): void => {
      this.checkKey(key)
      this.save(key, depth)
      this.save(value, depth)
    }
    if (entries.length === 0) return
    if (entries.length === 1) {
      save(entries[0]!)
      w.opcode(OP.SETITEM)
      return
    }
    for (let i = 0; i <= entries.length; i += BATCH) {
      if (i === entries.length && i % BATCH !== 0) break
      w.opcode(OP.MARK)
      for (let k = i; k < Math.min(entries.length, i + BATCH); k++) save(entries[k]!)
      w.opcode(OP.SETITEMS)
    }
  }

  private setItems(items: readonly PicklableValue[], depth: number): void {
    const w = this.writer
    if (items.length === 0) return
    for (let i = 0; i <= items.length; i += BATCH) {
      if (i === items.length && i % BATCH !== 0) break
      w.opcode(OP.MARK)
      for (let k = i; k < Math.min(items.length, i + BATCH); k++) this.save(items[k]!, depth)
      w.opcode(OP.ADDITEMS)
    }
  }

  private checkKey(key: PicklableValue): void {
    if (typeof key !== 'object' || key === null || key instanceof Uint8Array) return
    if (Array.isArray(key) && Object.isFrozen(key)) {
      for (const item of key as readonly PicklableValue[]) this.checkKey(item)
      return
    }
    if (key instanceof Set && Object.isFrozen(key)) return
    throw new InvalidArgumentError(`cannot pickle: unhashable dict key or set item (${typeName(key)})`)
  }

  save(value: PicklableValue, depth: number): void {
    const w = this.writer
    switch (typeof value) {
      case 'number':
        if (!this.floats && Number.isSafeInteger(value) && !Object.is(value, -0)) w.int(value)
        else w.float(value)
        return
      case 'string':
        w.string(value)
        w.memoize()
        return
      case 'boolean':
        w.bool(value)
        return
      case 'bigint':
        w.int(value)
        return
      case 'object':
        break
      default:
        throw new InvalidArgumentError(`cannot pickle a ${typeof value}`)
    }
    if (value === null) return w.none()
    if (this.open.has(value))
      throw new InvalidArgumentError('cannot pickle: the value contains itself (a cycle)')
    const seen = this.memo.get(value)
    if (seen !== undefined) return w.get(seen)
    if (value instanceof Uint8Array) {
      w.bytes(value)
      this.memo.set(value, w.memoize())
      return
    }
    this.enter(value, depth + 1)
    if (Array.isArray(value)) {
      const items = value as readonly PicklableValue[]
      if (Object.isFrozen(value)) {
        // Python memoizes a tuple after its items, and never the empty one.
        if (items.length === 0) w.opcode(OP.EMPTY_TUPLE)
        else {
          if (items.length > 3) w.opcode(OP.MARK)
          for (const item of items) this.save(item, depth + 1)
          w.opcode(items.length > 3 ? OP.TUPLE : OP.TUPLE1 + items.length - 1)
          this.memo.set(value, w.memoize())
        }
      } else {
        w.opcode(OP.EMPTY_LIST)
        this.memo.set(value, w.memoize())
        this.list(items, depth + 1)
      }
    } else if (value instanceof Map) {
      w.opcode(OP.EMPTY_DICT)
      this.memo.set(value, w.memoize())
      this.pairs([...(value as ReadonlyMap<PicklableValue, PicklableValue>)], depth + 1)
    } else if (value instanceof Set) {
      w.raiseProtocol(4)
      const items = value as ReadonlySet<PicklableValue>
      for (const item of items) this.checkKey(item)
      if (Object.isFrozen(value)) {
        w.opcode(OP.MARK)
        for (const item of items) this.save(item, depth + 1)
        w.opcode(OP.FROZENSET)
        this.memo.set(value, w.memoize())
      } else {
        w.opcode(OP.EMPTY_SET)
        this.memo.set(value, w.memoize())
        this.setItems([...items], depth + 1)
      }
    } else if (isPlainObject(value)) {
      w.opcode(OP.EMPTY_DICT)
      this.memo.set(value, w.memoize())
      this.pairs(Object.entries(value), depth + 1)
    } else {
      throw new InvalidArgumentError(`cannot pickle a ${value.constructor?.name ?? 'object'}`)
    }
    this.open.delete(value)
  }
}

/**
 * Encode a value as a protocol 2 pickle (3 if it holds bytes, 4 if it holds sets), byte for byte as
 * Python's pickle.dumps(value, protocol=2) writes it, memo included: an array, Map, Set or
 * Uint8Array that occurs twice is written once and referenced (strings have no identity in
 * JavaScript, so each occurrence is written, as Python does for distinct str objects).
 * @throws InvalidArgumentError for values Python cannot pickle this way: undefined, functions,
 * cycles, unhashable dict keys, nesting deeper than maxDepth.
 */
export function encodePickle(value: PicklableValue, options: PickleEncodeOptions = {}): Buffer {
  const writer = new PickleWriter()
  new Pickler(writer, options).save(value, 0)
  return writer.finish()
}
