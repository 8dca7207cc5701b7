// Python pickles, restricted to plain data: the decoder carbon's receivers (2004) and CarbonLink
// (7002) need, and an encoder that writes what carbon's clients write (protocol 2). Pure.
//
//   Pickle  = Op* STOP                 a stack machine: each opcode is one byte, then its argument
//   Op      = PROTO n:u8 | FRAME n:u64le | MARK | POP | POP_MARK | DUP
//           | NONE | NEWTRUE | NEWFALSE | INT line | BININT i32le | BININT1 u8 | BININT2 u16le
//           | LONG line | LONG1 n:u8 bytes{n} | LONG4 n:i32le bytes{n}          little-endian 2's complement
//           | FLOAT line | BINFLOAT f64be
//           | STRING line | BINSTRING n:i32le | SHORT_BINSTRING n:u8          Python 2 str, read as UTF-8
//           | UNICODE line | BINUNICODE n:u32le | SHORT_BINUNICODE n:u8 | BINUNICODE8 n:u64le
//           | BINBYTES n:u32le | SHORT_BINBYTES n:u8 | BINBYTES8 n:u64le | BYTEARRAY8 n:u64le
//           | EMPTY_LIST | APPEND | APPENDS | LIST | EMPTY_TUPLE | TUPLE | TUPLE1 | TUPLE2 | TUPLE3
//           | EMPTY_DICT | DICT | SETITEM | SETITEMS | EMPTY_SET | ADDITEMS | FROZENSET
//           | GET line | BINGET u8 | LONG_BINGET u32le | PUT line | BINPUT u8 | LONG_BINPUT u32le | MEMOIZE
//   line    = text '\n'                protocol 0 arguments
//
// That is exactly carbon.md §2's allowlist, protocols 0 to 5. Every opcode that names, imports or
// calls something (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4,
// PERSID, BINPERSID, NEXT_BUFFER, READONLY_BUFFER) is refused: this module has no way to reach
// code, so a pickle is only ever data. Input size, nesting depth, memo entries and collection
// sizes are limited; every length is checked against the bytes left before anything is allocated.
//
// Python values in JavaScript:
//   None → null · bool → boolean · float → number · str → string
//   int  → number when it is a safe integer, else bigint (or always bigint: `ints: 'bigint'`)
//   bytes, bytearray → Uint8Array (a copy)
//   list → array · tuple → frozen array (isTuple) · dict → Map · set → Set · frozenset → frozen Set
// Dict keys compare the JavaScript way (SameValueZero): two equal tuples are two keys, and 1 and
// True are different keys. Shared references and cycles come back as shared references and cycles.

import { InvalidArgumentError, MalformedInputError } from '../errors.js'
import { formatRepr } from '../py-format.js'

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | ReadonlySet<PickleValue>

/** Values encodePickle accepts: PickleValue, plus plain objects as dicts with string keys. */
export type PicklableValue =
  | PickleValue
  | readonly PicklableValue[]
  | ReadonlyMap<PicklableValue, PicklableValue>
  | ReadonlySet<PicklableValue>
  | { readonly [key: string]: PicklableValue }

export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const

const OPCODE_NAMES = new Map<number, string>(Object.entries(OP).map(([name, code]) => [code, name]))

/** Opcodes that import, call or reference outside objects: never executed. */
const REFUSED = new Set<number>([
  OP.GLOBAL,
  OP.STACK_GLOBAL,
  OP.REDUCE,
  OP.BUILD,
  OP.INST,
  OP.OBJ,
  OP.NEWOBJ,
  OP.NEWOBJ_EX,
  OP.EXT1,
  OP.EXT2,
  OP.EXT4,
  OP.PERSID,
  OP.BINPERSID,
  OP.NEXT_BUFFER,
  OP.READONLY_BUFFER,
])

export const HIGHEST_PROTOCOL = 5

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

/** A Python tuple: a frozen array. */
export function tuple(...items: PickleValue[]): readonly PickleValue[] {
  return Object.freeze(items)
}

export function isTuple(value: unknown): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value)
}

/** A Python frozenset: a frozen Set. */
export function frozenSet(items: Iterable<PickleValue>): ReadonlySet<PickleValue> {
  return Object.freeze(new Set(items))
}

function isContainer(value: PickleValue): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array)
}

function typeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return isTuple(value) ? 'tuple' : 'list'
  if (value instanceof Map) return 'dict'
  if (value instanceof Set) return Object.isFrozen(value) ? 'frozenset' : 'set'
  if (value instanceof Uint8Array) return 'bytes'
  switch (typeof value) {
    case 'boolean':
      return 'bool'
    case 'number':
      return 'float'
    case 'bigint':
      return 'int'
    case 'string':
      return 'str'
    default:
      return typeof value
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

  private checkHashable(value: PickleValue): void {
    const pending: PickleValue[] = [value]
    let budget = 10000
    while (pending.length > 0) {
      const v = pending.pop()!
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
      if (isContainer(key)) this.checkHashable(key)
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
          this.push(new Uint8Array(b.subarray(this.pos, this.pos + count)), 0)
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
          for (const item of items) if (isContainer(item)) this.checkHashable(item)
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
            if (isContainer(item)) this.checkHashable(item)
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

// ---------------------------------------------------------------------------------------------
// Encoding

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

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialBytes))
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

  /** A str as BINUNICODE: UTF-8, lone surrogates with Python's surrogatepass. */
  string(value: string): void {
    if (LONE_SURROGATE_TEST.test(value)) {
      const encoded = encodeSurrogatePass(value)
      this.opcode(OP.BINUNICODE)
      this.u32(encoded.length)
      this.raw(encoded)
      return
    }
    // Short ASCII names, the usual case, need no byte count first.
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

/** Python's repr() of a decoded value, for messages (short: containers are summarised). */
export function describePickleValue(value: PickleValue): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value)
  if (typeof value === 'number') return formatRepr(value)
  if (typeof value === 'bigint') return value.toString()
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (value instanceof Uint8Array) return `bytes of length ${value.length}`
  if (Array.isArray(value)) return `${typeName(value)} of length ${value.length}`
  if (value instanceof Map || value instanceof Set) return `${typeName(value)} of size ${value.size}`
  return typeName(value)
}
