// Durations for people, spelt as a retention is written: one number and whisper's unit, the largest
// that divides exactly (2592000 -> 30d, 5400 -> 90m, 31536000 -> 1y; years are 365 days). Weeks are
// left out: schemas are written in days (7d, 30d, 90d), and 30d shown as 4w2d reads as a mistake.

const UNITS: readonly [string, number][] = [
  ['y', 31536000],
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
]

/** `seconds` (a whole number) as one number and unit: 30d, 90m, 1y, 0s. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s'
  const [name, size] = UNITS.find(([, size]) => seconds % size === 0)!
  return `${seconds / size}${name}`
}
