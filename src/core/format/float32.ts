// A whisper header stores xFilesFactor as a float32: 0.1 is stored as 0.100000001490116119384765625.
// Python (and the whisper scripts) print that as the double it widens to, 0.10000000149011612; for
// people carbonkit prints the shortest decimal that reads back to the same float32, 0.1.

import { formatRepr } from '../python/format.js'

/** The shortest decimal that rounds to the same float32 as `value`, in Python's repr style (`0.5`, `1.0`). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return formatRepr(value)
  const stored = Math.fround(value)
  // 9 significant digits always round-trip a float32.
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(stored.toPrecision(digits))
    if (Math.fround(candidate) === stored) return formatRepr(candidate)
  }
  return formatRepr(Number(stored.toPrecision(9)))
}
