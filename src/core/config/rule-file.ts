// What storage-schemas.conf and storage-aggregation.conf have in common as carbon 1.1.7 reads them:
// sections in the order carbon's OrderedConfigParser lists them, each one a rule with a Python
// `pattern`, and problems that either skip the rule (with a log line) or stop carbon. Pure.
//
// carbon stops at a rule's first problem; the evaluation goes on, so that a linter knows every
// problem, but the first one decides the rule's status.

import type { IniDocument, SectionOptions } from './ini-lines.js'
import { listedSectionOptions, scanIni } from './ini-lines.js'
import type { PyRegex } from '../python/regex.js'
import { compilePythonRegex } from '../python/regex.js'

/** Where a rule stands with carbon: used, skipped with a log line, or stopping carbon at startup. */
export type RuleStatus = 'active' | 'skipped' | 'fatal'

export type RuleProblemCode =
  | 'no-section'
  | 'interpolation'
  | 'missing-retentions'
  | 'missing-pattern'
  | 'retention'
  | 'regex'
  | 'archive-list'
  | 'x-files-factor'
  | 'x-files-factor-range'
  | 'aggregation-method'
  | 'syntax'

export interface RuleProblem {
  code: RuleProblemCode
  line: number
  /** carbon's own log or exception message, as close as carbonkit can give it. */
  message: string
  /** What this problem alone makes carbon do with the rule (the rule's status is its first problem's). */
  status?: Exclude<RuleStatus, 'active'>
}

/** The fields every rule of a rule file has. */
export interface RuleBase {
  section: string
  /** The header line carbon listed. */
  line: number
  pattern: string | null
  patternLine: number | null
  regex: PyRegex | null
  status: RuleStatus
  /** The problem carbon meets first, which decides the status. */
  problem?: RuleProblem
  /** Every problem of the rule, the first one first: carbon stops at one, a linter reports them all. */
  problems: RuleProblem[]
}

export interface RuleFile<Rule> {
  file: string
  doc: IniDocument
  rules: Rule[]
  /** What stops carbon-cache, in the order carbon meets it; null when the file loads. */
  fatal: RuleProblem | null
}

/** Record a problem; the first one decides what carbon does with the rule. */
export function addProblem(
  rule: { status: RuleStatus; problem?: RuleProblem; problems: RuleProblem[] },
  status: Exclude<RuleStatus, 'active'>,
  problem: Omit<RuleProblem, 'status'>,
): void {
  const recorded: RuleProblem = { ...problem, status }
  rule.problems.push(recorded)
  if (rule.problem === undefined) {
    rule.problem = recorded
    rule.status = status
  }
}

/** The fields of a listed section's rule before its options are read: active, no pattern yet. */
export function newRule(section: string, line: number): RuleBase {
  return { section, line, pattern: null, patternLine: null, regex: null, status: 'active', problems: [] }
}

/**
 * A listed section's options after interpolation, with the rule's pattern (and its line) taken from
 * them; or null when configparser cannot give them (no such section, a broken %(name)s), which stops
 * carbon: that problem is recorded on the rule.
 */
export function readRuleOptions(doc: IniDocument, rule: RuleBase): SectionOptions | null {
  const options = listedSectionOptions(doc, rule.section)
  if (options.ok) {
    const pattern = options.options.get('pattern')
    rule.pattern = pattern?.value ?? null
    rule.patternLine = pattern?.key.line ?? null
    return options.options
  }
  addProblem(rule, 'fatal', {
    code: options.line === null ? 'no-section' : 'interpolation',
    line: options.line ?? rule.line,
    message: options.message,
  })
  return null
}

/**
 * Compile the rule's pattern as carbon does: a missing or empty one skips the rule (with carbon's log
 * line, `missingMessage`), one Python cannot compile stops carbon.
 */
export function compileRulePattern(rule: RuleBase, missingMessage: string): void {
  if (!rule.pattern) {
    addProblem(rule, 'skipped', {
      code: 'missing-pattern',
      line: rule.patternLine ?? rule.line,
      message: missingMessage,
    })
  } else {
    rule.regex = compilePythonRegex(rule.pattern)
    if (!rule.regex.valid)
      addProblem(rule, 'fatal', { code: 'regex', line: rule.patternLine!, message: rule.regex.error.message })
  }
}

/** Read a rule file: every listed section evaluated in order. Never throws. */
export function readRuleFile<Rule extends RuleBase>(
  text: string,
  file: string,
  evaluateSection: (doc: IniDocument, name: string, line: number) => Rule,
): RuleFile<Rule> {
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
