// storage-schemas.conf as carbon 1.1.7 loads it (storage.loadStorageSchemas). Pure.
//
// Sections are taken in file order as carbon's OrderedConfigParser lists them (every line that starts
// with `[` and ends with `]`, so `[name] # note` is read by configparser but never listed, and is
// silently ignored). For each: `retentions` missing skips the section; a retention carbon's parser
// rejects stops carbon (SystemExit); `pattern` missing or empty skips it; a pattern Python cannot
// compile stops carbon; an archive list whisper's validateArchiveList rejects skips it. Other keys
// are ignored. A built-in `default` schema, 60s:7d, always ends the list, so every metric matches.

import { InvalidConfigurationError } from '../errors.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import { validateArchiveList } from '../whisper/retention.js'
import type { IniDocument, IniKey } from './ini-lines.js'
import { listedSectionOptions, scanIni } from './ini-lines.js'
import type { PyRegex } from '../python/regex.js'
import { compilePythonRegex } from '../python/regex.js'
import { parseCarbonRetentionDef } from './retention.js'

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

export interface SchemaRule {
  section: string
  /** The header line carbon listed. */
  line: number
  pattern: string | null
  patternLine: number | null
  retentions: string | null
  retentionsLine: number | null
  /** The archives in the order written (carbon sorts a copy to validate; whisper sorts on create). */
  archives: ArchiveSpec[] | null
  regex: PyRegex | null
  status: RuleStatus
  /** The problem carbon meets first, which decides the status. */
  problem?: RuleProblem
  /** Every problem of the rule, the first one first: carbon stops at one, a linter reports them all. */
  problems: RuleProblem[]
}

export interface StorageSchemas {
  file: string
  doc: IniDocument
  rules: SchemaRule[]
  /** What stops carbon-cache, in the order carbon meets it; null when the file loads. */
  fatal: RuleProblem | null
}

/** storage.defaultSchema: 7 days of minutely data, appended after every file's rules. */
export const DEFAULT_SCHEMA_ARCHIVES: readonly ArchiveSpec[] = [[60, 60 * 24 * 7]]

function keyLine(key: IniKey | undefined): number | null {
  return key ? key.line : null
}

/**
 * whisper's validateArchiveList as carbon's whisper database calls it: a ValueError skips the section,
 * but a zero precision before a non-zero one divides by zero, which stops carbon.
 */
export function checkArchiveList(
  archives: readonly ArchiveSpec[],
): { ok: true } | { ok: false; fatal: boolean; message: string } {
  const sorted = [...archives].sort((a, b) => a[0] - b[0])
  if (sorted.length >= 2 && sorted[0]![0] === 0 && sorted[1]![0] > 0) {
    return {
      ok: false,
      fatal: true,
      message: 'integer division or modulo by zero (an archive has a precision of 0)',
    }
  }
  try {
    validateArchiveList(archives)
    return { ok: true }
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return { ok: false, fatal: false, message: error.message }
    throw error
  }
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

// carbon stops at a rule's first problem (in this order: retentions, pattern, archive list); the
// evaluation goes on, so that every problem of the rule is known, but the first decides the status.
function evaluateSection(doc: IniDocument, name: string, line: number): SchemaRule {
  const rule: SchemaRule = {
    section: name,
    line,
    pattern: null,
    patternLine: null,
    retentions: null,
    retentionsLine: null,
    archives: null,
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
  const retentions = options.options.get('retentions')
  rule.pattern = pattern?.value ?? null
  rule.patternLine = keyLine(pattern?.key)
  rule.retentions = retentions?.value ?? null
  rule.retentionsLine = keyLine(retentions?.key)
  if (!retentions) {
    addProblem(rule, 'skipped', {
      code: 'missing-retentions',
      line,
      message: `Schema ${name} missing 'retentions', skipping`,
    })
  } else {
    const archives: ArchiveSpec[] = []
    for (const item of retentions.value.split(',')) {
      const parsed = parseCarbonRetentionDef(item)
      if (parsed.ok) archives.push(parsed.archive)
      else {
        addProblem(rule, 'fatal', {
          code: 'retention',
          line: retentions.key.line,
          message: `${parsed.message} in section [${pythonTitle(name)}] (retention ${JSON.stringify(item.trim())})`,
        })
      }
    }
    if (!rule.problems.some((p) => p.code === 'retention')) rule.archives = archives
  }
  if (!rule.pattern) {
    addProblem(rule, 'skipped', {
      code: 'missing-pattern',
      line: rule.patternLine ?? line,
      message: `Schema ${name} missing 'pattern', skipping`,
    })
  } else {
    rule.regex = compilePythonRegex(rule.pattern)
    if (!rule.regex.valid)
      addProblem(rule, 'fatal', { code: 'regex', line: rule.patternLine!, message: rule.regex.error.message })
  }
  if (rule.archives && retentions) {
    const check = checkArchiveList(rule.archives)
    if (!check.ok) {
      addProblem(rule, check.fatal ? 'fatal' : 'skipped', {
        code: 'archive-list',
        line: retentions.key.line,
        message: check.message,
      })
    }
  }
  return rule
}

/** Python's str.title(), which carbon uses to name a section in its SystemExit message. */
export function pythonTitle(s: string): string {
  return s.replace(/\p{L}+/gu, (word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
}

/** Parse storage-schemas.conf text. Never throws. */
export function parseStorageSchemas(text: string, file: string): StorageSchemas {
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

/** The rules carbon matches metrics against, in order (the built-in default is not included). */
export function activeSchemaRules(schemas: StorageSchemas | null): SchemaRule[] {
  return schemas ? schemas.rules.filter((r) => r.status === 'active') : []
}
