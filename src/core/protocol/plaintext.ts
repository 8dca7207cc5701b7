// Carbon's plaintext protocol (TCP and UDP port 2003), parsed the way carbon 1.1.7 parses it
// (carbon.protocols.MetricLineReceiver and MetricDatagramReceiver), and formatted the way carbon's
// own client writes it (carbon.client.CarbonLineClientProtocol). Pure: no sockets, no clock.
//
//   Stream   = (Line '\n')*                      TCP: '\n' is the only delimiter
//   Datagram = Line (Break Line)* Break?         UDP: Python's str.splitlines() breaks
//   Line     = Space* Metric Space+ Value Space+ Timestamp Space*
//   Metric   = any characters but Space          no other validation at all
//   Value    = Python float()                    '1e3', '-7.5', 'inf', '1_000', Unicode digits
//   Timestamp= Python float()                    epoch seconds; int(ts) == -1 means now
//   Space    = Python str.isspace()              includes '\r', '\x1c'..'\x1f', U+00A0, U+3000...
//   Break    = '\r\n' | [\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]
//
// Lines are at most 16384 bytes (Twisted's LineOnlyReceiver.MAX_LENGTH), '\r' included. A NaN value
// is dropped. Where carbon drops the whole connection (invalid UTF-8, a non-finite timestamp, an
// over-long line) or silently loses an unterminated last line, this decoder reports that one line
// with a reason and goes on: the caller decides what to log and count.

import { InvalidArgumentError } from '../errors.js'
import { formatFixed, formatRepr } from '../python/format.js'
import { decimalValue } from '../python/decimal.js'
import { parsePythonFloat, parsePythonFloatAscii, splitPythonWhitespace } from '../python/parse.js'
import { FNV_OFFSET, FNV_PRIME } from './intern.js'
import type { MetricPoint, Now } from './points.js'
import { checkMetricName, meansNow, readNow } from './points.js'

/** Twisted's LineOnlyReceiver.MAX_LENGTH, which carbon does not change. */
export const MAX_LINE_BYTES = 16384
/** carbon cuts a bad line to this many characters in its log; rejects carry the same. */
const REJECT_TEXT_CHARS = 400
/** The first bytes of a line kept for its reject (enough for REJECT_TEXT_CHARS characters). */
export const REJECT_HEAD_BYTES = REJECT_TEXT_CHARS * 4

export const LineRejectReason = {
  /** Not 3 fields (or 2 or 3 where the timestamp is optional); includes empty lines. */
  FIELDS: 'fields',
  VALUE: 'value',
  TIMESTAMP: 'timestamp',
  /** carbon drops NaN values silently. */
  NAN_VALUE: 'nan-value',
  /** `inf` or `nan` as the timestamp: carbon drops the whole TCP connection. */
  TIMESTAMP_NOT_FINITE: 'timestamp-not-finite',
  /** carbon drops the whole TCP connection (or UDP datagram). */
  INVALID_UTF8: 'invalid-utf8',
  /** Longer than the line limit: carbon closes the connection silently. */
  TOO_LONG: 'too-long',
  /** Bytes after the last '\n' when the stream ended: carbon loses them silently. */
  UNTERMINATED: 'unterminated',
} as const
export type LineRejectReason = (typeof LineRejectReason)[keyof typeof LineRejectReason]

export interface LineReject {
  /** 1-based line number in the stream, or in the datagram. */
  line: number
  reason: LineRejectReason
  /** One line for people: `expected 3 fields (metric value timestamp), got 2`. */
  message: string
  /** The line as received (invalid UTF-8 replaced), cut at 400 characters like carbon's log. */
  text: string
}

/** A point; `line` is the 1-based line (in the stream, or the datagram) it came from. */
export type PointSink = (metric: string, value: number, timestamp: number, line: number) => void
export type RejectSink = (reject: LineReject) => void

