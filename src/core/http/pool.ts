// The read threads (worker.ts): each runs one job at a time; jobs wait here, first come first
// served, for the first free thread. With no thread (size 0, or no worker script) a job runs
// in-process, cut in slices of a few milliseconds with a turn of the event loop between them.
// A thread that dies fails its job (the request is answered 500 and reported) and is replaced.

import { Worker } from 'node:worker_threads'
import type { Encoded } from './formats.js'
import type { ReadJob, RetentionCache } from './reads.js'
import { HttpError, ReadStopped, runReadJob } from './reads.js'
import type { JobMessage, JobReply, SpareMessage } from './worker.js'

/**
 * A read thread's young generation: a render with functions holds a number per point for the
 * length of the request; with V8's default most of them are copied and promoted before they die.
 * Measured on the dashboard bench: about 20% less CPU per dashboard. Grown only while reads run.
 */
const YOUNG_GENERATION_MB = 64

/** A slice of in-process work runs this long before it yields to the event loop. */
const SLICE_MS = 8

interface Waiting {
  job: ReadJob
  signal: AbortSignal
  resolve: (answer: Encoded) => void
  reject: (error: Error) => void
}

interface Thread {
  worker: Worker
  cancel: Int32Array
  current: (Waiting & { id: number; onAbort: () => void }) | undefined
}

export class ReadPool {
  private readonly threads: Thread[] = []
  /** Threads to start at the first job: a daemon no client reads from never pays for their isolates. */
  private unstarted: number
  private readonly queue: Waiting[] = []
  private readonly retentions: RetentionCache = new Map()
  private nextId = 1
  private closed = false
  /** Answers of renders, by the thread that wrote them: their buffers go back to it once sent. */
  private readonly spares = new WeakMap<Uint8Array, Thread>()

  constructor(
    private readonly workerUrl: URL | undefined,
    size: number,
    private readonly onError: (message: string) => void,
    /** Added to the read threads' nice value (Linux): under CPU contention, ingestion goes first. */
    private readonly nice = 0,
  ) {
    // Started at the first job, not here: each is an isolate (about 7 MiB of heap at start, its own
    // malloc arena and stack), and carbon serve's HTTP API is on by default for clients that may
    // never come (the serve bench's peak RSS: 14 MiB for two idle read threads).
    this.unstarted = workerUrl === undefined ? 0 : size
  }

  /** The read threads: started, or to be started at the first job. */
  get size(): number {
    return this.threads.length + this.unstarted
  }

  /** The encoded answer; rejects (ReadStopped) once the signal aborts (deadline, client gone). */
  run(job: ReadJob, signal: AbortSignal): Promise<Encoded> {
    if (this.unstarted > 0 && !this.closed) {
      for (; this.unstarted > 0; this.unstarted--) this.threads.push(this.start())
    }
    if (this.threads.length === 0) return runReadJob(job, slicer(signal), this.retentions)
    if (signal.aborted) return Promise.reject(new ReadStopped('stopped'))
    return new Promise((resolve, reject) => {
      this.queue.push({ job, signal, resolve, reject })
      this.dispatch()
    })
  }

  /**
   * An answer has been sent (handed to the kernel) and is not used again: if a read thread wrote it
   * into a buffer of its own, that buffer goes back to the thread for the next answer.
   */
  sent(body: Uint8Array | string): void {
    if (typeof body === 'string') return
    const thread = this.spares.get(body)
    if (thread === undefined) return
    this.spares.delete(body)
    if (this.closed || !this.threads.includes(thread)) return
    const message: SpareMessage = { spare: body.buffer as ArrayBuffer }
    thread.worker.postMessage(message, [message.spare])
  }

  async close(): Promise<void> {
    this.closed = true
    this.unstarted = 0
    for (const waiting of this.queue.splice(0)) waiting.reject(new Error('closing'))
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }

  private start(): Thread {
    const shared = new SharedArrayBuffer(4)
    const worker = new Worker(this.workerUrl!, {
      workerData: { cancel: shared, nice: this.nice },
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    })
    const thread: Thread = { worker, cancel: new Int32Array(shared), current: undefined }
    worker.on('message', (reply: JobReply) => {
      const current = thread.current
      if (current === undefined || current.id !== reply.id) return
      this.settled(thread)
      this.dispatch()
      if (reply.ok) {
        // A buffer of its own (transferred, see worker.ts), written by a render: given back once sent.
        const body = reply.body
        if (
          current.job.kind === 'render' &&
          typeof body !== 'string' &&
          body.buffer.byteLength > Buffer.poolSize
        )
          this.spares.set(body, thread)
        current.resolve({ contentType: reply.contentType, body })
      } else if (reply.status !== undefined) current.reject(new HttpError(reply.status, reply.message))
      else if (reply.stopped) current.reject(new ReadStopped('stopped'))
      else current.reject(new Error(reply.message))
    })
    let reason = 'exited'
    worker.on('error', (error) => (reason = error.message))
    worker.on('exit', () => {
      if (this.closed) return
      const current = thread.current
      this.settled(thread)
      current?.reject(new Error(`the read thread died: ${reason}`))
      this.onError(`a read thread died (${reason}); another is started`)
      const index = this.threads.indexOf(thread)
      if (index >= 0) this.threads[index] = this.start()
      this.dispatch()
    })
    worker.unref()
    return thread
  }

  private settled(thread: Thread): void {
    if (thread.current) thread.current.signal.removeEventListener('abort', thread.current.onAbort)
    thread.current = undefined
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.current !== undefined) continue
      let waiting = this.queue.shift()
      // Requests whose client left or whose deadline passed while waiting are not started.
      while (waiting?.signal.aborted) {
        waiting.reject(new ReadStopped('stopped'))
        waiting = this.queue.shift()
      }
      if (waiting === undefined) return
      const id = this.nextId++
      const onAbort = (): void => void Atomics.store(thread.cancel, 0, 1)
      thread.current = { ...waiting, id, onAbort }
      Atomics.store(thread.cancel, 0, 0)
      waiting.signal.addEventListener('abort', onAbort, { once: true })
      const message: JobMessage = { id, job: waiting.job }
      thread.worker.postMessage(message)
    }
  }
}

export function slicer(signal: AbortSignal): () => Promise<void> {
  let sliceStart = performance.now()
  return async () => {
    if (performance.now() - sliceStart < SLICE_MS) return
    await new Promise((resolve) => setImmediate(resolve))
    if (signal.aborted) throw new ReadStopped('stopped')
    sliceStart = performance.now()
  }
}
