// carbon.conf as carbon 1.1.7 reads it (conf.py: Settings.readFrom, read_config, and the path
// clean-up in CarbonCacheOptions.postOptions). Pure: the file's text, the environment and the home
// directory come in as arguments.
//
// read_config starts from the code defaults (conf.py `defaults`, not the example file's values),
// reads `[<program>]` (cache, relay or aggregator), then the instance section `[<program>:<instance>]`
// (the instance is `a` unless --instance says otherwise, so `[cache:a]` always applies), and fills
// the directories it derives. Each value is coerced by the type of its code default: a list is split
// on commas, a bool goes through getboolean, everything else (unknown keys included) is tried as
// int, then float, and otherwise stays a string.

import { parsePythonFloat, parsePythonInt } from '../python/parse.js'
import type { IniDocument, IniKey } from './ini-lines.js'
import { findSection, pyStrip, scanIni, sectionItems } from './ini-lines.js'
import { pyDirname, pyExpanduser, pyJoin, pyNormpath } from '../python/posixpath.js'

export type PyType = 'int' | 'float' | 'str' | 'bool' | 'list' | 'NoneType'
export type SettingValue = number | string | boolean | readonly string[] | null

/** What a setting is for, beyond its Python type: drives the linter's value checks. */
export type SettingKind = 'number' | 'port' | 'bool' | 'str' | 'path' | 'interface' | 'list' | 'choice'

export interface SettingSpec {
  default: SettingValue
  type: PyType
  kind: SettingKind
  choices?: readonly string[]
  /** Only carbon-relay / carbon-aggregator read it. */
  programs?: readonly Program[]
}

export type Program = 'cache' | 'relay' | 'aggregator'
export const PROGRAMS: readonly Program[] = ['cache', 'relay', 'aggregator']

const INF = Infinity

function spec(
  value: SettingValue,
  kind: SettingKind,
  extra: Partial<Pick<SettingSpec, 'choices' | 'programs' | 'type'>> = {},
): SettingSpec {
  let type: PyType
  if (extra.type) type = extra.type
  else if (value === null) type = 'NoneType'
  else if (typeof value === 'boolean') type = 'bool'
  else if (typeof value === 'string') type = 'str'
  else if (Array.isArray(value)) type = 'list'
  else type = Number.isInteger(value) && Number.isFinite(value) ? 'int' : 'float'
  return { default: value, type, kind, ...extra }
}

const RELAY: readonly Program[] = ['relay', 'aggregator']

