// Python's number and time formatting, reproduced exactly so that carbonkit's text output is
// line-for-line identical to the whisper scripts'. Pure: no I/O, no clock.
//
// JavaScript's own formatters differ from Python's in ways that show up in real files:
//   repr(1e16) is '1e+16' (JS: '10000000000000000'); repr(2.0) is '2.0' (JS: '2');
//   '%f' % (1/128) is '0.007812' (C rounds the exact value half-to-even; JS toFixed rounds half up);
//   '%.35g' needs the exact binary value to 35 digits, which V8's toPrecision computes slowly.
// So the exact cases are done here on the double's bits, with base-1e7 limb arithmetic.

// A finite double is m * 2^e with an integer m < 2^53. Its exact decimal digits are those of the
// integer m * 5^-e (shifted -e places) when e < 0, or of m * 2^e when e >= 0. Both products are
// done in base 10^6 limbs held in doubles: m is three limbs, the power comes from a lazily filled
// table, and every partial product stays below 2^53, so the arithmetic is exact.
const BASE = 1e6
const INVERSE_BASE = 1e-6
const powersOfFive: Int32Array[] = []
const powersOfTwo: Int32Array[] = []
const accumulator = new Float64Array(200)
const limbs = new Int32Array(200)
// 5^1074 has 751 digits and the mantissa adds 16.
const digitBuffer = new Uint8Array(800)
const bits = new DataView(new ArrayBuffer(8))
const TWO_32 = 4294967296
const scratch = new Uint8Array(1200)
const BIG_BASE = 1000000n

function powerLimbs(table: Int32Array[], base: bigint, k: number): Int32Array {
  let limbsOfPower = table[k]
  if (limbsOfPower === undefined) {
    const out: number[] = []
    for (let v = base ** BigInt(k); v > 0n; v /= BIG_BASE) out.push(Number(v % BIG_BASE))
    limbsOfPower = Int32Array.from(out)
    table[k] = limbsOfPower
  }
  return limbsOfPower
}

/**
 * Write the exact decimal digits of a finite, non-zero double (sign ignored) into digitBuffer as
 * values 0..9, first one non-zero. Returns the digit count; `exactPoint` receives the decimal
 * exponent: value = 0.d1d2d3... x 10^point.
 */
let exactPoint = 0
function exactDigits(x: number): number {
  bits.setFloat64(0, x)
  const hi = bits.getUint32(0)
  let lo = bits.getUint32(4)
  const biased = (hi >>> 20) & 0x7ff
  let mHi = hi & 0xfffff
  let e: number
  if (biased === 0) {
    e = -1074
  } else {
    mHi |= 0x100000
    e = biased - 1075
  }
  // Dropping trailing zero bits keeps the numbers short for values like 0.5 or 1.25.
  while (e < 0 && (lo & 1) === 0 && (lo !== 0 || mHi !== 0)) {
    lo = ((lo >>> 1) | ((mHi & 1) << 31)) >>> 0
    mHi >>>= 1
    e++
  }
  let m = mHi * TWO_32 + lo
  const m0 = m % BASE
  m = (m - m0) / BASE
  const m1 = m % BASE
  const m2 = (m - m1) / BASE
  const power = e >= 0 ? powerLimbs(powersOfTwo, 2n, e) : powerLimbs(powersOfFive, 5n, -e)
  const n = power.length
  let length = n + 3
  accumulator.fill(0, 0, length)
  for (let j = 0; j < n; j++) {
    const b = power[j]!
    accumulator[j]! += m0 * b
    accumulator[j + 1]! += m1 * b
    accumulator[j + 2]! += m2 * b
  }
  let carry = 0
  for (let i = 0; i < length; i++) {
    const t = accumulator[i]! + carry
    // Multiplying by the inverse may be one off either way; the remainder check corrects it.
    let q = Math.floor(t * INVERSE_BASE)
    let r = t - q * BASE
    if (r < 0) {
      q--
      r += BASE
    } else if (r >= BASE) {
      q++
      r -= BASE
    }
    limbs[i] = r
    carry = q
  }
  while (length > 1 && limbs[length - 1] === 0) length--
  // The top limb has 1 to 6 digits, every other limb exactly 6.
  let top = limbs[length - 1]!
  let divisor = 100000
  while (divisor > top) divisor = (divisor / 10) | 0
  let count = 0
  while (divisor >= 1) {
    digitBuffer[count++] = (top / divisor) | 0
    top %= divisor
    divisor = (divisor / 10) | 0
  }
  for (let i = length - 2; i >= 0; i--) {
    let limb = limbs[i]!
    digitBuffer[count++] = (limb / 100000) | 0
    limb %= 100000
    digitBuffer[count++] = (limb / 10000) | 0
    limb %= 10000
    digitBuffer[count++] = (limb / 1000) | 0
    limb %= 1000
    digitBuffer[count++] = (limb / 100) | 0
    limb %= 100
    digitBuffer[count++] = (limb / 10) | 0
    digitBuffer[count++] = limb % 10
  }
  exactPoint = count - (e < 0 ? -e : 0)
  return count
}

