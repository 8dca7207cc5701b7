// What carbon-cache does with a metric name: the storage schema and aggregation rule it picks (first
// match in file order, re.search on the normalised name, built-in defaults last), the whisper file
// it creates (archives, xFilesFactor, method, size) and where (LOCAL_DATA_DIR, `_tagged/` paths).
// `carbon which` prints this; `wsp audit` compares files with it. Pure.

import { ConfigError } from '../errors.js'
import { encodeMetricPath, parseTaggedSeries } from '../protocol/tags.js'
import type { AggregationMethod } from '../whisper/format.js'
import { fileSizeFor } from '../whisper/format.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import type { CarbonConf, ResolvedSettings } from './carbon-conf.js'
import { pyJoin } from '../python/posixpath.js'
import type { PyRegex } from '../python/regex.js'
import type { RegexListFile } from './regex-list.js'
import type { AggregationRule, StorageAggregation } from './storage-aggregation.js'
import { activeAggregationRules } from './storage-aggregation.js'
import type { SchemaRule, StorageSchemas } from './storage-schemas.js'
import { DEFAULT_SCHEMA_ARCHIVES, activeSchemaRules } from './storage-schemas.js'

/** Everything carbon reads from its configuration directory. */
export interface ConfigSet {
  /** The configuration directory, when the set was read from one. */
  dir: string | null
  carbonConf: CarbonConf | null
  /** carbon-cache's settings (instance `a` unless chosen otherwise). */
  settings: ResolvedSettings
  schemas: StorageSchemas | null
  aggregation: StorageAggregation | null
  whitelist: RegexListFile | null
  blacklist: RegexListFile | null
}

export interface ArchiveView {
  secondsPerPoint: number
  points: number
  retention: number
}

export interface SchemaMatch {
  /** The section name, or `default` for carbon's built-in schema. */
  section: string
  builtin: boolean
  file: string | null
  line: number | null
  pattern: string | null
  /** The retentions as written (the built-in one as 60s:7d). */
  retentions: string
  /** Sorted by precision, as whisper creates them. */
  archives: ArchiveView[]
  maxRetention: number
  fileSize: number
}

export interface AggregationMatch {
  /** The section name, or null when no rule matched (whisper's defaults). */
  section: string | null
  file: string | null
  line: number | null
  pattern: string | null
  xFilesFactor: number
  aggregationMethod: AggregationMethod
  /** Whether each value came from the rule or is whisper's default for a value the rule leaves out. */
  xFilesFactorFrom: 'rule' | 'default'
  aggregationMethodFrom: 'rule' | 'default'
}

export interface MetricMatch {
  /** The name as given. */
  metric: string
  /** The name carbon matches and stores: tags sorted, leading `~` stripped (the raw name if unparsable). */
  name: string
  tagged: boolean
  /** Why a name with `;` did not parse as a tagged series (carbon then stores it raw). */
  tagError?: string
  schema: SchemaMatch
  aggregation: AggregationMatch
  /** LOCAL_DATA_DIR. */
  dataDir: string
  /** The file carbon writes, with TAG_HASH_FILENAMES as configured. */
  path: string
  /** For tagged names: the file in each hashing mode (carbon renames the unhashed one when hashing). */
  taggedPaths?: { hashed: string; unhashed: string }
  /** With USE_WHITELIST: whether carbon accepts the name at all. */
  lists?: ListVerdict
}

export interface ListVerdict {
  accepted: boolean
  /** The blacklist line that drops it. */
  blacklistedBy?: { file: string; line: number; pattern: string }
  /** False when a non-empty whitelist has no pattern for it. */
  whitelisted: boolean
  whitelistedBy?: { file: string; line: number; pattern: string }
}

export function archiveViews(archives: readonly ArchiveSpec[]): ArchiveView[] {
  return [...archives]
    .sort((a, b) => a[0] - b[0])
    .map(([secondsPerPoint, points]) => ({ secondsPerPoint, points, retention: secondsPerPoint * points }))
}

