// Rules on carbon.conf: unknown or misspelt keys, values carbon cannot coerce or use, and the cache
// settings that together drop or delay data.

import type { CarbonConf, Program, ResolvedSettings, Setting } from '../carbon-conf.js'
import {
  CARBON_DEFAULTS,
  KNOWN_CARBON_KEYS,
  PROGRAMS,
  coerceSetting,
  instancesOf,
  resolveCarbonSettings,
  settingKind,
} from '../carbon-conf.js'
import type { ConfigFileText } from '../config-set.js'
import type { IniKey } from '../ini-lines.js'
import { findSection, interpolate } from '../ini-lines.js'
import type { ConfigSet } from '../match.js'
import type { Collector } from './rule-table.js'
import { INLINE_COMMENT, describeValue, didYouMeanKey, referencedKeys } from './helpers.js'
import { lintIniStructure, lintInterpolation } from './ini-rules.js'

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
    const suggestion = didYouMeanKey(name, KNOWN_CARBON_KEYS)
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
        const close = lower ? undefined : didYouMeanKey(String(coerced.value), spec.choices)
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

export function lintCarbonConf(out: Collector, file: ConfigFileText, conf: CarbonConf, set: ConfigSet): void {
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
