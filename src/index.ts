// carbonkit's library surface: the core, never the cli.

export * from './core/errors.js'
export type {
  CachedPoint,
  CarbonLinkBadRequest,
  CarbonLinkRequest,
  CarbonLinkResponse,
} from './core/protocol/carbonlink.js'
export {
  decodeCarbonLinkRequest,
  decodeCarbonLinkResponse,
  encodeCarbonLinkRequest,
  encodeCarbonLinkResponse,
} from './core/protocol/carbonlink.js'
export type {
  CarbonLinkOptions,
  ClientEvent,
  ConnectionOptions,
  Endpoint,
  Sender,
  SenderOptions,
  SenderStats,
} from './core/protocol/client.js'
export { connectTcp, createSender, exchangeCarbonLink } from './core/protocol/client.js'
export type { FrameDecoder, FrameDecoderOptions, FrameEnd } from './core/protocol/framing.js'
export { DEFAULT_MAX_FRAME_BYTES, createFrameDecoder, encodeFrame } from './core/protocol/framing.js'
export type {
  PickleMetricSinks,
  PickleMetrics,
  PickleMetricsOptions,
  PickleReject,
} from './core/protocol/pickle-metrics.js'
export {
  MAX_POINTS_PER_MESSAGE,
  encodePickleMetrics,
  forEachPickleMetric,
  parsePickleMetrics,
} from './core/protocol/pickle-metrics.js'
export type {
  PicklableValue,
  PickleDecodeOptions,
  PickleEncodeOptions,
  PickleValue,
  Unpickled,
} from './core/protocol/pickle.js'
export {
  PickleError,
  decodePickle,
  encodePickle,
  frozenSet,
  isTuple,
  tuple,
  unpickle,
} from './core/protocol/pickle.js'
export type {
  LineReject,
  LineSplitter,
  ParsedPlaintext,
  PlaintextDecoder,
  PlaintextOptions,
} from './core/protocol/plaintext.js'
export {
  MAX_LINE_BYTES,
  createLineSplitter,
  createPlaintextDecoder,
  encodePlaintext,
  formatPlaintextLine,
  formatPlaintextValue,
  parseDatagram,
  parsePlaintext,
} from './core/protocol/plaintext.js'
export type { MetricPoint } from './core/protocol/points.js'
export { checkMetricName } from './core/protocol/points.js'
export type { QueriedMetric, QueryOptions, QueryResult } from './core/protocol/query.js'
export { queryCache } from './core/protocol/query.js'
export type {
  InputReject,
  SendInputOptions,
  SendOptions,
  SendProtocol,
  SendResult,
} from './core/protocol/send.js'
export { DEFAULT_PORTS, encodeMessages, sendInput, sendPoints } from './core/protocol/send.js'
export type { TaggedSeries } from './core/protocol/tags.js'
export { encodeMetricPath, normalizeMetricName, parseTaggedSeries } from './core/protocol/tags.js'
export { formatCtime, formatFixed, formatGeneral, formatRepr, formatStrftime } from './core/python/format.js'
export { parsePythonFloat, parsePythonInt } from './core/python/parse.js'
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
export type { LintReport, SchemaSummary } from './core/config/lint.js'
export { lintConfigSet } from './core/config/lint.js'
export type { Diagnostic, RuleId, Severity } from './core/config/lint/rule-table.js'
export { LINT_RULES } from './core/config/lint/rule-table.js'
export { lintFailed, lintPaths } from './core/config/lint-paths.js'
export type { ConfigSet, MetricMatch, WhichReport } from './core/config/match.js'
export {
  firstAggregationRule,
  firstSchemaRule,
  matchMetric,
  startupFailure,
  whichMetrics,
} from './core/config/match.js'
export type { PyRegex } from './core/python/regex.js'
export { compilePythonRegex } from './core/python/regex.js'
export { parseRegexList } from './core/config/regex-list.js'
export { parseCarbonRetentionDef } from './core/config/carbon-retention.js'
export type { AggregationRule, StorageAggregation } from './core/config/storage-aggregation.js'
export { parseStorageAggregation } from './core/config/storage-aggregation.js'
export type { SchemaRule, StorageSchemas } from './core/config/storage-schemas.js'
export { DEFAULT_SCHEMA_ARCHIVES, parseStorageSchemas } from './core/config/storage-schemas.js'
