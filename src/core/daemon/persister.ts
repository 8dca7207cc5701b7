// Moving points from the cache to whisper files: the main thread drains the cache by the write
// strategy into batches, within MAX_UPDATES_PER_SECOND and MAX_CREATES_PER_MINUTE (a metric with no
// create token waits in the cache: nothing is dropped), and writer threads write them. A metric is
// never in two writes at once, so its writes happen in the order its points arrived. A writer that
// dies (a bug, memory) is replaced, and the points of its unfinished batches go back to the cache:
// writing a point twice stores the same bytes, losing it would not be undone.

import { Worker } from 'node:worker_threads'
import type { AdminJob, AdminJobReply } from '../http/admin-jobs.js'
import type { HeldPoints, MetricCache } from './cache.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import { guard } from './faults.js'
import { GenerationalMap } from './name-cache.js'
import { cpuWaitSeconds } from '../thread-priority.js'
import { WriterPace } from './writer-pace.js'

export interface CreateSpec {
  archives: ArchiveSpec[]
  xFilesFactor: number
  aggregationMethod: string
  sparse: boolean
  fallocate: boolean
}

export interface WriteItem {
  id: number
  path: string
  create?: CreateSpec
  /** Timestamp, value, timestamp, value... ascending. */
  points: Float64Array
}

export interface WriteBatch {
  batch: number
  now: number
  autoflush: boolean
  items: WriteItem[]
}

export interface WriteResult {
  id: number
  committed: number
  created: boolean
  error?: string
  seconds?: number
  /** The file does not exist and the item had no create spec: the points go back to the cache. */
  missing?: boolean
  /** The disk is full (ENOSPC, EDQUOT): the points go back to the cache until there is room. */
  retry?: boolean
}

export interface WriteReply {
  batch: number
  results: WriteResult[]
}

/** CarbonLink's set-metadata, done by a writer. */
export interface MetadataRequest {
  kind: 'metadata'
  request: number
  path: string
  aggregationMethod: string
}

export type MetadataReply = { kind: 'metadata'; request: number } & (
  | { oldValue: string; newValue: string }
  | { error: string; /** A CoreError (a missing file, a bad method), not a bug. */ expected: boolean }
)

/** A writer thread's start: whether it yields the CPU (writer-pace.ts). */
export interface WriterData {
  yieldCpu: boolean
}

/** A writer's first message: its thread id, and whether it yields the CPU (SCHED_IDLE) as asked. */
export interface WriterThread {
  kind: 'thread'
  tid: number
  yielding: boolean
}

/** To a competing writer: yield the CPU again. */
export interface WriterYield {
  kind: 'yield'
}

/** What else a writer thread does: CarbonLink's set-metadata and the admin API's file jobs. */
export type WriterJob = MetadataRequest | AdminJob
export type WriterReply = MetadataReply | AdminJobReply

/** Where a metric goes: its file, and what to create when the file is missing. */
export interface MetricTarget {
  path: string
  createSpec: () => CreateSpec
}

export interface PersisterEvents {
  written(metric: string, result: WriteResult, path: string): void
  /** The disk was full: the points are back in the cache, and writing pauses for RETRY_MS. */
  deferred(metric: string, result: WriteResult, path: string): void
  /** Writer `writer` died; its unfinished points are back in the cache and a new writer starts. */
  writerDied(writer: number, reason: string, points: number): void
  /**
   * The writers now yield the CPU (`yielding`) or compete for it (writer-pace.ts); `waited`: the share
   * of the last interval they waited for a CPU.
   */
  pace?(yielding: boolean, waited: number): void
  /** A bug on the main thread's side of the writes (reported; the next pump goes on). */
  fault?(where: string, error: unknown): void
}

/** A token bucket: `capacity` tokens, refilled at `rate` per second. */
export class TokenBucket {
  private tokens: number
  private last: number
  constructor(
    private capacity: number,
    private rate: number,
    private readonly clock: () => number,
  ) {
    this.tokens = capacity
    this.last = clock()
  }

  reset(capacity: number, rate: number): void {
    this.capacity = capacity
    this.rate = rate
    this.tokens = Math.min(this.tokens, capacity)
  }

  /** Give back a token taken for work that did not happen. */
  refund(): void {
    if (this.capacity !== Infinity) this.tokens = Math.min(this.capacity, this.tokens + 1)
  }

