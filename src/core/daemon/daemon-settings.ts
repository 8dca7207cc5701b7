// What `carbon serve` runs with: carbon-cache's [cache] settings read with carbon's semantics (a
// carbon.conf through the config readers), or embedded defaults when there is none: data in
// ./storage/whisper, carbon's built-in schema, listening on 127.0.0.1. Command-line overrides last.

import os from 'node:os'
import path from 'node:path'
import type { ResolvedSettings } from '../config/carbon-conf.js'
import type { ConfigSet } from '../config/match.js'
import type { WalSync } from './wal.js'
import { DEFAULT_WAL_MAX_BYTES } from './wal.js'

export const WRITE_STRATEGIES = ['sorted', 'max', 'naive', 'timesorted'] as const
export type WriteStrategy = (typeof WRITE_STRATEGIES)[number]

export interface Listener {
  interface: string
  /** 0 picks a free port (tests); null disables the listener. */
  port: number | null
}

export interface DaemonSettings {
  /** CARBON_METRIC_PREFIX.agents.<host>-<instance>. */
  instance: string
  storageDir: string
  dataDir: string
  line: Listener
  udp: Listener
  pickle: Listener
  query: Listener
  /** The HTTP read API (src/core/http); not a carbon.conf key. */
  http: Listener
  /** Points the cache holds before TCP receivers are paused (Infinity: never). */
  maxCacheSize: number
  maxUpdatesPerSecond: number
  maxUpdatesPerSecondOnShutdown: number | null
  maxCreatesPerMinute: number
  writeStrategy: WriteStrategy
  minTimestampLag: number
  minTimestampResolution: number
  sparseCreate: boolean
  fallocateCreate: boolean
  autoflush: boolean
  tagHashFilenames: boolean
  useWhitelist: boolean
  pickleMaxLength: number
  carbonMetricPrefix: string
  /** Seconds; 0 or less disables the self-metrics. */
  carbonMetricInterval: number
  maxReceiverConnections: number
  /** Writer threads. */
  writers: number
  /** Log each file created (LOG_CREATES). */
  logCreates: boolean
  /** The write-ahead log in <storageDir>/wal: off, its fsync policy, its size limit. */
  wal: { enabled: boolean; sync: WalSync; maxBytes: number }
}

export interface SettingOverrides {
  storageDir?: string
  linePort?: number
  picklePort?: number
  queryPort?: number
  udpPort?: number
  /** -1 turns the HTTP API off. */
  httpPort?: number
  httpInterface?: string
  udp?: boolean
  interface?: string
  writers?: number
  instance?: string
  /** false: --no-wal. */
  wal?: boolean
  walSync?: WalSync
  walMaxSize?: number
}

/**
 * Writer threads: each is a thread with its own V8 heap (about 5 MiB idle), and writes are bound by
 * the disk, so past a few per core more only cost memory and seeks (1000 used to start 1000 heaps,
 * 4.5 GB).
 */
export const MAX_WRITERS = 64

/**
 * The default number of writers: one per core, up to 4. On a 2-core machine 2 writers got a million
 * points on disk in 0.24x carbon-cache's time, 1 writer in 0.57x; past 4 the disk, not the CPU, is
 * what they wait for.
 */
export function defaultWriters(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores, 4))
}

/** The settings with no carbon.conf: carbon's code defaults, local paths, loopback listeners. */
export function defaultSettings(cwd: string): DaemonSettings {
  const storageDir = path.join(cwd, 'storage')
  return {
    instance: 'a',
    storageDir,
    dataDir: path.join(storageDir, 'whisper'),
    line: { interface: '127.0.0.1', port: 2003 },
    udp: { interface: '127.0.0.1', port: null },
    pickle: { interface: '127.0.0.1', port: 2004 },
    query: { interface: '127.0.0.1', port: 7002 },
    http: { interface: '127.0.0.1', port: 8080 },
    maxCacheSize: Infinity,
    maxUpdatesPerSecond: Infinity,
    maxUpdatesPerSecondOnShutdown: null,
    maxCreatesPerMinute: Infinity,
    writeStrategy: 'sorted',
    minTimestampLag: 0,
    minTimestampResolution: 0,
    sparseCreate: false,
    // As carbon.conf.example and Debian's carbon.conf set it: new files reserve their blocks with
    // posix_fallocate instead of writing every byte (the same bytes; a burst of new metrics is
    // bound by this).
    fallocateCreate: true,
    autoflush: false,
    tagHashFilenames: true,
    useWhitelist: false,
    pickleMaxLength: 1 << 20,
    carbonMetricPrefix: 'carbon',
    carbonMetricInterval: 60,
    maxReceiverConnections: Infinity,
    writers: defaultWriters(),
    logCreates: true,
    wal: { enabled: true, sync: 'interval', maxBytes: DEFAULT_WAL_MAX_BYTES },
  }
}

function num(settings: ResolvedSettings['settings'], key: string, fallback: number): number {
  const v = settings[key]?.value
  return typeof v === 'number' ? v : fallback
}

function bool(settings: ResolvedSettings['settings'], key: string, fallback: boolean): boolean {
  const v = settings[key]?.value
  return typeof v === 'boolean' ? v : fallback
}

function str(settings: ResolvedSettings['settings'], key: string, fallback: string): string {
  const v = settings[key]?.value
  return typeof v === 'string' ? v : fallback
}

function port(settings: ResolvedSettings['settings'], key: string, fallback: number): number | null {
  const p = num(settings, key, fallback)
  return p === 0 ? null : p
}

