// A read thread of the HTTP API: runs the file part of finds and renders (reads.ts) one job at a
// time and sends back the encoded answer, its bytes transferred, not copied. The main thread sets
// `cancel` when the request's deadline passes or its client is gone: the job stops at its next file.

import { parentPort, workerData } from 'node:worker_threads'
import { lowerNice } from '../thread-priority.js'
import type { ReadJob, RetentionCache } from './reads.js'
import { HttpError, ReadStopped, runReadJob } from './reads.js'

export interface JobMessage {
  id: number
  job: ReadJob
}

/** A render's answer the main thread has sent: its buffer, back to be written again. */
export interface SpareMessage {
  spare: ArrayBuffer
}

export type JobReply =
  | { id: number; ok: true; contentType: string; body: Uint8Array | string }
  | { id: number; ok: false; status?: number; message: string; stopped?: boolean }

const data = workerData as { cancel: SharedArrayBuffer; nice: number }
const cancel = new Int32Array(data.cancel)

// Reads yield the CPU to the receivers and writers (a nice value of the thread's own, on Linux).
// Elsewhere, or not allowed: the thread keeps the process's.
if (data.nice > 0) lowerNice(data.nice)
const retentions: RetentionCache = new Map()

/**
 * Buffers of answers sent, given back: the next render's answer is written into one. A render of
 * 100 series of a day of minutes is 1.3 MB; a new buffer each time costs page faults here and, once
 * moved to the main thread, its memory counts there until a full collection of the main heap (one
 * every few dozen renders, paused for tens of milliseconds).
 */
const spares: ArrayBuffer[] = []
const SPARES = 2

function alloc(bytes: number): Buffer | undefined {
  const at = spares.findIndex((b) => b.byteLength >= bytes)
  return at < 0 ? undefined : Buffer.from(spares.splice(at, 1)[0]!)
}

parentPort!.on('message', (message: JobMessage | SpareMessage) => {
  if ('spare' in message) {
    spares.push(message.spare)
    // The biggest kept: an answer fits the biggest best.
    if (spares.length > SPARES) spares.sort((a, b) => b.byteLength - a.byteLength).pop()
    return
  }
  const tick = (): void => {
    if (Atomics.load(cancel, 0) !== 0) throw new ReadStopped('stopped')
  }
  runReadJob(message.job, tick, retentions, alloc).then(
    ({ contentType, body }) => {
      // A buffer of Node's shared pool (Buffer.poolSize bytes) cannot be transferred: it would take
      // the pool with it. Anything bigger is a buffer of its own, transferred even when the body is
      // a view of part of it (a pickle's writer), never copied.
      const own = typeof body !== 'string' && body.buffer.byteLength > Buffer.poolSize
      const reply: JobReply = { id: message.id, ok: true, contentType, body }
      parentPort!.postMessage(reply, own ? [body.buffer as ArrayBuffer] : [])
    },
    (error: unknown) => {
      const reply: JobReply =
        error instanceof HttpError
          ? { id: message.id, ok: false, status: error.status, message: error.message }
          : {
              id: message.id,
              ok: false,
              message: String((error as Error)?.message ?? error),
              stopped: error instanceof ReadStopped,
            }
      parentPort!.postMessage(reply)
    },
  )
})
