// storage-aggregation.conf as carbon 1.1.7 loads it (storage.loadAggregationSchemas). Pure.
//
// Sections in file order, as for storage-schemas. xFilesFactor that float() rejects skips the section;
// one outside [0, 1] (or NaN) fails an assert and stops carbon; an aggregationMethod whisper does not
// know stops carbon too (values are case-sensitive); a missing or empty pattern skips the section.
// Both fields are optional: the first matching section supplies both, and a missing one becomes
// whisper's default (0.5, average) — it is not taken from a later section. A missing file means
// defaults only.

import { parsePythonFloat } from '../python/parse.js'
import { isAggregationMethod } from '../whisper/format.js'
import type { IniDocument } from './ini-lines.js'
import { listedSectionOptions, scanIni } from './ini-lines.js'
import type { PyRegex } from '../python/regex.js'
import { compilePythonRegex } from '../python/regex.js'
import type { RuleProblem, RuleStatus } from './storage-schemas.js'
import { addProblem } from './storage-schemas.js'

export interface AggregationRule {
  section: string
  line: number
  pattern: string | null
  patternLine: number | null
  /** As written (after interpolation). */
  xFilesFactorText: string | null
  xFilesFactorLine: number | null
  /** float() of the text; null when absent (or when float() rejects it: the rule is skipped). */
  xFilesFactor: number | null
  aggregationMethod: string | null
  aggregationMethodLine: number | null
  regex: PyRegex | null
  status: RuleStatus
  /** The problem carbon meets first, which decides the status. */
  problem?: RuleProblem
  /** Every problem of the rule, the first one first: carbon stops at one, a linter reports them all. */
  problems: RuleProblem[]
}

export interface StorageAggregation {
  file: string
  doc: IniDocument
  rules: AggregationRule[]
  fatal: RuleProblem | null
}

// carbon stops at a rule's first problem (in this order: xFilesFactor, aggregationMethod, pattern);
// the evaluation goes on, so that every problem is known, but the first decides the status.
function evaluateSection(doc: IniDocument, name: string, line: number): AggregationRule {
  const rule: AggregationRule = {
    section: name,
    line,
    pattern: null,
    patternLine: null,
    xFilesFactorText: null,
    xFilesFactorLine: null,
    xFilesFactor: null,
    aggregationMethod: null,
    aggregationMethodLine: null,
    regex: null,
    status: 'active',
    problems: [],
  }
  const options = listedSectionOptions(doc, name)
  if (!options.ok) {
    addProblem(rule, 'fatal', {
      code: options.line === null ? 'no-section' : 'interpolation',
      line: options.line ?? line,
      message: options.message,
    })
    return rule
  }
  const pattern = options.options.get('pattern')
  const xff = options.options.get('xfilesfactor')
  const method = options.options.get('aggregationmethod')
  rule.pattern = pattern?.value ?? null
  rule.patternLine = pattern?.key.line ?? null
  rule.xFilesFactorText = xff?.value ?? null
  rule.xFilesFactorLine = xff?.key.line ?? null
  rule.aggregationMethod = method?.value ?? null
  rule.aggregationMethodLine = method?.key.line ?? null
  if (xff) {
    const value = parsePythonFloat(xff.value)
    if (value === undefined) {
      addProblem(rule, 'skipped', {
        code: 'x-files-factor',
        line: xff.key.line,
        message: `Invalid schemas found in ${name}.`,
      })
    } else {
      rule.xFilesFactor = value
      if (!(value >= 0 && value <= 1)) {
        addProblem(rule, 'fatal', {
          code: 'x-files-factor-range',
          line: xff.key.line,
          message: `xFilesFactor ${xff.value} is not between 0 and 1 (AssertionError)`,
        })
      }
    }
  }
  if (method && !isAggregationMethod(method.value)) {
    addProblem(rule, 'fatal', {
      code: 'aggregation-method',
      line: method.key.line,
      message: `unknown aggregationMethod ${JSON.stringify(method.value)} (AssertionError)`,
    })
  }
  if (!rule.pattern) {
    addProblem(rule, 'skipped', {
      code: 'missing-pattern',
      line: rule.patternLine ?? line,
      message: `Section missing 'pattern': ${name}`,
    })
  } else {
    rule.regex = compilePythonRegex(rule.pattern)
    if (!rule.regex.valid)
      addProblem(rule, 'fatal', { code: 'regex', line: rule.patternLine!, message: rule.regex.error.message })
  }
  return rule
}

/** Parse storage-aggregation.conf text. Never throws. */
export function parseStorageAggregation(text: string, file: string): StorageAggregation {
  const doc = scanIni(text)
  // When configparser refuses the file carbon has no rules at all; they are still evaluated (each
  // listed name once) so that a linter can report their problems too.
  const seen = new Set<string>()
  const listed = doc.fatal
    ? doc.listedSections.filter(({ name }) => !seen.has(name) && Boolean(seen.add(name)))
    : doc.listedSections
  const rules = listed.map(({ name, line }) => evaluateSection(doc, name, line))
  if (doc.fatal) {
    return { file, doc, rules, fatal: { code: 'syntax', line: doc.fatal.line, message: doc.fatal.message } }
  }
  const fatalRule = rules.find((r) => r.status === 'fatal')
  return { file, doc, rules, fatal: fatalRule?.problem ?? null }
}

export function activeAggregationRules(aggregation: StorageAggregation | null): AggregationRule[] {
  return aggregation ? aggregation.rules.filter((r) => r.status === 'active') : []
}
