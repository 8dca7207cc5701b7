// Rules on storage-schemas.conf and storage-aggregation.conf: rules carbon skips or stops on, unknown
// keys, patterns that never match (behind an earlier one) and the missing catch-all.

import { InvalidConfigurationError } from '../../errors.js'
import {
  checkArchiveListStorable,
  parseRetentionDef as whisperParseRetentionDef,
} from '../../whisper/retention.js'
import { AGGREGATION_METHODS } from '../../whisper/format.js'
import type { ConfigFileText } from '../config-set.js'
import type { IniDocument, IniKey } from '../ini-lines.js'
import type { PyRegex } from '../../python/regex.js'
import { isCatchAll, shadowedBy } from '../rule-analysis.js'
import type { AggregationRule, StorageAggregation } from '../storage-aggregation.js'
import type { RuleBase, RuleProblem } from '../rule-file.js'
import type { SchemaRule, StorageSchemas } from '../storage-schemas.js'
import type { Collector } from './rule-table.js'
import { INLINE_COMMENT, didYouMeanKey, lintRegex, referencedKeys } from './helpers.js'
import { lintIniStructure, lintInterpolation } from './ini-rules.js'

const SCHEMA_KEY_HINTS: Record<string, string> = {
  xfilesfactor: 'belongs in storage-aggregation.conf; carbon ignores it here (carbon#524)',
  aggregationmethod: 'belongs in storage-aggregation.conf; carbon ignores it here',
  priority: 'carbon ignores it: rules apply in file order, first match wins',
  'match-all': 'was removed in carbon 1.0; carbon ignores it (use pattern = .*)',
  list: 'was removed in carbon 1.0; carbon ignores it',
}
const AGGREGATION_KEY_HINTS: Record<string, string> = {
  retentions: 'belongs in storage-schemas.conf; carbon ignores it here',
  priority: 'carbon ignores it: rules apply in file order, first match wins',
}

function lintUnknownKeys(
  out: Collector,
  file: string,
  doc: IniDocument,
  known: readonly string[],
  hints: Record<string, string>,
): void {
  const sections: [string, Map<string, IniKey>][] = [
    ['DEFAULT', doc.defaults],
    ...doc.sections.map((s): [string, Map<string, IniKey>] => [s.name, s.keys]),
  ]
  const variables = referencedKeys(doc)
  for (const [section, keys] of sections) {
    for (const key of keys.values()) {
      if (known.includes(key.name) || variables.has(key.name)) continue
      const hint = hints[key.name]
      const suggestion = hint ? undefined : didYouMeanKey(key.name, known)
      out.add(
        file,
        key.line,
        'unknown-key',
        `[${section}] ${key.rawName}: ${hint ?? `carbon reads only ${known.join(' and ')} here and ignores it${suggestion ? `; did you mean ${suggestion}?` : ''}`}`,
      )
    }
  }
}

function lintListedSections(out: Collector, file: string, doc: IniDocument): void {
  const listed = new Set(doc.listedSections.map((s) => s.name))
  for (const section of doc.sections) {
    if (!listed.has(section.name)) {
      const raw = doc.lines[section.line - 1] ?? ''
      out.add(
        file,
        section.line,
        'section-header',
        `[${section.name}]: carbon lists rules by lines that end with ']', and ${JSON.stringify(raw.trim())} does not, so carbon silently ignores this rule; move the text after ']' to its own comment line`,
      )
    }
  }
}

function lintInlineComments(out: Collector, file: string, doc: IniDocument, keys: readonly string[]): void {
  for (const section of doc.sections) {
    for (const name of keys) {
      const key = section.keys.get(name)
      if (key && INLINE_COMMENT.test(key.value)) {
        out.add(
          file,
          key.line,
          'inline-comment',
          `[${section.name}] ${key.rawName}: carbon keeps ${JSON.stringify(key.value)} whole (no inline comments); put the comment on its own line`,
        )
      }
    }
  }
}

function unreachable<
  T extends { section: string; line: number; pattern: string | null; regex: PyRegex | null },
