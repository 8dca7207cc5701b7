// The parser thread of `carbon serve`'s plaintext receiver: whole lines in, compact batches of points
// out (line-parse.ts). One message, one reply, in order; the points' arrays are transferred, not copied.

import { parentPort, workerData } from 'node:worker_threads'
import type { ParseRequest } from './line-parse.js'
import { LineParseSession } from './line-parse.js'

const session = new LineParseSession(
  (workerData ?? {}) as { maxLineBytes?: number; ring?: SharedArrayBuffer },
)

parentPort?.on('message', (request: ParseRequest) => {
  const reply = session.handle(request)
  parentPort!.postMessage(reply, [reply.points.buffer as ArrayBuffer])
})
