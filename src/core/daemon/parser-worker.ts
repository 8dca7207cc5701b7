// The parser thread of `carbon serve`'s plaintext receiver: whole lines in, compact batches of points
// out (line-parse.ts). One message, one reply, in order; the points' arrays are transferred, not copied.
// A `collect` message (memory given back after a churn of names) is answered after a full collection.

import v8 from 'node:v8'
import { parentPort, workerData } from 'node:worker_threads'
import { loadCollector } from './collect.js'
import type { ParseRequest } from './line-parse.js'
import { LineParseSession, warmUpParser } from './line-parse.js'

const options = (workerData ?? {}) as {
  maxLineBytes?: number
  ring?: SharedArrayBuffer
  collect?: boolean
  warmUp?: boolean
}
// Before the first message is read (they wait in the port meanwhile): see warmUpParser.
if (options.warmUp !== false) warmUpParser(undefined, options)
const session = new LineParseSession(options)
// Without it, the thread keeps what a burst of new names grew its heap to (see collect.ts).
const collect = options.collect === true ? loadCollector() : undefined

// Warmed up: the receiver listens from now on (ParserThread.ready). Not a reply: no message asked for it.
parentPort?.postMessage({ ready: true })

parentPort?.on('message', (request: ParseRequest) => {
  const reply = session.handle(request)
  // Before the answer: the daemon trims malloc once it has it (what the collection freed).
  if (request.type === 'collect') {
    collect?.()
    reply.heapBytes = v8.getHeapStatistics().total_physical_size
  }
  parentPort!.postMessage(reply, [reply.points.buffer as ArrayBuffer])
})
