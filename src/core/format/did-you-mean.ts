// "did you mean average?" for a mistyped choice: a known synonym (avg, mean), a different case, or a
// choice within two edits, when exactly one is nearest.

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The choice `word` most likely meant, or undefined. `synonyms` maps other names people use
 * (lower case) to a choice.
 */
export function didYouMean(
  word: string,
  choices: readonly string[],
  synonyms: Readonly<Record<string, string>> = {},
): string | undefined {
  const lower = word.toLowerCase()
  if (Object.hasOwn(synonyms, lower)) return synonyms[lower]
  const sameCase = choices.find((c) => c.toLowerCase() === lower)
  if (sameCase !== undefined) return sameCase
  const scored = choices.map((c) => [c, editDistance(lower, c.toLowerCase())] as const)
  const best = Math.min(...scored.map(([, d]) => d))
  const nearest = scored.filter(([, d]) => d === best)
  return best <= 2 && nearest.length === 1 ? nearest[0]![0] : undefined
}
