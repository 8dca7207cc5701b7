// A worker thread of the inventory walk (wsp ls, du, stale): reads the directories it is sent
// (scan.ts's scanDirectory) and posts what it found back. Bundled as dist/bin/inventory-worker.cjs.

import { parentPort } from 'node:worker_threads'
import { CoreError } from '../errors.js'
import type { ScanRequest } from './scan.js'
import { scanDirectory } from './scan.js'
import { loadSyscalls } from './syscalls.js'

// The native module (koffi) first, then the word that this thread may be stopped: a thread stopped
// while Node registers a native module aborts the whole process (a fatal error in node-addon-api).
loadSyscalls()
parentPort?.postMessage({ ready: true })

parentPort?.on('message', (message: { scan: ScanRequest }) => {
  try {
    parentPort!.postMessage({ scanned: scanDirectory(message.scan) })
  } catch (error) {
    const e = error as Error
    const code = error instanceof CoreError ? error.code : undefined
    parentPort!.postMessage({ error: { name: e.name, code, message: e.message } })
  }
})