function undecidable(
  file: string,
  line: number | null,
  section: string,
  regex: PyRegex & { valid: true },
): ConfigError {
  const reason = regex.js.ok ? '' : regex.js.reason
  return new ConfigError(
    file,
    `line ${line ?? '?'}: [${section}] pattern ${JSON.stringify(regex.pattern)} cannot be evaluated by carbonkit: it uses ${reason}`,
  )
}

function matches(
  regex: PyRegex | null,
  name: string,
  file: string,
  line: number | null,
  section: string,
): boolean {
  if (!regex || !regex.valid) return false
  if (!regex.js.ok) throw undecidable(file, line, section, regex)
  return regex.js.search(name)
}

/**
 * The first active schema rule whose pattern re.search-es `name`, or null for the built-in default.
 * @throws ConfigError when a rule that must be tried cannot be evaluated (see python/regex.ts)
 */
export function firstSchemaRule(schemas: StorageSchemas | null, name: string): SchemaRule | null {
  for (const rule of activeSchemaRules(schemas)) {
    if (matches(rule.regex, name, schemas!.file, rule.patternLine, rule.section)) return rule
  }
  return null
}

/**
 * The first active aggregation rule whose pattern re.search-es `name`, or null (whisper's defaults).
 * @throws ConfigError when a rule that must be tried cannot be evaluated
 */
export function firstAggregationRule(
  aggregation: StorageAggregation | null,
  name: string,
): AggregationRule | null {
  for (const rule of activeAggregationRules(aggregation)) {
    if (matches(rule.regex, name, aggregation!.file, rule.patternLine, rule.section)) return rule
  }
  return null
}

export function schemaMatchOf(schemas: StorageSchemas | null, rule: SchemaRule | null): SchemaMatch {
  const archives = archiveViews(rule?.archives ?? DEFAULT_SCHEMA_ARCHIVES)
  const sorted = archives.map((a): ArchiveSpec => [a.secondsPerPoint, a.points])
  return {
    section: rule?.section ?? 'default',
    builtin: rule === null,
    file: rule ? schemas!.file : null,
    line: rule?.line ?? null,
    pattern: rule?.pattern ?? null,
    retentions: rule ? (rule.retentions ?? '') : '60s:7d',
    archives,
    maxRetention: Math.max(...archives.map((a) => a.retention)),
    fileSize: fileSizeFor(sorted),
  }
}

export function aggregationMatchOf(
  aggregation: StorageAggregation | null,
  rule: AggregationRule | null,
): AggregationMatch {
  const method = rule?.aggregationMethod ?? null
  return {
    section: rule?.section ?? null,
    file: rule ? aggregation!.file : null,
    line: rule?.line ?? null,
    pattern: rule?.pattern ?? null,
    xFilesFactor: rule?.xFilesFactor ?? 0.5,
    aggregationMethod: (method ?? 'average') as AggregationMethod,
    xFilesFactorFrom: rule?.xFilesFactor !== null && rule?.xFilesFactor !== undefined ? 'rule' : 'default',
    aggregationMethodFrom: method !== null ? 'rule' : 'default',
  }
}

/** With USE_WHITELIST: whether carbon accepts a name (black- and whitelists), or undefined without. */
export function listVerdict(set: ConfigSet, metric: string): ListVerdict | undefined {
  if (set.settings.settings.USE_WHITELIST?.value !== true) return undefined
  const hit = (list: RegexListFile | null): { file: string; line: number; pattern: string } | undefined => {
    if (!list) return undefined
    for (const entry of list.entries) {
      if (entry.status !== 'active') continue
      if (matches(entry.regex, metric, list.file, entry.line, 'list')) {
        return { file: list.file, line: entry.line, pattern: entry.pattern }
      }
    }
    return undefined
  }
  const blacklistedBy = hit(set.blacklist)
  const whitelistActive = (set.whitelist?.entries.some((e) => e.status === 'active') ?? false) === true
  const whitelistedBy = whitelistActive ? hit(set.whitelist) : undefined
  const whitelisted = !whitelistActive || whitelistedBy !== undefined
  return {
    accepted: blacklistedBy === undefined && whitelisted,
    ...(blacklistedBy ? { blacklistedBy } : {}),
    whitelisted,
    ...(whitelistedBy ? { whitelistedBy } : {}),
  }
}