export interface PlaintextOptions {
  /** The time that `-1` timestamps (and missing ones, with timestampOptional) stand for. */
  now: Now
  /** Default 16384, carbon's. */
  maxLineBytes?: number
  /** Accept `metric value` lines as well, meaning now (`carbon send`'s input; carbon requires 3 fields). */
  timestampOptional?: boolean
  /** Skip empty and blank lines silently (carbon logs them as invalid lines). */
  skipBlankLines?: boolean
  /** Metric names (ASCII) come from here instead of a new string per line (a receiver's NameInterner). */
  names?: {
    intern(bytes: Uint8Array, start: number, end: number): string
    /** intern() given the FNV-1a hash of the bytes (see fnv1a in intern.ts). */
    internHashed?(bytes: Uint8Array, start: number, end: number, hash: number): string
    /**
     * Where the name at `bytes[start]` ends when it is the one expected next (-1: no guess), and
     * the name it is (called only right after a successful predict): see NameInterner.predict.
     */
    predict?(bytes: Uint8Array, start: number, end: number): number
    takePrediction?(): string
  }
}

export interface PlaintextSinks {
  onPoint: PointSink
  onReject: RejectSink
}

// Byte classes for the ASCII fast path: 0 part of a field, 1 Python whitespace, 2 not ASCII.
const TOKEN = 0
const SPACE = 1
const NON_ASCII = 2
const BYTE_CLASS = new Uint8Array(256)
for (let c = 0x09; c <= 0x0d; c++) BYTE_CLASS[c] = SPACE
for (let c = 0x1c; c <= 0x20; c++) BYTE_CLASS[c] = SPACE
BYTE_CLASS.fill(NON_ASCII, 0x80)

// str.splitlines() breaks in ASCII (the others are found after decoding).
const DATAGRAM_BREAK = new Uint8Array(256)
for (const c of [0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e]) DATAGRAM_BREAK[c] = 1
const NON_ASCII_BREAK = /[\x85\u2028\u2029]/

// Byte classes for the stream's fused fast path (LineParser.scan): as BYTE_CLASS, with '\n' apart.
const NEWLINE = 3
const STREAM_CLASS = BYTE_CLASS.slice()
STREAM_CLASS[0x0a] = NEWLINE

/**
 * The number scanNumber read last: a typed array's element, not a variable, so that storing a
 * fraction allocates no heap number (a module variable holding a double is one object per store).
 */
const SCANNED = new Float64Array(1)

/**
 * `[+-]?digits[.digits]` at `bytes[i]`, ending at whitespace or '\n' before `end`: the index of the
 * byte after it, with its value in `SCANNED[0]`; -1 for anything else (an exponent, `inf`, `_`, what
 * decimalValue leaves to the text: more than 22 decimals or 20 digits, a near-tie; the end of the
 * bytes): the caller takes the slow path, which is exact.
 */