>(out: Collector, file: string, rules: readonly T[], what: string): void {
  const parsedRules = rules.filter((r) => r.regex?.valid) as (T & { regex: PyRegex & { valid: true } })[]
  parsedRules.forEach((rule, j) => {
    if (j === 0) return
    const earlier = parsedRules.slice(0, j)
    const identical = earlier.findIndex((e) => e.pattern === rule.pattern)
    let coveredBy: number[] | null = identical >= 0 ? [identical] : null
    if (coveredBy === null) {
      const shadow = shadowedBy(
        rule.regex.parsed,
        earlier.map((e) => e.regex.parsed),
      )
      coveredBy = shadow ? shadow.coveredBy : null
    }
    if (coveredBy === null) return
    const by = [...new Set(coveredBy)].map(
      (i) =>
        `[${earlier[i]!.section}] (line ${earlier[i]!.line}, pattern ${JSON.stringify(earlier[i]!.pattern)})`,
    )
    out.add(
      file,
      rule.line,
      'unreachable-rule',
      `[${rule.section}] can never match: every name its pattern ${JSON.stringify(rule.pattern)} matches is matched first by ${by.join(' or ')}, so its ${what} never apply; move it above`,
    )
  })
}

function noCatchAll<T extends { regex: PyRegex | null }>(
  out: Collector,
  file: string,
  doc: IniDocument,
  rules: readonly T[],
  fallback: string,
): void {
  const any = rules.some((r) => r.regex?.valid && isCatchAll(r.regex.parsed))
  if (!any)
    out.add(
      file,
      Math.max(1, doc.lines.length),
      'no-catch-all',
      `no rule matches every metric (such as pattern = .* last): ${fallback}`,
    )
}

function whisperWouldAccept(item: string): boolean {
  try {
    whisperParseRetentionDef(item)
    return true
  } catch {
    return false
  }
}

/**
 * carbon meets a rule's first problem; a fatal problem behind one that skips the rule matters only
 * once the rule is fixed.
 */
function doesNotStart(rule: { status: string; problem?: RuleProblem }, problem: RuleProblem): string {
  return rule.status === 'skipped' && problem !== rule.problem
    ? 'carbon would not start once the rule is used'
    : 'carbon does not start'
}

/** A problem both rule files share as a diagnostic (the rest are each file's own). */
function lintRuleProblem(out: Collector, file: string, rule: RuleBase, problem: RuleProblem): void {
  switch (problem.code) {
    case 'interpolation':
      break
    case 'no-section':
      out.add(file, problem.line, 'section-header', `${problem.message}: carbon does not start`)
      break
    case 'regex':
      out.add(
        file,
        problem.line,
        'invalid-regex',
        `[${rule.section}] pattern ${JSON.stringify(rule.pattern)}: ${problem.message}; ${doesNotStart(rule, problem)}`,
      )
      break
    default:
      out.add(file, problem.line, 'syntax', problem.message)
  }
}

/** One problem of a schema rule as a diagnostic. */
function lintSchemaProblem(out: Collector, file: string, rule: SchemaRule, problem: RuleProblem): void {
  switch (problem.code) {
    case 'missing-retentions':
    case 'missing-pattern':
      out.add(
        file,
        problem.line,
        'missing-key',
        `[${rule.section}]: carbon logs "${problem.message}" and ignores the rule`,
      )
      break
    case 'retention': {
      const whisperOk = (rule.retentions ?? '').split(',').every(whisperWouldAccept)
      out.add(
        file,
        problem.line,
        'retention-syntax',
        `[${rule.section}] retentions = ${rule.retentions}: ${problem.message}; carbon-cache does not start${whisperOk ? " (whisper's own parser, used by whisper-create and validate-storage-schemas, accepts it, but carbon 1.1's units are exactly s, m, h, d, w, y)" : ''}`,
      )
      break
    }
    case 'archive-list':
      out.add(
        file,
        problem.line,
        'archive-list',
        `[${rule.section}] retentions = ${rule.retentions}: ${problem.message}; ${(problem.status ?? rule.status) === 'fatal' ? doesNotStart(rule, problem) : 'carbon skips this rule'}`,
      )
      break
    default:
      lintRuleProblem(out, file, rule, problem)
  }
}

/**
 * What both rule files get before their rules are looked at: INI structure, the section list,
 * interpolation, and keys that are unknown (`keys` are the file's own) or carry an inline comment.
 */
function lintRuleFileText(
  out: Collector,
  file: ConfigFileText,
  doc: IniDocument,
  keys: readonly string[],
  hints: Record<string, string>,
): void {
  lintIniStructure(out, file, doc)
  lintListedSections(out, file.path, doc)
  lintInterpolation(out, file.path, doc, [
    ...(doc.defaults.size ? ['DEFAULT'] : []),
    ...doc.sections.map((s) => s.name),
  ])
  lintUnknownKeys(out, file.path, doc, keys, hints)
  lintInlineComments(out, file.path, doc, keys)
}

