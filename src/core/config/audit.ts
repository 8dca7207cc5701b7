// wsp audit: every whisper file under a directory compared with what carbon's configuration says it
// should be (the schema's archives, the aggregation rule's xFilesFactor and method). The metric name
// of a file is its path under the data directory, dots for slashes, as carbon-cache derives the path
// from the name; unhashed tagged files decode back to their names, hashed ones cannot (their name is
// a sha256) and are reported as such. Applying the drift is done by resize and set-aggregation.
//
// Invariants: a name is derived only when the data directory is known (the audited directory is
// under LOCAL_DATA_DIR, or under an explicit root), because a wrong name picks a wrong schema and a
// resize to it discards data. Every change says how many points it discards, per file, before and
// after; a change that discards points is applied only when asked (allowLoss), decided under the
// file's lock by resize itself, so the count that gates it is the count of what it would do.

import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, CoreError, InvalidArgumentError } from '../errors.js'
import type { FileReport } from '../tree/report.js'
import { SCHEMA_VERSION } from '../tree/report.js'
import type { Outcome, Task, TaskResult } from '../tree/tasks.js'
import type { WalkedFile } from '../tree/walk.js'
import { findWhisperFiles } from '../tree/walk.js'
import { readInfo } from '../whisper/info.js'
import type { ResizeResult } from '../whisper/resize.js'
import type { LostPoints } from '../whisper/resize-plan.js'
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

/**
 * What audit found for one file (and did about it). The file's `ok`: it is as configured, or was
 * made so now; its `error`: the change failed.
 */
export interface AuditResult {
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
  /** What was done (or, in a dry run, would be done) about the drift: set by settleAudit. */
  change?: AuditChange
}

export type AuditFile = FileReport<AuditResult> & { result: AuditResult }

/**
 * The change of one differing file. `planned`: a dry run; `done`: applied; `refused`: not applied
 * because it would discard points and loss was not allowed; `failed`: the file could not be changed.
 */
export interface AuditChange {
  kind: 'resize' | 'set-aggregation'
  status: 'planned' | 'done' | 'refused' | 'failed'
  /** The points the change discards (would discard, for planned and refused), and why. */
  lost: LostPoints
  /** The points it keeps only inside aggregates of a coarser archive (their own values gone). */
  merged: number
  /** The old file kept beside the new one (resize without --nobackup). */
  backup?: string
}

export interface AuditReport {
  schemaVersion: typeof SCHEMA_VERSION
  dir: string
  /** The directory metric names are relative to: LOCAL_DATA_DIR, or the root given. */
  root: string
  /** Where the root comes from. */
  rootFrom: 'LOCAL_DATA_DIR' | 'option'
  configDir: string | null
  /** Whether the changes were applied (false: a dry run), and changes that discard points were allowed (set by settleAudit). */
  applied: boolean
  allowLoss: boolean
  files: AuditFile[]
  summary: {
    files: number
    clean: number
    drifted: number
    unreadable: number
    byKind: Record<DriftKind, number>
    /** Counts of the changes, set by settleAudit: files changed now, refused, failed. */
    changed: number
    refused: number
    failed: number
    /** Files whose change discards points (lost, or merged into coarser aggregates), and how many points in all (would, in a dry run). */
    lossy: number
    pointsLost: number
    pointsMerged: number
    /** Backups (`<file>.bak`) left beside the changed files. */
    backups: number
  }
}

const NO_LOSS: LostPoints = { points: 0, byCause: { retention: 0, resolution: 0, xFilesFactor: 0 } }

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

/** The file's entry: ok when it is as configured. */
function auditFile(file: WalkedFile, underRoot: string, root: string, set: ConfigSet): AuditFile {
  const result = compareFile(file, underRoot, root, set)
  return { path: file.path, ok: result.drift.length === 0 && result.problem === undefined, result }
}