  take(): boolean {
    if (this.capacity === Infinity) return true
    const now = this.clock()
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

export interface PersisterOptions {
  cache: MetricCache
  workers: number
  workerUrl: URL
  target: (metric: string) => MetricTarget
  maxUpdatesPerSecond: number
  maxCreatesPerMinute: number
  autoflush: boolean
  /** Seconds, for whisper's `now` and the timesorted lag. */
  clock: () => number
  events: PersisterEvents
  /** Metrics per batch sent to a writer. */
  batchMetrics?: number
  /**
   * Writers yield the CPU (SCHED_IDLE) while they are not starved (writer-pace.ts; default true);
   * false: they only run at a higher nice value.
   */
  yieldCpu?: boolean
  /** Milliseconds between two judgements of the writers' wait for a CPU (default 10,000). */
  paceMs?: number
}

interface Pending {
  metric: string
  points: HeldPoints
  path: string
  creating: boolean
}

interface PendingBatch {
  worker: number
  items: Map<number, Pending>
}

/** How often the writers' wait for a CPU is judged (writer-pace.ts). */
const PACE_MS = 10_000

/** How long writing pauses after a write found the disk full. */
const RETRY_MS = 1000

/** A writer that dies again within this many milliseconds of its last start is restarted this much later. */
const RESTART_DELAY_MS = 1000

export class Persister {
  private readonly workers: (Worker | undefined)[] = []
  private readonly busy: number[] = []
  private readonly startedAt: number[] = []
  /** Each writer's thread id, once it has said (for its wait for a CPU). */
  private readonly tids: (number | undefined)[] = []
  /**
   * Slots past `options.workers` hold writers taken out of service (they yielded the CPU, and the
   * writers now compete for it) until their batches and jobs in flight are done.
   */
  private readonly retiring: boolean[] = []
  private readonly pace: WriterPace
  /** Resolves once a writer has started (said its thread id), exited or failed: see end(). */
  private readonly started = new WeakMap<Worker, Promise<void>>()
  /** A writer could yield the CPU (SCHED_IDLE is there): only then is the pace judged. */
  private yieldWorks = false
  private readonly pending = new Map<number, PendingBatch>()
  /**
   * Files known to exist, and files known to be missing (these wait for a create token). Bounded,
   * and forgetting files not written for two sweeps: a forgotten file is found again by its next write.
   */
  private readonly exists = new GenerationalMap<string, true>(1_000_000)
  private readonly missing = new GenerationalMap<string, true>(1_000_000)
  private readonly updates: TokenBucket
  private readonly creates: TokenBucket
  private nextId = 1
  /** No write starts before this time (performance.now(), ms): the disk was full. */
  private pausedUntil = 0
  private nextBatch = 1
  private scheduled = false
  private stopped = false
  private idleWaiters: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  private nextRequest = 1
  private readonly metadataRequests = new Map<
    number,
    { worker: number; resolve: (reply: WriterReply) => void; reject: (error: Error) => void }
  >()

  private readonly pumpLater: () => void

  constructor(private readonly options: PersisterOptions) {
    this.pumpLater = guard('persister', options.events.fault, () => {
      this.scheduled = false
      this.pump()
    })
    const secondClock = (): number => options.clock()
    this.updates = new TokenBucket(options.maxUpdatesPerSecond, options.maxUpdatesPerSecond, secondClock)
    this.creates = new TokenBucket(options.maxCreatesPerMinute, options.maxCreatesPerMinute / 60, secondClock)
    this.pace = new WriterPace({
      intervalMs: options.paceMs ?? PACE_MS,
      now: () => performance.now(),
      waited: cpuWaitSeconds,
    })
    this.pace.yielding = options.yieldCpu !== false
  }

  start(): void {
    for (let i = 0; i < this.options.workers; i++) {
      this.workers.push(undefined)
      this.busy.push(0)
      this.startedAt.push(0)
      this.tids.push(undefined)
      this.retiring.push(false)
      this.startWorker(i)
    }
    // Rate limits and the timesorted lag need a clock tick even when no point arrives; so does the
    // writers' pace.
    this.timer = setInterval(
      guard('persister', this.options.events.fault, () => {
        this.checkPace()
        this.schedule()
      }),
      100,
    )
    this.timer.unref()
  }

  /** Ask for a pump soon (after the current burst of stores). */
  schedule(): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    setImmediate(this.pumpLater)
  }

  /** Shutdown: lift the lag and the create limit, use the shutdown rate, and resolve once the cache is written. */
  flushAll(shutdownRate: number | null): Promise<void> {
    if (shutdownRate !== null) this.updates.reset(shutdownRate, shutdownRate)
    this.creates.reset(Infinity, Infinity)
    this.flushing = true
    this.schedule()
    return this.idle()
  }

  /** Resolves when the cache is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const waiting of this.metadataRequests.values()) waiting.reject(new Error('stopping'))
    this.metadataRequests.clear()
    if (this.timer) clearInterval(this.timer)
    await Promise.all(this.workers.map((w) => w && this.end(w)))
  }

  private startWorker(i: number): void {
    // A writer's garbage is short-lived and small (one batch at a time): a small young generation
    // keeps each thread's memory down without costing time.
    const worker = new Worker(this.options.workerUrl, {
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { yieldCpu: this.pace.yielding } satisfies WriterData,
    })
    this.tids[i] = undefined
    this.retiring[i] = false
    let started = (): void => undefined
    this.started.set(worker, new Promise((resolve) => (started = resolve)))
    let reason = 'exited'
    // Its slot, which changes when it is taken out of service (retire); -1 once it is gone.
    const slot = (): number => this.workers.indexOf(worker)
    worker.on(
      'message',
      guard('persister', this.options.events.fault, (reply: WriteReply | WriterReply | WriterThread) => {
        const at = slot()
        if (at < 0) return
        if (!('kind' in reply)) this.settle(at, reply)
        else if (reply.kind === 'thread') {
          started()
          this.tids[at] = reply.tid > 0 ? reply.tid : undefined
          if (reply.yielding) this.yieldWorks = true
        } else {
          const waiting = this.metadataRequests.get(reply.request)
          this.metadataRequests.delete(reply.request)
          waiting?.resolve(reply)
        }
        this.endIfRetired(at)
      }),
    )
    worker.on('error', (error) => {
      reason = error.message
      started()
    })
    worker.on('exit', (code) => {
      started()
      const at = slot()
      if (at < 0 || this.stopped) return
      this.writerDied(at, code === 0 || reason !== 'exited' ? reason : `exited with code ${code}`)
    })
    worker.unref()
    this.workers[i] = worker
    this.startedAt[i] = performance.now()
  }

  /**
   * Set a file's aggregation method on a writer thread (the least busy): the main thread never
   * rewrites a file. Rejects when no writer is running or the writer dies first.
   */
  setAggregationMethod(path: string, aggregationMethod: string): Promise<MetadataReply> {
    return this.runOnWriter({
      kind: 'metadata',
      request: 0,
      path,
      aggregationMethod,
    }) as Promise<MetadataReply>
  }

  /**
   * A job other than a write of the cache, on the least busy writer thread (the admin API's reads
   * and fills of whole files). Rejects when no writer is running or the writer dies first.
   */
  runOnWriter(job: WriterJob, transfer: ArrayBuffer[] = []): Promise<WriterReply> {
    // Jobs already waiting on a writer count as its load: several admin batches in flight go to
    // different threads instead of queueing on the first idle one.
    const load = this.busy.map((n) => n)
    for (const waiting of this.metadataRequests.values()) load[waiting.worker]!++
    let chosen = -1
    // The writers in service only.
    for (let w = 0; w < this.options.workers; w++)
      if (this.workers[w] && (chosen < 0 || load[w]! < load[chosen]!)) chosen = w
    const worker = chosen >= 0 ? this.workers[chosen] : undefined
    if (!worker || this.stopped) return Promise.reject(new Error('no writer thread is running'))
    const request = this.nextRequest++
    return new Promise((resolve, reject) => {
      this.metadataRequests.set(request, { worker: chosen, resolve, reject })
      worker.postMessage({ ...job, request }, transfer)
    })
  }

  /**
   * Put the dead writer's unfinished points back in the cache, and start another writer (unless it
   * was out of service: retired).
   */
  private writerDied(i: number, reason: string): void {
    const retired = this.retiring[i] === true
    for (const [request, waiting] of this.metadataRequests) {
      if (waiting.worker !== i) continue
      this.metadataRequests.delete(request)
      waiting.reject(new Error(`the writer thread died: ${reason}`))
    }
    this.workers[i] = undefined
    this.busy[i] = 0
    this.retiring[i] = false
    let points = 0
    for (const [batch, { worker, items }] of this.pending) {
      if (worker !== i) continue
      this.pending.delete(batch)
      for (const item of items.values()) {
        points += item.points.count
        this.putBack(item, false)
      }
    }
    this.options.events.writerDied(i, reason, points)
    if (retired) return
    const restart = (): void => {
      if (this.stopped) return
      this.startWorker(i)
      this.schedule()
    }
    // A writer that dies as soon as it starts is not restarted in a tight loop.
    if (performance.now() - this.startedAt[i]! < RESTART_DELAY_MS)
      setTimeout(restart, RESTART_DELAY_MS).unref()
    else restart()
  }

  /** Files known to exist or to be missing (forgotten two sweeps after their last write). */
  get files(): number {
    return this.exists.size + this.missing.size
  }

  /** A minute has passed: files not written for two sweeps are forgotten (returns how many). */
  sweep(): number {
    return this.exists.turn() + this.missing.turn()
  }

  /**
   * Replace the writer threads that have nothing in flight with fresh ones. A writer's heap grows
   * with a burst of creates and is never collected once the thread is idle (V8 collects when it
   * allocates): a fresh thread gives all of it back. Called when many metrics went idle. Resolves
   * when the old threads have exited (their memory is free only then: a trim before that finds
   * nothing to give back).
   */
  recycleIdleWriters(): Promise<number> {
    const exits: Promise<number>[] = []
    for (let i = 0; i < this.options.workers; i++) {
      const worker = this.workers[i]
      if (!worker || this.stopped || this.busy[i]! > 0) continue
      if (this.hasJobs(i)) continue
      // The old thread's exit is not a death: workers[i] is already the new one.
      this.startWorker(i)
      exits.push(this.end(worker))
    }
    return Promise.all(exits).then(() => exits.length)
  }

  /** Files known to exist (created here or seen), so that new metrics are told apart cheaply. */
  knownFile(path: string): void {
    this.exists.set(path, true)
  }

  private flushing = false

  private isIdle(): boolean {
    return this.options.cache.size === 0 && this.pending.size === 0
  }

  private pump(): void {
    if (this.stopped) return
    const { cache } = this.options
    const batchMetrics = this.options.batchMetrics ?? 256
    const now = this.options.clock()
    // The disk was full a moment ago: the points wait (the interval timer pumps again). A monotonic
    // clock: this is a pause, not data time, and an injected clock may stand still.
    if (performance.now() < this.pausedUntil) return
    for (let w = 0; w < this.options.workers; w++) {
      const worker = this.workers[w]
      // Two batches per writer keep it busy while the next one is built.
      while (worker && this.busy[w]! < 2 && cache.size > 0) {
        const items: WriteItem[] = []
        const batchPending = new Map<number, Pending>()
        let outOfUpdates = false
        while (items.length < batchMetrics) {
          if (!this.updates.take()) {
            outOfUpdates = true
            break
          }
          let creating = false
          const drained = cache.drain(this.flushing ? Infinity : now, (metric) => {
            if (cache.inflightHas(metric)) return true
            // Whether the file exists is found out by the writer; a file known to be missing needs a
            // create token, and without one its points wait in the cache.
            const path = this.options.target(metric).path
            if (this.exists.has(path)) return false
            if (this.creates.take()) {
              creating = true
              return false
            }
            return this.missing.has(path)
          })
          if (!drained) {
            this.updates.refund()
            break
          }
          const target = this.options.target(drained.metric)
          const id = this.nextId++
          items.push({
            id,
            path: target.path,
            ...(creating ? { create: target.createSpec() } : {}),
            points: cache.pointsToWrite(drained.points),
          })
          batchPending.set(id, {
            metric: drained.metric,
            points: drained.points,
            path: target.path,
            creating,
          })
        }
        if (items.length === 0) break
        const batch = this.nextBatch++
        this.pending.set(batch, { worker: w, items: batchPending })
        this.busy[w]!++
        // The points are a copy made for this write: moved to the writer, not cloned again.
        worker.postMessage(
          { batch, now: Math.floor(now), autoflush: this.options.autoflush, items } satisfies WriteBatch,
          items.map((item) => item.points.buffer as ArrayBuffer),
        )
        if (outOfUpdates) return
      }
    }
    this.wakeIdle()
  }

  private settle(worker: number, reply: WriteReply): void {
    const pending = this.pending.get(reply.batch)
    // A batch already given back (its writer was declared dead) is not settled twice.
    if (pending?.worker !== worker) return
    this.busy[worker]!--
    const batch = pending.items
    this.pending.delete(reply.batch)
    for (const result of reply.results) {
      const item = batch.get(result.id)
      if (!item) continue
      if (result.missing) {
        this.missing.set(item.path, true)
        this.putBack(item, false)
        continue
      }
      if (result.retry) {
        this.putBack(item, result.created)
        this.pausedUntil = performance.now() + RETRY_MS
        this.options.events.deferred(item.metric, result, item.path)
        continue
      }
      if (item.creating && !result.created) this.creates.refund()
      if (!result.error) {
        this.exists.set(item.path, true)
        this.missing.delete(item.path)
      }
      this.options.cache.settled(item.metric, item.points)
      this.options.events.written(item.metric, result, item.path)
    }
    this.schedule()
    this.wakeIdle()
  }

  /**
   * Judge the writers' wait for a CPU (writer-pace.ts). Starved writers that yield are replaced by
   * writers that compete (a thread cannot leave SCHED_IDLE by itself); competing writers that are fed
   * again are told to yield.
   */
  private checkPace(): void {
    if (!this.yieldWorks || this.stopped) return
    const inService = this.tids.slice(0, this.options.workers)
    const judged = this.pace.check(inService.filter((tid): tid is number => tid !== undefined))
    if (judged === undefined) return
    this.options.events.pace?.(this.pace.yielding, judged.waited)
    for (let i = 0; i < this.options.workers; i++) {
      if (this.pace.yielding) this.workers[i]?.postMessage({ kind: 'yield' } satisfies WriterYield)
      else this.retire(i)
    }
  }

  /**
   * Replace writer `i` with a new one (started as the pace says). What it has in flight is finished
   * by the old thread, out of service in a slot past the writers' (a starved writer's batch may take
   * long: the new writer does not wait for it), and the old thread ends then (endIfRetired).
   */
  private retire(i: number): void {
    const old = this.workers[i]
    if (!old) return
    if (this.busy[i]! > 0 || this.hasJobs(i)) {
      let j = this.options.workers
      while (j < this.workers.length && this.workers[j] !== undefined) j++
      this.workers[j] = old
      this.busy[j] = this.busy[i]!
      this.tids[j] = this.tids[i]
      this.startedAt[j] = this.startedAt[i]!
      this.retiring[j] = true
      for (const batch of this.pending.values()) if (batch.worker === i) batch.worker = j
      for (const waiting of this.metadataRequests.values()) if (waiting.worker === i) waiting.worker = j
      this.busy[i] = 0
      this.startWorker(i)
    } else {
      // The old thread's exit is not a death: workers[i] is already the new one.
      this.startWorker(i)
      void this.end(old)
    }
    this.schedule()
  }

  /** A retired writer whose batches and jobs are done ends. */
  private endIfRetired(i: number): void {
    if (!this.retiring[i] || this.busy[i]! > 0 || this.hasJobs(i)) return
    const old = this.workers[i]
    this.workers[i] = undefined
    this.retiring[i] = false
    this.tids[i] = undefined
    if (old) void this.end(old)
  }

  /**
   * Stop a writer thread, once it has started (its first message): a thread stopped while Node
   * registers a native module (koffi, which it loads first) aborts the whole process.
   */
  private async end(worker: Worker): Promise<number> {
    await this.started.get(worker)
    return worker.terminate()
  }

  /** Whether writer `i` has a job (set-metadata, the admin API's) not answered yet. */
  private hasJobs(i: number): boolean {
    for (const waiting of this.metadataRequests.values()) if (waiting.worker === i) return true
    return false
  }

  /** Points that were not written go back to the cache, and an unused create token to its bucket. */
  private putBack(item: Pending, created: boolean): void {
    if (item.creating && !created) this.creates.refund()
    this.options.cache.restore(item.metric, item.points)
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
