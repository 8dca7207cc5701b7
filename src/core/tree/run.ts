// A tree operation: find the whisper files under the arguments, run one task per file on the pool,
// and sum up. Failures of single files are outcomes, not exceptions: the others still run.

import type { PoolOptions } from './pool.js'
import { runTasks } from './pool.js'
import type { Outcome, Task, TaskResult } from './tasks.js'
import type { WalkedFile } from './walk.js'
import { findWhisperFiles } from './walk.js'

export interface TreeRun<T extends TaskResult> {
  files: WalkedFile[]
  outcomes: Outcome<T>[]
  failed: number
  seconds: number
}

/**
 * Run `taskFor` on each of `files`.
 * @throws AbortedError when the signal fires
 */
export async function runOverFiles<T extends TaskResult>(
  files: WalkedFile[],
  taskFor: (file: WalkedFile) => Task,
  options: PoolOptions & { clock?: () => number } = {},
): Promise<TreeRun<T>> {
  const clock = options.clock ?? (() => performance.now() / 1000)
  const started = clock()
  const outcomes = (await runTasks(files.map(taskFor), options)) as Outcome<T>[]
  return { files, outcomes, failed: outcomes.filter((o) => !o.ok).length, seconds: clock() - started }
}

/**
 * Run `taskFor` on every whisper file under `roots`.
 * @throws NotFoundError for a root that does not exist; AbortedError when the signal fires
 */
export async function runOverTree<T extends TaskResult>(
  roots: readonly string[],
  taskFor: (file: WalkedFile) => Task,
  options: PoolOptions & { clock?: () => number } = {},
): Promise<TreeRun<T>> {
  return runOverFiles<T>(findWhisperFiles(roots), taskFor, options)
}
