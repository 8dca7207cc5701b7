// The one runner of the tree commands (resize, fill, check, set-aggregation, set-xff, audit): find the
// files, run a task on each on both cores (through the bundled worker script when it is there) with
// progress on stderr and SIGINT/SIGTERM stopping between files, have core sum the outcomes up in a
// report, print it (rendered, or as JSON), and turn it into the exit status. A command brings the
// pieces that differ: its files, its task, its report and its rendering.

import fs from 'node:fs'
import { AbortedError, CoreError } from '../../core/errors.js'
import { plural } from '../../core/format/plural.js'
import type { PoolOptions } from '../../core/tree/pool.js'
import { RunAbortedError, runTasks } from '../../core/tree/pool.js'
import type { FileReport, TreeReport } from '../../core/tree/report.js'
import type { Outcome, Task } from '../../core/tree/tasks.js'
import type { WalkedFile } from '../../core/tree/walk.js'
import { findWhisperFiles } from '../../core/tree/walk.js'
import type { Context } from './context.js'
import { emit } from './output.js'
import { startProgress } from './progress.js'
import { NegativeAnswer } from './run.js'
import { claimStopSignals } from './signals.js'

/** How the run went, for people (files per second): not part of the report. */
export interface RunTiming {
  seconds: number
}

export interface TreeCommand<T, R extends TreeReport<unknown>> {
  /** The word of the progress line and of the interruption message. */
  label: string
  /** The files to work on: the whisper files found under these paths, or the files given. */
  files: { under: readonly string[] } | readonly WalkedFile[]
  task: (file: WalkedFile) => Task
  /** The report of the run, from core; `outcomes[i]` is the outcome of `files[i]`, whose task gives a T. */
  report: (outcomes: Outcome<T>[], files: readonly WalkedFile[]) => R
  render: (report: R, ctx: Context, timing: RunTiming) => string
  json?: boolean
  quiet?: boolean
  /**
   * The "no" answer (exit 1), after the output and after the files that failed. Default: any file
   * that is not ok without an error.
   */
  answer?: (report: R) => NegativeAnswer | undefined
}

/** The bundled worker (dist/bin/tree-worker.cjs) beside this bundle; in-process without it. */
function workerUrl(): URL | undefined {
  const url = new URL('./tree-worker.cjs', import.meta.url)
  return fs.existsSync(url) ? url : undefined
}

/** Run a tree command, print its report, and throw what decides the exit status. Returns the report. */
export async function runTreeCommand<T, R extends TreeReport<unknown>>(
  ctx: Context,
  command: TreeCommand<T, R>,
): Promise<R> {
  const given = command.files
  const timing = { seconds: 0 }
  // The walk runs under the progress line and the stop signals too: a big tree takes a while.
  const { files, outcomes } = await interruptible(
    ctx,
    command.label,
    Boolean(command.json || command.quiet),
    async (options) => {
      const files = 'under' in given ? findWhisperFiles(given.under) : [...given]
      const started = performance.now()
      const outcomes = files.length === 0 ? [] : await runTasks(files.map(command.task), options)
      timing.seconds = (performance.now() - started) / 1000
      return { files, outcomes }
    },
  )
  const report = command.report(outcomes as Outcome<T>[], files)
  await emit(ctx, report, {
    json: command.json,
    render: (r, c) => command.render(r, c, timing),
    renderJson: (r) => JSON.stringify(r, null, 2) + '\n',
  })
  failOnFailures(ctx, report.files, files.length)
  const answer = (command.answer ?? notAllOk)(report)
  if (answer) throw answer
  return report
}

function notAllOk(report: TreeReport<unknown>): NegativeAnswer | undefined {
  return report.files.some((f) => !f.ok && f.error === undefined) ? new NegativeAnswer() : undefined
}

/**
 * A run with progress that SIGINT and SIGTERM stop between files: the files being worked on are
 * finished, no other is started, and the error says how many were done.
 */
async function interruptible<R>(
  ctx: Context,
  label: string,
  quiet: boolean,
  start: (options: PoolOptions) => Promise<R>,
): Promise<R> {
  const stop = claimStopSignals()
  try {
    const progress = await startProgress(ctx, label, quiet)
    try {
      return await start({
        workerUrl: workerUrl(),
        signal: stop.signal,
        onProgress: (done, total) => progress.update(done, total),
      })
    } finally {
      progress.stop()
    }
  } catch (error) {
    if (!(error instanceof RunAbortedError)) throw error
    const { done, total } = error
    const rest = total - done
    throw new AbortedError(
      `interrupted: ${label} stopped after ${done} of ${total} ${total === 1 ? 'file' : 'files'}; ` +
        `the other ${rest} ${rest === 1 ? 'was' : 'were'} not touched`,
      { cause: error },
    )
  } finally {
    stop.release()
  }
}

/**
 * After the output: the files that failed, one line each on stderr, and the exit status of the first
 * of them. A single file fails with its own message, like any command on one file.
 */
function failOnFailures(ctx: Context, files: readonly FileReport<unknown>[], tried: number): void {
  const failures = files.flatMap((f) => (f.error ? [f.error] : []))
  if (failures.length === 0) return
  const first = failures[0]!
  const code = first.code as CoreError['code']
  if (tried === 1) throw new CoreError(code, first.message)
  for (const failure of failures) ctx.stderr.write(`${ctx.programName}: ${failure.message}\n`)
  throw new CoreError(code, `${failures.length} of ${plural(tried, 'file')} failed`)
}