const POWERS_OF_TWO = Array.from({ length: 54 }, (_, k) => 2 ** k)
const INVERSE_POWERS_OF_TWO = Array.from({ length: 54 }, (_, k) => 2 ** -k)

/**
 * exactDigits for 4 <= x < 2^53, faster: the integer part's digits, then the fraction's digits one at
 * a time. The fraction is r / 2^k with r < 2^k <= 2^50, and each step multiplies r by 5 and halves the
 * divisor (10 r / 2^k = 5 r / 2^(k-1)), so every number stays an exact integer below 2^53. Stops after
 * `wanted` digits and appends a 1 when something non-zero remains, which rounds the same way.
 */
function fractionDigits(x: number, wanted: number): number {
  const integer = Math.floor(x)
  const text = String(integer)
  let count = 0
  for (; count < text.length; count++) digitBuffer[count] = text.charCodeAt(count) - 48
  exactPoint = count
  bits.setFloat64(0, x)
  let k = 1075 - ((bits.getUint32(0) >>> 20) & 0x7ff)
  let r = (x - integer) * POWERS_OF_TWO[k]!
  while (r !== 0 && count <= wanted) {
    r *= 5
    k--
    // Scaling by a power of two is exact, so the floor is too.
    const digit = Math.floor(r * INVERSE_POWERS_OF_TWO[k]!)
    digitBuffer[count++] = digit
    r -= digit * POWERS_OF_TWO[k]!
  }
  if (r !== 0) digitBuffer[count++] = 1
  return count
}

/**
 * Round the digits in digitBuffer to `keep` significant digits, half to even on the exact value
 * (what C's printf does). Returns the new digit count (at least 1); may bump exactPoint on carry.
 */
function roundDigits(count: number, keep: number): number {
  if (keep >= count) return count
  if (keep < 0) {
    digitBuffer[0] = 0
    return 1
  }
  const next = digitBuffer[keep]!
  let up = next > 5
  if (next === 5) {
    let rest = false
    for (let i = keep + 1; i < count; i++) {
      if (digitBuffer[i] !== 0) {
        rest = true
        break
      }
    }
    up = rest || (keep > 0 && digitBuffer[keep - 1]! % 2 === 1)
  }
  if (!up) {
    if (keep === 0) {
      digitBuffer[0] = 0
      return 1
    }
    return keep
  }
  let i = keep - 1
  while (i >= 0 && digitBuffer[i] === 9) digitBuffer[i--] = 0
  if (i < 0) {
    // A carry out of the first digit: 99.9 becomes 100.
    digitBuffer[0] = 1
    for (let j = 1; j <= keep; j++) digitBuffer[j] = 0
    exactPoint++
    return keep === 0 ? 1 : keep
  }
  digitBuffer[i]!++
  return keep
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  return undefined
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0)
}

