// The restricted pickle decoder: the opcodes of pickle-opcodes.ts, never an import or a call, every
// length checked against the bytes left and every collection, memo and nesting depth limited, so a
// pickle from the network is only ever data. Pure.

import { MalformedInputError } from '../errors.js'
import { HIGHEST_PROTOCOL, OP, OPCODE_NAMES, REFUSED } from './pickle-opcodes.js'
import type { PickleValue } from './pickle-values.js'
import { isContainer, typeName } from './pickle-values.js'

export interface PickleDecodeOptions {
  /** Refuse larger input. Default 16 MiB. Memory used stays within about 50 times the input. */
  maxInputBytes?: number
  /** Refuse containers nested deeper than this. Default 100. */
  maxDepth?: number
  /** Refuse memo indexes from this one on (so at most this many entries). Default 4,194,304. */
  maxMemoEntries?: number
  /** Refuse a list, tuple, dict or set (or the stack) with more items than this. Default 1,048,576. */
  maxCollectionItems?: number
  /** How Python ints come back: 'number' (bigint beyond 2^53, the default) or always 'bigint'. */
  ints?: 'number' | 'bigint'
}

export const PICKLE_DECODE_DEFAULTS = {
  maxInputBytes: 16 * 1024 * 1024,
  maxDepth: 100,
  maxMemoEntries: 1 << 22,
  maxCollectionItems: 1 << 20,
  ints: 'number',
} as const satisfies Required<PickleDecodeOptions>

