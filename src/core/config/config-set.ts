// A carbon configuration directory (carbon.conf, storage-schemas.conf, storage-aggregation.conf,
// whitelist.conf, blacklist.conf), or loose files, parsed into the ConfigSet that matching and linting
// use. parseConfigSet is pure; readConfigSet does the I/O.

import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, InvalidArgumentError, systemErrorCode } from '../errors.js'
import type { CarbonConf } from './carbon-conf.js'
import { parseCarbonConf, resolveCarbonSettings } from './carbon-conf.js'
import { decodeUtf8, scanIni } from './ini-lines.js'
import type { ConfigSet } from './match.js'
import { parseRegexList } from './regex-list.js'
import { parseStorageAggregation } from './storage-aggregation.js'
import { parseStorageSchemas } from './storage-schemas.js'

export const CONFIG_FILE_KINDS = [
  'carbon.conf',
  'storage-schemas.conf',
  'storage-aggregation.conf',
  'whitelist.conf',
  'blacklist.conf',
] as const
export type ConfigFileKind = (typeof CONFIG_FILE_KINDS)[number]

/** carbon's default configuration directory on Debian (upstream: $GRAPHITE_ROOT/conf). */
export const DEFAULT_CONFIG_DIR = '/etc/carbon'

export interface ConfigFileText {
  path: string
  kind: ConfigFileKind
  text: string
  /** The line of the first byte that is not UTF-8 (Python fails to read the file), or null. */
  invalidUtf8Line: number | null
}

export interface ParseSetOptions {
  /** The directory the files came from, when read as a directory. */
  dir?: string | null
  /** GRAPHITE_ROOT, GRAPHITE_STORAGE_DIR, HOME (for carbon.conf's derived directories). */
  env?: Readonly<Record<string, string | undefined>>
  homeOf?: (user: string) => string | undefined
  instance?: string | null
}

export interface ParsedConfigSet {
  set: ConfigSet
  files: ConfigFileText[]
}

/** Assemble a ConfigSet from file texts (at most one of each kind). Pure. */
export function parseConfigSet(
  files: readonly ConfigFileText[],
  options: ParseSetOptions = {},
): ParsedConfigSet {
  const byKind = new Map<ConfigFileKind, ConfigFileText>()
  for (const file of files) byKind.set(file.kind, file)
  const carbonFile = byKind.get('carbon.conf')
  const carbonConf: CarbonConf | null = carbonFile ? parseCarbonConf(carbonFile.text, carbonFile.path) : null
  const dir = options.dir ?? null
  const configPath = carbonFile?.path ?? path.join(dir ?? DEFAULT_CONFIG_DIR, 'carbon.conf')
  const settings = resolveCarbonSettings(carbonConf, {
    configPath,
    env: options.env,
    homeOf: options.homeOf,
    instance: options.instance,
  })
  const schemasFile = byKind.get('storage-schemas.conf')
  const aggregationFile = byKind.get('storage-aggregation.conf')
  const whitelistFile = byKind.get('whitelist.conf')
  const blacklistFile = byKind.get('blacklist.conf')
  return {
    set: {
      dir,
      carbonConf,
      settings,
      schemas: schemasFile ? parseStorageSchemas(schemasFile.text, schemasFile.path) : null,
      aggregation: aggregationFile
        ? parseStorageAggregation(aggregationFile.text, aggregationFile.path)
        : null,
      whitelist: whitelistFile ? parseRegexList(whitelistFile.text, whitelistFile.path) : null,
      blacklist: blacklistFile ? parseRegexList(blacklistFile.text, blacklistFile.path) : null,
    },
    files: [...files],
  }
}

/**
 * The kind of a carbon file: by its name (`storage-schemas.conf`, also with a suffix such as
 * `.example`), else by its content. Pure.
 */
export function kindOf(file: string, text: string): ConfigFileKind | null {
  const base = path.basename(file)
  for (const kind of CONFIG_FILE_KINDS) if (base === kind || base.startsWith(`${kind}.`)) return kind
  const doc = scanIni(text)
  const keys = new Set<string>()
  for (const section of doc.sections) for (const key of section.keys.keys()) keys.add(key)
  if (keys.has('retentions')) return 'storage-schemas.conf'
  if (keys.has('xfilesfactor') || keys.has('aggregationmethod')) return 'storage-aggregation.conf'
  if (doc.sections.some((s) => /^(cache|relay|aggregator)(:|$)/.test(s.name))) return 'carbon.conf'
  return null
}

function readText(file: string): { text: string; invalidUtf8Line: number | null } {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (error) {
    const code = systemErrorCode(error)
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file or directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot read (${code ?? (error as Error).message})`
    throw new ConfigError(file, why, { cause: error })
  }
  return decodeUtf8(bytes)
}

/**
 * Read the carbon files present in a directory.
 * @throws ConfigError when the directory or one of its files cannot be read, or holds none of them
 */
export function readConfigDir(dir: string, options: Omit<ParseSetOptions, 'dir'> = {}): ParsedConfigSet {
  let entries: string[]
  try {
    entries = fs.readdirSync(dir)
  } catch (error) {
    const code = systemErrorCode(error)
    throw new ConfigError(
      dir,
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'ENOTDIR'
          ? 'not a directory'
          : 'cannot read the directory',
      { cause: error },
    )
  }
  const files: ConfigFileText[] = []
  for (const kind of CONFIG_FILE_KINDS) {
    if (!entries.includes(kind)) continue
    const file = path.join(dir, kind)
    files.push({ path: file, kind, ...readText(file) })
  }
  if (files.length === 0) {
    throw new ConfigError(
      dir,
      `no carbon configuration files here (looked for ${CONFIG_FILE_KINDS.join(', ')})`,
    )
  }
  return parseConfigSet(files, { ...options, dir })
}

/**
 * Read named files, each as the kind its name (or content) says.
 * @throws ConfigError when a file cannot be read; InvalidArgumentError when its kind cannot be told
 */
export function readConfigFiles(
  paths: readonly string[],
  options: Omit<ParseSetOptions, 'dir'> = {},
): ParsedConfigSet {
  const files: ConfigFileText[] = []
  for (const file of paths) {
    const { text, invalidUtf8Line } = readText(file)
    const kind = kindOf(file, text)
    if (kind === null) {
      throw new InvalidArgumentError(
        `${file}: cannot tell which carbon file this is; name it ${CONFIG_FILE_KINDS.join(', ')}`,
      )
    }
    files.push({ path: file, kind, text, invalidUtf8Line })
  }
  return parseConfigSet(files, options)
}

/** Whether a path is a directory (for commands that take files or directories). */
export function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory()
  } catch {
    return false
  }
}