/** carbon 1.1.7 conf.py `defaults`, in its order, with the kind of each value. */
export const CARBON_DEFAULTS: Readonly<Record<string, SettingSpec>> = {
  USER: spec('', 'str'),
  MAX_CACHE_SIZE: spec(INF, 'number'),
  MAX_UPDATES_PER_SECOND: spec(500, 'number'),
  MAX_CREATES_PER_MINUTE: spec(INF, 'number'),
  MIN_TIMESTAMP_RESOLUTION: spec(0, 'number'),
  MIN_TIMESTAMP_LAG: spec(0, 'number'),
  LINE_RECEIVER_INTERFACE: spec('0.0.0.0', 'interface'),
  LINE_RECEIVER_PORT: spec(2003, 'port'),
  ENABLE_UDP_LISTENER: spec(false, 'bool'),
  UDP_RECEIVER_INTERFACE: spec('0.0.0.0', 'interface'),
  UDP_RECEIVER_PORT: spec(2003, 'port'),
  PICKLE_RECEIVER_INTERFACE: spec('0.0.0.0', 'interface'),
  PICKLE_RECEIVER_PORT: spec(2004, 'port'),
  MAX_RECEIVER_CONNECTIONS: spec(INF, 'number'),
  CACHE_QUERY_INTERFACE: spec('0.0.0.0', 'interface'),
  CACHE_QUERY_PORT: spec(7002, 'port'),
  LOG_UPDATES: spec(true, 'bool'),
  LOG_CREATES: spec(true, 'bool'),
  LOG_CACHE_HITS: spec(true, 'bool'),
  LOG_CACHE_QUEUE_SORTS: spec(true, 'bool'),
  DATABASE: spec('whisper', 'choice', { choices: ['whisper', 'ceres'] }),
  WHISPER_AUTOFLUSH: spec(false, 'bool'),
  WHISPER_SPARSE_CREATE: spec(false, 'bool'),
  WHISPER_FALLOCATE_CREATE: spec(false, 'bool'),
  WHISPER_LOCK_WRITES: spec(false, 'bool'),
  WHISPER_FADVISE_RANDOM: spec(false, 'bool'),
  CERES_MAX_SLICE_GAP: spec(80, 'number'),
  CERES_NODE_CACHING_BEHAVIOR: spec('all', 'str'),
  CERES_SLICE_CACHING_BEHAVIOR: spec('latest', 'str'),
  CERES_LOCK_WRITES: spec(false, 'bool'),
  MAX_DATAPOINTS_PER_MESSAGE: spec(500, 'number', { programs: RELAY }),
  MAX_AGGREGATION_INTERVALS: spec(5, 'number', { programs: ['aggregator'] }),
  FORWARD_ALL: spec(true, 'bool', { programs: ['aggregator'] }),
  MAX_QUEUE_SIZE: spec(1000, 'number', { programs: RELAY }),
  QUEUE_LOW_WATERMARK_PCT: spec(0.8, 'number', { programs: RELAY }),
  TIME_TO_DEFER_SENDING: spec(0.0001, 'number', { programs: RELAY }),
  ENABLE_AMQP: spec(false, 'bool'),
  AMQP_METRIC_NAME_IN_BODY: spec(false, 'bool'),
  AMQP_VERBOSE: spec(false, 'bool'),
  AMQP_SPEC: spec(null, 'path'),
  BIND_PATTERNS: spec(['#'], 'list'),
  GRAPHITE_URL: spec('http://127.0.0.1:80', 'str'),
  ENABLE_TAGS: spec(true, 'bool'),
  TAG_UPDATE_INTERVAL: spec(100, 'number'),
  TAG_BATCH_SIZE: spec(100, 'number'),
  TAG_QUEUE_SIZE: spec(10000, 'number'),
  TAG_HASH_FILENAMES: spec(true, 'bool'),
  TAG_RELAY_NORMALIZED: spec(false, 'bool', { programs: RELAY }),
  ENABLE_MANHOLE: spec(false, 'bool'),
  MANHOLE_INTERFACE: spec('127.0.0.1', 'interface'),
  MANHOLE_PORT: spec(7222, 'port'),
  MANHOLE_USER: spec('', 'str'),
  MANHOLE_PUBLIC_KEY: spec('', 'str'),
  MANHOLE_HOST_KEY_DIR: spec('', 'path'),
  RELAY_METHOD: spec('rules', 'choice', {
    choices: [
      'rules',
      'consistent-hashing',
      'aggregated-consistent-hashing',
      'fast-hashing',
      'fast-aggregated-hashing',
    ],
    programs: RELAY,
  }),
  DYNAMIC_ROUTER: spec(false, 'bool', { programs: RELAY }),
  DYNAMIC_ROUTER_MAX_RETRIES: spec(5, 'number', { programs: RELAY }),
  ROUTER_HASH_TYPE: spec(null, 'str', { programs: RELAY }),
  REPLICATION_FACTOR: spec(1, 'number', { programs: RELAY }),
  DIVERSE_REPLICAS: spec(true, 'bool', { programs: RELAY }),
  DESTINATIONS: spec([], 'list', { programs: RELAY }),
  DESTINATION_PROTOCOL: spec('pickle', 'str', { programs: RELAY }),
  DESTINATION_TRANSPORT: spec('none', 'str', { programs: RELAY }),
  DESTINATION_SSL_CA: spec(null, 'path', { programs: RELAY }),
  DESTINATION_POOL_REPLICAS: spec(false, 'bool', { programs: RELAY }),
  USE_FLOW_CONTROL: spec(true, 'bool'),
  USE_INSECURE_UNPICKLER: spec(false, 'bool'),
  USE_WHITELIST: spec(false, 'bool'),
  CARBON_METRIC_PREFIX: spec('carbon', 'str'),
  CARBON_METRIC_INTERVAL: spec(60, 'number'),
  CACHE_WRITE_STRATEGY: spec('sorted', 'choice', { choices: ['sorted', 'max', 'naive', 'timesorted'] }),
  WRITE_BACK_FREQUENCY: spec(null, 'number', { programs: ['aggregator'] }),
  MIN_RESET_STAT_FLOW: spec(1000, 'number', { programs: RELAY }),
  MIN_RESET_RATIO: spec(0.9, 'number', { programs: RELAY }),
  MIN_RESET_INTERVAL: spec(121, 'number', { programs: RELAY }),
  TCP_KEEPALIVE: spec(true, 'bool'),
  TCP_KEEPIDLE: spec(10, 'number'),
  TCP_KEEPINTVL: spec(30, 'number'),
  TCP_KEEPCNT: spec(2, 'number'),
  USE_RATIO_RESET: spec(false, 'bool', { programs: RELAY }),
  LOG_LISTENER_CONN_SUCCESS: spec(true, 'bool'),
  LOG_AGGREGATOR_MISSES: spec(true, 'bool', { programs: ['aggregator'] }),
  AGGREGATION_RULES: spec('aggregation-rules.conf', 'path', { programs: RELAY }),
  REWRITE_RULES: spec('rewrite-rules.conf', 'path', { programs: ['aggregator'] }),
  RELAY_RULES: spec('relay-rules.conf', 'path', { programs: ['relay'] }),
  ENABLE_LOGROTATION: spec(true, 'bool'),
  METRIC_CLIENT_IDLE_TIMEOUT: spec(null, 'number'),
  CACHE_METRIC_NAMES_MAX: spec(0, 'number'),
  CACHE_METRIC_NAMES_TTL: spec(0, 'number'),
  RAVEN_DSN: spec(null, 'str'),
  PICKLE_RECEIVER_MAX_LENGTH: spec(2 ** 20, 'number'),
}

