// The tree pool with real worker threads: a thread that ends without answering fails the run.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Task } from '../../../../src/core/tree/tasks.js'
import { runTasks } from '../../../../src/core/tree/pool.js'

test(
  'a worker thread that exits without an answer fails the run instead of leaving it waiting',
  { timeout: 30_000 },
  async () => {
    const tasks: Task[] = ['/a.wsp', '/b.wsp', '/c.wsp'].map((path) => ({ kind: 'check', path, options: {} }))
    await assert.rejects(
      runTasks(tasks, {
        workers: 2,
        workerUrl: new URL('../../../helpers/exiting-worker.js', import.meta.url),
      }),
      /a worker thread exited \(code 0\)/,
    )
  },
)
