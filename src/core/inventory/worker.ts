// A worker thread of the inventory walk (wsp ls, du, stale): reads the directories it is sent
// (scan.ts's scanDirectory) and posts what it found back. Bundled as dist/bin/inventory-worker.cjs.

import { parentPort } from 'node:worker_threads'
import { CoreError } from '../errors.js'
import type { ScanRequest } from './scan.js'
import { scanDirectory } from './scan.js'

parentPort?.on('message', (message: { scan: ScanRequest }) => {
  try {
    parentPort!.postMessage({ scanned: scanDirectory(message.scan) })
  } catch (error) {
    const e = error as Error
    const code = error instanceof CoreError ? error.code : undefined
    parentPort!.postMessage({ error: { name: e.name, code, message: e.message } })
  }
})
