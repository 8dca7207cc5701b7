// What a tree command (resize, fill, check, set-aggregation, set-xff, audit) returns: one typed report
// per run, which the human output renders and --json prints as it is. The contract:
//
//   Report     = { schemaVersion: 1, <the command's own fields>, files: FileReport[], summary }
//   FileReport = { path, ok, error?: { code, message }, result? }
//
// `ok` has one meaning for every tree command: true when the file needs nothing more, because the
// command did its work on it and found nothing wrong. false with `error`: the command could not do
// its work on the file (the exit status is that error's, as for a single file). false without
// `error`: the answer for this file is "no" (check: corrupt; audit: it differs from its
// configuration and was not changed, or could not be compared). `result` is what the command found or did,
// present whenever it got that far (the check of a corrupt file has one). A file's path is given
// once, in `path`; run timings are not part of the report.

import type { CheckResult } from '../whisper/check.js'
import type { FillResult } from '../whisper/fill.js'
import type { ResizeResult } from '../whisper/resize.js'
import type { AggregationChange } from '../whisper/set-aggregation.js'
import type { Outcome } from './tasks.js'

/** The version of every tree command's report; a change that breaks a reader raises it. */
export const SCHEMA_VERSION = 1

export interface FileError {
  /** The stable ERR_* code (errors.ts), which decides the exit status. */
  code: string
  message: string
}

export interface FileReport<R> {
  path: string
  ok: boolean
  error?: FileError
  result?: R
}

export interface TreeSummary {
  /** Files the command ran on. */
  files: number
  /** Files it could not do its work on (those with an `error`). */
  failed: number
}

export interface TreeReport<R, S extends object = object> {
  schemaVersion: typeof SCHEMA_VERSION
  files: FileReport<R>[]
  summary: TreeSummary & S
}

/**
 * A file's entry from its outcome: `result` maps the operation's result into the report (dropping
 * what the entry already says), `ok` judges it (default: every result is ok).
 */
export function fileReport<T, R>(
  outcome: Outcome<T>,
  result: (value: T) => R,
  ok: (value: T) => boolean = () => true,
): FileReport<R> {
  if (!outcome.ok) {
    const { code = 'ERR_INVALID_ARGUMENT', message } = outcome.error
    return { path: outcome.path, ok: false, error: { code, message } }
  }
  return { path: outcome.path, ok: ok(outcome.result), result: result(outcome.result) }
}

function summary<R, S extends object>(files: readonly FileReport<R>[], own: S): TreeSummary & S {
  return { files: files.length, failed: files.filter((f) => f.error !== undefined).length, ...own }
}

function results<R>(files: readonly FileReport<R>[]): R[] {
  return files.flatMap((f) => (f.result === undefined ? [] : [f.result]))
}

function sum<R>(items: readonly R[], value: (item: R) => number): number {
  return items.reduce((total, item) => total + value(item), 0)
}

export type ResizeFileResult = Omit<ResizeResult, 'path' | 'target' | 'dryRun'> & {
  /** Where the result was written, when not over the file itself (--newfile). */
  newFile?: string
}

export interface ResizeReport extends TreeReport<
  ResizeFileResult,
  { changed: number; unchanged: number; pointsLost: number; pointsMerged: number }
> {
  /** Nothing was written: every result says what would be done. */
  dryRun: boolean
}

export function reportResize(
  outcomes: readonly Outcome<ResizeResult>[],
  options: { dryRun: boolean },
): ResizeReport {
  const files = outcomes.map((o) =>
    fileReport(o, ({ path, target, dryRun: _dryRun, ...rest }): ResizeFileResult =>
      target === path ? rest : { ...rest, newFile: target },
    ),
  )
  const done = results(files)
  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: options.dryRun,
    files,
    summary: summary(files, {
      changed: done.filter((r) => !r.unchanged).length,
      unchanged: done.filter((r) => r.unchanged).length,
      pointsLost: sum(done, (r) => r.lost.points),
      pointsMerged: sum(done, (r) => r.merged),
    }),
  }
}

/** The destination is the entry's path. */
export type FillFileResult = Omit<FillResult, 'destination'>

export interface FillReport extends TreeReport<
  FillFileResult,
  { filled: number; intervalsFilled: number; refused: number; unmatched: number }
> {
  /** Destination files with no source file at the same relative path: left alone. */
  unmatched: string[]
}

export function reportFill(outcomes: readonly Outcome<FillResult>[], unmatched: string[]): FillReport {
  const files = outcomes.map((o) => fileReport(o, ({ destination: _destination, ...rest }) => rest))
  const done = results(files)
  return {
    schemaVersion: SCHEMA_VERSION,
    unmatched,
    files,
    summary: summary(files, {
      filled: done.filter((r) => r.filled > 0).length,
      intervalsFilled: sum(done, (r) => r.filled),
      refused: sum(done, (r) => r.refused),
      unmatched: unmatched.length,
    }),
  }
}

/** ok is the entry's: false for a corrupt file. */
export type CheckFileResult = Omit<CheckResult, 'path' | 'ok'> & {
  /** A corrupt file deleted by --delete. */
  deleted?: true
  /** Where --quarantine moved a corrupt file. */
  movedTo?: string
}

/** What was done with a corrupt file (dispose.ts). */
export type Disposal = { deleted: true } | { movedTo: string }

export type CheckReport = TreeReport<
  CheckFileResult,
  { corrupt: number; warned: number; points: number; deleted: number; quarantined: number }
>

export function reportCheck(
  outcomes: readonly Outcome<CheckResult>[],
  disposed: ReadonlyMap<string, Disposal> = new Map(),
): CheckReport {
  const files = outcomes.map((o) =>
    fileReport(
      o,
      ({ path, ok: _ok, ...rest }): CheckFileResult => ({ ...rest, ...disposed.get(path) }),
      (r) => r.ok,
    ),
  )
  const done = results(files)
  return {
    schemaVersion: SCHEMA_VERSION,
    files,
    summary: summary(files, {
      corrupt: files.filter((f) => !f.ok && f.error === undefined).length,
      warned: files.filter((f) => f.ok && f.result!.problems.length > 0).length,
      points: sum(done, (r) => r.stats.points),
      deleted: done.filter((r) => r.deleted).length,
      quarantined: done.filter((r) => r.movedTo !== undefined).length,
    }),
  }
}

/** The header fields before and after. */
export type AggregationFileResult = Omit<AggregationChange, 'path'>

export type AggregationReport = TreeReport<AggregationFileResult>

export function reportAggregation(outcomes: readonly Outcome<AggregationChange>[]): AggregationReport {
  const files = outcomes.map((o) => fileReport(o, ({ path: _path, ...rest }) => rest))
  return { schemaVersion: SCHEMA_VERSION, files, summary: summary(files, {}) }
}
