// Case-insensitive matching as sre does it for str patterns: both sides lower-cased with the simple
// mapping (the first code point of Unicode's full mapping), plus "extra cases": different lower-case
// letters whose upper case is the same (i and dotless ı, s and long ſ, µ and μ...). With the ASCII
// flag only A-Z and a-z have a case. The tables come from this JavaScript engine's Unicode data. Pure.

export function lower1(cp: number): number {
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0)!
}

export function upper1(cp: number): number {
  return String.fromCodePoint(cp).toUpperCase().codePointAt(0)!
}

export function isCased(cp: number): boolean {
  return lower1(cp) !== cp || upper1(cp) !== cp
}

export interface CaseTables {
  /** Code points whose lower case differs from themselves, with that lower case. */
  lowered: Map<number, number>
  /** Code points whose upper case differs from themselves, with that upper case. */
  uppered: Map<number, number>
  /** sre's _EXTRA_CASES: a lower-case letter to the other lower-case letters with the same upper case. */
  extra: Map<number, number[]>
}

let cached: CaseTables | undefined

/** The case tables, built on first use (a walk over every code point). */
export function caseTables(): CaseTables {
  if (cached) return cached
  const lowered = new Map<number, number>()
  const uppered = new Map<number, number>()
  const byUpper = new Map<string, Set<number>>()
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const ch = String.fromCodePoint(cp)
    const lower = ch.toLowerCase()
    const upper = ch.toUpperCase()
    if (lower === ch && upper === ch) continue
    const l = lower.codePointAt(0)!
    const u = upper.codePointAt(0)!
    if (l !== cp) lowered.set(cp, l)
    if (u !== cp) uppered.set(cp, u)
    const key = String.fromCodePoint(l).toUpperCase()
    let group = byUpper.get(key)
    if (!group) byUpper.set(key, (group = new Set()))
    group.add(l)
  }
  const extra = new Map<number, number[]>()
  for (const group of byUpper.values()) {
    if (group.size < 2) continue
    for (const l of group)
      extra.set(
        l,
        [...group].filter((x) => x !== l).sort((a, b) => a - b),
      )
  }
  cached = { lowered, uppered, extra }
  return cached
}

export function asciiLower(cp: number): number {
  return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp
}

export function asciiUpper(cp: number): number {
  return cp >= 0x61 && cp <= 0x7a ? cp - 32 : cp
}

export function asciiIsCased(cp: number): boolean {
  return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
}
