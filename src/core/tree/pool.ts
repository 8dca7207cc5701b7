// Running one task per file over a tree, on both cores: a small pool of worker threads, each running
// whisper operations with synchronous positional I/O (STYLE.md, Boundaries 7). Results come back in
// the order of the input. Without a worker script (or with one worker) the tasks run in-process.

import { Worker } from 'node:worker_threads'
import { AbortedError } from '../errors.js'
import type { Outcome, Task } from './tasks.js'
import { runTask } from './tasks.js'

export interface PoolOptions {
  /** Worker threads (default 2). */
  workers?: number
  /** The worker script (worker.js, or the bundled tree-worker.cjs). */
  workerUrl?: URL
  signal?: AbortSignal
  /** Called after each finished task with the count done so far. */
  onProgress?: (done: number, total: number, outcome: Outcome) => void
}

/**
 * Run the tasks; with `signal`, stop starting tasks when it fires, let the ones running finish, and throw.
 * @throws RunAbortedError when the signal fires before every task ran
 */
export async function runTasks(tasks: readonly Task[], options: PoolOptions = {}): Promise<Outcome[]> {
  const results = new Array<Outcome>(tasks.length)
  let done = 0
  let failed = false
  const finish = (index: number, outcome: Outcome): void => {
    results[index] = outcome
    done++
    options.onProgress?.(done, tasks.length, outcome)
  }
  const workerCount = Math.min(options.workers ?? 2, tasks.length)
  if (!options.workerUrl || workerCount <= 1) {
    let yielded = performance.now()
    for (let i = 0; i < tasks.length; i++) {
      // Let progress reach the terminal and signals be seen between files, a few times a second.
      if (performance.now() - yielded > 20) {
        await new Promise((resolve) => setImmediate(resolve))
        yielded = performance.now()
      }
      if (options.signal?.aborted) throw aborted(options.signal, done, tasks.length)
      finish(i, runTask(tasks[i]!))
    }
    return results
  }
  let next = 0
  const workers: Worker[] = []
  let settled: PromiseSettledResult<void>[]
  try {
    // Every thread finishes the file it is on before the run ends (an abort, a bug in another
    // thread): a thread stopped in the middle of a file would leave its temporary file behind.
    settled = await Promise.allSettled(
      Array.from({ length: workerCount }, async () => {
        const worker = new Worker(options.workerUrl!)
        workers.push(worker)
        while (next < tasks.length && !options.signal?.aborted && !failed) {
          const index = next++
          const reply = await new Promise<{ outcome?: Outcome; bug?: { message: string; stack?: string } }>(
            (resolve, reject) => {
              worker.once('message', resolve)
              worker.once('error', reject)
              // A thread that ends without an answer (its code exited) must not leave the run waiting.
              worker.once('exit', (code) => reject(new Error(`a worker thread exited (code ${code})`)))
              worker.postMessage({ id: index, task: tasks[index] })
            },
          ).catch((error: unknown) => {
            failed = true
            throw error
          })
          worker.removeAllListeners('error')
          worker.removeAllListeners('exit')
          if (reply.bug) {
            failed = true
            throw Object.assign(new Error(reply.bug.message), { stack: reply.bug.stack })
          }
          finish(index, reply.outcome!)
        }
      }),
    )
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  for (const result of settled) if (result.status === 'rejected') throw result.reason
  if (done < tasks.length && options.signal?.aborted) throw aborted(options.signal, done, tasks.length)
  return results
}

/** A run stopped by its signal: how far it got. */
export class RunAbortedError extends AbortedError {
  constructor(
    readonly done: number,
    readonly total: number,
    options?: { cause?: unknown },
  ) {
    super(`aborted after ${done} of ${total} files`, options)
  }
}

function aborted(signal: AbortSignal, done: number, total: number): RunAbortedError {
  return new RunAbortedError(done, total, { cause: signal.reason })
}
