// carbonkit's library surface: the core, never the cli.

export * from './core/errors.js'
export { formatCtime, formatFixed, formatGeneral, formatRepr, formatStrftime } from './core/py-format.js'
export { parsePythonFloat, parsePythonInt } from './core/py-parse.js'
export { parseTimeSpec } from './core/time.js'
export { aggregate } from './core/whisper/aggregate.js'
export type { ArchiveInfo, Header } from './core/whisper/codec.js'
export { decodeHeader, encodeHeader, encodeMetadata } from './core/whisper/codec.js'
export type { CreateOptions, CreateResult } from './core/whisper/create.js'
export { create } from './core/whisper/create.js'
export type { Dump, DumpChunk } from './core/whisper/dump.js'
export { openDump } from './core/whisper/dump.js'
export type { FetchColumns, FetchOptions, FetchResult, TimeInfo } from './core/whisper/fetch.js'
export { fetch, fetchColumns, fileFetch, fileFetchColumns } from './core/whisper/fetch.js'
export type { OpenOptions, WhisperFile } from './core/whisper/file.js'
export { closeWhisperFile, lockFile, openWhisperFile, withWhisperFile } from './core/whisper/file.js'
export type { AggregationMethod } from './core/whisper/format.js'
export {
  AGGREGATION_METHODS,
  AGGREGATION_TYPES,
  ARCHIVE_INFO_SIZE,
  METADATA_SIZE,
  POINT_SIZE,
  isAggregationMethod,
} from './core/whisper/format.js'
export type { WhisperInfo } from './core/whisper/info.js'
export { readInfo } from './core/whisper/info.js'
export type { ArchiveSpec } from './core/whisper/retention.js'
export {
  UNIT_MULTIPLIERS,
  getUnitString,
  parseRetentionDef,
  validateArchiveList,
} from './core/whisper/retention.js'
export type { Point, UpdateOptions } from './core/whisper/update.js'
export { fileUpdate, fileUpdateMany, update, updateMany } from './core/whisper/update.js'
export type {
  CarbonConf,
  Program,
  ResolvedSettings,
  Setting,
  SettingValue,
} from './core/config/carbon-conf.js'
export { CARBON_DEFAULTS, parseCarbonConf, resolveCarbonSettings } from './core/config/carbon-conf.js'
export type { ConfigFileKind, ConfigFileText, ParsedConfigSet } from './core/config/config-set.js'
export {
  DEFAULT_CONFIG_DIR,
  parseConfigSet,
  readConfigDir,
  readConfigFiles,
} from './core/config/config-set.js'
export type { Diagnostic, LintReport, RuleId, SchemaSummary, Severity } from './core/config/lint.js'
export { LINT_RULES, lintConfigSet } from './core/config/lint.js'
export { lintFailed, lintPaths } from './core/config/lint-paths.js'
export type { ConfigSet, MetricMatch, WhichReport } from './core/config/match.js'
export {
  firstAggregationRule,
  firstSchemaRule,
  matchMetric,
  startupFailure,
  whichMetrics,
} from './core/config/match.js'
export type { PyRegex } from './core/config/py-regex.js'
export { compilePythonRegex } from './core/config/py-regex.js'
export { parseRegexList } from './core/config/regex-list.js'
export { parseCarbonRetentionDef } from './core/config/retention.js'
export type { AggregationRule, StorageAggregation } from './core/config/storage-aggregation.js'
export { parseStorageAggregation } from './core/config/storage-aggregation.js'
export type { SchemaRule, StorageSchemas } from './core/config/storage-schemas.js'
export { DEFAULT_SCHEMA_ARCHIVES, parseStorageSchemas } from './core/config/storage-schemas.js'