/**
 * What carbon-cache does with `metric`. Pure.
 * @throws ConfigError when a pattern carbon would try cannot be evaluated here
 */
export function matchMetric(metric: string, set: ConfigSet): MetricMatch {
  const parsed = parseTaggedSeries(metric)
  const name = parsed.ok ? parsed.series.path : metric
  const tagged = name.includes(';')
  const schemaRule = firstSchemaRule(set.schemas, name)
  const aggregationRule = firstAggregationRule(set.aggregation, name)
  const settings = set.settings.settings
  const dataDir = typeof settings.LOCAL_DATA_DIR?.value === 'string' ? settings.LOCAL_DATA_DIR.value : ''
  const hashOnly = settings.TAG_HASH_FILENAMES?.value !== false
  const fileOf = (hash: boolean): string => pyJoin(dataDir, encodeMetricPath(name, '/', hash) + '.wsp')
  const result: MetricMatch = {
    metric,
    name,
    tagged,
    schema: schemaMatchOf(set.schemas, schemaRule),
    aggregation: aggregationMatchOf(set.aggregation, aggregationRule),
    dataDir,
    path: fileOf(hashOnly),
  }
  if (!parsed.ok && (metric.includes(';') || metric.includes('{'))) result.tagError = parsed.error
  if (tagged) result.taggedPaths = { hashed: fileOf(true), unhashed: fileOf(false) }
  const lists = listVerdict(set, metric)
  if (lists) result.lists = lists
  return result
}

export interface WhichReport {
  schemaVersion: 1
  configDir: string | null
  /** The files the answer comes from (null: not present, carbon's defaults apply). */
  files: { carbonConf: string | null; schemas: string | null; aggregation: string | null }
  metrics: MetricMatch[]
}

/**
 * Why carbon-cache would not start with this set (so there is nothing to match against), or null.
 */
export function startupFailure(set: ConfigSet): { file: string; line: number; message: string } | null {
  const conf = set.carbonConf
  if (conf && set.settings.failure) return { file: conf.file, ...set.settings.failure }
  if (!set.schemas) {
    const dir = set.dir ?? '.'
    return {
      file: pyJoin(dir, 'storage-schemas.conf'),
      line: 0,
      message: 'missing required config (carbon-cache does not start without it)',
    }
  }
  if (set.schemas.fatal) return { file: set.schemas.file, ...set.schemas.fatal }
  if (set.aggregation?.fatal) return { file: set.aggregation.file, ...set.aggregation.fatal }
  return null
}

/**
 * `carbon which`: what carbon-cache does with each metric.
 * @throws ConfigError when carbon would not start with this configuration, or a pattern carbon would
 *   try cannot be evaluated
 */
export function whichMetrics(metrics: readonly string[], set: ConfigSet): WhichReport {
  const failure = startupFailure(set)
  if (failure) {
    throw new ConfigError(
      failure.file,
      `${failure.line > 0 ? `line ${failure.line}: ` : ''}carbon would not start: ${failure.message} (carbon lint lists every problem)`,
    )
  }
  return {
    schemaVersion: 1,
    configDir: set.dir,
    files: {
      carbonConf: set.carbonConf?.file ?? null,
      schemas: set.schemas?.file ?? null,
      aggregation: set.aggregation?.file ?? null,
    },
    metrics: metrics.map((metric) => matchMetric(metric, set)),
  }
}
