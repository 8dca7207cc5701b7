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
import type { IniDocument } from './ini-lines.js'
import { parseCarbonRetentionDef } from './carbon-retention.js'
import type { RuleBase, RuleFile } from './rule-file.js'
import { addProblem, compileRulePattern, newRule, readRuleFile, readRuleOptions } from './rule-file.js'

export interface SchemaRule extends RuleBase {
  retentions: string | null
  retentionsLine: number | null
  /** The archives in the order written (carbon sorts a copy to validate; whisper sorts on create). */
  archives: ArchiveSpec[] | null
}

export type StorageSchemas = RuleFile<SchemaRule>

/** storage.defaultSchema: 7 days of minutely data, appended after every file's rules. */
export const DEFAULT_SCHEMA_ARCHIVES: readonly ArchiveSpec[] = [[60, 60 * 24 * 7]]

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

// carbon stops at a rule's first problem (in this order: retentions, pattern, archive list); the
// evaluation goes on, so that every problem of the rule is known, but the first decides the status.
function evaluateSection(doc: IniDocument, name: string, line: number): SchemaRule {
  const rule: SchemaRule = { ...newRule(name, line), retentions: null, retentionsLine: null, archives: null }
  const options = readRuleOptions(doc, rule)
  if (!options) return rule
  const retentions = options.get('retentions')
  rule.retentions = retentions?.value ?? null
  rule.retentionsLine = retentions?.key.line ?? null
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
  compileRulePattern(rule, `Schema ${name} missing 'pattern', skipping`)
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
  return readRuleFile(text, file, evaluateSection)
}

/** The rules carbon matches metrics against, in order (the built-in default is not included). */
export function activeSchemaRules(schemas: StorageSchemas | null): SchemaRule[] {
  return schemas ? schemas.rules.filter((r) => r.status === 'active') : []
}