/** A pickle that is malformed, refused or over a limit. `offset` is the byte where decoding stopped. */
export class PickleError extends MalformedInputError {
  readonly offset: number
  readonly reason: string
  constructor(reason: string, offset: number) {
    super(`invalid pickle: ${reason} (at byte ${offset})`)
    this.offset = offset
    this.reason = reason
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * UTF-8 with Python's "surrogatepass": encoded surrogates (ED A0..BF xx) decode to lone surrogates,
 * which is how pickle stores str values that hold them. Returns undefined for invalid UTF-8.
 */
function decodeSurrogatePass(bytes: Uint8Array, start: number, end: number): string | undefined {
  let out = ''
  let i = start
  while (i < end) {
    const b0 = bytes[i]!
    let code: number
    let size: number
    if (b0 < 0x80) {
      code = b0
      size = 1
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      code = b0 & 0x1f
      size = 2
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      code = b0 & 0x0f
      size = 3
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      code = b0 & 0x07
      size = 4
    } else {
      return undefined
    }
    if (i + size > end) return undefined
    for (let k = 1; k < size; k++) {
      const b = bytes[i + k]!
      if ((b & 0xc0) !== 0x80) return undefined
      code = (code << 6) | (b & 0x3f)
    }
    // Overlong forms and values past U+10FFFF are invalid; surrogates pass.
    if ((size === 3 && code < 0x800) || (size === 4 && (code < 0x10000 || code > 0x10ffff))) return undefined
    out += String.fromCodePoint(code)
    i += size
  }
  return out
}

/**
 * UTF-8 bytes as a string. `surrogates`: Python's surrogatepass, for str opcodes; Python 2 str
 * opcodes (STRING, BINSTRING, SHORT_BINSTRING) are decoded strictly, as carbon's
 * encoding='utf-8' does.
 */
function decodeUtf8(bytes: Buffer, start: number, end: number, surrogates: boolean): string | undefined {
  let i = start
  while (i < end && bytes[i]! < 0x80) i++
  if (i === end) return bytes.toString('latin1', start, end)
  try {
    return strictUtf8.decode(bytes.subarray(start, end))
  } catch {
    return surrogates ? decodeSurrogatePass(bytes, start, end) : undefined
  }
}

const HEX = /^[0-9a-fA-F]$/

/** Python's raw_unicode_escape decoding (the UNICODE opcode): bytes are Latin-1, except \uXXXX and \UXXXXXXXX after an odd run of backslashes. */
function decodeRawUnicodeEscape(bytes: Buffer, start: number, end: number): string | string[] {
  let out = ''
  let i = start
  while (i < end) {
    const c = bytes[i]!
    if (c !== 0x5c) {
      out += String.fromCharCode(c)
      i++
      continue
    }
    let run = 0
    while (i < end && bytes[i] === 0x5c) {
      run++
      i++
    }
    const next = bytes[i]
    if (run % 2 === 0 || i >= end || (next !== 0x75 && next !== 0x55)) {
      out += '\\'.repeat(run)
      continue
    }
    out += '\\'.repeat(run - 1)
    const count = next === 0x75 ? 4 : 8
    i++
    if (i + count > end) return [`truncated \\${next === 0x75 ? 'uXXXX' : 'UXXXXXXXX'} escape`]
    const hex = bytes.toString('latin1', i, i + count)
    for (const h of hex)
      if (!HEX.test(h)) return [`truncated \\${next === 0x75 ? 'uXXXX' : 'UXXXXXXXX'} escape`]
    const code = parseInt(hex, 16)
    if (code > 0x10ffff) return ['\\Uxxxxxxxx out of range']
    out += String.fromCodePoint(code)
    i += count
  }
  return out
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c,
  0x27: 0x27,
  0x22: 0x22,
  0x61: 0x07,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x76: 0x0b,
}

/** Python's codecs.escape_decode (the STRING opcode's Python 2 repr), to bytes; a string is an error. */
function escapeDecode(bytes: Buffer, start: number, end: number): Buffer | string {
  const out: number[] = []
  let i = start
  while (i < end) {
    const c = bytes[i++]!
    if (c !== 0x5c) {
      out.push(c)
      continue
    }
    if (i >= end) return 'trailing \\ in string'
    const e = bytes[i++]!
    const simple = SIMPLE_ESCAPES[e]
    if (simple !== undefined) {
      out.push(simple)
    } else if (e === 0x0a) {
      // A backslash-newline is a line continuation: nothing.
    } else if (e >= 0x30 && e <= 0x37) {
      let value = e - 0x30
      for (let k = 0; k < 2 && i < end && bytes[i]! >= 0x30 && bytes[i]! <= 0x37; k++) {
        value = value * 8 + (bytes[i++]! - 0x30)
      }
      out.push(value & 0xff)
    } else if (e === 0x78) {
      const position = i - 2 - start
      if (i + 2 > end) return `invalid \\x escape at position ${position}`
      const hex = bytes.toString('latin1', i, i + 2)
      if (!HEX.test(hex[0]!) || !HEX.test(hex[1]!)) return `invalid \\x escape at position ${position}`
      out.push(parseInt(hex, 16))
      i += 2
    } else {
      // Python keeps unknown escapes as they are (with a DeprecationWarning).
      out.push(0x5c, e)
    }
  }
  return Buffer.from(out)
}

/** Python's int(text, 0): whitespace around, sign, 0x/0o/0b prefixes, `_` between digits, no leading zeros. */
function parseIntBase0(text: string): bigint | undefined {
  const m =
    /^[\t-\r ]*([+-]?)(?:0[xX]((?:_?[0-9a-fA-F])+)|0[oO]((?:_?[0-7])+)|0[bB]((?:_?[01])+)|(0(?:_?0)*|[1-9](?:_?[0-9])*))[\t-\r ]*$/.exec(
      text,
    )
  if (!m) return undefined
  let magnitude: bigint
  if (m[2] !== undefined) magnitude = BigInt('0x' + m[2].replaceAll('_', ''))
  else if (m[3] !== undefined) magnitude = BigInt('0o' + m[3].replaceAll('_', ''))
  else if (m[4] !== undefined) magnitude = BigInt('0b' + m[4].replaceAll('_', ''))
  else magnitude = BigInt(m[5]!.replaceAll('_', ''))
  return m[1] === '-' ? -magnitude : magnitude
}

/**
 * C's strtol(text, &end, 0) as glibc does it, for the INT opcode: the whole text must be used.
 * Returns undefined where CPython falls back to int(text, 0) (no digits, junk after them, overflow).
 */
function strtolBase0(text: string): bigint | undefined {
  const m = /^[\t-\r ]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(text)
  if (!m) return undefined
  let magnitude: bigint
  if (m[2] !== undefined) magnitude = BigInt('0x' + m[2])
  else if (m[3] !== undefined) magnitude = BigInt('0o' + (m[3].slice(1) || '0'))
  else magnitude = BigInt(m[4]!)
  const value = m[1] === '-' ? -magnitude : magnitude
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined
}

/** PyOS_string_to_double for the FLOAT opcode: no whitespace, no `_`; overflow is an error. */
const PROTOCOL0_FLOAT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$/i

export interface Unpickled {
  value: PickleValue
  /** The protocol named by the PROTO opcode (0 when there is none). */
  protocol: number
  /** Bytes read, up to and including STOP (trailing bytes are ignored, as Python does). */
  bytesRead: number
}

class Unpickler {
  private pos = 0
  /** Where the current FRAME ends (0: none). */
  private frameEnd = 0
  private readonly end: number
  private readonly stack: PickleValue[] = []
  private readonly depths: number[] = []
  private readonly marks: number[] = []
  private fence = 0
  private readonly memo: PickleValue[] = []
  /** The bytearrays decoded (BYTEARRAY8): Python refuses them as dict keys and set items. */
  private bytearrays: WeakSet<Uint8Array> | undefined
  private memoCount = 0
  private aliased = false
  private protocol = 0
  private readonly maxDepth: number
  private readonly maxMemoEntries: number
  private readonly maxItems: number
  private readonly bigints: boolean

  constructor(
    private readonly bytes: Buffer,
    options: PickleDecodeOptions,
  ) {
    this.end = bytes.length
    this.maxDepth = options.maxDepth ?? PICKLE_DECODE_DEFAULTS.maxDepth
    this.maxMemoEntries = options.maxMemoEntries ?? PICKLE_DECODE_DEFAULTS.maxMemoEntries
    this.maxItems = options.maxCollectionItems ?? PICKLE_DECODE_DEFAULTS.maxCollectionItems
    this.bigints = (options.ints ?? PICKLE_DECODE_DEFAULTS.ints) === 'bigint'
  }

  private fail(reason: string, at = this.pos): never {
    throw new PickleError(reason, at)
  }

  private need(count: number): void {
    if (count > this.end - this.pos) this.fail('pickle data was truncated')
    // Like CPython reading from a file (carbon's SafeUnpickler does), no argument crosses the end of
    // a frame.
    if (this.pos < this.frameEnd && this.pos + count > this.frameEnd)
      this.fail('pickle exhausted before end of frame')
  }

  private u32(): number {
    this.need(4)
    const value = this.bytes.readUInt32LE(this.pos)
    this.pos += 4
    return value
  }

  /** A u64 length; anything beyond the input is reported as truncation, without allocating. */
  private u64(): number {
    this.need(8)
    const low = this.bytes.readUInt32LE(this.pos)
    const high = this.bytes.readUInt32LE(this.pos + 4)
    this.pos += 8
    if (high > 0x1fffff) this.fail('pickle data was truncated')
    const value = high * 0x100000000 + low
    this.need(value)
    return value
  }

  /** A protocol 0 argument: the bytes up to '\n' (exclusive); pos moves past the '\n'. */
  private line(): [number, number] {
    const nl = this.bytes.indexOf(0x0a, this.pos)
    if (nl < 0) this.fail('pickle data was truncated')
    if (this.pos < this.frameEnd && nl >= this.frameEnd) this.fail('pickle exhausted before end of frame')
    const start = this.pos
    this.pos = nl + 1
    return [start, nl]
  }

  private lineText(): string {
    const [start, end] = this.line()
    return this.bytes.toString('latin1', start, end)
  }

  private int(value: bigint): number | bigint {
    if (this.bigints) return value
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value
  }

  private small(value: number): number | bigint {
    return this.bigints ? BigInt(value) : value
  }

  private push(value: PickleValue, depth: number): void {
    if (depth > this.maxDepth) this.fail(`containers nested deeper than ${this.maxDepth}`)
    if (this.stack.length >= this.maxItems) this.fail(`more than ${this.maxItems} items on the stack`)
    this.stack.push(value)
    this.depths.push(depth)
  }

  private pop(): PickleValue {
    if (this.stack.length <= this.fence) this.fail('unpickling stack underflow')
    this.depths.pop()
    return this.stack.pop()!
  }

  private marker(): number {
    const mark = this.marks.pop()
    if (mark === undefined) this.fail('could not find MARK')
    this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0
    return mark
  }

  /** Pop everything above the last MARK: [items, deepest item depth]. */
  private itemsFromMark(): [PickleValue[], number] {
    const mark = this.marker()
    const items = this.stack.splice(mark)
    const depths = this.depths.splice(mark)
    if (items.length > this.maxItems) this.fail(`more than ${this.maxItems} items in one collection`)
    let deepest = 0
    for (const d of depths) if (d > deepest) deepest = d
    return [items, deepest]
  }

  /** The container an APPENDS/SETITEMS/ADDITEMS fills: just below the mark that was popped. */
  private target(mark: number): number {
    if (mark <= this.fence || mark === 0) this.fail('unpickling stack underflow')
    return mark - 1
  }

  private deepen(index: number, childDepth: number): void {
    const depth = childDepth + 1
    if (depth > this.depths[index]!) {
      if (depth > this.maxDepth) this.fail(`containers nested deeper than ${this.maxDepth}`)
      this.depths[index] = depth
    }
  }

  /**
   * Refuse what Python cannot hash as a dict key or set item: a list, dict or set, at any depth of
   * a tuple or frozenset, and a bytearray (a Uint8Array like bytes, told apart by `bytearrays`).
   */
  private checkHashable(value: PickleValue): void {
    if (typeof value !== 'object' || value === null) return
    const pending: PickleValue[] = [value]
    let budget = 10000
    while (pending.length > 0) {
      const v = pending.pop()!
      if (v instanceof Uint8Array && this.bytearrays?.has(v) === true)
        this.fail("unhashable type: 'bytearray'")
      if (!isContainer(v)) continue
      if (--budget < 0) this.fail('dict key or set item too complex')
      if (Array.isArray(v) && Object.isFrozen(v)) pending.push(...v)
      else if (v instanceof Set && Object.isFrozen(v)) pending.push(...v)
      else this.fail(`unhashable type: '${typeName(v)}'`)
    }
  }

  private list(index: number): PickleValue[] {
    const target = this.stack[index]
    if (!Array.isArray(target) || Object.isFrozen(target)) {
      this.fail(`cannot append to a ${typeName(target)}`)
    }
    return target
  }

  private dict(index: number): Map<PickleValue, PickleValue> {
    const target = this.stack[index]
    if (!(target instanceof Map)) this.fail(`cannot set items on a ${typeName(target)}`)
    return target
  }

  private setItems(dict: Map<PickleValue, PickleValue>, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail('odd number of items for SETITEMS')
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!
      this.checkHashable(key)
      dict.set(key, items[i + 1]!)
    }
    if (dict.size > this.maxItems) this.fail(`more than ${this.maxItems} items in one collection`)
  }

  private memoPut(index: number, at: number): void {
    if (this.stack.length <= this.fence) this.fail('unpickling stack underflow', at)
    // CPython allocates its memo up to the largest index (LONG_BINPUT 2**32-1 is a MemoryError):
    // an index past the entry limit is refused instead.
    if (index >= this.maxMemoEntries)
      this.fail(`memo index ${index} is over the limit of ${this.maxMemoEntries}`, at)
    if (this.memo[index] === undefined) this.memoCount++
    this.memo[index] = this.stack[this.stack.length - 1]!
  }

  private memoGet(index: number, at: number): void {
    const value = this.memo[index]
    if (value === undefined) this.fail(`memo value not found at index ${index}`, at)
    if (isContainer(value)) this.aliased = true
    this.push(value, isContainer(value) ? 1 : 0)
  }

  private string(start: number, end: number, at: number, surrogates = true): string {
    const text = decodeUtf8(this.bytes, start, end, surrogates)
    if (text === undefined) this.fail('invalid UTF-8 in a string', at)
    return text
  }

  private longFromBytes(start: number, count: number): number | bigint {
    if (count === 0) return this.small(0)
    const b = this.bytes
    if (count <= 6) {
      let value = 0
      for (let i = count - 1; i >= 0; i--) value = value * 256 + b[start + i]!
      if (b[start + count - 1]! & 0x80) value -= 2 ** (8 * count)
      return this.small(value)
    }
    let hex = ''
    for (let i = count - 1; i >= 0; i--) hex += b[start + i]!.toString(16).padStart(2, '0')
    let value = BigInt('0x' + hex)
    if (b[start + count - 1]! & 0x80) value -= 1n << BigInt(8 * count)
    return this.int(value)
  }

  run(): Unpickled {
    const b = this.bytes
    if (this.end === 0) this.fail('ran out of input', 0)
    for (;;) {
      if (this.pos >= this.end) this.fail('pickle data was truncated')
      const at = this.pos
      const op = b[this.pos++]!
      switch (op) {
        case OP.PROTO: {
          this.need(1)
          const protocol = b[this.pos++]!
          if (protocol > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol: ${protocol}`, at)
          this.protocol = protocol
          break
        }
        case OP.FRAME: {
          // u64 checks that the frame fits in what is left.
          const length = this.u64()
          this.frameEnd = this.pos + length
          break
        }
        case OP.STOP: {
          const value = this.pop()
          if (this.aliased) this.verifyShape(value, at)
          return { value, protocol: this.protocol, bytesRead: this.pos }
        }
        case OP.MARK:
          this.marks.push(this.stack.length)
          this.fence = this.stack.length
          if (this.marks.length > this.maxItems) this.fail(`more than ${this.maxItems} open MARKs`, at)
          break
        case OP.POP:
          // CPython keeps marks apart from the stack: POP removes a MARK when one is on top.
          if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.stack.length) {
            this.marker()
          } else {
            this.pop()
          }
          break
        case OP.POP_MARK: {
          const mark = this.marker()
          this.stack.length = mark
          this.depths.length = mark
          break
        }
        case OP.DUP: {
          if (this.stack.length <= this.fence) this.fail('unpickling stack underflow', at)
          const top = this.stack[this.stack.length - 1]!
          if (isContainer(top)) this.aliased = true
          this.push(top, this.depths[this.depths.length - 1]!)
          break
        }
        case OP.NONE:
          this.push(null, 0)
          break
        case OP.NEWTRUE:
          this.push(true, 0)
          break
        case OP.NEWFALSE:
          this.push(false, 0)
          break
        case OP.INT: {
          const text = this.lineText()
          if (text.length === 0) this.fail('pickle data was truncated', at)
          const quick = strtolBase0(text)
          if (quick !== undefined && text.length === 2 && (quick === 0n || quick === 1n)) {
            this.push(quick === 1n, 0)
            break
          }
          const value = quick ?? parseIntBase0(text)
          if (value === undefined) this.fail(`invalid literal for int(): '${text}'`, at)
          this.push(this.int(value), 0)
          break
        }
        case OP.BININT:
          this.need(4)
          this.push(this.small(b.readInt32LE(this.pos)), 0)
          this.pos += 4
          break
        case OP.BININT1:
          this.need(1)
          this.push(this.small(b[this.pos++]!), 0)
          break
        case OP.BININT2:
          this.need(2)
          this.push(this.small(b.readUInt16LE(this.pos)), 0)
          this.pos += 2
          break
        case OP.LONG: {
          let text = this.lineText()
          if (text.length === 0) this.fail('pickle data was truncated', at)
          if (text.endsWith('L')) text = text.slice(0, -1)
          const value = parseIntBase0(text)
          if (value === undefined) this.fail(`invalid literal for int(): '${text}'`, at)
          this.push(this.int(value), 0)
          break
        }
        case OP.LONG1: {
          this.need(1)
          const count = b[this.pos++]!
          this.need(count)
          this.push(this.longFromBytes(this.pos, count), 0)
          this.pos += count
          break
        }
        case OP.LONG4: {
          this.need(4)
          const count = b.readInt32LE(this.pos)
          this.pos += 4
          if (count < 0) this.fail('LONG pickle has negative byte count', at)
          this.need(count)
          this.push(this.longFromBytes(this.pos, count), 0)
          this.pos += count
          break
        }
        case OP.FLOAT: {
          const text = this.lineText()
          if (text.length === 0) this.fail('pickle data was truncated', at)
          if (!PROTOCOL0_FLOAT.test(text)) this.fail(`could not convert string to float: '${text}'`, at)
          const lower = text.toLowerCase()
          let value: number
          if (lower.endsWith('nan')) value = text[0] === '-' ? -NaN : NaN
          else if (lower.endsWith('inf') || lower.endsWith('infinity'))
            value = text[0] === '-' ? -Infinity : Infinity
          else {
            value = Number(text)
            if (!Number.isFinite(value)) this.fail(`value too large to convert to float: '${text}'`, at)
          }
          this.push(value, 0)
          break
        }
        case OP.BINFLOAT:
          this.need(8)
          this.push(b.readDoubleBE(this.pos), 0)
          this.pos += 8
          break
        case OP.STRING: {
          const [start, end] = this.line()
          const q = b[start]
          if (end - start < 2 || b[end - 1] !== q || (q !== 0x27 && q !== 0x22)) {
            this.fail('the STRING opcode argument must be quoted', at)
          }
          const decoded = escapeDecode(b, start + 1, end - 1)
          if (typeof decoded === 'string') this.fail(decoded, at)
          const text = decodeUtf8(decoded, 0, decoded.length, false)
          if (text === undefined) this.fail('invalid UTF-8 in a string', at)
          this.push(text, 0)
          break
        }
        case OP.BINSTRING: {
          this.need(4)
          const count = b.readInt32LE(this.pos)
          this.pos += 4
          if (count < 0) this.fail('BINSTRING pickle has negative byte count', at)
          this.need(count)
          this.push(this.string(this.pos, this.pos + count, at, false), 0)
          this.pos += count
          break
        }
        case OP.SHORT_BINSTRING:
        case OP.SHORT_BINUNICODE: {
          this.need(1)
          const count = b[this.pos++]!
          this.need(count)
          this.push(this.string(this.pos, this.pos + count, at, op === OP.SHORT_BINUNICODE), 0)
          this.pos += count
          break
        }
        case OP.UNICODE: {
          const [start, end] = this.line()
          const text = decodeRawUnicodeEscape(b, start, end)
          if (typeof text !== 'string') this.fail(text[0]!, at)
          this.push(text, 0)
          break
        }
        case OP.BINUNICODE: {
          const count = this.u32()
          this.need(count)
          this.push(this.string(this.pos, this.pos + count, at), 0)
          this.pos += count
          break
        }
        case OP.BINUNICODE8: {
          const count = this.u64()
          this.push(this.string(this.pos, this.pos + count, at), 0)
          this.pos += count
          break
        }
        case OP.SHORT_BINBYTES: {
          this.need(1)
          const count = b[this.pos++]!
          this.need(count)
          this.push(new Uint8Array(b.subarray(this.pos, this.pos + count)), 0)
          this.pos += count
          break
        }
        case OP.BINBYTES:
        case OP.BINBYTES8:
        case OP.BYTEARRAY8: {
          const count = op === OP.BINBYTES ? this.u32() : this.u64()
          this.need(count)
          const bytes = new Uint8Array(b.subarray(this.pos, this.pos + count))
          // Held like bytes, but unhashable (checkHashable).
          if (op === OP.BYTEARRAY8) (this.bytearrays ??= new WeakSet()).add(bytes)
          this.push(bytes, 0)
          this.pos += count
          break
        }
        case OP.EMPTY_LIST:
          this.push([], 1)
          break
        case OP.EMPTY_TUPLE:
          this.push(Object.freeze([]), 1)
          break
        case OP.EMPTY_DICT:
          this.push(new Map(), 1)
          break
        case OP.EMPTY_SET:
          this.push(new Set(), 1)
          break
        case OP.LIST:
        case OP.TUPLE: {
          const [items, deepest] = this.itemsFromMark()
          this.push(op === OP.TUPLE ? Object.freeze(items) : items, deepest + 1)
          break
        }
        case OP.TUPLE1:
        case OP.TUPLE2:
        case OP.TUPLE3: {
          // The hot path of carbon batches: pop directly, no splice.
          const count = op - OP.TUPLE1 + 1
          const stack = this.stack
          const depths = this.depths
          if (stack.length - count < this.fence) this.fail('unpickling stack underflow', at)
          let items: PickleValue[]
          let deepest: number
          if (count === 2) {
            const b = stack.pop()!
            const a = stack.pop()!
            const db = depths.pop()!
            const da = depths.pop()!
            items = [a, b]
            deepest = da > db ? da : db
          } else if (count === 1) {
            items = [stack.pop()!]
            deepest = depths.pop()!
          } else {
            const c = stack.pop()!
            const b = stack.pop()!
            const a = stack.pop()!
            items = [a, b, c]
            deepest = Math.max(depths.pop()!, depths.pop()!, depths.pop()!)
          }
          this.push(Object.freeze(items), deepest + 1)
          break
        }
        case OP.DICT: {
          const [items, deepest] = this.itemsFromMark()
          if (items.length % 2 !== 0) this.fail('odd number of items for DICT', at)
          const dict = new Map<PickleValue, PickleValue>()
          this.setItems(dict, items)
          this.push(dict, deepest + 1)
          break
        }
        case OP.FROZENSET: {
          const [items, deepest] = this.itemsFromMark()
          for (const item of items) this.checkHashable(item)
          this.push(Object.freeze(new Set(items)), deepest + 1)
          break
        }
        case OP.APPEND: {
          if (this.stack.length - 1 <= this.fence) this.fail('unpickling stack underflow', at)
          const depth = this.depths.pop()!
          const value = this.stack.pop()!
          const index = this.stack.length - 1
          const list = this.list(index)
          if (list.length >= this.maxItems)
            this.fail(`more than ${this.maxItems} items in one collection`, at)
          list.push(value)
          this.deepen(index, depth)
          break
        }
        case OP.APPENDS: {
          const [items, deepest] = this.itemsFromMark()
          const index = this.target(this.stack.length)
          const list = this.list(index)
          if (list.length + items.length > this.maxItems) {
            this.fail(`more than ${this.maxItems} items in one collection`, at)
          }
          for (const item of items) list.push(item)
          if (items.length > 0) this.deepen(index, deepest)
          break
        }
        case OP.SETITEM: {
          if (this.stack.length - 2 <= this.fence) this.fail('unpickling stack underflow', at)
          const valueDepth = this.depths.pop()!
          const value = this.stack.pop()!
          const keyDepth = this.depths.pop()!
          const key = this.stack.pop()!
          const index = this.stack.length - 1
          this.setItems(this.dict(index), [key, value])
          this.deepen(index, Math.max(keyDepth, valueDepth))
          break
        }
        case OP.SETITEMS: {
          const [items, deepest] = this.itemsFromMark()
          const index = this.target(this.stack.length)
          this.setItems(this.dict(index), items)
          if (items.length > 0) this.deepen(index, deepest)
          break
        }
        case OP.ADDITEMS: {
          const [items, deepest] = this.itemsFromMark()
          const index = this.target(this.stack.length)
          const set = this.stack[index]
          if (!(set instanceof Set) || Object.isFrozen(set))
            this.fail(`cannot add items to a ${typeName(set)}`, at)
          for (const item of items) {
            this.checkHashable(item)
            set.add(item)
          }
          if (set.size > this.maxItems) this.fail(`more than ${this.maxItems} items in one collection`, at)
          if (items.length > 0) this.deepen(index, deepest)
          break
        }
        case OP.GET:
        case OP.PUT: {
          const text = this.lineText()
          const index = /^[\t-\r ]*\+?[0-9]+[\t-\r ]*$/.test(text) ? Number(text.trim()) : NaN
          if (!Number.isSafeInteger(index)) this.fail(`invalid memo index '${text}'`, at)
          if (op === OP.GET) this.memoGet(index, at)
          else this.memoPut(index, at)
          break
        }
        case OP.BINGET:
          this.need(1)
          this.memoGet(b[this.pos++]!, at)
          break
        case OP.LONG_BINGET:
          this.memoGet(this.u32(), at)
          break
        case OP.BINPUT:
          this.need(1)
          this.memoPut(b[this.pos++]!, at)
          break
        case OP.LONG_BINPUT:
          this.memoPut(this.u32(), at)
          break
        case OP.MEMOIZE:
          this.memoPut(this.memoCount, at)
          break
        default: {
          const name = OPCODE_NAMES.get(op)
          if (name !== undefined && REFUSED.has(op)) {
            this.fail(
              `opcode ${name} (0x${op.toString(16)}) refused: pickles that import or call code are not decoded`,
              at,
            )
          }
          this.fail(`invalid load key, '${pythonByteRepr(op)}'`, at)
        }
      }
    }
  }

  /**
   * With shared containers (GET or DUP of a list, dict...), depths tracked on the stack can be
   * stale and cycles can exist: walk the result once, with a budget, to enforce maxDepth for real.
   */
  private verifyShape(value: PickleValue, at: number): void {
    let budget = Math.max(100000, 4 * this.end)
    const pending: PickleValue[] = [value]
    const depths: number[] = [1]
    while (pending.length > 0) {
      const v = pending.pop()!
      const depth = depths.pop()!
      if (depth > this.maxDepth) this.fail(`containers nested deeper than ${this.maxDepth} (or a cycle)`, at)
      const children: Iterable<PickleValue> =
        v instanceof Map ? [...v.keys(), ...v.values()] : (v as Iterable<PickleValue>)
      for (const child of children) {
        if (!isContainer(child)) continue
        if (--budget < 0) this.fail('too many shared references', at)
        pending.push(child)
        depths.push(depth + 1)
      }
    }
  }
}

function pythonByteRepr(byte: number): string {
  if (byte === 0x5c) return '\\\\'
  if (byte === 0x27) return "\\'"
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte)
  return `\\x${byte.toString(16).padStart(2, '0')}`
}

/**
 * Decode a pickle into plain values (see the table at the top). Never imports or calls anything.
 * @throws PickleError (a MalformedInputError) when the pickle is malformed, uses a refused opcode or
 * goes over a limit.
 */
export function decodePickle(bytes: Uint8Array, options: PickleDecodeOptions = {}): PickleValue {
  return unpickle(bytes, options).value
}

/** decodePickle, with the protocol and the number of bytes read. */
export function unpickle(bytes: Uint8Array, options: PickleDecodeOptions = {}): Unpickled {
  const max = options.maxInputBytes ?? PICKLE_DECODE_DEFAULTS.maxInputBytes
  if (bytes.length > max)
    throw new PickleError(`input of ${bytes.length} bytes is over the limit of ${max}`, 0)
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return new Unpickler(buffer, options).run()
}
