// Where `carbon serve` gets its settings and rules. With --config, carbon.conf (its [cache] section
// and the chosen instance's, with carbon's semantics) and the storage-schemas.conf,
// storage-aggregation.conf, whitelist.conf and blacklist.conf beside it; the daemon refuses to start
// where carbon-cache would. Without it, embedded defaults. Command-line flags override either.
// A reload (SIGHUP) reads the same files again and is refused unless `carbon lint` finds no error.

import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { ParsedConfigSet } from '../config/config-set.js'
import { CONFIG_FILE_KINDS, parseConfigSet, readConfigFiles } from '../config/config-set.js'
import { lintConfigSet } from '../config/lint.js'
import type { ConfigSet } from '../config/match.js'
import { startupFailure } from '../config/match.js'
import type { DaemonSettings, SettingOverrides } from './daemon-settings.js'
import { applyOverrides, defaultSettings, settingsFromConfig } from './daemon-settings.js'

export interface ServeConfigOptions extends SettingOverrides {
  /** carbon.conf; its directory holds the other files. */
  config?: string
  cwd: string
  env?: Readonly<Record<string, string | undefined>>
}

export interface ServeConfig {
  settings: DaemonSettings
  config: ConfigSet
  /** Read the rules again; undefined when there is no configuration to read. */
  reload?: () => ConfigSet
  /** Problems carbon starts with anyway (rules it skips, for instance), as `file:line: message`. */
  warnings: string[]
}

function readSet(configFile: string, options: ServeConfigOptions): ParsedConfigSet {
  const dir = path.dirname(configFile)
  const siblings = CONFIG_FILE_KINDS.filter((kind) => kind !== 'carbon.conf')
    .map((kind) => path.join(dir, kind))
    .filter((file) => fs.existsSync(file))
  const parsed = readConfigFiles([configFile, ...siblings], {
    env: options.env,
    instance: options.instance ?? 'a',
  })
  if (!parsed.set.carbonConf)
    throw new ConfigError(configFile, 'not a carbon.conf (it has no [cache] section)')
  return { set: { ...parsed.set, dir }, files: parsed.files }
}

/** @throws ConfigError when carbon-cache would not start with this set */
function assertStarts(parsed: ParsedConfigSet): void {
  const failure = startupFailure(parsed.set)
  if (!failure) return
  const where = failure.line > 0 ? `line ${failure.line}: ` : ''
  throw new ConfigError(failure.file, `${where}carbon-cache would not start: ${failure.message}`)
}

/**
 * The daemon's settings and rules.
 * @throws ConfigError when the configuration cannot be read or carbon-cache would not start with it
 */
export function loadServeConfig(options: ServeConfigOptions): ServeConfig {
  if (options.config === undefined) {
    const { set } = parseConfigSet([], { env: options.env })
    return { settings: applyOverrides(defaultSettings(options.cwd), options), config: set, warnings: [] }
  }
  const configFile = path.resolve(options.cwd, options.config)
  const parsed = readSet(configFile, options)
  assertStarts(parsed)
  const warnings = lintConfigSet(parsed.set, parsed.files)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.file}:${d.line}: ${d.message}`)
  const settings = applyOverrides(settingsFromConfig(parsed.set, options.cwd), options)
  // carbon-cache would die with a traceback when it listens; here it is the configuration's error.
  const ports = {
    line: 'LINE_RECEIVER_PORT',
    udp: 'UDP_RECEIVER_PORT',
    pickle: 'PICKLE_RECEIVER_PORT',
    query: 'CACHE_QUERY_PORT',
  } as const
  for (const [listener, key] of Object.entries(ports)) {
    const port = settings[listener as keyof typeof ports].port
    if (port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new ConfigError(configFile, `${key} = ${port}: not a port number (0-65535)`)
  }
  const reload = (): ConfigSet => {
    const next = readSet(configFile, options)
    assertStarts(next)
    const error = lintConfigSet(next.set, next.files).diagnostics.find((d) => d.severity === 'error')
    if (error) throw new ConfigError(error.file, `line ${error.line}: ${error.message} (${error.rule})`)
    return next.set
  }
  return { settings, config: parsed.set, reload, warnings }
}