function scanNumber(bytes: Uint8Array, i: number, end: number): number {
  let c = bytes[i]!
  let negative = false
  if (c === 0x2d || c === 0x2b) {
    negative = c === 0x2d
    i++
  }
  const first = i
  let mantissa = 0
  // (c - 0x30) >>> 0 <= 9: a digit, in one comparison.
  while (i < end && ((c = bytes[i]!) - 0x30) >>> 0 <= 9) {
    mantissa = mantissa * 10 + (c - 0x30)
    i++
  }
  let digits = i - first
  let fraction = 0
  if (c === 0x2e && i < end) {
    const dot = ++i
    while (i < end && ((c = bytes[i]!) - 0x30) >>> 0 <= 9) {
      mantissa = mantissa * 10 + (c - 0x30)
      i++
    }
    fraction = i - dot
    digits += fraction
  }
  if (i >= end || digits === 0) return -1
  const kind = STREAM_CLASS[c]!
  if (kind !== SPACE && kind !== NEWLINE) return -1
  // Exactly what Python's float() makes of the text (parsePythonFloatAscii's fast path too).
  const value = decimalValue(mantissa, bytes, first, i, fraction)
  if (value !== value) return -1
  SCANNED[0] = negative ? -value : value
  return i
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function rejectText(bytes: Uint8Array, start: number, end: number): string {
  // Decoding at most 4 bytes per character is enough for 400 characters.
  const text = lenientUtf8.decode(bytes.subarray(start, Math.min(end, start + REJECT_TEXT_CHARS * 4)))
  return text.length > REJECT_TEXT_CHARS || end - start > REJECT_TEXT_CHARS * 4
    ? text.slice(0, REJECT_TEXT_CHARS) + '...'
    : text
}

/** Parses single lines; shared by the stream decoder and the datagram parser. */
class LineParser {
  private readonly fieldsMessage: string
  private readonly names: PlaintextOptions['names']

  constructor(
    private readonly options: PlaintextOptions,
    private readonly sinks: PlaintextSinks,
  ) {
    this.names = options.names
    this.fieldsMessage = options.timestampOptional
      ? 'expected 2 or 3 fields (metric value [timestamp]), got '
      : 'expected 3 fields (metric value timestamp), got '
  }

  reject(
    reason: LineRejectReason,
    message: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    line: number,
  ) {
    this.sinks.onReject({ line, reason, message, text: rejectText(bytes, start, end) })
  }

  /**
   * One line, `bytes[start, end)` without its delimiter. `datagram`: also split on Unicode breaks;
   * `terminated`: an ASCII break followed it (else it ended the datagram).
   */
  parse(bytes: Buffer, start: number, end: number, line: number, datagram: boolean, terminated = true): void {
    let i = start
    let fields = 0
    let s0 = 0
    let e0 = 0
    let s1 = 0
    let e1 = 0
    let s2 = 0
    let e2 = 0
    // The name's FNV-1a hash, made while it is scanned: the interner needs it (one pass less).
    let hash = FNV_OFFSET
    for (;;) {
      let c = SPACE
      while (i < end && (c = BYTE_CLASS[bytes[i]!]!) === SPACE) i++
      if (i >= end) break
      if (c === NON_ASCII) return this.parseUnicode(bytes, start, end, line, datagram, terminated)
      const s = i
      if (fields === 0) {
        let byte = 0
        while (i < end && (c = BYTE_CLASS[(byte = bytes[i]!)]!) === TOKEN) {
          hash = Math.imul(hash ^ byte, FNV_PRIME)
          i++
        }
      } else {
        while (i < end && (c = BYTE_CLASS[bytes[i]!]!) === TOKEN) i++
      }
      if (c === NON_ASCII && i < end) return this.parseUnicode(bytes, start, end, line, datagram, terminated)
      fields++
      if (fields === 1) {
        s0 = s
        e0 = i
      } else if (fields === 2) {
        s1 = s
        e1 = i
      } else if (fields === 3) {
        s2 = s
        e2 = i
      }
    }
    if (fields === 3 || (fields === 2 && this.options.timestampOptional)) {
      let timestamp: number | undefined
      if (fields === 3) {
        timestamp = parsePythonFloatAscii(bytes, s2, e2)
        if (timestamp === undefined) {
          const field = bytes.toString('latin1', s2, e2)
          return this.reject('timestamp', `timestamp '${field}' is not a number`, bytes, start, end, line)
        }
      }
      const value = parsePythonFloatAscii(bytes, s1, e1)
      if (value === undefined) {
        const field = bytes.toString('latin1', s1, e1)
        return this.reject('value', `value '${field}' is not a number`, bytes, start, end, line)
      }
      const names = this.names
      const metric =
        names === undefined
          ? bytes.toString('latin1', s0, e0)
          : names.internHashed !== undefined
            ? names.internHashed(bytes, s0, e0, hash)
            : names.intern(bytes, s0, e0)
      return this.accept(metric, value, timestamp, bytes, start, end, line)
    }
    if (fields === 0 && this.options.skipBlankLines) return
    this.reject('fields', this.fieldsMessage + fields, bytes, start, end, line)
  }

  /**
   * The stream's fast path: the line at `bytes[pos]`, when it is the usual one (ASCII, three fields,
   * plain decimal numbers, '\n' before `end`, within `max` bytes), is parsed and handed on in one
   * pass, without finding its end first: the index of its '\n'. Anything else returns -1 before
   * anything is handed on or counted, and the caller parses the line the general way (parse).
   */
  scan(bytes: Uint8Array, pos: number, end: number, line: number, max: number): number {
    let i = pos
    let c = SPACE
    while (i < end && (c = STREAM_CLASS[bytes[i]!]!) === SPACE) i++
    if (c !== TOKEN || i >= end) return -1
    const s0 = i
    const names = this.names
    let hash = FNV_OFFSET
    // The name expected next (clients send their metrics in the same order every time): its bytes
    // compared, instead of classed and hashed one by one.
    const predicted = names?.predict !== undefined ? names.predict(bytes, i, end) : -1
    const known = predicted >= 0 && STREAM_CLASS[bytes[predicted]!] === SPACE
    if (known) {
      i = predicted
      c = SPACE
    } else {
      for (; i < end; i++) {
        const byte = bytes[i]!
        if ((c = STREAM_CLASS[byte]!) !== TOKEN) break
        hash = Math.imul(hash ^ byte, FNV_PRIME)
      }
    }
    const e0 = i
    if (c !== SPACE || i >= end) return -1
    while (++i < end && (c = STREAM_CLASS[bytes[i]!]!) === SPACE);
    if (c !== TOKEN || i >= end) return -1
    i = scanNumber(bytes, i, end)
    if (i < 0) return -1
    const value = SCANNED[0]!
    c = STREAM_CLASS[bytes[i]!]!
    if (c !== SPACE) return -1
    while (++i < end && (c = STREAM_CLASS[bytes[i]!]!) === SPACE);
    if (c !== TOKEN || i >= end) return -1
    i = scanNumber(bytes, i, end)
    if (i < 0) return -1
    let timestamp = SCANNED[0]!
    c = STREAM_CLASS[bytes[i]!]!
    while (c === SPACE && ++i < end) c = STREAM_CLASS[bytes[i]!]!
    if (c !== NEWLINE || i >= end || i - pos > max) return -1
    const metric =
      names === undefined
        ? asBuffer(bytes).toString('latin1', s0, e0)
        : known
          ? names.takePrediction!()
          : names.internHashed !== undefined
            ? names.internHashed(bytes, s0, e0, hash)
            : names.intern(bytes, s0, e0)
    if (meansNow(timestamp)) timestamp = readNow(this.options.now)
    this.sinks.onPoint(metric, value, timestamp, line)
    return i
  }

  private accept(
    metric: string,
    value: number,
    timestamp: number | undefined,
    bytes: Uint8Array,
    start: number,
    end: number,
    line: number,
  ): void {
    // carbon's order: the NaN check comes before int(timestamp), which is what fails on inf and nan.
    if (value !== value) {
      return this.reject('nan-value', 'value is NaN (carbon drops NaN values)', bytes, start, end, line)
    }
    if (timestamp === undefined) {
      timestamp = readNow(this.options.now)
    } else if (!Number.isFinite(timestamp)) {
      return this.reject(
        'timestamp-not-finite',
        `timestamp '${formatRepr(timestamp)}' is not finite`,
        bytes,
        start,
        end,
        line,
      )
    } else if (meansNow(timestamp)) {
      timestamp = readNow(this.options.now)
    }
    this.sinks.onPoint(metric, value, timestamp, line)
  }

  /** The slow path for lines with non-ASCII bytes: decode, then Python's Unicode rules. */
  private parseUnicode(
    bytes: Buffer,
    start: number,
    end: number,
    line: number,
    datagram: boolean,
    terminated: boolean,
  ): void {
    let text: string
    try {
      text = strictUtf8.decode(bytes.subarray(start, end))
    } catch {
      return this.reject('invalid-utf8', 'invalid UTF-8', bytes, start, end, line)
    }
    const lines = datagram ? text.split(NON_ASCII_BREAK) : [text]
    // splitlines() yields no empty line after the datagram's final break.
    if (!terminated && lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
    for (const one of lines) {
      const fields = splitPythonWhitespace(one)
      if (fields.length === 3 || (fields.length === 2 && this.options.timestampOptional)) {
        let timestamp: number | undefined
        if (fields.length === 3) {
          timestamp = parsePythonFloat(fields[2]!)
          if (timestamp === undefined) {
            this.reject('timestamp', `timestamp '${fields[2]}' is not a number`, bytes, start, end, line)
            continue
          }
        }
        const value = parsePythonFloat(fields[1]!)
        if (value === undefined) {
          this.reject('value', `value '${fields[1]}' is not a number`, bytes, start, end, line)
          continue
        }
        this.accept(fields[0]!, value, timestamp, bytes, start, end, line)
      } else if (!(fields.length === 0 && this.options.skipBlankLines)) {
        this.reject('fields', this.fieldsMessage + fields.length, bytes, start, end, line)
      }
    }
  }
}

export interface LineSplitterOptions {
  /** Default 16384. Longer lines are skipped up to their '\n' and reported. */
  maxLineBytes?: number
  /** A complete line without its '\n'. `bytes` may be the pushed chunk: use it before returning. */
  onLine(bytes: Buffer, start: number, end: number, line: number): void
  /** A line over the limit; `head` holds its first bytes. The rest of it is skipped. */
  onTooLong(line: number, head: Buffer): void
  /**
   * The bytes of the whole lines that onLine is about to get from this push, each with its '\n':
   * what a write-ahead log keeps (decoding them again gives the same lines). `bytes` may be the
   * pushed chunk: use it before returning.
   */
  onLines?(bytes: Buffer, start: number, end: number): void
  /**
   * A line parsed in place (no search for its end first): given the line at `bytes[pos]` and its
   * number, the index of its '\n' once it has been handled as onLine would, or -1 (nothing done):
   * the line then goes to onLine (or onTooLong) as usual. Lines up to `maxLineBytes` only.
   */
  scanLine?(bytes: Buffer, pos: number, end: number, line: number): number
}

export interface LineSplitter {
  /** Feed the next chunk; chunks may split lines (and UTF-8 characters) anywhere. */
  push(chunk: Uint8Array): void
  /** The stream ended: the bytes after the last '\n', if any (none while skipping an over-long line). */
  end(): Buffer | undefined
  /** The number of the line being read (1-based). */
  readonly line: number
  /**
   * A line over the limit that the caller framed and skipped itself (a parser thread's owner):
   * reported like one found here, and counted.
   */
  skipLine(head: Buffer): void
}

/**
 * Incremental '\n' framing for a TCP stream with a line length limit (Twisted's LineOnlyReceiver,
 * except that an over-long line is skipped and reported instead of closing the connection). Memory
 * stays within one line: held bytes never exceed the limit.
 */
export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES
  let held: Buffer[] = []
  let heldBytes = 0
  let skipping = false
  let line = 1

  const tooLong = (head: Buffer): void => {
    options.onTooLong(line, head.subarray(0, REJECT_TEXT_CHARS * 4))
  }
  const hold = (chunk: Buffer, from: number, to: number): void => {
    if (heldBytes + (to - from) > max) {
      tooLong(Buffer.concat([...held, chunk.subarray(from, Math.min(to, from + REJECT_TEXT_CHARS * 4))]))
      held = []
      heldBytes = 0
      skipping = true
      return
    }
    // A copy: the caller may reuse its chunk, and a held line is small.
    held.push(Buffer.from(chunk.subarray(from, to)))
    heldBytes += to - from
  }

  return {
    get line() {
      return line
    },
    skipLine(head: Buffer): void {
      tooLong(head)
      line++
    },
    push(input: Uint8Array): void {
      const chunk = asBuffer(input)
      const n = chunk.length
      let pos = 0
      if (skipping || heldBytes > 0) {
        const nl = chunk.indexOf(0x0a)
        if (nl < 0) {
          if (!skipping) hold(chunk, 0, n)
          return
        }
        if (skipping) {
          skipping = false
        } else {
          const parts = [...held, chunk.subarray(0, nl + 1)]
          held = []
          const length = heldBytes + nl
          heldBytes = 0
          const whole = Buffer.concat(parts, length + 1)
          if (length > max) tooLong(whole.subarray(0, length))
          else {
            options.onLines?.(whole, 0, length + 1)
            options.onLine(whole, 0, length, line)
          }
        }
        line++
        pos = nl + 1
      }
      if (options.onLines !== undefined && pos < n) {
        const last = chunk.lastIndexOf(0x0a)
        if (last >= pos) options.onLines(chunk, pos, last + 1)
      }
      const scan = options.scanLine
      while (pos < n) {
        if (scan !== undefined) {
          const scannedTo = scan(chunk, pos, n, line)
          if (scannedTo >= 0) {
            line++
            pos = scannedTo + 1
            continue
          }
        }
        const nl = chunk.indexOf(0x0a, pos)
        if (nl < 0) break
        if (nl - pos > max) tooLong(chunk.subarray(pos, nl))
        else options.onLine(chunk, pos, nl, line)
        line++
        pos = nl + 1
      }
      if (pos < n) hold(chunk, pos, n)
    },
    end(): Buffer | undefined {
      const rest = heldBytes > 0 ? Buffer.concat(held, heldBytes) : undefined
      held = []
      heldBytes = 0
      skipping = false
      return rest
    },
  }
}

export interface PlaintextDecoderOptions extends PlaintextOptions, PlaintextSinks {
  /** Parse an unterminated last line at the end (else it is reported: carbon loses it). */
  acceptUnterminated?: boolean
  /**
   * The bytes of the lines about to be parsed, each with its '\n' (and, with acceptUnterminated, the
   * last line without one): a write-ahead log keeps them, and decoding them again (with
   * acceptUnterminated) gives the same points. `bytes` may be the pushed chunk: use it before returning.
   */
  onLines?(bytes: Buffer, start: number, end: number): void
}

export interface PlaintextDecoder {
  push(chunk: Uint8Array): void
  /** A line over the limit, framed and skipped by the caller (`head`: its first bytes): reported. */
  skipLine(head: Buffer): void
  /** The stream ended. An unterminated last line is parsed with acceptUnterminated, else reported. */
  end(): void
}

/**
 * Decode a plaintext TCP stream incrementally: every point goes to `onPoint`, every bad line to
 * `onReject`, and the stream goes on after either.
 */
export function createPlaintextDecoder(options: PlaintextDecoderOptions): PlaintextDecoder {
  const parser = new LineParser(options, options)
  const max = options.maxLineBytes ?? MAX_LINE_BYTES
  const splitter = createLineSplitter({
    maxLineBytes: max,
    onLine: (bytes, start, end, line) => parser.parse(bytes, start, end, line, false),
    onTooLong: (line, head) =>
      parser.reject('too-long', `line is longer than ${max} bytes`, head, 0, head.length, line),
    onLines: options.onLines,
    scanLine: (bytes, pos, end, line) => parser.scan(bytes, pos, end, line, max),
  })
  return {
    push: (chunk) => splitter.push(chunk),
    skipLine: (head) => splitter.skipLine(head),
    end(): void {
      const line = splitter.line
      const rest = splitter.end()
      if (rest === undefined) return
      if (options.acceptUnterminated) {
        options.onLines?.(rest, 0, rest.length)
        parser.parse(rest, 0, rest.length, line, false)
      } else {
        const message = 'incomplete last line (the stream ended without a newline)'
        parser.reject('unterminated', message, rest, 0, rest.length, line)
      }
    },
  }
}

/**
 * Parse one UDP datagram as carbon does: split with Python's splitlines() rules, each line parsed
 * as on TCP, the last line needing no newline. Invalid UTF-8 rejects one line, not the datagram.
 */
export function parseDatagram(datagram: Uint8Array, options: PlaintextOptions & PlaintextSinks): void {
  const parser = new LineParser(options, options)
  const bytes = asBuffer(datagram)
  const n = bytes.length
  let start = 0
  let line = 1
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    if (DATAGRAM_BREAK[c] === 1) {
      parser.parse(bytes, start, i, line++, true)
      if (c === 0x0d && bytes[i + 1] === 0x0a) i++
      start = i + 1
    }
  }
  if (start < n) parser.parse(bytes, start, n, line, true, false)
}

