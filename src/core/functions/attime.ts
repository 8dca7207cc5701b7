// graphite-web 1.1.8's parseATTime for `from`, `until` and `now`, and its parseTimeOffset, with
// their quirks, on graphite-web's own grammar (render/attime.py):
//
//   spec      = epoch seconds | reference [ ('+' | '-') offset ]     (split at the first +, else -)
//   reference = '' | now | [time of day] [day]
//   time      = HH:MM[am|pm] | H[H]am | H[H]pm | noon | midnight | teatime (16:00), in that order
//   day       = today | yesterday | tomorrow | MM/DD/YY[YY] | YYYYMMDD | month name and day of
//               month (`jan1`, `january 31`) | weekday name (`monday`: the latest one, today included)
//   offset    = number and unit, repeated (`1h30min`): s, min, h, d, w, mon (30 d), y (365 d)
//
// Spaces, commas and underscores are dropped first and case is ignored, so `6pm yesterday`,
// `noon_tomorrow` and `January 1, 2026`-like strings read as graphite-web reads them. An 8-digit
// number that reads as a date is YYYYMMDD; any other number is epoch seconds. Quirks kept: `12am`
// is noon and `12pm` midnight (graphite-web adds 12 to the hour modulo 24), a two-digit year is
// 19YY, or 20YY below 70 (and 1900 to 1969 are 2000 to 2069), a weekday never names a day after today, a month name takes the current
// year. Wall-clock dates are read in the request's `tz` (UTC when not given or unknown, graphite-web's
// TIME_ZONE here) as pytz reads them (tzfile.ts: the system's zone files, as Debian's pytz reads
// them; Node's ICU where there are none): pytz's localize(is_dst=False) at a DST change (a time in
// the spring gap moves forward by the change, an ambiguous one takes standard time), offsets rounded
// to the minute, the zone's offset frozen at its last change before 2038 and its first standard
// offset (local mean time) before 1901-12-13. Whatever graphite-web raises on (an hour past 23,
// Feb 29 in a common year, a year past 9999, a bare `m` unit) is refused here with one line. Pure
// but for reading the zone files: `now` is passed in.

import { InvalidArgumentError } from '../errors.js'
import { hasZoneFiles, infoAt, pytzZone } from './tzfile.js'

