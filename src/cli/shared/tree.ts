// Running a core tree operation from a command: progress on stderr, both cores through the bundled
// worker script when it is there, and failures of single files turned into the exit status.

import fs from 'node:fs'
import { AbortedError, CoreError } from '../../core/errors.js'
import type { PoolOptions } from '../../core/tree/pool.js'
import { RunAbortedError } from '../../core/tree/pool.js'
import type { TreeRun } from '../../core/tree/run.js'
import { runOverFiles, runOverTree } from '../../core/tree/run.js'
import type { Task, TaskResult } from '../../core/tree/tasks.js'
import type { WalkedFile } from '../../core/tree/walk.js'
import type { Context } from './context.js'
import { startProgress } from './progress.js'
import { plural } from '../../core/format/plural.js'
import { claimStopSignals } from './signals.js'

/** The bundled worker (dist/bin/tree-worker.cjs) beside this bundle; in-process without it. */
function workerUrl(): URL | undefined {
  const url = new URL('./tree-worker.cjs', import.meta.url)
  return fs.existsSync(url) ? url : undefined
}

export function runTree<T extends TaskResult>(
  ctx: Context,
  label: string,
  roots: readonly string[],
  taskFor: (file: WalkedFile) => Task,
  quiet: boolean,
): Promise<TreeRun<T>> {
  return interruptible(ctx, label, quiet, (options) => runOverTree<T>(roots, taskFor, options))
}

/** runTree for a given list of files. */
export function runFiles<T extends TaskResult>(
  ctx: Context,
  label: string,
  files: WalkedFile[],
  taskFor: (file: WalkedFile) => Task,
  quiet: boolean,
): Promise<TreeRun<T>> {
  return interruptible(ctx, label, quiet, (options) => runOverFiles<T>(files, taskFor, options))
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
export function failOnFailures(ctx: Context, run: TreeRun<TaskResult>): void {
  const failures = run.outcomes.flatMap((o) => (o.ok ? [] : [o.error]))
  if (failures.length === 0) return
  const first = failures[0]!
  const code = (first.code ?? 'ERR_INVALID_ARGUMENT') as CoreError['code']
  if (run.files.length === 1) throw new CoreError(code, first.message)
  for (const failure of failures) ctx.stderr.write(`${ctx.programName}: ${failure.message}\n`)
  throw new CoreError(code, `${failures.length} of ${plural(run.files.length, 'file')} failed`)
}
