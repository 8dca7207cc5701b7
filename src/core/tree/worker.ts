// A worker thread of the tree pool: runs the tasks it is sent and posts their outcomes back. It also
// reads directories for the inventory walk (wsp ls, du, stale: src/core/inventory/scan.ts).

import { parentPort } from 'node:worker_threads'
import { CoreError } from '../errors.js'
import type { ScanRequest } from '../inventory/scan.js'
import { scanDirectory } from '../inventory/scan.js'
import type { Task } from './tasks.js'
import { runTask } from './tasks.js'

parentPort?.on('message', (message: { id: number; task?: Task; scan?: ScanRequest }) => {
  if (message.scan) {
    try {
      parentPort!.postMessage({ scanned: scanDirectory(message.scan) })
    } catch (error) {
      const e = error as Error
      const code = error instanceof CoreError ? error.code : undefined
      parentPort!.postMessage({ error: { name: e.name, code, message: e.message } })
    }
    return
  }
  try {
    parentPort!.postMessage({ id: message.id, outcome: runTask(message.task!) })
  } catch (error) {
    const e = error as Error
    parentPort!.postMessage({ id: message.id, bug: { message: e.message, stack: e.stack } })
  }
})