export interface ParsedPlaintext {
  points: MetricPoint[]
  rejects: LineReject[]
}

/** Parse a whole plaintext stream at once (see createPlaintextDecoder). */
export function parsePlaintext(
  input: Uint8Array | string,
  options: PlaintextOptions & { acceptUnterminated?: boolean },
): ParsedPlaintext {
  const points: MetricPoint[] = []
  const rejects: LineReject[] = []
  const decoder = createPlaintextDecoder({
    ...options,
    onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
    onReject: (reject) => rejects.push(reject),
  })
  decoder.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input)
  decoder.end()
  return { points, rejects }
}

/** `'%.10f' % value`; toFixed is exact except on ties, where C rounds half to even. */
function fixed10(value: number): string {
  const a = Math.abs(value)
  if (a < 1e21) {
    // A tie at 10 decimals is an odd multiple of 2^-11 (see formatFixed); everything else agrees.
    const scaled = a * 2048
    if (!(Number.isInteger(scaled) && scaled % 2 === 1)) {
      return (value < 0 || Object.is(value, -0) ? '-' : '') + a.toFixed(10)
    }
  }
  return formatFixed(value, 10)
}

/**
 * A value as carbon's line client writes it: `('%.10f' % value).rstrip('0').rstrip('.')`. Where
 * that would lose the value (more than 10 decimals, as in 1e-12 or 0.12345678901), Python's repr is
 * written instead, which carbon's float() reads back exactly.
 */