/**
 * Keys carbon reads that are not in `defaults`: the directories read_config derives, and keys the
 * code looks up by name (receiver plugins, AMQP, shutdown rate, the overwritten watermark).
 */
export const CARBON_EXTRA_KEYS: Readonly<Record<string, SettingKind>> = {
  STORAGE_DIR: 'path',
  LOCAL_DATA_DIR: 'path',
  CONF_DIR: 'path',
  LOG_DIR: 'path',
  PID_DIR: 'path',
  WHITELISTS_DIR: 'path',
  MAX_UPDATES_PER_SECOND_ON_SHUTDOWN: 'number',
  CACHE_SIZE_LOW_WATERMARK: 'number',
  PROTOBUF_RECEIVER_INTERFACE: 'interface',
  PROTOBUF_RECEIVER_PORT: 'port',
  AMQP_HOST: 'str',
  AMQP_PORT: 'port',
  AMQP_USER: 'str',
  AMQP_PASSWORD: 'str',
  AMQP_VHOST: 'str',
  AMQP_EXCHANGE: 'str',
}

/** Every key carbon reads, upper-case. */
export const KNOWN_CARBON_KEYS: readonly string[] = [
  ...Object.keys(CARBON_DEFAULTS),
  ...Object.keys(CARBON_EXTRA_KEYS),
]

export function settingKind(key: string): SettingKind | undefined {
  return CARBON_DEFAULTS[key]?.kind ?? CARBON_EXTRA_KEYS[key]
}

export interface SettingSource {
  file: string
  line: number
  section: string
}

export interface Setting {
  value: SettingValue
  type: PyType
  /** Where the value was set; absent for code defaults and derived directories. */
  source?: SettingSource
}

export interface CarbonConf {
  file: string
  doc: IniDocument
}