export function lintSchemas(out: Collector, file: ConfigFileText, schemas: StorageSchemas): void {
  const { doc } = schemas
  lintRuleFileText(out, file, doc, ['pattern', 'retentions'], SCHEMA_KEY_HINTS)
  for (const rule of schemas.rules) {
    for (const problem of rule.problems) lintSchemaProblem(out, file.path, rule, problem)
    if (rule.archives && rule.status === 'active') {
      const sorted = [...rule.archives].sort((a, b) => a[0] - b[0])
      try {
        checkArchiveListStorable(sorted)
      } catch (error) {
        if (!(error instanceof InvalidConfigurationError)) throw error
        out.add(
          file.path,
          rule.retentionsLine ?? rule.line,
          'archive-list',
          `[${rule.section}] retentions = ${rule.retentions}: ${error.message}; carbon accepts the rule but whisper cannot create or update such files`,
        )
      }
    }
    if (rule.regex && rule.status !== 'skipped')
      lintRegex(out, file.path, rule.patternLine ?? rule.line, `[${rule.section}]`, rule.regex)
  }
  // Rules carbon stops on count as intended: once fixed, they match what they match now.
  const active = schemas.rules.filter((r) => r.status !== 'skipped')
  unreachable(out, file.path, active, 'retentions')
  noCatchAll(
    out,
    file.path,
    doc,
    active,
    "other metrics get carbon's built-in schema, 60s:7d (one week of minutely data)",
  )
}

const METHOD_ALIASES: Record<string, string> = {
  avg: 'average',
  mean: 'average',
  total: 'sum',
  count: 'sum',
  maximum: 'max',
  minimum: 'min',
  latest: 'last',
}

/** One problem of an aggregation rule as a diagnostic. */
function lintAggregationProblem(
  out: Collector,
  file: string,
  rule: AggregationRule,
  problem: RuleProblem,
): void {
  switch (problem.code) {
    case 'missing-pattern':
      out.add(
        file,
        problem.line,
        'missing-key',
        `[${rule.section}]: no pattern; carbon logs "${problem.message}" and ignores the rule`,
      )
      break
    case 'x-files-factor':
      out.add(
        file,
        problem.line,
        'bad-x-files-factor',
        `[${rule.section}] xFilesFactor = ${rule.xFilesFactorText}: not a number (float() rejects it); carbon skips this rule`,
      )
      break
    case 'x-files-factor-range':
      out.add(
        file,
        problem.line,
        'bad-x-files-factor',
        `[${rule.section}] xFilesFactor = ${rule.xFilesFactorText}: must be between 0 and 1; ${doesNotStart(rule, problem)} (AssertionError)`,
      )
      break
    case 'aggregation-method': {
      const value = rule.aggregationMethod ?? ''
      const suggestion =
        (AGGREGATION_METHODS as readonly string[]).find((m) => m === value.toLowerCase()) ??
        METHOD_ALIASES[value.toLowerCase()]
      out.add(
        file,
        problem.line,
        'bad-aggregation-method',
        `[${rule.section}] aggregationMethod = ${value}: whisper knows ${AGGREGATION_METHODS.join(', ')}${suggestion ? ` (did you mean ${suggestion}? values are case-sensitive)` : ''}; ${doesNotStart(rule, problem)} (AssertionError)`,
      )
      break
    }
    default:
      lintRuleProblem(out, file, rule, problem)
  }
}

export function lintAggregation(out: Collector, file: ConfigFileText, aggregation: StorageAggregation): void {
  const { doc } = aggregation
  lintRuleFileText(out, file, doc, ['pattern', 'xfilesfactor', 'aggregationmethod'], AGGREGATION_KEY_HINTS)
  for (const rule of aggregation.rules) {
    for (const problem of rule.problems) lintAggregationProblem(out, file.path, rule, problem)
    if (rule.regex && rule.status !== 'skipped')
      lintRegex(out, file.path, rule.patternLine ?? rule.line, `[${rule.section}]`, rule.regex)
    const named = rule.section.toLowerCase().replace(/^(all_|default_)/, '')
    const method = rule.aggregationMethod ?? 'average'
    if (
      (AGGREGATION_METHODS as readonly string[]).includes(named) &&
      named !== method &&
      rule.status === 'active'
    ) {
      out.add(
        file.path,
        rule.aggregationMethodLine ?? rule.line,
        'section-name-mismatch',
        `[${rule.section}] is named after ${named} but aggregates with ${method}${rule.aggregationMethod === null ? " (whisper's default: no aggregationMethod)" : ''}`,
      )
    }
  }
  const active = aggregation.rules.filter((r) => r.status !== 'skipped')
  unreachable(out, file.path, active, 'xFilesFactor and aggregationMethod')
  noCatchAll(
    out,
    file.path,
    doc,
    active,
    "other metrics get whisper's defaults, xFilesFactor 0.5 and average",
  )
}
