// The tree pool with real worker threads: a thread that ends without answering fails the run; an
// abort lets the running tasks finish.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import type { Task } from '../../../../src/core/tree/tasks.js'
import { RunAbortedError, runTasks } from '../../../../src/core/tree/pool.js'
import { create } from '../../../../src/core/whisper/create.js'
import { readInfo } from '../../../../src/core/whisper/info.js'

test(
  'a worker thread that exits without an answer fails the run instead of leaving it waiting',
  // Only a hang: starting two worker threads can take many seconds on a loaded machine.
  { timeout: 120_000 },
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

for (const workers of [1, 2]) {
  test(`issue 13.5: an abort with ${workers} worker(s) starts no new task, finishes the running ones and says how far it got`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-pool-'))
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
    const tasks: Task[] = []
    for (let i = 0; i < 200; i++) {
      const file = path.join(dir, `m${i}.wsp`)
      create(file, [[60, 1440]])
      tasks.push({ kind: 'set-aggregation', path: file, aggregationMethod: 'max', options: {} })
    }
    const controller = new AbortController()
    const finished: string[] = []
    const error = await runTasks(tasks, {
      workers,
      workerUrl: workers > 1 ? new URL('../../../../src/core/tree/worker.js', import.meta.url) : undefined,
      signal: controller.signal,
      onProgress: (done, _total, outcome) => {
        finished.push(outcome.path)
        if (done === 10) controller.abort('SIGINT')
      },
    }).then(
      () => assert.fail('the run was not aborted'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof RunAbortedError)
    assert.equal(error.total, 200)
    assert.equal(error.done, finished.length)
    // The tasks already sent to a thread finish: at most one more per thread.
    assert.ok(finished.length >= 10 && finished.length <= 10 + workers, String(finished.length))
    const changed = tasks
      .filter((task) => readInfo(task.path).aggregationMethod === 'max')
      .map((task) => task.path)
    assert.deepEqual(changed.sort(), [...finished].sort())
  })
}