function exponentSuffix(exponent: number): string {
  const sign = exponent < 0 ? '-' : '+'
  return `e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
}

function writeAscii(out: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i)
  return pos
}

/** Python's `'%.<precision>f' % x`. */
export function formatFixed(x: number, precision = 6): string {
  const s = special(x)
  if (s !== undefined) return s
  const sign = isNegative(x) ? '-' : ''
  const a = Math.abs(x)
  if (precision === 6 && a < 1e21) {
    // toFixed rounds exact ties up while C rounds them to even. With 6 decimals the value is an exact
    // tie only when it is an odd multiple of 1/128 (an exact 7th decimal 5); everything else agrees.
    const scaled = a * 128
    if (!(Number.isInteger(scaled) && scaled % 2 === 1)) return sign + a.toFixed(6)
  }
  if (a === 0) return sign + (precision > 0 ? '0.' + '0'.repeat(precision) : '0')
  const count = roundDigits(exactDigits(a), exactPoint + precision)
  let text = ''
  const point = exactPoint
  const allZero = count === 1 && digitBuffer[0] === 0
  if (allZero || point <= 0) {
    text = '0'
  } else {
    for (let i = 0; i < point; i++) text += i < count ? digitBuffer[i] : 0
  }
  if (precision > 0) {
    text += '.'
    for (let i = 0; i < precision; i++) {
      const index = point + i
      text += !allZero && index >= 0 && index < count ? digitBuffer[index] : 0
    }
  }
  return sign + text
}

// The fast path of %.<p>g for 17 <= p <= 40 and 2^-13 <= |x| < 2^53 (every full-precision value a
// metric is likely to hold): printed in fixed notation, since the decimal exponent after rounding is
// between -4 and 15, below p. The integer part's digits come from the double itself; the fraction
// (at most 66 bits, as |x| >= 2^-13) is held exactly in three 24-bit limbs and multiplied by 10^8 at a
// time, which yields the next eight exact decimal digits: each product stays below 2^51, so the
// double arithmetic is exact. Rounding is C's: half to even on the exact value. Digits are written
// straight into `out`, two at a time.
const FAST_MIN = 2 ** -13
const POWERS_OF_TEN = Array.from({ length: 17 }, (_, k) => 10 ** k)
const TWO_24 = 16777216
const INVERSE_TWO_24 = 1 / TWO_24
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) =>
  i % 2 === 0 ? 48 + Math.floor(i / 20) : 48 + (((i - 1) / 2) % 10),
)

/** Writes the ASCII of `'%<width>.<p>g' % x` for x as described above; -1 in the rare case it cannot. */
function writeExactFixed(
  out: Uint8Array,
  pos: number,
  a: number,
  negative: boolean,
  p: number,
  width: number,
): number {
  const start = pos
  if (negative) out[pos++] = 45
  const digitsStart = pos
  const integer = Math.floor(a)
  let n = 0
  if (integer === 0) {
    out[pos++] = 48
  } else {
    n = 1
    while (n < 16 && integer >= POWERS_OF_TEN[n]!) n++
    let v = integer
    for (let i = pos + n - 1; i >= pos; i--) {
      // v < 2^52: v / 10 is never rounded up to the next integer, so the floor is exact.
      const q = Math.floor(v / 10)
      out[i] = 48 + v - q * 10
      v = q
    }
    pos += n
  }
  out[pos++] = 46
  const fractionStart = pos
  let t = (a - integer) * TWO_24
  let l0 = Math.floor(t)
  t = (t - l0) * TWO_24
  let l1 = Math.floor(t)
  let l2 = (t - l1) * TWO_24
  // Where the digit that decides the rounding stands: p significant digits, counted from the first
  // non-zero one (not yet known for 0.000ddd).
  let cut = n > 0 ? fractionStart + p - n : -1
  while ((l0 !== 0 || l1 !== 0 || l2 !== 0) && (cut < 0 || pos <= cut)) {
    let x = l2 * 1e8
    let carry = Math.floor(x * INVERSE_TWO_24)
    l2 = x - carry * TWO_24
    x = l1 * 1e8 + carry
    carry = Math.floor(x * INVERSE_TWO_24)
    l1 = x - carry * TWO_24
    x = l0 * 1e8 + carry
    carry = Math.floor(x * INVERSE_TWO_24)
    l0 = x - carry * TWO_24
    const c = carry | 0
    const hi = (c / 10000) | 0
    const lo = c - hi * 10000
    const h1 = (hi / 100) | 0
    const h2 = hi - h1 * 100
    const k1 = (lo / 100) | 0
    const k2 = lo - k1 * 100
    out[pos] = DIGIT_PAIRS[2 * h1]!
    out[pos + 1] = DIGIT_PAIRS[2 * h1 + 1]!
    out[pos + 2] = DIGIT_PAIRS[2 * h2]!
    out[pos + 3] = DIGIT_PAIRS[2 * h2 + 1]!
    out[pos + 4] = DIGIT_PAIRS[2 * k1]!
    out[pos + 5] = DIGIT_PAIRS[2 * k1 + 1]!
    out[pos + 6] = DIGIT_PAIRS[2 * k2]!
    out[pos + 7] = DIGIT_PAIRS[2 * k2 + 1]!
    if (cut < 0 && c !== 0) {
      let first = pos
      while (out[first] === 48) first++
      cut = first + p
    }
    pos += 8
  }
  let end = pos
  if (cut < pos) {
    const next = out[cut]!
    let up = next > 53
    if (next === 53) {
      // A tie only if nothing non-zero follows; then to even (the digit codes share the digits' parity).
      up = l0 !== 0 || l1 !== 0 || l2 !== 0 || (out[cut - 1]! & 1) === 1
      for (let i = cut + 1; i < pos && !up; i++) up = out[i] !== 48
    }
    end = cut
    if (up) {
      let i = cut - 1
      for (;;) {
        const digit = out[i]!
        if (digit === 46) {
          i--
        } else if (digit === 57) {
          out[i--] = 48
          // 99.99... carried into a new first digit: left to the general path.
          if (i < digitsStart) return -1
        } else {
          out[i] = digit + 1
          break
        }
      }
    }
  }
  while (end > fractionStart && out[end - 1] === 48) end--
  if (end === fractionStart) end--
  const length = end - start
  if (length < width) {
    out.copyWithin(start + width - length, start, end)
    out.fill(32, start, start + width - length)
    end = start + width
  }
  return end
}

/**
 * Write Python's `'%<width>.<precision>g' % x` as ASCII into `out` at `pos`; returns the new position.
 * The bulk path of `wsp dump`: no string is built for the value.
 */
export function writeGeneral(out: Uint8Array, pos: number, x: number, precision: number, width = 0): number {
  const s = special(x)
  if (s !== undefined) {
    for (let i = s.length; i < width; i++) out[pos++] = 32
    return writeAscii(out, pos, s)
  }
  const p = precision === 0 ? 1 : precision
  const negative = isNegative(x)
  const a = Math.abs(x)
  if (a === 0 || (p > 16 && Number.isInteger(a) && a < 9007199254740992)) {
    // Integers below 2^53 have at most 16 digits: %g prints them as they are when p > 16.
    const text = (negative ? '-' : '') + String(a)
    for (let i = text.length; i < width; i++) out[pos++] = 32
    return writeAscii(out, pos, text)
  }
  if (p >= 17 && p <= 40 && a >= FAST_MIN && a < 9007199254740992) {
    const end = writeExactFixed(out, pos, a, negative, p, width)
    if (end >= 0) return end
  }
  let count = roundDigits(a >= 4 && a < 9007199254740992 ? fractionDigits(a, p) : exactDigits(a), p)
  const point = exactPoint
  const exponent = point - 1
  while (count > 1 && digitBuffer[count - 1] === 0) count--
  let length: number
  let exponentText = ''
  const scientific = exponent < -4 || exponent >= p
  if (scientific) {
    exponentText = exponentSuffix(exponent)
    length = count + (count > 1 ? 1 : 0) + exponentText.length
  } else if (point <= 0) {
    length = 2 - point + count
  } else if (count <= point) {
    length = point
  } else {
    length = count + 1
  }
  if (negative) length++
  for (let i = length; i < width; i++) out[pos++] = 32
  if (negative) out[pos++] = 45
  if (scientific) {
    out[pos++] = 48 + digitBuffer[0]!
    if (count > 1) {
      out[pos++] = 46
      for (let i = 1; i < count; i++) out[pos++] = 48 + digitBuffer[i]!
    }
    return writeAscii(out, pos, exponentText)
  }
  if (point <= 0) {
    out[pos++] = 48
    out[pos++] = 46
    for (let i = 0; i < -point; i++) out[pos++] = 48
    for (let i = 0; i < count; i++) out[pos++] = 48 + digitBuffer[i]!
  } else if (count <= point) {
    for (let i = 0; i < point; i++) out[pos++] = i < count ? 48 + digitBuffer[i]! : 48
  } else {
    for (let i = 0; i < count; i++) {
      if (i === point) out[pos++] = 46
      out[pos++] = 48 + digitBuffer[i]!
    }
  }
  return pos
}

/** Python's `'%<width>.<precision>g' % x`. */
export function formatGeneral(x: number, precision: number, width = 0): string {
  const end = writeGeneral(scratch, 0, x, precision, width)
  return String.fromCharCode.apply(null, scratch.subarray(0, end) as unknown as number[])
}

/** Python's `repr(float)` (and `str(float)`, and json.dumps of a finite float). */
export function formatRepr(x: number): string {
  const s = special(x)
  if (s !== undefined) return s
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  // toExponential() with no argument gives the shortest digits that round-trip, as Python's repr does.
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  const exponent = Number(exp)
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return sign + m + exponentSuffix(exponent)
  }
  const point = exponent + 1
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (digits.length <= point) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

/** Python's `str()` of a value that may be None. */
export function formatOptionalRepr(x: number | null): string {
  return x === null ? 'None' : formatRepr(x)
}

/** Python's `'%<width>s'`: right-align in `width` columns. */
export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

function two(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

/** Python's `time.ctime(t)`: local time as `Wed Nov 25 15:15:00 2026` (day padded with a space). */
export function formatCtime(epoch: number): string {
  const d = new Date(epoch * 1000)
  const day = String(d.getDate()).padStart(2, ' ')
  return (
    `${DAYS[d.getDay()]!.slice(0, 3)} ${MONTHS[d.getMonth()]!.slice(0, 3)} ${day} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
  )
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1)
  return (
    Math.round(
      (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86400000,
    ) + 1
  )
}

