// carbon lint: every problem in a carbon configuration at once, as data. Pure, and never throws on
// any input text: each parser records what it cannot read instead of raising.
//
// Severity: `error` when carbon refuses to start or crashes, or when a rule or line is silently
// dropped (it was meant to do something and does nothing); `warning` when carbon runs but probably
// not as intended (data dropped or averaged away, a rule that can never match, a typo carbon ignores).
//
// The rules live in lint/, one file per configuration file (and one across files); LINT_RULES is
// lint/rule-table.ts.

import type { ArchiveSpec } from '../whisper/retention.js'
import { fileSizeFor } from '../whisper/format.js'
import type { ConfigFileText } from './config-set.js'
import type { ConfigSet } from './match.js'
import { archiveViews } from './match.js'
import { isCatchAll } from './rule-analysis.js'
import { DEFAULT_SCHEMA_ARCHIVES } from './storage-schemas.js'
import type { Diagnostic } from './lint/rule-table.js'
import { Collector, RULE_IDS } from './lint/rule-table.js'
import { lintCarbonConf } from './lint/carbon-conf-rules.js'
import { lintAggregation, lintSchemas } from './lint/storage-rules.js'
import { lintList } from './lint/list-rules.js'
import { lintCounters, lintLists, lintSparse } from './lint/cross-file-rules.js'

export interface SchemaSummary {
  file: string | null
  line: number | null
  section: string
  pattern: string | null
  retentions: string | null
  /** active, skipped or fatal (carbon's view); builtin for carbon's own default. */
  status: 'active' | 'skipped' | 'fatal' | 'builtin'
  archives: { secondsPerPoint: number; points: number; retention: number }[] | null
  /** Bytes of one metric's whisper file. */
  fileSize: number | null
}

export interface LintReport {
  schemaVersion: 1
  files: { path: string; kind: string }[]
  diagnostics: Diagnostic[]
  summary: { errors: number; warnings: number }
  schemas: SchemaSummary[]
}

export interface LintOptions {
  /** How often metrics arrive, in seconds: enables the sparse-data check. */
  interval?: number
}

// ---------------------------------------------------------------------------------------------------

function schemaSummaries(set: ConfigSet): SchemaSummary[] {
  const out: SchemaSummary[] = []
  for (const rule of set.schemas?.rules ?? []) {
    const archives = rule.archives ? archiveViews(rule.archives) : null
    const storable = archives && archives.every((a) => a.secondsPerPoint > 0 && a.points > 0)
    out.push({
      file: set.schemas!.file,
      line: rule.line,
      section: rule.section,
      pattern: rule.pattern,
      retentions: rule.retentions,
      status: rule.status,
      archives,
      fileSize:
        archives && storable
          ? fileSizeFor(archives.map((a): ArchiveSpec => [a.secondsPerPoint, a.points]))
          : null,
    })
  }
  // carbon's built-in schema comes last: behind a rule that matches every name it is never used.
  const caught = (set.schemas?.rules ?? []).some(
    (r) => r.status !== 'skipped' && r.regex?.valid === true && isCatchAll(r.regex.parsed),
  )
  if (caught) return out
  out.push({
    file: null,
    line: null,
    section: 'default',
    pattern: null,
    retentions: '60s:7d',
    status: 'builtin',
    archives: archiveViews(DEFAULT_SCHEMA_ARCHIVES),
    fileSize: fileSizeFor(DEFAULT_SCHEMA_ARCHIVES),
  })
  return out
}

/**
 * Lint a configuration set: every diagnostic at once, sorted by file and line, and the size of a
 * metric file under each schema. Pure; never throws on any file content.
 */
export function lintConfigSet(
  set: ConfigSet,
  files: readonly ConfigFileText[],
  options: LintOptions = {},
): LintReport {
  const out = new Collector()
  const byKind = new Map(files.map((f) => [f.kind, f]))
  const carbonFile = byKind.get('carbon.conf')
  if (carbonFile && set.carbonConf) lintCarbonConf(out, carbonFile, set.carbonConf, set)
  const schemasFile = byKind.get('storage-schemas.conf')
  if (schemasFile && set.schemas) lintSchemas(out, schemasFile, set.schemas)
  const aggregationFile = byKind.get('storage-aggregation.conf')
  if (aggregationFile && set.aggregation) lintAggregation(out, aggregationFile, set.aggregation)
  const whitelistFile = byKind.get('whitelist.conf')
  if (whitelistFile && set.whitelist) lintList(out, whitelistFile, set.whitelist)
  const blacklistFile = byKind.get('blacklist.conf')
  if (blacklistFile && set.blacklist) lintList(out, blacklistFile, set.blacklist)
  if (set.carbonConf && !set.schemas && set.dir !== null) {
    out.add(
      set.carbonConf.file,
      1,
      'missing-file',
      `there is no storage-schemas.conf beside ${set.carbonConf.file}: carbon-cache says "missing required config" and does not start`,
    )
  }
  // Rules carbon skips or stops on are left out of matching; the others still tell what would happen.
  // Without a storage-aggregation.conf carbon uses whisper's defaults; that is known only when the
  // whole directory was read, not when single files were named.
  const aggregationKnown = set.aggregation !== null || set.dir !== null
  if (aggregationKnown && (set.schemas || set.aggregation)) lintCounters(out, set)
  if (aggregationKnown && set.schemas && options.interval !== undefined && options.interval > 0) {
    lintSparse(out, set, options.interval)
  }
  lintLists(out, set)
  const diagnostics = [...out.list].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule),
  )
  return {
    schemaVersion: 1,
    files: files.map((f) => ({ path: f.path, kind: f.kind })),
    diagnostics,
    summary: {
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    },
    schemas: set.schemas ? schemaSummaries(set) : [],
  }
}
