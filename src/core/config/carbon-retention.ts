// carbon 1.1.7's own retention parser (carbon.util.parseRetentionDef and storage.Archive), which is
// stricter than whisper's: units are exactly s, m, h, d, w and y (whisper's tools also take `sec`,
// `min`, `hours`...), so a file validate-storage-schemas calls valid can stop carbon-cache. Pure.
// whisper's parser, which wsp uses, is ../whisper/retention.ts.

import { unitByLetter } from '../format/duration.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import { pyStrip } from './ini-lines.js'

export type CarbonRetention =
  | { ok: true; archive: ArchiveSpec }
  | {
      ok: false
      /** ValueError stops carbon with SystemExit; the others are uncaught exceptions. Both are fatal. */
      pythonType: 'ValueError' | 'ZeroDivisionError' | 'OverflowError'
      message: string
    }

const ND = /^\p{Nd}$/u

/** The value of a string of Unicode decimal digits (Python's int() of what str.isdigit() accepts), or null. */
function decimalValue(text: string): number | null {
  if (text.length === 0) return null
  let value = 0
  for (const ch of text) {
    if (!ND.test(ch)) return null
    // Unicode encodes decimal digits in blocks of ten, 0 to 9, sometimes several blocks in a row: a
    // digit's value is its distance from the start of its run, modulo ten.
    const cp = ch.codePointAt(0)!
    let start = cp
    while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--
    value = value * 10 + ((cp - start) % 10)
  }
  return value
}

/** `^(\d+)([a-z]+)$` with Python's `$`, which also matches before a final newline. */
const NUMBER_AND_UNIT = /^(\p{Nd}+)([a-z]+)\n?$/u

/** carbon.util.UnitMultipliers: the unit table's letters, exactly (no `min`, no `hours`). */
function unitMultiplier(unit: string): number | null {
  return unitByLetter(unit)?.seconds ?? null
}

/** `<digits><unit letter>` as seconds, or carbon's ValueError naming the `what` specification. */
function durationSeconds(text: string, what: 'precision' | 'retention'): number | CarbonRetention {
  const match = NUMBER_AND_UNIT.exec(text)
  if (!match)
    return { ok: false, pythonType: 'ValueError', message: `Invalid ${what} specification '${text}'` }
  const multiplier = unitMultiplier(match[2]!)
  if (multiplier === null)
    return { ok: false, pythonType: 'ValueError', message: `Invalid unit '${match[2]}'` }
  return decimalValue(match[1]!)! * multiplier
}

/**
 * carbon's parseRetentionDef followed by Archive(): `precision:points`, each digits or digits and one
 * unit letter; a duration on the right is divided by the precision and truncated. Pure.
 */
export function parseCarbonRetentionDef(retentionDef: string): CarbonRetention {
  const parts = pyStrip(retentionDef).split(':')
  if (parts.length < 2) {
    return {
      ok: false,
      pythonType: 'ValueError',
      message: `not enough values to unpack (expected 2, got ${parts.length})`,
    }
  }
  if (parts.length > 2) {
    return { ok: false, pythonType: 'ValueError', message: 'too many values to unpack (expected 2)' }
  }
  const [precisionText, pointsText] = parts as [string, string]
  let precision = decimalValue(precisionText)
  if (precision === null) {
    const seconds = durationSeconds(precisionText, 'precision')
    if (typeof seconds !== 'number') return seconds
    precision = seconds
  }
  let points = decimalValue(pointsText)
  if (points === null) {
    const seconds = durationSeconds(pointsText, 'retention')
    if (typeof seconds !== 'number') return seconds
    if (precision === 0) return { ok: false, pythonType: 'ZeroDivisionError', message: 'division by zero' }
    // Python divides exactly-held integers with one rounding, as a double division of values below
    // 2^53 does; Archive() then truncates with int().
    const quotient = seconds / precision
    if (!Number.isFinite(quotient)) {
      return {
        ok: false,
        pythonType: 'OverflowError',
        message: 'integer division result too large for a float',
      }
    }
    points = Math.trunc(quotient)
  }
  return { ok: true, archive: [precision, points] }
}
