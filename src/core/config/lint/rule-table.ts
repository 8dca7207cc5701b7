// Every rule carbon lint applies, in one table (README and man/carbon.1 are checked against it), and
// the collector the rule files add their diagnostics to. Imports nothing.

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

/** The diagnostics found so far, each once (several checks can reach the same problem). */
export class Collector {
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