function weekOfYear(d: Date, firstDay: number): number {
  const yday = dayOfYear(d) - 1
  const wday = (d.getDay() - firstDay + 7) % 7
  return Math.floor((yday + 7 - wday) / 7)
}

function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset()
  const sign = minutes < 0 ? '-' : '+'
  const a = Math.abs(minutes)
  return `${sign}${two(Math.floor(a / 60))}${two(a % 60)}`
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')
  return part?.value ?? ''
}

/**
 * Python's `time.strftime(format, time.localtime(t))` in the C locale, for the directives glibc
 * documents. Unknown directives are kept as they are, as glibc does.
 */
export function formatStrftime(format: string, epoch: number): string {
  const d = new Date(epoch * 1000)
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%' || i === format.length - 1) {
      out += c
      continue
    }
    const directive = format[++i]!
    out += strftimeDirective(directive, d, epoch)
  }
  return out
}

function strftimeDirective(directive: string, d: Date, epoch: number): string {
  const hours = d.getHours()
  switch (directive) {
    case 'a':
      return DAYS[d.getDay()]!.slice(0, 3)
    case 'A':
      return DAYS[d.getDay()]!
    case 'b':
    case 'h':
      return MONTHS[d.getMonth()]!.slice(0, 3)
    case 'B':
      return MONTHS[d.getMonth()]!
    case 'c':
      return formatCtime(epoch)
    case 'C':
      return two(Math.floor(d.getFullYear() / 100))
    case 'd':
      return two(d.getDate())
    case 'D':
      return `${two(d.getMonth() + 1)}/${two(d.getDate())}/${two(d.getFullYear() % 100)}`
    case 'e':
      return String(d.getDate()).padStart(2, ' ')
    case 'F':
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
    case 'H':
      return two(hours)
    case 'I':
      return two(hours % 12 === 0 ? 12 : hours % 12)
    case 'j':
      return String(dayOfYear(d)).padStart(3, '0')
    case 'k':
      return String(hours).padStart(2, ' ')
    case 'l':
      return String(hours % 12 === 0 ? 12 : hours % 12).padStart(2, ' ')
    case 'm':
      return two(d.getMonth() + 1)
    case 'M':
      return two(d.getMinutes())
    case 'n':
      return '\n'
    case 'p':
      return hours < 12 ? 'AM' : 'PM'
    case 'P':
      return hours < 12 ? 'am' : 'pm'
    case 'r':
      return `${two(hours % 12 === 0 ? 12 : hours % 12)}:${two(d.getMinutes())}:${two(d.getSeconds())} ${hours < 12 ? 'AM' : 'PM'}`
    case 'R':
      return `${two(hours)}:${two(d.getMinutes())}`
    case 's':
      return String(Math.floor(epoch))
    case 'S':
      return two(d.getSeconds())
    case 't':
      return '\t'
    case 'T':
    case 'X':
      return `${two(hours)}:${two(d.getMinutes())}:${two(d.getSeconds())}`
    case 'u':
      return String(d.getDay() === 0 ? 7 : d.getDay())
    case 'U':
      return two(weekOfYear(d, 0))
    case 'w':
      return String(d.getDay())
    case 'W':
      return two(weekOfYear(d, 1))
    case 'x':
      return `${two(d.getMonth() + 1)}/${two(d.getDate())}/${two(d.getFullYear() % 100)}`
    case 'y':
      return two(d.getFullYear() % 100)
    case 'Y':
      return String(d.getFullYear())
    case 'z':
      return utcOffset(d)
    case 'Z':
      return zoneName(d)
    case '%':
      return '%'
    default:
      return '%' + directive
  }
}