export function formatPlaintextValue(value: number): string {
  if (!Number.isFinite(value)) return formatRepr(value)
  let text = fixed10(value)
  let cut = text.length
  while (text.charCodeAt(cut - 1) === 0x30) cut--
  if (text.charCodeAt(cut - 1) === 0x2e) cut--
  text = text.slice(0, cut)
  const back = parsePythonFloat(text)
  return back !== undefined && Object.is(back, value) ? text : formatRepr(value)
}

/** A timestamp as carbon's line client writes it: `'%d' % timestamp` (truncated). */
export function formatPlaintextTimestamp(timestamp: number): string {
  if (!Number.isFinite(timestamp)) {
    throw new InvalidArgumentError(`timestamp ${formatRepr(timestamp)} is not finite`)
  }
  const whole = Math.trunc(timestamp)
  return Math.abs(whole) < 1e21 ? String(whole === 0 ? 0 : whole) : BigInt(whole).toString()
}

/** `metric value timestamp\n`, carbon's line client's form. No checks: see encodePlaintext. */
export function formatPlaintextLine(point: MetricPoint): string {
  return `${point.metric} ${formatPlaintextValue(point.value)} ${formatPlaintextTimestamp(point.timestamp)}\n`
}

/**
 * The plaintext bytes for some points.
 * @throws InvalidArgumentError for a name the protocol cannot carry, a non-finite timestamp, or a
 * line longer than carbon's 16384-byte limit.
 */
export function encodePlaintext(points: readonly MetricPoint[]): Buffer {
  let text = ''
  for (const point of points) {
    const problem = checkMetricName(point.metric, true)
    if (problem !== undefined) throw new InvalidArgumentError(`${JSON.stringify(point.metric)}: ${problem}`)
    const line = formatPlaintextLine(point)
    // A UTF-16 unit takes at most 3 bytes: only long lines need counting.
    if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line) - 1 > MAX_LINE_BYTES) {
      throw new InvalidArgumentError(
        `${JSON.stringify(point.metric.slice(0, 40))}...: line longer than carbon's ${MAX_LINE_BYTES} bytes`,
      )
    }
    text += line
  }
  return Buffer.from(text, 'utf8')
}