export function parseCarbonConf(text: string, file: string): CarbonConf {
  return { file, doc: scanIni(text) }
}

const BOOLEAN_STATES: Record<string, boolean> = {
  '1': true,
  yes: true,
  true: true,
  on: true,
  '0': false,
  no: false,
  false: false,
  off: false,
}

export type Coerced = { ok: true; value: SettingValue; type: PyType } | { ok: false; message: string }

/**
 * Settings.readFrom's coercion of one value (already interpolated), by the type of the key's default.
 * The only failure is getboolean's ValueError.
 */
export function coerceSetting(key: string, text: string): Coerced {
  const type = CARBON_DEFAULTS[key]?.type ?? 'str'
  if (type === 'list') return { ok: true, value: text.split(',').map(pyStrip), type: 'list' }
  if (type === 'bool') {
    const state = BOOLEAN_STATES[text.toLowerCase()]
    if (state === undefined) return { ok: false, message: `Not a boolean: ${text}` }
    return { ok: true, value: state, type: 'bool' }
  }
  const stripped = pyStrip(text)
  const integer = parsePythonInt(stripped)
  if (integer !== undefined) return { ok: true, value: integer, type: 'int' }
  const float = parsePythonFloat(stripped)
  if (float !== undefined) return { ok: true, value: float, type: 'float' }
  return { ok: true, value: text, type: 'str' }
}

export interface ResolveOptions {
  program?: Program
  /** carbon's --instance: `a` by default; null reads no instance section. */
  instance?: string | null
  /** Where carbon.conf is (read_config sets CONF_DIR to its directory). */
  configPath: string
  /** GRAPHITE_ROOT, GRAPHITE_CONF_DIR, GRAPHITE_STORAGE_DIR and HOME, as carbon's scripts see them. */
  env?: Readonly<Record<string, string | undefined>>
  /** The home directory of `~user` paths (Python asks the password database). */
  homeOf?: (user: string) => string | undefined
}

/** carbon's scripts set GRAPHITE_ROOT to the directory above their bin/; upstream installs in /opt/graphite. */
export const DEFAULT_GRAPHITE_ROOT = '/opt/graphite'

export interface ResolvedSettings {
  program: Program
  instance: string | null
  settings: Record<string, Setting>
  /** Why carbon would refuse to start with this file (the first error it raises), or null. */
  failure: { line: number; message: string } | null
}

function readSection(
  conf: CarbonConf,
  section: string,
  settings: Record<string, Setting>,
): { line: number; message: string } | null {
  const { doc } = conf
  if (!findSection(doc, section)) return null
  const items = sectionItems(doc, section)
  if (items.error) {
    return { line: items.errorKey!.line, message: `[${section}] ${items.error.key}: ${items.error.message}` }
  }
  for (const { key, value } of items.values) {
    const name = key.name.toUpperCase()
    const coerced = coerceSetting(name, value)
    if (!coerced.ok) return { line: key.line, message: `[${section}] ${name}: ${coerced.message}` }
    settings[name] = { value: coerced.value, type: coerced.type, source: sourceOf(conf, section, key) }
  }
  return null
}

function sourceOf(conf: CarbonConf, section: string, key: IniKey): SettingSource {
  const inSection = findSection(conf.doc, section)?.keys.get(key.name) === key
  return { file: conf.file, line: key.line, section: inSection ? section : 'DEFAULT' }
}

function str(value: string): Setting {
  return { value, type: 'str' }
}

/**
 * The settings carbon-<program> runs with: read_config, then postOptions' normpath(expanduser()) of
 * the directories. `conf` null means no carbon.conf (carbon itself refuses to start; carbonkit uses
 * the defaults).
 */
