// What several lint rule files share: the closest known key to a typo, inline-comment and
// %(name)s-reference detection, how a value is described, and the checks every Python pattern gets.

import type { IniDocument, IniKey } from '../ini-lines.js'
import type { PyRegex } from '../../python/regex.js'
import type { Collector } from './rule-table.js'

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** The closest known name, when close enough to be a typo. */
export function didYouMeanKey(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  const normal = name.toUpperCase().replace(/[-.\s]/g, '_')
  for (const candidate of known) {
    const c = candidate.toUpperCase()
    if (c === normal) return candidate
    const distance = editDistance(normal, c)
    if (distance < bestDistance) {
      bestDistance = distance
      best = candidate
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 4))
  return bestDistance <= limit ? best : undefined
}

export const INLINE_COMMENT = /[\t ][#;]/

/** Keys some value refers to with %(name)s: variables, not settings, so not unknown keys. */
export function referencedKeys(doc: IniDocument): Set<string> {
  const names = new Set<string>()
  const keys: IniKey[] = [...doc.defaults.values()]
  for (const section of doc.sections) keys.push(...section.keys.values())
  for (const key of keys) for (const m of key.value.matchAll(/%\(([^)]+)\)s/g)) names.add(m[1]!.toLowerCase())
  return names
}

export function describeValue(setting: { value: unknown; type: string }): string {
  if (setting.type === 'str') return `the string ${JSON.stringify(setting.value)}`
  if (setting.type === 'int') return `the integer ${String(setting.value)}`
  if (setting.type === 'float') return `the float ${String(setting.value)}`
  return JSON.stringify(setting.value)
}

export function pythonOnlyMessage(regex: PyRegex & { valid: true }): string | null {
  const features = [...new Set(regex.parsed.pythonOnly.map((f) => f.feature))]
  if (features.length === 0) return null
  return `pattern ${JSON.stringify(regex.pattern)} uses Python-only syntax: ${features.join(', ')} (carbon reads it as Python does; JavaScript, Go or PCRE tools read it differently)`
}

export function lintRegex(
  out: Collector,
  file: string,
  line: number,
  label: string,
  regex: PyRegex | null,
): void {
  if (!regex) return
  if (!regex.valid) return
  const pythonOnly = pythonOnlyMessage(regex)
  if (pythonOnly) out.add(file, line, 'python-only-regex', `${label}: ${pythonOnly}`)
  if (!regex.js.ok) {
    out.add(
      file,
      line,
      'untranslatable-regex',
      `${label}: carbonkit cannot evaluate pattern ${JSON.stringify(regex.pattern)} (${regex.js.reason}); carbon which and wsp audit refuse names that reach this rule`,
    )
  }
}