/** carbon-cache's settings from a configuration set (carbon.conf resolved with its instance). */
export function settingsFromConfig(set: ConfigSet, cwd: string): DaemonSettings {
  const base = defaultSettings(cwd)
  if (!set.carbonConf) return base
  const s = set.settings.settings
  const strategy = str(s, 'CACHE_WRITE_STRATEGY', 'sorted')
  const shutdownRate = s.MAX_UPDATES_PER_SECOND_ON_SHUTDOWN?.value
  return {
    ...base,
    instance: set.settings.instance ?? 'a',
    storageDir: str(s, 'STORAGE_DIR', base.storageDir),
    dataDir: str(s, 'LOCAL_DATA_DIR', base.dataDir),
    line: {
      interface: str(s, 'LINE_RECEIVER_INTERFACE', '0.0.0.0'),
      port: port(s, 'LINE_RECEIVER_PORT', 2003),
    },
    udp: {
      interface: str(s, 'UDP_RECEIVER_INTERFACE', '0.0.0.0'),
      port: bool(s, 'ENABLE_UDP_LISTENER', false) ? num(s, 'UDP_RECEIVER_PORT', 2003) : null,
    },
    pickle: {
      interface: str(s, 'PICKLE_RECEIVER_INTERFACE', '0.0.0.0'),
      port: port(s, 'PICKLE_RECEIVER_PORT', 2004),
    },
    // carbon binds an ephemeral port for CACHE_QUERY_PORT = 0 rather than disabling it.
    query: { interface: str(s, 'CACHE_QUERY_INTERFACE', '0.0.0.0'), port: num(s, 'CACHE_QUERY_PORT', 7002) },
    // Not a carbon.conf key: off unless asked for, so that a carbon-cache replaced in place does not
    // take the port of the graphite-web beside it (8080 in graphite's Docker image).
    http: { interface: '127.0.0.1', port: null },
    maxCacheSize: num(s, 'MAX_CACHE_SIZE', Infinity),
    maxUpdatesPerSecond: num(s, 'MAX_UPDATES_PER_SECOND', 500),
    maxUpdatesPerSecondOnShutdown: typeof shutdownRate === 'number' ? shutdownRate : null,
    maxCreatesPerMinute: num(s, 'MAX_CREATES_PER_MINUTE', Infinity),
    // carbon also takes `random` (an arbitrary order, like naive); anything else falls back to sorted.
    writeStrategy: (WRITE_STRATEGIES as readonly string[]).includes(strategy)
      ? (strategy as WriteStrategy)
      : strategy === 'random'
        ? 'naive'
        : 'sorted',
    minTimestampLag: num(s, 'MIN_TIMESTAMP_LAG', 0),
    minTimestampResolution: num(s, 'MIN_TIMESTAMP_RESOLUTION', 0),
    sparseCreate: bool(s, 'WHISPER_SPARSE_CREATE', false),
    fallocateCreate: bool(s, 'WHISPER_FALLOCATE_CREATE', false),
    autoflush: bool(s, 'WHISPER_AUTOFLUSH', false),
    tagHashFilenames: bool(s, 'TAG_HASH_FILENAMES', true),
    useWhitelist: bool(s, 'USE_WHITELIST', false),
    pickleMaxLength: num(s, 'PICKLE_RECEIVER_MAX_LENGTH', 1 << 20),
    carbonMetricPrefix: str(s, 'CARBON_METRIC_PREFIX', 'carbon'),
    carbonMetricInterval: num(s, 'CARBON_METRIC_INTERVAL', 60),
    maxReceiverConnections: num(s, 'MAX_RECEIVER_CONNECTIONS', Infinity),
    logCreates: bool(s, 'LOG_CREATES', true),
  }
}

/** Command-line flags over whatever the configuration says. */
export function applyOverrides(settings: DaemonSettings, overrides: SettingOverrides): DaemonSettings {
  const out = { ...settings }
  if (overrides.storageDir !== undefined) {
    out.storageDir = overrides.storageDir
    out.dataDir = path.join(overrides.storageDir, 'whisper')
  }
  if (overrides.interface !== undefined) {
    for (const key of ['line', 'udp', 'pickle', 'query'] as const)
      out[key] = { ...out[key], interface: overrides.interface }
  }
  if (overrides.linePort !== undefined) out.line = { ...out.line, port: overrides.linePort }
  if (overrides.picklePort !== undefined) out.pickle = { ...out.pickle, port: overrides.picklePort }
  if (overrides.queryPort !== undefined) out.query = { ...out.query, port: overrides.queryPort }
  if (overrides.udp || overrides.udpPort !== undefined) {
    out.udp = { ...out.udp, port: overrides.udpPort ?? out.line.port ?? 2003 }
  }
  if (overrides.httpPort !== undefined)
    out.http = { ...out.http, port: overrides.httpPort < 0 ? null : overrides.httpPort }
  if (overrides.httpInterface !== undefined)
    out.http = {
      interface: overrides.httpInterface,
      port: out.http.port ?? (overrides.httpPort === undefined ? 8080 : null),
    }
  if (overrides.writers !== undefined) out.writers = Math.max(1, Math.min(MAX_WRITERS, overrides.writers))
  if (overrides.instance !== undefined) out.instance = overrides.instance
  out.wal = {
    enabled: overrides.wal ?? out.wal.enabled,
    sync: overrides.walSync ?? out.wal.sync,
    maxBytes: overrides.walMaxSize ?? out.wal.maxBytes,
  }
  return out
}
