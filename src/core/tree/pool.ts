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

export async function runTasks(tasks: readonly Task[], options: PoolOptions = {}): Promise<Outcome[]> {
  const results = new Array<Outcome>(tasks.length)
  let done = 0
  const finish = (index: number, outcome: Outcome): void => {
    results[index] = outcome
    done++
    options.onProgress?.(done, tasks.length, outcome)
  }
  const workerCount = Math.min(options.workers ?? 2, tasks.length)
  if (!options.workerUrl || workerCount <= 1) {
    for (let i = 0; i < tasks.length; i++) {
      if (options.signal?.aborted) throw new AbortedError()
      finish(i, runTask(tasks[i]!))
      // Let progress reach the terminal and signals be seen between files.
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve))
    }
    return results
  }
  let next = 0
  const workers: Worker[] = []
  try {
    await Promise.all(
      Array.from({ length: workerCount }, async () => {
        const worker = new Worker(options.workerUrl!)
        workers.push(worker)
        while (next < tasks.length) {
          if (options.signal?.aborted) throw new AbortedError()
          const index = next++
          const reply = await new Promise<{ outcome?: Outcome; bug?: { message: string; stack?: string } }>(
            (resolve, reject) => {
              worker.once('message', resolve)
              worker.once('error', reject)
              // A thread that ends without an answer (its code exited) must not leave the run waiting.
              worker.once('exit', (code) => reject(new Error(`a worker thread exited (code ${code})`)))
              worker.postMessage({ id: index, task: tasks[index] })
            },
          )
          worker.removeAllListeners('error')
          worker.removeAllListeners('exit')
          if (reply.bug) throw Object.assign(new Error(reply.bug.message), { stack: reply.bug.stack })
          finish(index, reply.outcome!)
        }
      }),
    )
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  return results
}
