// Python's float() and int() of a string, which whisper's scripts and carbon's receivers use to read
// numbers: surrounding whitespace, `_` between digits, `inf`/`infinity`/`nan` in any case, and (like
// Python) any Unicode decimal digit and Unicode whitespace. Pure.

import { decimalValue } from './decimal.js'

const FLOAT =
  /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/
const INTEGER = /^[+-]?[0-9](?:_?[0-9])*$/
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i
/** Anything outside printable ASCII: the rare texts that need Python's Unicode rules. */
const NOT_PLAIN = /[^\x21-\x7e]/

/**
 * Python's `str.isspace()` characters: what `str.split()` splits on, and what float() strips (but
 * for U+001C..U+001F). Not JavaScript's `\s`: Python adds U+001C..U+001F and U+0085 and leaves out
 * U+FEFF.
 */
export const PYTHON_WHITESPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/
const PYTHON_WHITESPACE_RUNS = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
const DECIMAL_DIGIT = /^\p{Nd}$/u

function isDecimalDigit(codePoint: number): boolean {
  return DECIMAL_DIGIT.test(String.fromCodePoint(codePoint))
}

/**
 * The value of a Unicode decimal digit. Unicode assigns them only in runs of ten, 0 to 9 in order,
 * so the value is the distance from the start of its block of digits, modulo 10.
 */
function digitValue(codePoint: number): number {
  let start = codePoint
  while (isDecimalDigit(start - 1)) start--
  return (codePoint - start) % 10
}

/**
 * What CPython does before parsing a number (_PyUnicode_TransformDecimalAndSpaceToASCII, then strip):
 * Unicode whitespace becomes a space, Unicode decimal digits become ASCII digits, any other
 * non-ASCII character makes the text invalid; then ASCII whitespace is stripped. Returns undefined
 * for invalid text.
 */
function toAsciiNumber(text: string): string | undefined {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (code < 0x80) out += char
    else if (PYTHON_WHITESPACE.test(char)) out += ' '
    else if (isDecimalDigit(code)) out += String(digitValue(code))
    else return undefined
  }
  // Then C's isspace(): U+001C..U+001F split fields (str.split) but are not stripped here.
  return out.replace(/^[\t-\r ]+|[\t-\r ]+$/g, '')
}

/** Python's `float(text)`, or undefined where Python raises ValueError. */
export function parsePythonFloat(text: string): number | undefined {
  let t: string | undefined = text
  if (NOT_PLAIN.test(t)) {
    t = toAsciiNumber(t)
    if (t === undefined) return undefined
  }
  if (FLOAT.test(t)) return Number(t.includes('_') ? t.replaceAll('_', '') : t)
  const special = SPECIAL.exec(t)
  if (!special) return undefined
  // Python keeps the sign of '-nan' (the bits fff8000000000000).
  if (special[2]!.toLowerCase() === 'nan') return special[1] === '-' ? -NaN : NaN
  return special[1] === '-' ? -Infinity : Infinity
}

/** Python's `int(text)` (base 10), or undefined where Python raises ValueError. */
export function parsePythonInt(text: string): number | undefined {
  const t = text.trim()
  if (!INTEGER.test(t)) return undefined
  const n = Number(t.includes('_') ? t.replaceAll('_', '') : t)
  return Object.is(n, -0) ? 0 : n
}

/** Python's `str.split()` with no argument: split on runs of Python whitespace, no empty fields. */
export function splitPythonWhitespace(text: string): string[] {
  const fields = text.split(PYTHON_WHITESPACE_RUNS)
  if (fields.length > 0 && fields[0] === '') fields.shift()
  if (fields.length > 0 && fields[fields.length - 1] === '') fields.pop()
  return fields
}

/**
 * Python's `float()` of the ASCII bytes `bytes[start, end)`, without making a string for the usual
 * forms (`42`, `-7.5`, `1700000000`, `120.21438591387034`): plain decimals decimalValue can say,
 * no exponent, no `_`. Anything else goes through parsePythonFloat. The caller guarantees the bytes
 * are ASCII.
 */
export function parsePythonFloatAscii(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start
  let negative = false
  let c = bytes[i]
  if (c === 0x2d || c === 0x2b) {
    negative = c === 0x2d
    i++
  }
  let mantissa = 0
  let fractionDigits = 0
  let digits = 0
  let dot = false
  const first = i
  for (; i < end; i++) {
    c = bytes[i]!
    if (c >= 0x30 && c <= 0x39) {
      digits++
      if (dot) fractionDigits++
      mantissa = mantissa * 10 + (c - 0x30)
    } else if (c === 0x2e && !dot) {
      dot = true
    } else {
      break
    }
  }
  if (i === end && digits > 0) {
    const value = decimalValue(mantissa, bytes, first, end, fractionDigits)
    if (value === value) return negative ? -value : value
  }
  let text = ''
  for (let k = start; k < end; k++) text += String.fromCharCode(bytes[k]!)
  return parsePythonFloat(text)
}
