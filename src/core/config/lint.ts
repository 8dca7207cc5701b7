// carbon lint: every problem in a carbon configuration at once, as data. Pure, and never throws on
// any input text: each parser records what it cannot read instead of raising.
//
// Severity: `error` when carbon refuses to start or crashes, or when a rule or line is silently
// dropped (it was meant to do something and does nothing); `warning` when carbon runs but probably
// not as intended (data dropped or averaged away, a rule that can never match, a typo carbon ignores).

import { InvalidConfigurationError } from '../errors.js'
import { parseRetentionDef as whisperParseRetentionDef } from '../whisper/retention.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import { checkArchiveListStorable } from '../whisper/retention.js'
import { AGGREGATION_METHODS, fileSizeFor } from '../whisper/format.js'
import type { CarbonConf, Program, ResolvedSettings, Setting } from './carbon-conf.js'
import {
  CARBON_DEFAULTS,
  KNOWN_CARBON_KEYS,
  PROGRAMS,
  coerceSetting,
  instancesOf,
  resolveCarbonSettings,
  settingKind,
} from './carbon-conf.js'
import type { ConfigFileText } from './config-set.js'
import type { IniDocument, IniKey } from './ini-lines.js'
import { findSection, interpolate } from './ini-lines.js'
import type { ConfigSet } from './match.js'
import { archiveViews, firstAggregationRule, firstSchemaRule } from './match.js'
import type { PyRegex } from '../python/regex.js'
import type { RegexListFile } from './regex-list.js'
import { exampleNames, isCatchAll, shadowedBy } from './rule-analysis.js'
import type { AggregationRule, StorageAggregation } from './storage-aggregation.js'
import type { RuleProblem, SchemaRule, StorageSchemas } from './storage-schemas.js'
import { DEFAULT_SCHEMA_ARCHIVES } from './storage-schemas.js'

export type Severity = 'error' | 'warning'

/** Every rule carbon lint applies: its id, its severity, and what it catches. */
export const LINT_RULES = {
  syntax: {
    severity: 'error',
    summary: 'a line configparser cannot read, no section header, invalid UTF-8 or a byte-order mark',
  },
  'duplicate-section': {
    severity: 'error',
    summary: 'a section that appears twice (configparser refuses the file)',
  },
  'duplicate-key': {
    severity: 'error',
    summary: 'a key set twice in one section (configparser refuses the file)',
  },
  'continuation-line': {
    severity: 'warning',
    summary: 'an indented line that configparser appends to the previous value',
  },
  'section-header': {
    severity: 'error',
    summary:
      'a header carbon does not list as a rule (`[x] # note`), or lists without a section (NoSectionError)',
  },
  interpolation: { severity: 'error', summary: "a lone '%', a bad or missing %(name)s reference" },
  'inline-comment': {
    severity: 'error',
    summary: 'a `# ...` or `; ...` after a value: carbon keeps it as part of the value',
  },
  'unknown-section': {
    severity: 'warning',
    summary: 'a carbon.conf section no carbon program reads (including a case mismatch)',
  },
  'unknown-key': {
    severity: 'warning',
    summary: 'a key carbon never reads (a typo, or a key that belongs in another file), with a did-you-mean',
  },
  'empty-value': {
    severity: 'error',
    summary: 'a key with no value: carbon reads the empty string (a crash for numbers and booleans)',
  },
  'bad-boolean': { severity: 'error', summary: 'a boolean getboolean rejects' },
  'bad-number': {
    severity: 'error',
    summary: 'a numeric setting carbon reads as a string (0x10, 1,000, 500ms)',
  },
  'bad-port': {
    severity: 'error',
    summary: 'a port that is not an integer from 0 to 65535 (CACHE_QUERY_PORT = 0: a warning, a random port)',
  },
  'bad-value': {
    severity: 'error',
    summary:
      'a value carbon cannot use: unknown DATABASE or RELAY_METHOD, a number where a name or path is needed',
  },
  'none-string': { severity: 'warning', summary: '`= None` is the string "None", not Python\'s None' },
  'drops-data': {
    severity: 'warning',
    summary: 'a finite MAX_CREATES_PER_MINUTE: points of new metrics over the limit are dropped',
  },
  'write-strategy': {
    severity: 'warning',
    summary:
      'CACHE_WRITE_STRATEGY max (100% CPU at scale) or not one carbon knows (falls back to arrival order)',
  },
  'ignored-setting': {
    severity: 'warning',
    summary:
      'a setting carbon-cache ignores: a relay/aggregator key, CACHE_SIZE_LOW_WATERMARK, MIN_TIMESTAMP_LAG without timesorted',
  },
  'heavy-logging': {
    severity: 'warning',
    summary: 'LOG_UPDATES, LOG_CREATES, LOG_CACHE_HITS or LOG_CACHE_QUEUE_SORTS on (the code default)',
  },
  security: {
    severity: 'warning',
    summary: 'USE_INSECURE_UNPICKLER, ENABLE_MANHOLE, or CarbonLink listening on every interface',
  },
  'missing-file': {
    severity: 'error',
    summary: 'no storage-schemas.conf beside carbon.conf (carbon-cache does not start)',
  },
  'missing-key': { severity: 'error', summary: 'a rule without pattern (or retentions): carbon skips it' },
  'retention-syntax': {
    severity: 'error',
    summary: "a retention carbon's own parser rejects (units are exactly s m h d w y): carbon does not start",
  },
  'archive-list': {
    severity: 'error',
    summary:
      "archives whisper's validateArchiveList rejects (the rule is skipped), or that whisper cannot store",
  },
  'invalid-regex': { severity: 'error', summary: "a pattern Python's re.compile rejects" },
  'python-only-regex': {
    severity: 'warning',
    summary:
      'a pattern using syntax JavaScript, Go or PCRE read differently ((?P<n>), \\Z, {,n}, inline flags...)',
  },
  'untranslatable-regex': {
    severity: 'warning',
    summary:
      'a valid pattern carbonkit cannot evaluate (carbon which and wsp audit refuse the names that reach it)',
  },
  'unreachable-rule': {
    severity: 'warning',
    summary: 'a rule that can never match: an earlier rule matches every name it matches',
  },
  'no-catch-all': {
    severity: 'warning',
    summary: "no rule matches everything: other names get carbon's built-in defaults",
  },
  'bad-x-files-factor': {
    severity: 'error',
    summary: 'an xFilesFactor float() rejects (rule skipped) or outside 0..1 (carbon does not start)',
  },
  'bad-aggregation-method': {
    severity: 'error',
    summary: 'an aggregationMethod whisper does not know (carbon does not start)',
  },
  'section-name-mismatch': {
    severity: 'warning',
    summary: 'a rule named after one method that sets another ([sum] with max)',
  },
  'counter-averaged': {
    severity: 'warning',
    summary: 'counters (.count, .sum, stats_counts.) rolled up with average',
  },
  'sparse-data': {
    severity: 'warning',
    summary:
      'an xFilesFactor that discards roll-ups of metrics arriving less often than the finest precision (--interval)',
  },
  'list-comment': {
    severity: 'warning',
    summary: 'an indented `#` line in a white/blacklist: a pattern, not a comment',
  },
  'list-unused': {
    severity: 'warning',
    summary: 'a white/blacklist while USE_WHITELIST is off: carbon ignores it',
  },
  'list-fail-open': {
    severity: 'warning',
    summary: 'USE_WHITELIST on with no usable whitelist pattern: every metric is accepted',
  },
} as const satisfies Record<string, { severity: Severity; summary: string }>

