// whisper's retention definitions (`60:1440`, `1m:1d`, `12h:2y`) and archive-list rules, with
// whisper's unit spellings (over the one unit table, ../format/duration.ts) and messages. Pure.

import { InvalidConfigurationError, InvalidRetentionError } from '../errors.js'
import type { UnitName } from '../format/duration.js'
import { DURATION_UNITS, unitByPrefix } from '../format/duration.js'
import { MAX_UINT32, POINT_SIZE, headerSizeFor } from './format.js'

/**
 * whisper's UnitMultipliers (`{seconds: 1, minutes: 60, ...}`), a view of the one unit table
 * (../format/duration.ts), in whisper's lookup order.
 */
export const UNIT_MULTIPLIERS = Object.fromEntries(
  DURATION_UNITS.map((unit) => [unit.name, unit.seconds]),
) as Readonly<Record<Unit, number>>
export type Unit = UnitName

/** An archive as whisper's create takes it: (secondsPerPoint, points). */
export type ArchiveSpec = readonly [secondsPerPoint: number, points: number]

/**
 * whisper's getUnitString: the first unit whose name starts with `s` (so `m` is minutes, `mo` is nothing).
 * @throws InvalidRetentionError `Invalid unit '<s>'`
 */
export function getUnitString(s: string): Unit {
  const unit = unitByPrefix(s)
  if (unit === undefined) throw new InvalidRetentionError(`Invalid unit '${s}'`)
  return unit.name
}

const DIGITS = /^[0-9]+$/
const NUMBER_AND_UNIT = /^([0-9]+)([a-z]+)$/

/**
 * `<digits><unit>` as seconds, with whisper's unit spellings.
 * @throws InvalidRetentionError naming the `what` specification, or the unit
 */
function durationSeconds(text: string, what: 'precision' | 'retention'): number {
  const match = NUMBER_AND_UNIT.exec(text)
  if (!match) throw new InvalidRetentionError(`Invalid ${what} specification '${text}'`)
  return Number(match[1]) * UNIT_MULTIPLIERS[getUnitString(match[2]!)]
}

/**
 * whisper's parseRetentionDef: `precision:points` where each side is digits or digits and a unit.
 * A bare number on the right is a point count; a duration is divided (floor) by the precision.
 * @throws InvalidRetentionError with whisper's messages
 */
export function parseRetentionDef(retentionDef: string): ArchiveSpec {
  const trimmed = retentionDef.trim()
  const colon = trimmed.indexOf(':')
  if (colon < 0) throw new InvalidRetentionError(`Invalid retention definition '${retentionDef}'`)
  const precisionText = trimmed.slice(0, colon)
  const pointsText = trimmed.slice(colon + 1)

  let precision: number
  if (DIGITS.test(precisionText)) {
    precision = Number(precisionText)
  } else {
    precision = durationSeconds(precisionText, 'precision')
  }

  let points: number
  if (DIGITS.test(pointsText)) {
    points = Number(pointsText)
  } else {
    const seconds = durationSeconds(pointsText, 'retention')
    if (precision === 0) {
      // whisper divides by zero here.
      throw new InvalidRetentionError(`Invalid precision specification '${precisionText}': precision is 0`)
    }
    points = Math.floor(seconds / precision)
  }
  return [precision, points]
}

function tupleRepr([a, b]: ArchiveSpec): string {
  return `(${a}, ${b})`
}

/**
 * whisper's validateArchiveList. Returns the list sorted by precision (whisper sorts the caller's list
 * in place; this one returns a sorted copy). Messages name sorted positions, as whisper's do.
 * @throws InvalidConfigurationError with whisper's messages
 */
export function validateArchiveList(archiveList: readonly ArchiveSpec[]): ArchiveSpec[] {
  if (archiveList.length === 0) {
    throw new InvalidConfigurationError('You must specify at least one archive configuration!')
  }
  const sorted = [...archiveList].sort((a, b) => a[0] - b[0])
  for (let i = 0; i < sorted.length - 1; i++) {
    const archive = sorted[i]!
    const next = sorted[i + 1]!
    if (!(archive[0] < next[0])) {
      throw new InvalidConfigurationError(
        'A Whisper database may not be configured having two archives with the same precision ' +
          `(archive${i}: ${tupleRepr(archive)}, archive${i + 1}: ${tupleRepr(next)})`,
      )
    }
    if (archive[0] === 0 || next[0] % archive[0] !== 0) {
      throw new InvalidConfigurationError(
        "Higher precision archives' precision must evenly divide all lower precision archives' precision " +
          `(archive${i}: ${archive[0]}, archive${i + 1}: ${next[0]})`,
      )
    }
    const retention = archive[0] * archive[1]
    const nextRetention = next[0] * next[1]
    if (!(nextRetention > retention)) {
      throw new InvalidConfigurationError(
        'Lower precision archives must cover larger time intervals than higher precision archives ' +
          `(archive${i}: ${retention} seconds, archive${i + 1}: ${nextRetention} seconds)`,
      )
    }
    const pointsPerConsolidation = Math.floor(next[0] / archive[0])
    if (!(archive[1] >= pointsPerConsolidation)) {
      throw new InvalidConfigurationError(
        'Each archive must have at least enough points to consolidate to the next archive ' +
          `(archive${i + 1} consolidates ${pointsPerConsolidation} of archive${i}'s points ` +
          `but it has only ${archive[1]} total points)`,
      )
    }
  }
  return sorted
}

/**
 * What whisper accepts but cannot work: a zero step or zero points (whisper creates such files and
 * then divides by zero reading them), and sizes beyond the format's 32-bit fields (whisper leaves a
 * 0-byte file behind). Checked by create after validateArchiveList.
 * @throws InvalidConfigurationError
 */
export function checkArchiveListStorable(sorted: readonly ArchiveSpec[]): void {
  sorted.forEach(([secondsPerPoint, points], i) => {
    if (secondsPerPoint < 1) {
      throw new InvalidConfigurationError(
        `archive${i}: ${tupleRepr([secondsPerPoint, points])} has a precision of 0 seconds`,
      )
    }
    if (points < 1) {
      throw new InvalidConfigurationError(
        `archive${i}: ${tupleRepr([secondsPerPoint, points])} has no points`,
      )
    }
    if (secondsPerPoint > MAX_UINT32 || points > MAX_UINT32 || secondsPerPoint * points > MAX_UINT32) {
      throw new InvalidConfigurationError(
        `archive${i}: ${tupleRepr([secondsPerPoint, points])} retains ${secondsPerPoint * points} seconds, ` +
          `more than a whisper file can address (${MAX_UINT32})`,
      )
    }
  })
  let end = headerSizeFor(sorted.length)
  for (const [, points] of sorted) end += points * POINT_SIZE
  if (end - POINT_SIZE * sorted[sorted.length - 1]![1] > MAX_UINT32) {
    throw new InvalidConfigurationError(
      `the archives need ${end} bytes, more than whisper's 32-bit offsets can address`,
    )
  }
}

/** Render an archive list the way whisper's create and resize arguments spell it: `60:1440 300:2016`. */
export function formatArchiveList(archives: readonly ArchiveSpec[]): string {
  return archives.map(([secondsPerPoint, points]) => `${secondsPerPoint}:${points}`).join(' ')
}
