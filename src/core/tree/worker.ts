// A worker thread of the tree pool: runs the tasks it is sent and posts their outcomes back.

import { parentPort } from 'node:worker_threads'
import type { Task } from './tasks.js'
import { runTask } from './tasks.js'

parentPort?.on('message', (message: { id: number; task: Task }) => {
  try {
    parentPort!.postMessage({ id: message.id, outcome: runTask(message.task) })
  } catch (error) {
    const e = error as Error
    parentPort!.postMessage({ id: message.id, bug: { message: e.message, stack: e.stack } })
  }
})