function bad(spec: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid time '${spec}': ${why}`)
}

// Python's str methods, on code points (Python slices strings by code point, not UTF-16 unit),
// with Python 3.11's Unicode tables where they differ from JavaScript's: str.isspace, str.isdigit
// (decimal digits, which int() reads, and other digits such as superscripts, which it refuses).
const SPACE = new Set(
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000',
)
const DECIMAL_ZEROS = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50,
  0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40,
  0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0,
  0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50,
  0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950,
  0x1fbf0,
]
const OTHER_DIGITS: [number, number][] = [
  [0xb2, 0xb3],
  [0xb9, 0xb9],
  [0x1369, 0x1371],
  [0x19da, 0x19da],
  [0x2070, 0x2070],
  [0x2074, 0x2079],
  [0x2080, 0x2089],
  [0x2460, 0x2468],
  [0x2474, 0x247c],
  [0x2488, 0x2490],
  [0x24ea, 0x24ea],
  [0x24f5, 0x24fd],
  [0x24ff, 0x24ff],
  [0x2776, 0x277e],
  [0x2780, 0x2788],
  [0x278a, 0x2792],
  [0x10a40, 0x10a43],
  [0x10e60, 0x10e68],
  [0x11052, 0x1105a],
  [0x1f100, 0x1f10a],
]

/** The value of a decimal digit (one int() reads), or -1. */
function decimalValue(ch: string): number {
  const c = ch.codePointAt(0)!
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c < 0x80) return -1
  for (const zero of DECIMAL_ZEROS) if (c >= zero && c <= zero + 9) return c - zero
  return -1
}

function isDigitChar(ch: string): boolean {
  if (decimalValue(ch) >= 0) return true
  const c = ch.codePointAt(0)!
  return OTHER_DIGITS.some(([from, to]) => c >= from && c <= to)
}

/** str.isdigit(): not empty, every character a digit. */
function isDigits(cs: string[]): boolean {
  return cs.length > 0 && cs.every(isDigitChar)
}

/** str.isalpha(): not empty, every character a letter. */
function isAlpha(cs: string[]): boolean {
  return cs.length > 0 && cs.every((ch) => /^\p{L}$/u.test(ch))
}

/** int(text): spaces around, a sign, decimal digits; undefined where Python raises ValueError. */
function pyInt(cs: string[]): number | undefined {
  let from = 0
  let to = cs.length
  while (from < to && SPACE.has(cs[from]!)) from++
  while (to > from && SPACE.has(cs[to - 1]!)) to--
  let sign = 1
  if (cs[from] === '+' || cs[from] === '-') sign = cs[from++] === '-' ? -1 : 1
  if (from === to) return undefined
  let value = 0
  for (let i = from; i < to; i++) {
    const digit = decimalValue(cs[i]!)
    if (digit < 0) return undefined
    value = value * 10 + digit
  }
  return sign * value
}

/** str.find(word), by code point. */
function find(cs: string[], word: string): number {
  const w = Array.from(word)
  for (let i = 0; i + w.length <= cs.length; i++) if (w.every((ch, k) => cs[i + k] === ch)) return i
  return -1
}

function startsWith(cs: string[], word: string): boolean {
  return cs.slice(0, word.length).join('') === word
}

// Python datetime's range, 0001-01-01 to 9999-12-31, as naive seconds.
const MIN_SECONDS = -62135596800
const MAX_SECONDS = 253402300799

function inRange(seconds: number): boolean {
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS
}

/** Naive seconds of a calendar date and time, or undefined where datetime() raises. */
function civil(year: number, month: number, day: number, hour = 0, minute = 0): number | undefined {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return undefined
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  if (d.getUTCDate() !== day) return undefined
  return d.getTime() / 1000 + hour * 3600 + minute * 60
}

const ZONES = new Map<string, Intl.DateTimeFormat | undefined>()

function zoneFormat(tz: string): Intl.DateTimeFormat | undefined {
  if (!ZONES.has(tz)) {
    let format: Intl.DateTimeFormat | undefined
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch {
      format = undefined
    }
    if (ZONES.size > 100) ZONES.clear()
    ZONES.set(tz, format)
  }
  return ZONES.get(tz)
}

/** Whether `tz` is a zone pytz knows (the system's zone files; ICU's zones where there are none). */
export function isKnownZone(tz: string): boolean {
  return hasZoneFiles() ? pytzZone(tz) !== undefined : zoneFormat(tz) !== undefined
}

function intlOffset(format: Intl.DateTimeFormat, epoch: number): number {
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(new Date(epoch * 1000))) parts[part.type] = part.value
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year)
  const d = new Date(0)
  d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day))
  d.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second))
  return d.getTime() / 1000 - epoch
}

// pytz reads the 32-bit part of the zone file: no change after 2038-01-19 (the last one before it
// holds on) and the zone's first standard offset, its local mean time, before 1901-12-13.
const FIRST_32 = -(2 ** 31)
const LAST_32 = 2 ** 31 - 1
const LONG_AGO = -5364662400 // 1800-01-01, before every zone's first change

/** Seconds to add to an epoch for the wall clock in `tz` at that instant, as pytz has it (0 for UTC or unknown). */
export function zoneOffset(tz: string | undefined, epoch: number): number {
  if (tz === undefined) return 0
  if (hasZoneFiles()) {
    const zone = pytzZone(tz)
    if (zone === undefined) return 0
    return zone.fixed ?? infoAt(zone, Math.floor(epoch)).offset
  }
  const format = zoneFormat(tz)
  if (format === undefined) return 0
  const t = Math.floor(epoch)
  const at = t < FIRST_32 ? LONG_AGO : Math.min(t, LAST_32)
  // pytz rounds every offset to the nearest minute.
  return Math.floor((intlOffset(format, at) + 30) / 60) * 60
}

// Without zone files (ICU has no DST flags): zones and years where an ambiguous wall time (a clock
// set back) is, by pytz's is_dst=False, the earlier of its two instants: Debian's tzdata marks the larger offset as standard time there
// (Ireland's winter time is its "daylight" time, Morocco's Ramadan time, ...). Elsewhere it is the
// later instant, standard time.
const EARLIER_WHEN_AMBIGUOUS: Record<string, [number, number]> = {
  'Africa/Casablanca': [2019, 2037],
  'Africa/El_Aaiun': [2019, 2037],
  'Africa/Windhoek': [1994, 2017],
  'America/Iqaluit': [1942, 1942],
  'America/Pangnirtung': [1942, 1942],
  'Antarctica/Palmer': [1964, 1964],
  Eire: [1971, 2037],
  'Europe/Bratislava': [1946, 1946],
  'Europe/Dublin': [1971, 2037],
  'Europe/Kiev': [1941, 1941],
  'Europe/Kyiv': [1941, 1941],
  'Europe/Minsk': [1941, 1941],
  'Europe/Prague': [1946, 1946],
  'Europe/Riga': [1941, 1941],
  'Europe/Simferopol': [1941, 1941],
  'Europe/Tallinn': [1941, 1941],
  'Europe/Uzhgorod': [1941, 1941],
  'Europe/Vilnius': [1941, 1941],
  'Europe/Zaporozhye': [1941, 1941],
}

/** The epoch of a wall-clock time in `tz`: pytz's localize(is_dst=False). */
function localize(wall: number, tz: string | undefined): number | undefined {
  if (tz !== undefined && hasZoneFiles()) return localizeFromFiles(wall, tz)
  const format = tz === undefined ? undefined : zoneFormat(tz)
  if (tz === undefined || format === undefined) return wall
  // A zone that never changed (UTC, Etc/GMT+5) is pytz's StaticTzInfo; the others look a day either
  // side, which fails within a day of datetime's range.
  const fixed =
    intlOffset(format, LONG_AGO) === intlOffset(format, 0) &&
    intlOffset(format, 0) === intlOffset(format, LAST_32)
  if (fixed) return wall - zoneOffset(tz, wall)
  if (!inRange(wall - 86400) || !inRange(wall + 86400)) return undefined
  // pytz tries the offsets in force a day either side (reading the wall time as UTC) and keeps those
  // that give this wall time back.
  const offsets = new Set([zoneOffset(tz, wall - 86400), zoneOffset(tz, wall + 86400)])
  const fits = [...offsets].filter((o) => zoneOffset(tz, wall - o) === o).sort((a, b) => a - b)
  if (fits.length === 0) {
    const before = localize(wall - 6 * 3600, tz)
    return before === undefined ? undefined : before + 6 * 3600
  }
  if (fits.length === 1) return wall - fits[0]!
  const years = EARLIER_WHEN_AMBIGUOUS[tz]
  const year = new Date(wall * 1000).getUTCFullYear()
  const earlier = years !== undefined && year >= years[0] && year <= years[1]
  return wall - (earlier ? fits[fits.length - 1]! : fits[0]!)
}

/** pytz's DstTzInfo.localize(wall, is_dst=False) over the zone files. */
function localizeFromFiles(wall: number, tz: string): number | undefined {
  const zone = pytzZone(tz)
  if (zone === undefined) return wall
  if (zone.fixed !== undefined) return wall - zone.fixed
  // The changes in force a day either side, the wall time read as UTC (datetime overflows there at
  // the ends of its range); those that give this wall time back.
  if (!inRange(wall - 86400) || !inRange(wall + 86400)) return undefined
  const fits: { offset: number; dst: boolean }[] = []
  for (const info of [infoAt(zone, wall - 86400), infoAt(zone, wall + 86400)])
    if (
      infoAt(zone, wall - info.offset).offset === info.offset &&
      !fits.some((f) => f.offset === info.offset)
    )
      fits.push(info)
  // A wall time in a spring gap: the one six hours before, plus six hours.
  if (fits.length === 0) {
    const before = localizeFromFiles(wall - 6 * 3600, tz)
    return before === undefined ? undefined : before + 6 * 3600
  }
  if (fits.length === 1) return wall - fits[0]!.offset
  // Ambiguous: the standard one; else the later instant.
  const standard = fits.filter((f) => !f.dst)
  const pick = standard.length === 1 ? standard : fits
  return wall - Math.min(...pick.map((f) => f.offset))
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

const REFERENCE_HELP =
  'use now, epoch seconds, an offset such as -6h, a time (noon, 6pm, 14:30) and a day (today, monday, jan1, 12/31/2026, 20261231)'

/** graphite-web's parseTimeReference: the epoch of a reference, `now` when empty. */
function parseTimeReference(spec: string, reference: string[], now: number, tz: string | undefined): number {
  let ref = reference
  const text = ref.join('')
  if (text === '' || text === 'now') return now
  let hour = 0
  let minute = 0
  const fail = (why = REFERENCE_HELP): never => {
    throw bad(spec, why)
  }
  const int = (cs: string[]): number => pyInt(cs) ?? fail(`'${cs.join('')}' is not a number`)

  // Time of day: HH:MM, Xam, Xpm, then noon, midnight or teatime.
  let i = ref.indexOf(':')
  if (i > 0 && i < 3) {
    hour = int(ref.slice(0, i))
    minute = int(ref.slice(i + 1, i + 3))
    ref = ref.slice(i + 3)
    if (startsWith(ref, 'am')) ref = ref.slice(2)
    else if (startsWith(ref, 'pm')) {
      hour = (((hour + 12) % 24) + 24) % 24
      ref = ref.slice(2)
    }
  }
  i = find(ref, 'am')
  if (i > 0 && i < 3) {
    hour = int(ref.slice(0, i))
    ref = ref.slice(i + 2)
  }
  i = find(ref, 'pm')
  if (i > 0 && i < 3) {
    hour = (((int(ref.slice(0, i)) + 12) % 24) + 24) % 24
    ref = ref.slice(i + 2)
  }
  if (startsWith(ref, 'noon')) {
    ;[hour, minute, ref] = [12, 0, ref.slice(4)]
  } else if (startsWith(ref, 'midnight')) {
    ;[hour, minute, ref] = [0, 0, ref.slice(8)]
  } else if (startsWith(ref, 'teatime')) {
    ;[hour, minute, ref] = [16, 0, ref.slice(7)]
  }
  if (hour < 0 || hour > 23) fail(`hour ${hour} is not 0 to 23`)
  if (minute < 0 || minute > 59) fail(`minute ${minute} is not 0 to 59`)

  const wallNow = now + zoneOffset(tz, now)
  let wall = wallNow - (((wallNow % 86400) + 86400) % 86400) + hour * 3600 + minute * 60
  const day = ref.join('')
  const notADate = (): never => fail('not a date')
  if (day === 'yesterday') wall -= 86400
  else if (day === 'tomorrow') wall += 86400
  else if (day === 'today') {
    // the time of day today
  } else if (ref.filter((ch) => ch === '/').length === 2) {
    const [m, d, y] = day.split('/').map((part) => int(Array.from(part))) as [number, number, number]
    let year = y
    if (year < 1900) year += 1900
    if (year < 1970) year += 100
    wall = civil(year, m, d, hour, minute) ?? notADate()
  } else if (ref.length === 8 && isDigits(ref)) {
    const [y, m, d] = [ref.slice(0, 4), ref.slice(4, 6), ref.slice(6)].map(int) as [number, number, number]
    wall = civil(y, m, d, hour, minute) ?? notADate()
  } else if (MONTHS.includes(ref.slice(0, 3).join(''))) {
    let d: number
    if (isDigits(ref.slice(-2))) d = int(ref.slice(-2))
    else if (isDigits(ref.slice(-1))) d = int(ref.slice(-1))
    else return fail('day of month required after month name')
    const year = new Date(wall * 1000).getUTCFullYear()
    wall = civil(year, MONTHS.indexOf(ref.slice(0, 3).join('')) + 1, d, hour, minute) ?? notADate()
  } else if (WEEKDAYS.includes(ref.slice(0, 3).join(''))) {
    const today = (((Math.floor(wall / 86400) + 4) % 7) + 7) % 7
    let back = today - WEEKDAYS.indexOf(ref.slice(0, 3).join(''))
    if (back < 0) back += 7
    wall -= back * 86400
  } else if (ref.length > 0) {
    fail()
  }
  if (!inRange(wall)) fail('out of range')
  return localize(wall, tz) ?? fail('out of range')
}

const UNITS: [string, number][] = [
  ['s', 1],
  ['min', 60],
  ['h', 3600],
  ['d', 86400],
  ['w', 7 * 86400],
  ['mon', 30 * 86400],
  ['y', 365 * 86400],
]

// timedelta's limit: 999999999 days.
const MAX_DELTA = 999999999 * 86400

/** graphite-web's parseTimeOffset on code points, in seconds. */
function offsetSeconds(spec: string, offset: string[]): number {
  if (offset.length === 0) return 0
  let rest = offset
  let sign = 1
  if (!isDigitChar(rest[0]!)) {
    if (rest[0] !== '+' && rest[0] !== '-') throw bad(spec, 'an offset starts with a digit, + or -')
    sign = rest[0] === '-' ? -1 : 1
    rest = rest.slice(1)
  }
  let total = 0
  while (rest.length > 0) {
    let i = 0
    while (i < rest.length && isDigitChar(rest[i]!)) i++
    const num = pyInt(rest.slice(0, i))
    if (num === undefined) throw bad(spec, 'an offset is a number and a unit, such as -1h or 5min')
    rest = rest.slice(i)
    i = 0
    while (i < rest.length && isAlpha([rest[i]!])) i++
    const unit = rest.slice(0, i).join('')
    rest = rest.slice(i)
    const seconds = UNITS.find(([prefix]) => unit.startsWith(prefix))?.[1]
    if (seconds === undefined) throw bad(spec, `unknown unit '${unit}' (use s, min, h, d, w, mon or y)`)
    total += sign * num * seconds
    if (Math.abs(total) > MAX_DELTA) throw bad(spec, 'out of range')
  }
  return total
}

/**
 * Epoch seconds for a graphite time specification, as graphite-web's parseATTime(spec, tz, now)
 * gives them; an empty one is `now`.
 * @throws InvalidArgumentError naming the specification
 */
export function parseATTime(spec: string, now: number, tz?: string): number {
  const zone = tz !== undefined && isKnownZone(tz) ? tz : undefined
  let cs = Array.from(spec)
  let from = 0
  let to = cs.length
  while (from < to && SPACE.has(cs[from]!)) from++
  while (to > from && SPACE.has(cs[to - 1]!)) to--
  cs = Array.from(cs.slice(from, to).join('').toLowerCase().replace(/[_, ]/g, ''))
  if (isDigits(cs)) {
    const part = (a: number, b?: number): number => pyInt(cs.slice(a, b)) ?? Number.NaN
    const date = cs.length === 8 && part(0, 4) > 1900 && part(4, 6) < 13 && part(6) < 32
    if (!date) {
      const epoch = pyInt(cs)
      if (epoch === undefined) throw bad(spec, 'not a number')
      if (!inRange(epoch) || !inRange(epoch + zoneOffset(zone, epoch))) throw bad(spec, 'out of range')
      return epoch
    }
  }
  let at = cs.indexOf('+')
  if (at < 0) at = cs.indexOf('-')
  const reference = at < 0 ? cs : cs.slice(0, at)
  const offset = at < 0 ? [] : cs.slice(at)
  const base = parseTimeReference(spec, reference, Math.floor(now), zone)
  const delta = offsetSeconds(spec, offset)
  // An aware datetime plus a timedelta is wall-clock arithmetic in the reference's offset, then
  // pytz's normalize: each step within datetime's range.
  const epoch = base + delta
  if (
    !inRange(base + zoneOffset(zone, base) + delta) ||
    !inRange(epoch) ||
    !inRange(epoch + zoneOffset(zone, epoch))
  )
    throw bad(spec, 'out of range')
  return epoch
}

/**
 * graphite-web's parseTimeOffset: a signed sum of number-and-unit parts (`-1h30min`, `5min`), in
 * seconds. An empty offset is 0.
 * @throws InvalidArgumentError naming the offset
 */
export function parseTimeOffset(offset: string): number {
  return offsetSeconds(offset, Array.from(offset))
}