export type RuleId = keyof typeof LINT_RULES
export const RULE_IDS = Object.keys(LINT_RULES) as RuleId[]

export interface Diagnostic {
  file: string
  line: number
  severity: Severity
  rule: RuleId
  message: string
}

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

class Collector {
  readonly list: Diagnostic[] = []
  private readonly seen = new Set<string>()
  add(
    file: string,
    line: number,
    rule: RuleId,
    message: string,
    severity: Severity = LINT_RULES[rule].severity,
  ): void {
    const key = `${file}\0${line}\0${rule}\0${message}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    // One diagnostic is one line: a value spread over continuation lines is shown with \n.
    this.list.push({
      file,
      line: Math.max(1, line),
      severity,
      rule,
      message: message.replace(/\r?\n/g, '\\n'),
    })
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

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
export function didYouMean(name: string, known: readonly string[]): string | undefined {
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

const INLINE_COMMENT = /[\t ][#;]/

/** Keys some value refers to with %(name)s: variables, not settings, so not unknown keys. */
function referencedKeys(doc: IniDocument): Set<string> {
  const names = new Set<string>()
  const keys: IniKey[] = [...doc.defaults.values()]
  for (const section of doc.sections) keys.push(...section.keys.values())
  for (const key of keys) for (const m of key.value.matchAll(/%\(([^)]+)\)s/g)) names.add(m[1]!.toLowerCase())
  return names
}

function describeValue(setting: { value: unknown; type: string }): string {
  if (setting.type === 'str') return `the string ${JSON.stringify(setting.value)}`
  if (setting.type === 'int') return `the integer ${String(setting.value)}`
  if (setting.type === 'float') return `the float ${String(setting.value)}`
  return JSON.stringify(setting.value)
}

function pythonOnlyMessage(regex: PyRegex & { valid: true }): string | null {
  const features = [...new Set(regex.parsed.pythonOnly.map((f) => f.feature))]
  if (features.length === 0) return null
  return `pattern ${JSON.stringify(regex.pattern)} uses Python-only syntax: ${features.join(', ')} (carbon reads it as Python does; JavaScript, Go or PCRE tools read it differently)`
}

function lintRegex(out: Collector, file: string, line: number, label: string, regex: PyRegex | null): void {
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

// ---------------------------------------------------------------------------------------------------
// INI structure, shared by the three INI files

function lintIniStructure(out: Collector, file: ConfigFileText, doc: IniDocument): void {
  if (file.invalidUtf8Line !== null) {
    out.add(
      file.path,
      file.invalidUtf8Line,
      'syntax',
      'not valid UTF-8: Python fails with UnicodeDecodeError reading the file',
    )
  }
  for (const problem of doc.problems) {
    if (problem.kind === 'duplicate-section')
      out.add(file.path, problem.line, 'duplicate-section', problem.message)
    else if (problem.kind === 'duplicate-key')
      out.add(file.path, problem.line, 'duplicate-key', problem.message)
    else if (problem.kind === 'missing-section-header' && file.text.startsWith('\ufeff')) {
      out.add(
        file.path,
        1,
        'syntax',
        'the file starts with a UTF-8 byte-order mark: Python reads it as part of the first line, so there is no section header; save without BOM',
      )
    } else out.add(file.path, problem.line, 'syntax', problem.message)
  }
  const keys: IniKey[] = [...doc.defaults.values()]
  for (const section of doc.sections) keys.push(...section.keys.values())
  for (const key of keys) {
    for (const c of key.continuations) {
      if (/^[A-Za-z_][\w.-]*\s*[=:]/.test(c.text) || /^\[.*\]$/.test(c.text)) {
        out.add(
          file.path,
          c.line,
          'continuation-line',
          `this line is indented, so configparser appends it to the value of '${key.rawName}' (line ${key.line}) instead of reading ${JSON.stringify(c.text)} on its own; remove the indentation`,
        )
      }
    }
  }
}

/** Interpolation errors of every key a section sees that it defines itself. */
function lintInterpolation(
  out: Collector,
  file: string,
  doc: IniDocument,
  sections: readonly string[],
): void {
  const own = (name: string): IniKey[] =>
    name === 'DEFAULT' ? [...doc.defaults.values()] : [...(findSection(doc, name)?.keys.values() ?? [])]
  for (const name of sections) {
    for (const key of own(name)) {
      const result = interpolate(doc, name, key)
      if (!result.ok)
        out.add(file, key.line, 'interpolation', `[${name}] ${key.rawName}: ${result.error.message}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// carbon.conf

const LOG_KEYS = ['LOG_UPDATES', 'LOG_CREATES', 'LOG_CACHE_HITS', 'LOG_CACHE_QUEUE_SORTS']
const PATH_LIKE_NUMERIC_OK = new Set([
  'CARBON_METRIC_PREFIX',
  'USER',
  'MANHOLE_USER',
  'AMQP_USER',
  'AMQP_PASSWORD',
])

function programOf(section: string): Program | null {
  const program = section.split(':')[0]!
  return (PROGRAMS as readonly string[]).includes(program) &&
    (section === program || section.length > program.length + 1)
    ? (program as Program)
    : null
}

function lintCarbonKey(
  out: Collector,
  conf: CarbonConf,
  section: string,
  key: IniKey,
  variables: Set<string>,
): void {
  const file = conf.file
  const name = key.name.toUpperCase()
  const where = `[${section}] ${key.rawName}`
  if (!KNOWN_CARBON_KEYS.includes(name)) {
    if (variables.has(key.name)) return
    const suggestion = didYouMean(name, KNOWN_CARBON_KEYS)
    out.add(
      file,
      key.line,
      'unknown-key',
      `${where}: carbon has no setting ${name} and ignores it${suggestion ? `; did you mean ${suggestion}?` : ''}`,
    )
    return
  }
  const program = section === 'DEFAULT' ? null : programOf(section)
  const spec = CARBON_DEFAULTS[name]
  if (program === 'cache' && spec?.programs && !spec.programs.includes('cache')) {
    out.add(
      file,
      key.line,
      'ignored-setting',
      `${where}: only carbon-${spec.programs.join(' and carbon-')} read ${name}; carbon-cache ignores it`,
    )
  }
  const interpolated = interpolate(conf.doc, section, key)
  if (!interpolated.ok) return
  const value = interpolated.value
  if (INLINE_COMMENT.test(key.value)) {
    out.add(
      file,
      key.line,
      'inline-comment',
      `${where}: carbon keeps ${JSON.stringify(key.value)} whole (configparser strips no inline comments); put the comment on its own line`,
    )
    return
  }
  const kind = settingKind(name)!
  if (value === '') {
    const fatal =
      kind === 'number' || kind === 'port' || kind === 'bool' || kind === 'list' || kind === 'choice'
    const why = fatal
      ? 'carbon reads the empty string and fails at startup'
      : name === 'USER'
        ? "the same as carbon's default (run as the invoking user); remove the line"
        : kind === 'path'
          ? 'carbon reads the empty string, which normpath turns into the current directory'
          : kind === 'interface'
            ? 'carbon reads the empty string: Twisted listens on every interface'
            : 'carbon reads the empty string'
    out.add(file, key.line, 'empty-value', `${where} is empty: ${why}`, fatal ? 'error' : 'warning')
    return
  }
  const coerced = coerceSetting(name, value)
  if (!coerced.ok) {
    out.add(
      file,
      key.line,
      'bad-boolean',
      `${where} = ${value}: not a boolean (use True/False, yes/no, on/off or 1/0); carbon fails at startup`,
    )
    return
  }
  const defaultIsNone = spec?.default === null
  if (coerced.type === 'str' && value === 'None' && defaultIsNone) {
    out.add(
      file,
      key.line,
      'none-string',
      `${where} = None is the string 'None', not Python's None${name === 'METRIC_CLIENT_IDLE_TIMEOUT' ? ': every connection then logs a TypeError' : ''}; delete the line to keep the default`,
    )
    return
  }
  switch (kind) {
    case 'number':
      if (coerced.type === 'str') {
        out.add(
          file,
          key.line,
          'bad-number',
          `${where} = ${value}: carbon reads ${describeValue(coerced)}, not a number (int() and float() reject it), and fails where it uses it`,
        )
      }
      break
    case 'port':
      if (coerced.type === 'str') {
        out.add(file, key.line, 'bad-port', `${where} = ${value}: not a port number; carbon fails at startup`)
      } else if (coerced.type === 'float' || typeof coerced.value !== 'number') {
        out.add(file, key.line, 'bad-port', `${where} = ${value}: a port must be an integer`)
      } else if (coerced.value < 0 || coerced.value > 65535) {
        out.add(file, key.line, 'bad-port', `${where} = ${value}: a port is 0 to 65535`)
      }
      break
    case 'str':
    case 'path':
    case 'interface':
      if ((coerced.type === 'int' || coerced.type === 'float') && !PATH_LIKE_NUMERIC_OK.has(name)) {
        out.add(
          file,
          key.line,
          'bad-value',
          `${where} = ${value}: carbon reads ${describeValue(coerced)} but needs a ${kind === 'path' ? 'path' : kind === 'interface' ? 'host address' : 'string'}`,
        )
      } else if (name === 'USER' && coerced.type === 'int') {
        out.add(
          file,
          key.line,
          'bad-value',
          `${where} = ${value}: carbon reads the integer ${value} and getpwnam() fails; give the user name`,
        )
      }
      break
    case 'choice':
      if (spec?.choices && !spec.choices.includes(String(coerced.value)) && name !== 'CACHE_WRITE_STRATEGY') {
        const lower = spec.choices.find((c) => c === String(coerced.value).toLowerCase())
        const close = lower ? undefined : didYouMean(String(coerced.value), spec.choices)
        const hint = lower
          ? ` (values are case-sensitive: ${lower})`
          : close
            ? ` (did you mean ${close.toLowerCase()}?)`
            : ''
        out.add(
          file,
          key.line,
          'bad-value',
          `${where} = ${value}: carbon knows ${spec.choices.join(', ')}${hint}; carbon${program ? `-${program}` : ''} does not start`,
        )
      }
      break
    default:
      break
  }
}

function headerLine(conf: CarbonConf, section: string): number {
  return findSection(conf.doc, section)?.line ?? 1
}

function settingLine(
  conf: CarbonConf,
  settings: Record<string, Setting>,
  key: string,
  section: string,
): number {
  return settings[key]?.source?.line ?? headerLine(conf, section)
}

function lintCacheSemantics(out: Collector, conf: CarbonConf, resolved: ResolvedSettings): void {
  if (resolved.failure) return
  const s = resolved.settings
  const file = conf.file
  const section =
    resolved.instance && findSection(conf.doc, `cache:${resolved.instance}`)
      ? `cache:${resolved.instance}`
      : 'cache'
  const label = resolved.instance ? `carbon-cache (instance ${resolved.instance})` : 'carbon-cache'
  const line = (key: string): number => settingLine(conf, s, key, section)
  const creates = s.MAX_CREATES_PER_MINUTE?.value
  if (typeof creates === 'number' && Number.isFinite(creates)) {
    out.add(
      file,
      line('MAX_CREATES_PER_MINUTE'),
      'drops-data',
      `${label}: MAX_CREATES_PER_MINUTE = ${creates}: points of new metrics beyond ${creates} creates a minute are dropped, not delayed (carbon#262); use inf unless the disk cannot keep up`,
    )
  }
  const strategy = s.CACHE_WRITE_STRATEGY?.value
  if (strategy === 'max') {
    out.add(
      file,
      line('CACHE_WRITE_STRATEGY'),
      'write-strategy',
      `${label}: CACHE_WRITE_STRATEGY = max scans every queue on each write (100% CPU with many metrics, carbon#840); use sorted`,
    )
  } else if (typeof strategy === 'string' && !['sorted', 'naive', 'timesorted', 'max'].includes(strategy)) {
    const lower = ['sorted', 'naive', 'timesorted', 'max'].find((c) => c === strategy.toLowerCase())
    out.add(
      file,
      line('CACHE_WRITE_STRATEGY'),
      'write-strategy',
      `${label}: CACHE_WRITE_STRATEGY = ${strategy} is not one of sorted, max, naive, timesorted${lower ? ` (values are case-sensitive: ${lower})` : ''}: carbon logs that it defaults to sorted but writes in arrival order`,
    )
  } else if (typeof strategy !== 'string') {
    out.add(
      file,
      line('CACHE_WRITE_STRATEGY'),
      'write-strategy',
      `${label}: CACHE_WRITE_STRATEGY is ${describeValue(s.CACHE_WRITE_STRATEGY!)}, not a strategy name`,
    )
  }
  const lag = s.MIN_TIMESTAMP_LAG?.value
  if (typeof lag === 'number' && lag > 0 && strategy !== 'timesorted') {
    out.add(
      file,
      line('MIN_TIMESTAMP_LAG'),
      'ignored-setting',
      `${label}: MIN_TIMESTAMP_LAG only works with CACHE_WRITE_STRATEGY = timesorted; it is ignored`,
    )
  }
  if (s.CACHE_SIZE_LOW_WATERMARK?.source) {
    out.add(
      file,
      line('CACHE_SIZE_LOW_WATERMARK'),
      'ignored-setting',
      `${label}: CACHE_SIZE_LOW_WATERMARK is overwritten at startup with 0.95 * MAX_CACHE_SIZE; remove it`,
    )
  }
  const logging = LOG_KEYS.filter((k) => s[k]?.value === true)
  if (logging.length > 0) {
    const explicit = logging.map((k) => s[k]!.source?.line).find((l) => l !== undefined)
    out.add(
      file,
      explicit ?? headerLine(conf, section),
      'heavy-logging',
      `${label}: ${logging.join(', ')} ${logging.length === 1 ? 'is' : 'are'} on${explicit === undefined ? " (carbon's code default)" : ''}: a log line per update, create or query; set ${logging.length === 1 ? 'it' : 'them'} to False unless debugging`,
    )
  }
  if (s.USE_INSECURE_UNPICKLER?.value === true) {
    out.add(
      file,
      line('USE_INSECURE_UNPICKLER'),
      'security',
      `${label}: USE_INSECURE_UNPICKLER = True lets anyone who can reach the pickle port run code in carbon`,
    )
  }
  if (s.ENABLE_MANHOLE?.value === true) {
    out.add(
      file,
      line('ENABLE_MANHOLE'),
      'security',
      `${label}: ENABLE_MANHOLE = True opens an SSH Python shell into carbon on ${String(s.MANHOLE_INTERFACE?.value)}:${String(s.MANHOLE_PORT?.value)}`,
    )
  }
  if (s.CACHE_QUERY_INTERFACE?.value === '0.0.0.0') {
    out.add(
      file,
      line('CACHE_QUERY_INTERFACE'),
      'security',
      `${label}: CarbonLink (cache queries, pickle) listens on 0.0.0.0:${String(s.CACHE_QUERY_PORT?.value)}; bind 127.0.0.1 unless graphite-web runs on another host`,
    )
  }
  if (s.CACHE_QUERY_PORT?.value === 0) {
    out.add(
      file,
      line('CACHE_QUERY_PORT'),
      'bad-port',
      `${label}: CACHE_QUERY_PORT = 0 does not disable CarbonLink: it listens on a random port graphite-web cannot know`,
      'warning',
    )
  }
}

function lintCarbonConf(out: Collector, file: ConfigFileText, conf: CarbonConf, set: ConfigSet): void {
  const doc = conf.doc
  lintIniStructure(out, file, doc)
  const read: string[] = []
  if (doc.defaults.size > 0) read.push('DEFAULT')
  for (const section of doc.sections) {
    const program = programOf(section.name)
    if (program) {
      read.push(section.name)
      continue
    }
    const lower = section.name.toLowerCase()
    const caseMatch = programOf(lower)
    out.add(
      file.path,
      section.line,
      'unknown-section',
      caseMatch
        ? `[${section.name}]: section names are case-sensitive; carbon reads [${lower}], so these settings are ignored`
        : `[${section.name}]: no carbon program reads this section (carbon-cache reads [cache] and [cache:<instance>]; relay and aggregator likewise)`,
    )
  }
  lintInterpolation(out, file.path, doc, read)
  const variables = referencedKeys(doc)
  for (const name of read) {
    const keys = name === 'DEFAULT' ? doc.defaults : findSection(doc, name)!.keys
    for (const key of keys.values()) lintCarbonKey(out, conf, name, key, variables)
  }
  // A carbon.conf with no [cache] section is for a relay or aggregator host: carbon-cache's traps
  // (its code defaults) are not reported there.
  if (!doc.sections.some((section) => programOf(section.name) === 'cache')) return
  const instances = new Set(['a', ...instancesOf(conf, 'cache')])
  for (const instance of instances) {
    const resolved =
      instance === (set.settings.instance ?? 'a')
        ? set.settings
        : resolveCarbonSettings(conf, { configPath: conf.file, instance })
    lintCacheSemantics(out, conf, resolved)
  }
}

// ---------------------------------------------------------------------------------------------------
// storage-schemas.conf and storage-aggregation.conf

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
      const suggestion = hint ? undefined : didYouMean(key.name, known)
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

/** One problem of a schema rule as a diagnostic. */
function lintSchemaProblem(out: Collector, file: string, rule: SchemaRule, problem: RuleProblem): void {
  switch (problem.code) {
    case 'interpolation':
      break
    case 'no-section':
      out.add(file, problem.line, 'section-header', `${problem.message}: carbon does not start`)
      break
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
    case 'regex':
      out.add(
        file,
        problem.line,
        'invalid-regex',
        `[${rule.section}] pattern ${JSON.stringify(rule.pattern)}: ${problem.message}; ${doesNotStart(rule, problem)}`,
      )
      break
    case 'archive-list':
      out.add(
        file,
        problem.line,
        'archive-list',
        `[${rule.section}] retentions = ${rule.retentions}: ${problem.message}; ${(problem.status ?? rule.status) === 'fatal' ? doesNotStart(rule, problem) : 'carbon skips this rule'}`,
      )
      break
    default:
      out.add(file, problem.line, 'syntax', problem.message)
  }
}

function lintSchemas(out: Collector, file: ConfigFileText, schemas: StorageSchemas): void {
  const { doc } = schemas
  lintIniStructure(out, file, doc)
  lintListedSections(out, file.path, doc)
  lintInterpolation(out, file.path, doc, [
    ...(doc.defaults.size ? ['DEFAULT'] : []),
    ...doc.sections.map((s) => s.name),
  ])
  lintUnknownKeys(out, file.path, doc, ['pattern', 'retentions'], SCHEMA_KEY_HINTS)
  lintInlineComments(out, file.path, doc, ['pattern', 'retentions'])
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
    case 'interpolation':
      break
    case 'no-section':
      out.add(file, problem.line, 'section-header', `${problem.message}: carbon does not start`)
      break
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

function lintAggregation(out: Collector, file: ConfigFileText, aggregation: StorageAggregation): void {
  const { doc } = aggregation
  lintIniStructure(out, file, doc)
  lintListedSections(out, file.path, doc)
  lintInterpolation(out, file.path, doc, [
    ...(doc.defaults.size ? ['DEFAULT'] : []),
    ...doc.sections.map((s) => s.name),
  ])
  lintUnknownKeys(
    out,
    file.path,
    doc,
    ['pattern', 'xfilesfactor', 'aggregationmethod'],
    AGGREGATION_KEY_HINTS,
  )
  lintInlineComments(out, file.path, doc, ['pattern', 'xfilesfactor', 'aggregationmethod'])
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

// ---------------------------------------------------------------------------------------------------
// whitelist.conf and blacklist.conf

function lintList(out: Collector, file: ConfigFileText, list: RegexListFile): void {
  if (file.invalidUtf8Line !== null) {
    out.add(
      file.path,
      file.invalidUtf8Line,
      'syntax',
      'not valid UTF-8: Python fails with UnicodeDecodeError reading the list and carbon stops',
    )
  }
  for (const entry of list.entries) {
    if (entry.problem) {
      out.add(
        file.path,
        entry.line,
        'invalid-regex',
        `pattern ${JSON.stringify(entry.pattern)}: ${entry.problem.message}; ${entry.status === 'fatal' ? 'this exception is not caught: carbon stops' : 'carbon logs it and ignores the line'}`,
      )
    }
    if (entry.looksLikeComment) {
      out.add(
        file.path,
        entry.line,
        'list-comment',
        `${JSON.stringify(entry.pattern)} is a pattern, not a comment: only lines whose first character is '#' are comments`,
      )
    }
    if (entry.status !== 'skipped') lintRegex(out, file.path, entry.line, 'list', entry.regex)
  }
}

// ---------------------------------------------------------------------------------------------------
// Across files

const COUNTER_PROBES = [
  'example.requests.count',
  'example.requests.sum',
  'stats.example.requests.count',
  'stats.counters.example.requests.count',
  'stats_counts.example.requests',
]

function safeFirst<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch {
    // A rule carbonkit cannot evaluate stands in the way; untranslatable-regex reports it.
    return undefined
  }
}

/** The pattern of a rule that catches `names`: their counter suffixes and the stats_counts. prefix. */
export function counterPattern(names: readonly string[]): string {
  const endings = (['count', 'sum'] as const).filter((e) => names.some((n) => n.endsWith(`.${e}`) || n === e))
  // `(^|\.)` only for a bare `count`, which `\.count$` would miss.
  const start = names.some((n) => n === 'count' || n === 'sum') ? '(^|\\.)' : '\\.'
  const parts: string[] = []
  if (endings.length === 1) parts.push(`${start}${endings[0]}$`)
  if (endings.length === 2) parts.push(`${start}(count|sum)$`)
  if (names.some((n) => n.startsWith('stats_counts.'))) parts.push('^stats_counts\\.')
  return parts.join('|')
}

/** Up to `count` of `names`: first one of each kind the suggested pattern catches, then the others. */
function representatives(names: readonly string[], count: number): string[] {
  const kinds = [/\.count$/, /\.sum$/, /^stats_counts\./]
  const firsts = kinds.flatMap((kind) => names.find((n) => kind.test(n)) ?? [])
  return [...new Set([...firsts, ...names])].slice(0, count)
}

function searches(regex: PyRegex | null, name: string): boolean {
  return regex?.valid === true && regex.js.ok && regex.js.search(name)
}

/**
 * How to have `names` (averaged by `rule`, or by whisper's default when null) added instead: move the
 * rules that already sum some of them above the one that takes them, and add one for the others.
 */
function counterFix(
  aggregation: StorageAggregation | null,
  rule: AggregationRule | null,
  names: readonly string[],
): string {
  const late = rule
    ? (aggregation?.rules ?? []).filter(
        (r) =>
          r.status === 'active' &&
          r !== rule &&
          r.aggregationMethod === 'sum' &&
          names.some((n) => searches(r.regex, n)),
      )
    : []
  const rest = names.filter((n) => !late.some((r) => searches(r.regex, n)))
  const fixes = late.map(
    (r) =>
      `[${r.section}] (line ${r.line}) sums ${rest.length > 0 ? 'some of them' : 'them'} but comes after it: move it above [${rule!.section}]`,
  )
  if (rest.length > 0) {
    const others = late.length > 0 ? ` for ${rest.map((n) => JSON.stringify(n)).join(', ')}` : ''
    fixes.push(
      `add a rule such as pattern = ${counterPattern(rest)} with aggregationMethod = sum${rule ? ` above [${rule.section}]` : ''}${others}`,
    )
  }
  return fixes.join('; ')
}

function lintCounters(out: Collector, set: ConfigSet): void {
  const aggregation = set.aggregation
  const names = [...COUNTER_PROBES]
  for (const rule of aggregation?.rules ?? []) {
    if (rule.status === 'active' && rule.regex?.valid && /count|sum/i.test(rule.pattern ?? ''))
      names.push(...exampleNames(rule.regex))
  }
  const byRule = new Map<string, { rule: AggregationRule | null; names: string[] }>()
  for (const name of names) {
    const found = safeFirst(() => firstAggregationRule(aggregation, name))
    if (found === undefined) continue
    const method = found?.aggregationMethod ?? 'average'
    if (method !== 'average' && method !== 'avg_zero') continue
    if (!/(^|\.)(count|sum)$|^stats_counts\./.test(name)) continue
    const key = found ? `${found.section}:${found.line}` : 'default'
    const entry = byRule.get(key) ?? { rule: found, names: [] }
    entry.names.push(name)
    byRule.set(key, entry)
  }
  for (const { rule, names: hit } of byRule.values()) {
    const file = aggregation?.file ?? set.schemas?.file
    if (!file) continue
    const fix = counterFix(aggregation, rule, hit)
    const line = rule
      ? (rule.aggregationMethodLine ?? rule.line)
      : Math.max(1, aggregation?.doc.lines.length ?? 1)
    const source = rule
      ? `[${rule.section}] (line ${rule.line})`
      : aggregation
        ? "whisper's default (no rule matches them)"
        : "whisper's default (there is no storage-aggregation.conf)"
    out.add(
      file,
      line,
      'counter-averaged',
      `counters such as ${representatives(hit, 3)
        .map((n) => JSON.stringify(n))
        .join(
          ', ',
        )} get aggregationMethod ${rule?.aggregationMethod ?? 'average'} from ${source}: rolled-up counts are averaged instead of added; ${fix}`,
    )
  }
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`
}

function describeSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['y', 31536000],
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`
  }
  return `${seconds}s`
}

function lintSparse(out: Collector, set: ConfigSet, interval: number): void {
  const names = new Set<string>(['example.metric', ...COUNTER_PROBES])
  for (const rule of set.schemas?.rules ?? [])
    if (rule.status === 'active' && rule.regex?.valid) for (const n of exampleNames(rule.regex)) names.add(n)
  for (const rule of set.aggregation?.rules ?? [])
    if (rule.status === 'active' && rule.regex?.valid) for (const n of exampleNames(rule.regex)) names.add(n)
  const seen = new Set<string>()
  for (const name of names) {
    const schemaRule = safeFirst(() => firstSchemaRule(set.schemas, name))
    const aggregationRule = safeFirst(() => firstAggregationRule(set.aggregation, name))
    if (schemaRule === undefined || aggregationRule === undefined) continue
    const key = `${schemaRule?.line ?? 'default'}|${aggregationRule?.line ?? 'default'}`
    if (seen.has(key)) continue
    seen.add(key)
    const archives = archiveViews(schemaRule?.archives ?? DEFAULT_SCHEMA_ARCHIVES)
    // whisper stores xFilesFactor as a 32-bit float and compares the known fraction with that.
    const xff = Math.fround(aggregationRule?.xFilesFactor ?? 0.5)
    if (xff <= 0) continue
    for (let j = 0; j + 1 < archives.length; j++) {
      const fine = archives[j]!.secondsPerPoint
      const coarse = archives[j + 1]!.secondsPerPoint
      if (fine <= 0 || coarse % fine !== 0) break
      const spacing = Math.max(interval, fine)
      if (interval <= fine && j === 0) continue
      const slots = coarse / fine
      const least = Math.min(slots, Math.floor(coarse / spacing))
      const most = Math.min(slots, Math.ceil(coarse / spacing))
      if (least / slots >= xff) continue
      const schemaLabel = schemaRule
        ? `[${schemaRule.section}] (line ${schemaRule.line})`
        : "carbon's built-in schema"
      const aggLabel = aggregationRule
        ? `[${aggregationRule.section}] (line ${aggregationRule.line})`
        : "whisper's default"
      const file = aggregationRule
        ? set.aggregation!.file
        : schemaRule
          ? set.schemas!.file
          : (set.aggregation?.file ?? set.schemas?.file)
      if (!file) return
      const line = aggregationRule
        ? (aggregationRule.xFilesFactorLine ?? aggregationRule.line)
        : (schemaRule?.retentionsLine ?? schemaRule?.line ?? 1)
      const outcome =
        most / slots < xff
          ? 'every roll-up is None and the data is gone once it ages out of the finer archive'
          : 'some roll-ups are None'
      out.add(
        file,
        line,
        'sparse-data',
        `metrics arriving every ${describeSeconds(interval)} fill ${least === most ? least : `${least} to ${most}`} of each ${slots} ${describeSeconds(fine)} slots (${percent(least / slots)}) when whisper rolls up to ${describeSeconds(coarse)}; xFilesFactor ${aggregationRule?.xFilesFactorText ?? '0.5'} needs ${percent(xff)}, so ${outcome} (e.g. ${JSON.stringify(name)}: schema ${schemaLabel}, aggregation ${aggLabel}); lower xFilesFactor or send more often`,
      )
      break
    }
  }
}

function lintLists(out: Collector, set: ConfigSet): void {
  const useWhitelist = set.settings.settings.USE_WHITELIST?.value === true
  const carbonFile = set.carbonConf?.file
  for (const list of [set.whitelist, set.blacklist]) {
    if (!list) continue
    if (!useWhitelist && set.carbonConf) {
      out.add(list.file, 1, 'list-unused', `USE_WHITELIST is off in ${carbonFile}: carbon ignores this file`)
    }
  }
  if (useWhitelist) {
    const usable = set.whitelist?.entries.some((e) => e.status === 'active') ?? false
    if (set.whitelist && !usable) {
      out.add(
        set.whitelist.file,
        1,
        'list-fail-open',
        'USE_WHITELIST is on but this whitelist has no usable pattern: carbon then accepts every metric',
      )
    } else if (!set.whitelist && !set.blacklist && carbonFile) {
      const line = set.settings.settings.USE_WHITELIST?.source?.line ?? 1
      out.add(
        carbonFile,
        line,
        'list-fail-open',
        'USE_WHITELIST = True but there is no whitelist.conf or blacklist.conf: every metric is accepted',
      )
    }
  }
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