function compareFile(file: WalkedFile, underRoot: string, root: string, set: ConfigSet): AuditResult {
  const metric = metricNameOf(underRoot, root)
  if (metric === null) {
    return {
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
  const entry: AuditResult = {
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

/** `child` relative to `parent`, or undefined when it is not under it. */
function within(parent: string, child: string): string | undefined {
  const relative = path.relative(parent, child)
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined
  return relative
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p)
  } catch {
    return path.resolve(p)
  }
}

/** Where `dir` lies under `root`, as written or once symlinks are resolved (a mounted volume). */
function placeUnder(root: string, dir: string): string | undefined {
  return within(path.resolve(root), path.resolve(dir)) ?? within(realPath(root), realPath(dir))
}

/**
 * The root metric names are derived from, and where `dir` lies under it.
 * @throws InvalidArgumentError when `dir` is under neither the root given nor LOCAL_DATA_DIR
 */
function resolveRoot(
  dir: string,
  set: ConfigSet,
  root: string | undefined,
): { root: string; rootFrom: AuditReport['rootFrom']; prefix: string } {
  if (root !== undefined) {
    const prefix = placeUnder(root, dir)
    if (prefix === undefined) {
      throw new InvalidArgumentError(
        `${dir} is not under --root ${root}: metric names are paths under the root; give the directory that holds the whole tree`,
      )
    }
    return { root, rootFrom: 'option', prefix }
  }
  const value = set.settings.settings.LOCAL_DATA_DIR?.value
  const dataDir = typeof value === 'string' ? value : ''
  const prefix = dataDir === '' ? undefined : placeUnder(dataDir, dir)
  if (prefix === undefined) {
    const from = set.carbonConf ? set.carbonConf.file : "carbon's default: no carbon.conf"
    throw new InvalidArgumentError(
      `${dir} is not under LOCAL_DATA_DIR ${dataDir || '(empty)'} (${from}), so the metric names of its files are unknown: pass --root DIR, the directory that holds the data carbon writes to LOCAL_DATA_DIR (e.g. a Docker volume's path on this host)`,
    )
  }
  return { root: dataDir, rootFrom: 'LOCAL_DATA_DIR', prefix }
}

/**
 * Audit every whisper file under `dir` against a configuration. Metric names are the files' paths
 * under LOCAL_DATA_DIR, or under `options.root` when given; `dir` must be under that directory.
 * @throws ConfigError when carbon would not start with it; NotFoundError for a missing directory;
 *   InvalidArgumentError when `dir` is not under the root, so that names cannot be derived
 */
export function audit(dir: string, set: ConfigSet, options: { root?: string } = {}): AuditReport {
  const failure = startupFailure(set)
  if (failure) {
    throw new ConfigError(
      failure.file,
      `carbon would not start: ${failure.message} (carbon lint lists every problem)`,
    )
  }
  const walked = findWhisperFiles([dir])
  const { root, rootFrom, prefix } = resolveRoot(dir, set, options.root)
  // Names come from where the file lies under the root, even when `dir` reaches it through a symlink.
  const files = walked.map((f) =>
    auditFile(f, path.join(root, prefix, path.relative(dir, f.path)), root, set),
  )
  const byKind = Object.fromEntries(
    DRIFT_KINDS.map((k) => [k, files.filter((f) => f.result.drift.includes(k)).length]),
  ) as Record<DriftKind, number>
  const unreadable = files.filter((f) => f.result.problem !== undefined).length
  const drifted = files.filter((f) => f.result.drift.length > 0).length
  return {
    schemaVersion: SCHEMA_VERSION,
    dir,
    root,
    rootFrom,
    configDir: set.dir,
    applied: false,
    allowLoss: false,
    files,
    summary: {
      files: files.length,
      clean: files.length - drifted - unreadable,
      drifted,
      unreadable,
      byKind,
      changed: 0,
      refused: 0,
      failed: 0,
      lossy: 0,
      pointsLost: 0,
      pointsMerged: 0,
      backups: 0,
    },
  }
}

export interface AuditPlanOptions {
  now: number
  /** Change the files (false: a dry run, which still computes what each change would discard). */
  apply: boolean
  /** Apply changes that discard points (false: such files are refused, and left as they are). */
  allowLoss: boolean
  /** Keep `<file>.bak` beside each resized file (resize's rule). */
  backup: boolean
}

export interface AuditPlan {
  /** The files to run a task on, in report order. */
  files: WalkedFile[]
  /** The task of each of them, by path. */
  tasks: Map<string, Task>
}

/**
 * The work that makes each differing file match its configuration: a resize when its archives differ
 * (which also sets the method and xFilesFactor), else a set-aggregation. A dry run plans the resizes
 * only, as dry runs, for the points they would discard (a set-aggregation discards nothing). Pure.
 */
export function planAudit(report: AuditReport, options: AuditPlanOptions): AuditPlan {
  const files: WalkedFile[] = []
  const tasks = new Map<string, Task>()
  for (const { path: file, result: entry } of report.files) {
    if (entry.drift.length === 0 || !entry.expected) continue
    const { archives, xFilesFactor, aggregationMethod } = entry.expected
    let task: Task
    if (entry.drift.includes('retentions')) {
      task = {
        kind: 'resize',
        path: file,
        archives,
        options: {
          xFilesFactor,
          aggregationMethod,
          backup: options.backup,
          allowLoss: options.allowLoss,
          dryRun: !options.apply,
          now: options.now,
        },
      }
    } else if (options.apply) {
      task = { kind: 'set-aggregation', path: file, aggregationMethod, xFilesFactor, options: {} }
    } else {
      continue
    }
    files.push({ path: file, root: report.dir })
    tasks.set(file, task)
  }
  return { files, tasks }
}

/**
 * The report with what the planned tasks did (or would do) to each differing file, and the summary's
 * counts of changes, refusals, failures, points lost and backups left. Pure.
 */
export function settleAudit(
  report: AuditReport,
  plan: AuditPlan,
  outcomes: readonly Outcome<TaskResult>[],
  options: { applied: boolean; allowLoss: boolean },
): AuditReport {
  const { applied, allowLoss } = options
  const byPath = new Map(outcomes.map((o) => [o.path, o]))
  const files = report.files.map((file): AuditFile => {
    const entry = file.result
    if (entry.drift.length === 0 || !entry.expected) return file
    const kind = entry.drift.includes('retentions') ? 'resize' : 'set-aggregation'
    const settled = (change: AuditChange, error?: FileReport<unknown>['error']): AuditFile => ({
      path: file.path,
      ok: change.status === 'done',
      ...(error ? { error } : {}),
      result: { ...entry, change },
    })
    const outcome = plan.tasks.has(file.path) ? byPath.get(file.path) : undefined
    if (!outcome) return settled({ kind, status: 'planned', lost: NO_LOSS, merged: 0 })
    if (!outcome.ok) {
      const { code = 'ERR_INVALID_ARGUMENT', message } = outcome.error
      return settled({ kind, status: 'failed', lost: NO_LOSS, merged: 0 }, { code, message })
    }
    if (plan.tasks.get(file.path)!.kind !== 'resize')
      return settled({ kind, status: 'done', lost: NO_LOSS, merged: 0 })
    const result = outcome.result as ResizeResult
    const status = result.refused ? 'refused' : result.dryRun ? 'planned' : 'done'
    const change: AuditChange = { kind, status, lost: result.lost, merged: result.merged }
    if (result.backup !== undefined) change.backup = result.backup
    return settled(change)
  })
  const changes = files.flatMap((f) => (f.result.change ? [f.result.change] : []))
  const count = (status: AuditChange['status']): number => changes.filter((c) => c.status === status).length
  // Discarded by a change that was done (or, in a dry run, would be done): not by one refused.
  const losing = changes.filter(
    (c) => (c.lost.points > 0 || c.merged > 0) && (applied ? c.status === 'done' : c.status === 'planned'),
  )
  return {
    ...report,
    applied,
    allowLoss,
    files,
    summary: {
      ...report.summary,
      changed: count('done'),
      refused: count('refused'),
      failed: count('failed'),
      lossy: losing.length,
      pointsLost: losing.reduce((sum, c) => sum + c.lost.points, 0),
      pointsMerged: losing.reduce((sum, c) => sum + c.merged, 0),
      backups: changes.filter((c) => c.backup !== undefined).length,
    },
  }
}
