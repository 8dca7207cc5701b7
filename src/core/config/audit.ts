// wsp audit: every whisper file under a directory compared with what carbon's configuration says it
// should be (the schema's archives, the aggregation rule's xFilesFactor and method). The metric name
// of a file is its path under the data directory, dots for slashes, as carbon-cache derives the path
// from the name; unhashed tagged files decode back to their names, hashed ones cannot (their name is
// a sha256) and are reported as such. Applying the drift is done by resize and set-aggregation.

import path from 'node:path'
import { ConfigError, CoreError } from '../errors.js'
import type { Task } from '../tree/tasks.js'
import type { WalkedFile } from '../tree/walk.js'
import { findWhisperFiles } from '../tree/walk.js'
import { readInfo } from '../whisper/info.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import type { ConfigSet } from './match.js'
import { matchMetric, startupFailure } from './match.js'

export const DRIFT_KINDS = ['retentions', 'xFilesFactor', 'aggregationMethod'] as const
export type DriftKind = (typeof DRIFT_KINDS)[number]

export interface FileState {
  archives: ArchiveSpec[]
  xFilesFactor: number
  aggregationMethod: string
}

export interface AuditEntry {
  path: string
  /** The metric name the path stands for, or null when it cannot be told (hashed tagged file). */
  metric: string | null
  /** What is wrong with the file itself (unreadable, corrupt), or why it was not compared. */
  problem?: string
  /** Where the expectation comes from. */
  schema?: { section: string; file: string | null; line: number | null }
  aggregation?: { section: string | null; file: string | null; line: number | null }
  expected?: FileState
  actual?: FileState
  drift: DriftKind[]
}

export interface AuditReport {
  schemaVersion: 1
  dir: string
  /** The directory metric names are relative to (LOCAL_DATA_DIR when the audited directory is in it). */
  root: string
  configDir: string | null
  files: AuditEntry[]
  summary: {
    files: number
    clean: number
    drifted: number
    unreadable: number
    byKind: Record<DriftKind, number>
  }
}

/**
 * The metric name for a file under `root`, as carbon's TaggedSeries.decode reads a path: a plain
 * path is dots for slashes; `_tagged/xxx/yyy/<name with _DOT_>` is the name; a hashed tagged file
 * (64 hex digits) has none.
 */
export function metricNameOf(file: string, root: string): string | null {
  const relative = path
    .relative(root, file)
    .split(path.sep)
    .join('/')
    .replace(/\.wsp$/, '')
  if (relative.startsWith('_tagged/')) {
    const last = relative.split('/').slice(3).join('/')
    if (/^[0-9a-f]{64}$/.test(last)) return null
    return last.replaceAll('_DOT_', '.')
  }
  return relative.replaceAll('/', '.')
}

function sameArchives(a: readonly ArchiveSpec[], b: readonly ArchiveSpec[]): boolean {
  return a.length === b.length && a.every(([s, p], i) => b[i]![0] === s && b[i]![1] === p)
}

function auditFile(file: WalkedFile, root: string, set: ConfigSet): AuditEntry {
  const metric = metricNameOf(file.path, root)
  if (metric === null) {
    return {
      path: file.path,
      metric,
      problem: 'hashed tagged file: its metric name cannot be derived',
      drift: [],
    }
  }
  const match = matchMetric(metric, set)
  const expected: FileState = {
    archives: match.schema.archives.map((a) => [a.secondsPerPoint, a.points] as const),
    xFilesFactor: Math.fround(match.aggregation.xFilesFactor),
    aggregationMethod: match.aggregation.aggregationMethod,
  }
  const entry: AuditEntry = {
    path: file.path,
    metric,
    schema: { section: match.schema.section, file: match.schema.file, line: match.schema.line },
    aggregation: {
      section: match.aggregation.section,
      file: match.aggregation.file,
      line: match.aggregation.line,
    },
    expected,
    drift: [],
  }
  try {
    const info = readInfo(file.path)
    entry.actual = {
      archives: info.archives.map((a) => [a.secondsPerPoint, a.points] as const),
      xFilesFactor: info.xFilesFactor,
      aggregationMethod: info.aggregationMethod,
    }
  } catch (error) {
    if (!(error instanceof CoreError)) throw error
    entry.problem = error.message
    return entry
  }
  if (!sameArchives(entry.actual.archives, expected.archives)) entry.drift.push('retentions')
  if (entry.actual.xFilesFactor !== expected.xFilesFactor) entry.drift.push('xFilesFactor')
  if (entry.actual.aggregationMethod !== expected.aggregationMethod) entry.drift.push('aggregationMethod')
  return entry
}

/**
 * Audit every whisper file under `dir` against a configuration.
 * @throws ConfigError when carbon would not start with it; NotFoundError for a missing directory
 */
export function audit(dir: string, set: ConfigSet, options: { root?: string } = {}): AuditReport {
  const failure = startupFailure(set)
  if (failure) {
    throw new ConfigError(
      failure.file,
      `carbon would not start: ${failure.message} (carbon lint lists every problem)`,
    )
  }
  const dataDir =
    typeof set.settings.settings.LOCAL_DATA_DIR?.value === 'string'
      ? set.settings.settings.LOCAL_DATA_DIR.value
      : ''
  const inside = dataDir !== '' && !path.relative(dataDir, path.resolve(dir)).startsWith('..')
  const root = options.root ?? (inside ? dataDir : dir)
  const files = findWhisperFiles([dir]).map((f) => auditFile(f, root, set))
  const byKind = Object.fromEntries(
    DRIFT_KINDS.map((k) => [k, files.filter((f) => f.drift.includes(k)).length]),
  ) as Record<DriftKind, number>
  const unreadable = files.filter((f) => f.problem !== undefined).length
  const drifted = files.filter((f) => f.drift.length > 0).length
  return {
    schemaVersion: 1,
    dir,
    root,
    configDir: set.dir,
    files,
    summary: { files: files.length, clean: files.length - drifted - unreadable, drifted, unreadable, byKind },
  }
}

/**
 * The work that makes a file match its configuration: a resize when its archives differ (which also
 * sets the method and xFilesFactor), else a set-aggregation.
 */
export function applyTask(entry: AuditEntry, now: number): Task | undefined {
  if (entry.drift.length === 0 || !entry.expected) return undefined
  const { archives, xFilesFactor, aggregationMethod } = entry.expected
  if (entry.drift.includes('retentions')) {
    return {
      kind: 'resize',
      path: entry.path,
      archives,
      options: { xFilesFactor, aggregationMethod, backup: false, now },
    }
  }
  return { kind: 'set-aggregation', path: entry.path, aggregationMethod, xFilesFactor, options: {} }
}
