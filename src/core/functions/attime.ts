// graphite-web's parseATTime for `from`, `until` and `now`: epoch seconds (an 8-digit number that
// reads as a date is YYYYMMDD instead), `now`, offsets and sums of offsets such as `-1h30min` with
// graphite-web's units (s, min, h, d, w, mon = 30 days, y = 365 days; a bare `m` is refused, as
// graphite-web refuses it), a reference (`now`, `today`, `yesterday`, `tomorrow`, `midnight`,
// `noon`, `YYYYMMDD`, `HH:MM_YYYYMMDD`) plus an offset. Dates are read in the request's `tz` (an
// IANA zone; UTC when not given or unknown, as graphite-web falls back to its TIME_ZONE, UTC by
// default). Pure: `now` is passed in.

import { InvalidArgumentError } from '../errors.js'

const UNIT_SECONDS: [string, number][] = [
  ['s', 1],
  ['min', 60],
  ['h', 3600],
  ['d', 86400],
  ['w', 7 * 86400],
  ['mon', 30 * 86400],
  ['y', 365 * 86400],
]

function bad(spec: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid time '${spec}': ${why}`)
}

function unitSeconds(spec: string, unit: string): number {
  for (const [prefix, seconds] of UNIT_SECONDS) if (unit.startsWith(prefix)) return seconds
  throw bad(spec, `unknown unit '${unit}' (use s, min, h, d, w, mon or y)`)
}

function dayStart(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined
  const ms = Date.UTC(year, month - 1, day)
  const check = new Date(ms)
  if (check.getUTCDate() !== day) return undefined
  return ms / 1000
}

function isDate8(s: string): boolean {
  return (
    s.length === 8 && Number(s.slice(0, 4)) > 1900 && Number(s.slice(4, 6)) < 13 && Number(s.slice(6)) < 32
  )
}

function parseOffset(spec: string, offset: string): number {
  if (offset === '') return 0
  let sign = 1
  let rest = offset
  if (rest[0] === '+' || rest[0] === '-') {
    sign = rest[0] === '-' ? -1 : 1
    rest = rest.slice(1)
  }
  let total = 0
  const part = /^([0-9]+)([a-z]+)/
  while (rest.length > 0) {
    const m = part.exec(rest)
    if (!m) throw bad(spec, 'an offset is a number and a unit, such as -1h or -30min')
    total += Number(m[1]) * unitSeconds(spec, m[2]!)
    rest = rest.slice(m[0].length)
  }
  return sign * total
}

const ZONES = new Map<string, Intl.DateTimeFormat | undefined>()

function zoneFormat(tz: string): Intl.DateTimeFormat | undefined {
  if (!ZONES.has(tz)) {
    let format: Intl.DateTimeFormat | undefined
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
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

/** Whether `tz` is a zone this runtime knows (graphite-web: one pytz knows). */
export function isKnownZone(tz: string): boolean {
  return zoneFormat(tz) !== undefined
}

/** Seconds to add to an epoch for the wall clock in `tz` at that instant (0 for UTC or unknown). */
export function zoneOffset(tz: string | undefined, epoch: number): number {
  const format = tz === undefined ? undefined : zoneFormat(tz)
  if (format === undefined) return 0
  const parts: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(Math.floor(epoch) * 1000)))
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  const wall =
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000
  return wall - Math.floor(epoch)
}

/** The epoch of a wall-clock time in `tz` (pytz's localize, is_dst=False at a change). */
function localize(wall: number, tz: string | undefined): number {
  if (tz === undefined) return wall
  const guess = wall - zoneOffset(tz, wall)
  return wall - zoneOffset(tz, guess)
}

function parseReference(spec: string, ref: string, now: number, tz?: string): number {
  if (ref === '' || ref === 'now') return now
  const wallNow = now + zoneOffset(tz, now)
  const wallMidnight = wallNow - (((wallNow % 86400) + 86400) % 86400)
  return localize(parseWallReference(spec, ref, wallNow, wallMidnight), tz)
}

function parseWallReference(spec: string, ref: string, now: number, midnight: number): number {
  switch (ref) {
    case '':
    case 'now':
      return now
    case 'today':
    case 'midnight':
      return midnight
    case 'yesterday':
      return midnight - 86400
    case 'tomorrow':
      return midnight + 86400
    case 'noon':
      return midnight + 12 * 3600
  }
  if (/^[0-9]{8}$/.test(ref)) {
    const t = dayStart(Number(ref.slice(0, 4)), Number(ref.slice(4, 6)), Number(ref.slice(6)))
    if (t !== undefined) return t
  }
  throw bad(spec, 'use epoch seconds, now, an offset such as -6h, or YYYYMMDD')
}

/**
 * Epoch seconds for a graphite time specification.
 * @throws InvalidArgumentError naming the specification
 */
export function parseATTime(spec: string, now: number, tz?: string): number {
  const s = spec.trim().toLowerCase().replaceAll('_', '').replaceAll(',', '').replaceAll(' ', '')
  if (s === '') throw bad(spec, 'empty')
  if (/^[0-9]+$/.test(s)) {
    if (!isDate8(s)) {
      const epoch = Number(s)
      if (!Number.isSafeInteger(epoch) || epoch > 2 ** 32) throw bad(spec, 'out of range')
      return epoch
    }
  } else if (/^[0-9]{2}:[0-9]{2}[0-9]{8}$/.test(s)) {
    const day = dayStart(Number(s.slice(5, 9)), Number(s.slice(9, 11)), Number(s.slice(11)))
    const hours = Number(s.slice(0, 2))
    const minutes = Number(s.slice(3, 5))
    if (day === undefined || hours > 23 || minutes > 59) throw bad(spec, 'not a date')
    return localize(day + hours * 3600 + minutes * 60, tz)
  }
  const plus = s.indexOf('+')
  const minus = s.indexOf('-')
  const at = plus >= 0 ? plus : minus
  const ref = at >= 0 ? s.slice(0, at) : s
  const offset = at >= 0 ? s.slice(at) : ''
  return parseReference(spec, ref, now, tz) + parseOffset(spec, offset)
}

/**
 * graphite-web's parseTimeOffset: a signed sum of number-and-unit parts (`-1h30min`, `5min`), in
 * seconds. An empty offset is 0.
 * @throws InvalidArgumentError naming the offset
 */
export function parseTimeOffset(offset: string): number {
  if (offset === '') return 0
  let sign = 1
  let rest = offset
  if (!/^[0-9]/.test(rest)) {
    if (rest[0] !== '+' && rest[0] !== '-') throw bad(offset, 'an offset starts with a digit, + or -')
    sign = rest[0] === '-' ? -1 : 1
    rest = rest.slice(1)
  }
  let total = 0
  while (rest.length > 0) {
    const m = /^([0-9]*)([A-Za-z]*)/.exec(rest)!
    if (m[1] === '') throw bad(offset, 'an offset is a number and a unit, such as 1h or 5min')
    if (m[2] === '') throw bad(offset, `no unit after ${m[1]} (use s, min, h, d, w, mon or y)`)
    total += Number(m[1]) * unitSeconds(offset, m[2]!)
    rest = rest.slice(m[0].length)
  }
  return sign * total
}
