// Durations: the one table of time units, read with whisper's rules or carbon's, and the one way to
// show a duration to people. Pure.
//
// Parsing keeps each reference's own spellings over this one table:
// - whisper (its getUnitString, for create/resize retentions, `-1d` time offsets and option values)
//   takes any prefix of a unit's name, first match in table order: `s`, `sec`, `m`, `min`, `minutes`,
//   `h`, `hours`, `w`, `y` (so `m` is minutes, and `mo` is nothing);
// - carbon 1.1.7 (carbon.util.UnitMultipliers, for storage-schemas.conf) takes exactly the letter:
//   `s m h d w y`, so `5min` stops carbon-cache although whisper's tools read it.
//
// Formatting spells a duration as a retention is written: one number and a unit letter, the largest
// that divides exactly (2592000 -> 30d, 5400 -> 90m, 31536000 -> 1y). Weeks are never chosen: schemas
// are written in days (7d, 30d, 90d), and 30d shown as 4w2d reads as a mistake.

/** whisper's UnitMultipliers in whisper's lookup order; years are 365 days, there are no months. */
export const DURATION_UNITS = [
  { name: 'seconds', letter: 's', seconds: 1 },
  { name: 'minutes', letter: 'm', seconds: 60 },
  { name: 'hours', letter: 'h', seconds: 3600 },
  { name: 'days', letter: 'd', seconds: 86400 },
  { name: 'weeks', letter: 'w', seconds: 604800 },
  { name: 'years', letter: 'y', seconds: 31536000 },
] as const

export type DurationUnit = (typeof DURATION_UNITS)[number]
export type UnitName = DurationUnit['name']

/** whisper's rule: the first unit whose name starts with `text` (`m` -> minutes, `sec` -> seconds). */
export function unitByPrefix(text: string): DurationUnit | undefined {
  return DURATION_UNITS.find((unit) => unit.name.startsWith(text))
}

/** carbon's rule: the unit whose letter is exactly `text`. */
export function unitByLetter(text: string): DurationUnit | undefined {
  return DURATION_UNITS.find((unit) => unit.letter === text)
}

/** The units formatDuration may choose, largest first: all but weeks. */
const SHOWN = DURATION_UNITS.filter((unit) => unit.letter !== 'w').reverse()

/** `seconds` (a whole number) as one number and unit: 30d, 90m, 1y, 0s. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s'
  const unit = SHOWN.find((u) => seconds % u.seconds === 0)!
  return `${seconds / unit.seconds}${unit.letter}`
}
