// Time specifications on the command line: epoch seconds (what whisper's scripts take), `now`,
// offsets such as `-1d`, `-6h`, `now-30min` with whisper's unit table (`m` is minutes, years are 365
// days), and ISO 8601 dates. Pure: `now` is always passed in.

import { InvalidArgumentError, InvalidTimeIntervalError } from './errors.js'
import { parsePythonInt } from './python/parse.js'
import { unitByPrefix } from './format/duration.js'

const OFFSET = /^(now)?\s*([+-])\s*([0-9]+)\s*([a-z]+)$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * Parse a time specification into epoch seconds. `option` (`--from`) names where it was typed.
 * @throws InvalidArgumentError naming the specification as typed
 */
export function parseTimeSpec(spec: string, now: number, option?: string): number {
  const typed = /[\s']/.test(spec) || spec === '' ? `'${spec.replace(/'/g, "'\\''")}'` : spec
  const invalid = option === undefined ? `invalid time '${spec}'` : `${option} ${typed}: invalid time`
  const text = spec.trim()
  if (text === 'now') return now
  const epoch = parsePythonInt(text)
  if (epoch !== undefined) return epoch
  const offset = OFFSET.exec(text.toLowerCase())
  if (offset) {
    const unit = unitByPrefix(offset[4]!)
    if (unit === undefined) {
      throw new InvalidArgumentError(`${invalid}: unknown unit '${offset[4]}' (use s, min, h, d, w or y)`)
    }
    const seconds = Number(offset[3]) * unit.seconds
    return offset[2] === '-' ? now - seconds : now + seconds
  }
  if (ISO_DATE.test(text)) {
    // A date, or a date and time, without a zone is local time, as `date -d` reads it.
    const iso = text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T')
    const ms = Date.parse(iso)
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000)
  }
  throw new InvalidArgumentError(
    `${invalid}: use epoch seconds, 'now', an offset such as -1d or -6h, or an ISO 8601 date`,
  )
}

/**
 * whisper's check that a window does not end before it starts, naming the times as typed.
 * @throws InvalidTimeIntervalError
 */
export function checkTimeWindow(from: number, until: number, typed: { from?: string; until?: string }): void {
  if (from <= until) return
  const as = (text: string | undefined, fallback: string): string => ` (${text ?? fallback})`
  throw new InvalidTimeIntervalError(
    `Invalid time interval: from time '${from}'${as(typed.from && `--from ${typed.from}`, 'default: 24 hours ago')} ` +
      `is after until time '${until}'${as(typed.until && `--until ${typed.until}`, 'default: now')}`,
  )
}
