// Durations for people: 86400 -> 1d, 5400 -> 1h30m, with whisper's units (years are 365 days).

const UNITS: readonly [string, number][] = [
  ['y', 31536000],
  ['w', 604800],
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
]

export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s'
  let rest = seconds
  let out = ''
  for (const [name, size] of UNITS) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${name}`
      rest %= size
    }
  }
  return out
}
