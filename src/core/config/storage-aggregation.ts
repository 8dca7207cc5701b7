// storage-aggregation.conf as carbon 1.1.7 loads it (storage.loadAggregationSchemas). Pure.
//
// Sections in file order, read as rule-file.ts reads both rule files. xFilesFactor that float()
// rejects skips the section; one outside [0, 1] (or NaN) fails an assert and stops carbon; an
// aggregationMethod whisper does not know stops carbon too (values are case-sensitive); a missing or
// empty pattern skips the section.
// Both fields are optional: the first matching section supplies both, and a missing one becomes
// whisper's default (0.5, average) — it is not taken from a later section. A missing file means
// defaults only.

import { parsePythonFloat } from '../python/parse.js'
import { isAggregationMethod } from '../whisper/format.js'
import type { IniDocument } from './ini-lines.js'
import type { RuleBase, RuleFile } from './rule-file.js'
import { addProblem, compileRulePattern, newRule, readRuleFile, readRuleOptions } from './rule-file.js'

export interface AggregationRule extends RuleBase {
  /** As written (after interpolation). */
  xFilesFactorText: string | null
  xFilesFactorLine: number | null
  /** float() of the text; null when absent (or when float() rejects it: the rule is skipped). */
  xFilesFactor: number | null
  aggregationMethod: string | null
  aggregationMethodLine: number | null
}

export type StorageAggregation = RuleFile<AggregationRule>

// carbon stops at a rule's first problem (in this order: xFilesFactor, aggregationMethod, pattern);
// the evaluation goes on, so that every problem is known, but the first decides the status.
function evaluateSection(doc: IniDocument, name: string, line: number): AggregationRule {
  const rule: AggregationRule = {
    ...newRule(name, line),
    xFilesFactorText: null,
    xFilesFactorLine: null,
    xFilesFactor: null,
    aggregationMethod: null,
    aggregationMethodLine: null,
  }
  const options = readRuleOptions(doc, rule)
  if (!options) return rule
  const xff = options.get('xfilesfactor')
  const method = options.get('aggregationmethod')
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
  compileRulePattern(rule, `Section missing 'pattern': ${name}`)
  return rule
}

/** Parse storage-aggregation.conf text. Never throws. */
export function parseStorageAggregation(text: string, file: string): StorageAggregation {
  return readRuleFile(text, file, evaluateSection)
}

export function activeAggregationRules(aggregation: StorageAggregation | null): AggregationRule[] {
  return aggregation ? aggregation.rules.filter((r) => r.status === 'active') : []
}
