// Running a core tree operation from a command: progress on stderr, both cores through the bundled
// worker script when it is there, and failures of single files turned into the exit status.

import fs from 'node:fs'
import { CoreError } from '../../core/errors.js'
import type { TreeRun } from '../../core/tree/run.js'
import { runOverTree } from '../../core/tree/run.js'
import type { Task, TaskResult } from '../../core/tree/tasks.js'
import type { WalkedFile } from '../../core/tree/walk.js'
import type { Context } from './context.js'
import { startProgress } from './progress.js'

/** The bundled worker (dist/bin/tree-worker.cjs) beside this bundle; in-process without it. */
function workerUrl(): URL | undefined {
  const url = new URL('./tree-worker.cjs', import.meta.url)
  return fs.existsSync(url) ? url : undefined
}

export async function runTree<T extends TaskResult>(
  ctx: Context,
  label: string,
  roots: readonly string[],
  taskFor: (file: WalkedFile) => Task,
  quiet: boolean,
): Promise<TreeRun<T>> {
  const progress = await startProgress(ctx, label, quiet)
  try {
    return await runOverTree<T>(roots, taskFor, {
      workerUrl: workerUrl(),
      onProgress: (done, total) => progress.update(done, total),
    })
  } finally {
    progress.stop()
  }
}

/** After the output: fail with the status of the first file that failed (its error was printed). */
export function failOnFailures(run: TreeRun<TaskResult>): void {
  const failed = run.outcomes.find((o) => !o.ok)
  if (failed && !failed.ok) {
    const code = (failed.error.code ?? 'ERR_INVALID_ARGUMENT') as CoreError['code']
    throw new CoreError(
      code,
      `${run.failed} of ${run.files.length} files failed; the first: ${failed.error.message}`,
    )
  }
}
