// A plain decimal (`digits[.digits]`) made into the double Python's float() makes of it, the
// correctly rounded one, without a string: the receivers' and parsePythonFloatAscii's one fast path.
// Below 2^53 as an integer, one division by an exact power of ten (Clinger's fast path). From 16 to 20
// significant digits (what full-precision averages look like: 120.21438591387034) that does not hold,
// and the string route (a regular expression, then Number) cost the plaintext parser four times as
// much per value as a short one: wideDecimal. Pure.
//
// N, the digits as an integer (up to 19 or 20 of them), is held exactly as the sum of doubles n1 + n2 + T
// (Dekker's product of its first digits, below 2^53, by 10^t, and its last t digits); q = N / 10^f is
// computed in doubles (within one unit in the last place of the exact quotient), and the residual
// N - q * 10^f, with q * 10^f exact as p1 + p2 (Dekker again), tells whether q is the nearest double:
// inside half a unit in the last place, q is it; past it, its neighbour is checked the same way; close
// to the halfway point (a tie, within 2^-20 of one), the caller takes the exact string route.

/** 10^0 .. 10^22: exact doubles. */
const POWERS_OF_TEN = Float64Array.from({ length: 23 }, (_, i) => 10 ** i)
const MAX_EXACT = 2 ** 53
/** A prefix below this stays below 2^53 with one more digit: every step of its value is exact. */
const PREFIX_LIMIT = Math.floor((2 ** 53 - 9) / 10)
/** Digits past the exact prefix: N = prefix * 10^t + tail, t at most this. */
const MAX_TAIL_DIGITS = 4
/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729
/** How close to halfway the residual may come before the exact route decides. */
const MARGIN = 1 - 2 ** -20

const PRODUCT = new Float64Array(2)
/** a * b exactly, as PRODUCT[0] + PRODUCT[1] (Dekker's product: no overflow for these magnitudes). */
function twoProduct(a: number, b: number): void {
  const p = a * b
  let c = SPLITTER * a
  const aHigh = c - (c - a)
  const aLow = a - aHigh
  c = SPLITTER * b
  const bHigh = c - (c - b)
  const bLow = b - bHigh
  PRODUCT[0] = p
  PRODUCT[1] = aHigh * bHigh - p + aHigh * bLow + aLow * bHigh + aLow * bLow
}

// The neighbours of a positive normal double, through its bits.
const BITS = new Float64Array(1)
const WORDS = new Uint32Array(BITS.buffer)
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1
const HIGH = 1 - LOW

function nextUp(x: number): number {
  BITS[0] = x
  if (WORDS[LOW] === 0xffffffff) {
    WORDS[LOW] = 0
    WORDS[HIGH]!++
  } else WORDS[LOW]!++
  return BITS[0]
}

function nextDown(x: number): number {
  BITS[0] = x
  if (WORDS[LOW] === 0) {
    WORDS[LOW] = 0xffffffff
    WORDS[HIGH]!--
  } else WORDS[LOW]!--
  return BITS[0]
}

/**
 * The correctly rounded value of the unsigned decimal in `bytes[start, end)` (ASCII digits, at most
 * one '.', `fraction` of them after it), whose digits read as one integer in doubles (d = d * 10 +
 * digit) made `mantissa`: exact below 2^53, and at or above it once the integer is. NaN where it
 * cannot say without the text: more than 22 decimals, more digits than wideDecimal takes, a near-tie.
 */
export function decimalValue(
  mantissa: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  fraction: number,
): number {
  if (fraction > 22) return NaN
  if (mantissa < MAX_EXACT) return fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction]!
  return wideDecimal(bytes, start, end, fraction)
}

/**
 * The correctly rounded value of the unsigned decimal in `bytes[start, end)`: ASCII digits with at
 * most one '.', `fraction` of them after it (at most 22), at most 4 significant digits past the
 * longest prefix below 2^53 (19 or 20 in all). NaN when it cannot say without the exact route (more
 * digits, a value within 2^-20 of a tie): the caller then parses the text.
 */
export function wideDecimal(bytes: Uint8Array, start: number, end: number, fraction: number): number {
  if (fraction > 22) return NaN
  let prefix = 0
  let tail = 0
  let tailDigits = 0
  for (let k = start; k < end; k++) {
    const d = bytes[k]! - 0x30
    if (d < 0 || d > 9) continue // the '.'
    if (tailDigits === 0 && prefix < PREFIX_LIMIT) prefix = prefix * 10 + d
    else if (++tailDigits > MAX_TAIL_DIGITS) return NaN
    else tail = tail * 10 + d
  }
  // N = prefix * 10^t + tail = n1 + n2 + tail, exactly; n2 + tail is an exact small integer.
  twoProduct(prefix, POWERS_OF_TEN[tailDigits]!)
  const n1 = PRODUCT[0]!
  const rest = PRODUCT[1]! + tail
  const scale = POWERS_OF_TEN[fraction]!
  let q = (n1 + rest) / scale
  if (q === 0) return q
  for (let tries = 0; tries < 2; tries++) {
    twoProduct(q, scale)
    // n1 and p1 are within a factor of 2: their difference is exact (Sterbenz). The rest is tiny
    // beside half a unit of N's last place, and so is its rounding.
    const residual = n1 - PRODUCT[0]! + (rest - PRODUCT[1]!)
    if (residual >= 0) {
      const half = ((nextUp(q) - q) * scale) / 2
      if (residual < half * MARGIN) return q
      if (residual < half / MARGIN) return NaN
      q = nextUp(q)
    } else {
      const half = ((q - nextDown(q)) * scale) / 2
      if (-residual < half * MARGIN) return q
      if (-residual < half / MARGIN) return NaN
      q = nextDown(q)
    }
  }
  return NaN
}