export function resolveCarbonSettings(conf: CarbonConf | null, options: ResolveOptions): ResolvedSettings {
  const program = options.program ?? 'cache'
  const instance = options.instance === undefined ? 'a' : options.instance
  const env = options.env ?? {}
  const programName = `carbon-${program}`
  const settings: Record<string, Setting> = {}
  for (const [key, s] of Object.entries(CARBON_DEFAULTS)) settings[key] = { value: s.default, type: s.type }
  const fail = (failure: { line: number; message: string }): ResolvedSettings => ({
    program,
    instance,
    settings,
    failure,
  })

  const root = env.GRAPHITE_ROOT ?? DEFAULT_GRAPHITE_ROOT
  settings.CONF_DIR = str(pyDirname(pyNormpath(options.configPath)))
  settings.STORAGE_DIR = str(env.GRAPHITE_STORAGE_DIR ?? pyJoin(root, 'storage'))

  const setDefault = (key: string, make: () => Setting | null): boolean => {
    if (settings[key] !== undefined) return true
    const value = make()
    if (value === null) return false
    settings[key] = value
    return true
  }
  const storageDir = (): string | null => {
    const v = settings.STORAGE_DIR!.value
    return typeof v === 'string' ? v : null
  }
  const deps = (): { line: number; message: string } | null => {
    // Python evaluates join(STORAGE_DIR, ...) even for keys already set.
    const base = storageDir()
    if (base === null) return typeError('STORAGE_DIR', settings.STORAGE_DIR!)
    setDefault('PID_DIR', () => str(base!))
    setDefault('LOG_DIR', () => str(pyJoin(base!, 'log', programName)))
    setDefault('LOCAL_DATA_DIR', () => str(pyJoin(base!, 'whisper')))
    setDefault('WHITELISTS_DIR', () => str(pyJoin(base!, 'lists')))
    return null
  }

  if (conf !== null) {
    if (conf.doc.fatal) return fail({ line: conf.doc.fatal.line, message: conf.doc.fatal.message })
    const failure = readSection(conf, program, settings)
    if (failure) return fail(failure)
  }
  settings.instance = instance === null ? { value: null, type: 'NoneType' } : str(instance)
  const first = deps()
  if (first) return fail(first)
  if (instance) {
    if (conf !== null) {
      const failure = readSection(conf, `${program}:${instance}`, settings)
      if (failure) return fail(failure)
    }
    const pidDir = settings.PID_DIR!.value
    const logDir = settings.LOG_DIR!.value
    if (typeof pidDir !== 'string') return fail(typeError('PID_DIR', settings.PID_DIR!))
    if (typeof logDir !== 'string') return fail(typeError('LOG_DIR', settings.LOG_DIR!))
    settings.pidfile = str(pyJoin(pidDir, `${programName}-${instance}.pid`))
    settings.LOG_DIR = { ...settings.LOG_DIR!, value: pyJoin(logDir, `${programName}-${instance}`) }
  } else {
    const pidDir = settings.PID_DIR!.value
    if (typeof pidDir !== 'string') return fail(typeError('PID_DIR', settings.PID_DIR!))
    settings.pidfile = str(pyJoin(pidDir, `${programName}.pid`))
  }
  const second = deps()
  if (second) return fail(second)
  for (const key of ['STORAGE_DIR', 'LOCAL_DATA_DIR', 'WHITELISTS_DIR', 'PID_DIR', 'LOG_DIR', 'pidfile']) {
    const setting = settings[key]!
    if (typeof setting.value !== 'string') return fail(typeError(key, setting))
    settings[key] = { ...setting, value: pyNormpath(pyExpanduser(setting.value, env.HOME, options.homeOf)) }
  }
  return { program, instance, settings, failure: null }
}

function typeError(key: string, setting: Setting): { line: number; message: string } {
  return {
    line: setting.source?.line ?? 0,
    message: `${key} is the ${setting.type} ${JSON.stringify(setting.value)}, not a path: carbon fails with a TypeError`,
  }
}

/** Instances with a section of their own for this program: `[cache:b]` gives b. */
export function instancesOf(conf: CarbonConf, program: Program): string[] {
  const out: string[] = []
  for (const section of conf.doc.sections) {
    if (section.name.startsWith(`${program}:`)) out.push(section.name.slice(program.length + 1))
  }
  return out
}
