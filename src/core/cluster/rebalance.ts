// `carbon rebalance`: put every metric of every node where the new ring says, over the nodes' admin
// API. List every node's metrics, plan (rebalance-plan.ts; moving starts while the lists come in:
// a misplaced copy's move is known from its node's line alone), then per batch of moves from one source
// (up to 128 metrics, a few batches in flight): read the sources' files in one request, fill each new
// home with them in one request (the home's own points win: what the relay delivered there since the
// ring changed is kept; the home checks each upload against its file right after the fill,
// ../whisper/copy-check.ts, and answers the check), and only then, with deleteSource, delete the
// sources in one request, each only if its file is still the one copied (a point that reached it
// meanwhile is copied first). Each batch's completed steps are recorded in the job state
// (job-state.ts) before its next step, so that a run stopped anywhere resumes where it was.

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { AbortedError, ConfigError, fromSystemError } from '../errors.js'
import { checkCopy } from '../whisper/copy-check.js'
import type { BatchFile, FileCopy, PullAnswer } from '../http/admin-client.js'
import { AdminClient } from '../http/admin-client.js'
import type { JobEvent, JobState } from './job-state.js'
import {
  JOB_VERSION,
  createJobState,
  readJobState,
  recordJobEvent,
  recordJobEvents,
  recordJobMoves,
} from './job-state.js'
import type { NodeAddressing } from './nodes.js'
import { placementMembers, resolveNodeUrls } from './nodes.js'
import type { Clock, Rate } from './rate.js'
import { REAL_CLOCK, Throttle } from './rate.js'
import type { Move, RebalancePlan } from './rebalance-plan.js'
import { addMoves, homesOf, misplacedMove, planRebalance } from './rebalance-plan.js'
import { parseRelayConfig } from './relay-config.js'
import { createRelayLookup } from './relay-route.js'

export interface RebalanceOptions extends NodeAddressing {
  relayConfig: string
  /** The ring before the change: its nodes are listed too (a node being removed). */
  oldRelayConfig?: string
  cluster?: string
  token: string
  dryRun?: boolean
  deleteSource?: boolean
  rate?: Rate
  /** The job state file. */
  stateFile: string
  /** Batches of moves in flight at once. */
  concurrency?: number
  timeoutMs?: number
  clock?: Clock
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

export interface FailedMove {
  metric: string
  from: string
  to: string[]
  reason: string
}

export interface RebalanceResult {
  plan: RebalancePlan
  dryRun: boolean
  stateFile?: string
  /** The job resumed a state file that had this many steps recorded. */
  resumedSteps: number
  deleteSource: boolean
  /** Moves whose every destination holds every source point (this run or an earlier one). */
  verified: number
  /** Sources deleted (this run or an earlier one). */
  deleted: number
  /** Files created on destinations and points written into existing ones, this run. */
  created: number
  filledPoints: number
  /** Bytes read from sources this run. */
  bytesRead: number
  /**
   * Moves copied node to node this run: the new home read the source itself (/admin/pull, the source
   * among its --admin-peer), the bytes never passing through this process.
   */
  pulled: number
  /** Points a node still had cached for a metric it deleted: 0 unless something wrote to a source meanwhile. */
  droppedCachedPoints: number
  failed: FailedMove[]
  elapsedMs: number
}

/** Reading a source: how many times the metrics with cached points are asked for again. */
const SOURCE_SETTLE_TRIES = 5
/** Before a delete the source's cache must be empty: wait longer (10 s). */
const DELETE_SETTLE_TRIES = 100
const SETTLE_WAIT_MS = 100
/** Batches in flight at once. */
const DEFAULT_CONCURRENCY = 4

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw fromSystemError(error, file, false)
  }
}

/** One failed move's reason, as one line. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Rebalance the cluster onto the ring of `options.relayConfig`.
 * @throws NotFoundError / ConfigError for the configuration, the token or the state file,
 * InvalidArgumentError for nodes without a URL, UnavailableError when a node cannot be listed,
 * AbortedError when `options.signal` fires (the state file then says what was done).
 */
export async function rebalance(options: RebalanceOptions): Promise<RebalanceResult> {
  const clock = options.clock ?? REAL_CLOCK
  const started = clock.now()
  const text = readText(options.relayConfig)
  const config = parseRelayConfig(text, options.relayConfig)
  const lookup = createRelayLookup(config, { cluster: options.cluster })
  const members = placementMembers(config, options.cluster)
  if (options.oldRelayConfig !== undefined) {
    const old = parseRelayConfig(readText(options.oldRelayConfig), options.oldRelayConfig)
    for (const member of placementMembers(old, options.cluster))
      if (!members.includes(member)) members.push(member)
  }
  const urls = resolveNodeUrls(members, options)
  const clients = new Map(
    [...urls].map(([member, url]) => [
      member,
      new AdminClient({
        url,
        label: member,
        token: options.token,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      }),
    ]),
  )
  const digest = createHash('sha256')
    .update(JSON.stringify([text, options.cluster ?? null, [...urls.keys()].sort()]))
    .digest('hex')
  try {
    let state: JobState | null = options.dryRun ? null : readJobState(options.stateFile)
    if (state && (state.finished || state.header.digest !== digest)) {
      if (!state.finished)
        throw new ConfigError(
          options.stateFile,
          'holds an unfinished rebalance onto another ring or other nodes; run that one to its end, or remove the file',
        )
      state = null
    }
    const placeOf = (metric: string): string[] => lookup(metric)
    /** Every node's metrics and sizes, in the order of the nodes; `onMetric` sees each line as it comes. */
    const listAll = async (
      onMetric?: (member: string, name: string, bytes: number) => void,
    ): Promise<Map<string, Map<string, number>>> => {
      const inventory = new Map<string, Map<string, number>>()
      await Promise.all(
        [...clients].map(async ([member, client]) => {
          const metrics = await client.listMetrics(
            undefined,
            onMetric && ((m) => onMetric(member, m.name, m.bytes)),
          )
          inventory.set(member, new Map(metrics.map((m) => [m.name, m.bytes])))
        }),
      )
      return new Map([...urls.keys()].map((m) => [m, inventory.get(m)!]))
    }
    const emptyResult = (plan: RebalancePlan): RebalanceResult => ({
      plan,
      dryRun: options.dryRun ?? false,
      resumedSteps: state?.resumedSteps ?? 0,
      deleteSource: options.deleteSource ?? false,
      verified: 0,
      deleted: 0,
      created: 0,
      filledPoints: 0,
      bytesRead: 0,
      pulled: 0,
      droppedCachedPoints: 0,
      failed: [],
      elapsedMs: 0,
    })
    if (options.dryRun) {
      const result = emptyResult(planRebalance(await listAll(), placeOf))
      result.elapsedMs = clock.now() - started
      return result
    }
    const deleteSource = options.deleteSource ?? false
    const queue = new BatchQueue()
    let planning: Promise<RebalancePlan>
    if (state) {
      const resumed = state
      for (const batch of batchesOf(resumed, pendingOf(resumed, deleteSource))) queue.push(batch)
      if (resumed.planned) {
        queue.close()
        planning = Promise.resolve(summarizeMoves(resumed.moves, [...urls.keys()]))
      } else {
        // A job stopped before its plan was whole: the nodes are listed again and the moves it does
        // not hold yet are added (a move done since is none any more: its metric is home).
        planning = (async () => {
          const plan = planRebalance(await listAll(), placeOf)
          const known = new Set(resumed.moves.map((m) => `${m.metric}\0${m.from}`))
          const planner = new StreamingPlanner(resumed, queue)
          for (const move of plan.moves) if (!known.has(`${move.metric}\0${move.from}`)) planner.add(move)
          planner.finish()
          return plan
        })()
      }
    } else {
      // Moving starts while the nodes are still listed: a metric held by a node the ring does not
      // place it on is moved from there whatever the other nodes hold (rebalance-plan.ts), so its
      // move is known from that node's line. The others (new replicas) once every list is in.
      const fresh = createJobState(
        options.stateFile,
        {
          job: 'carbon rebalance',
          version: JOB_VERSION,
          digest,
          created: Math.floor(clock.now() / 1000),
          partial: true,
        },
        [],
      )
      state = fresh
      const planner = new StreamingPlanner(fresh, queue)
      const homes = new Map<string, string[]>()
      planning = (async () => {
        const seen = new Set<string>()
        const inventory = await listAll((member, metric, bytes) => {
          // A name listed twice by a node is still one file there (one move).
          const key = `${metric}\0${member}`
          if (seen.has(key)) return
          seen.add(key)
          let to = homes.get(metric)
          if (!to) homes.set(metric, (to = homesOf(metric, lookup)))
          const move = misplacedMove(metric, member, bytes, to)
          if (move) planner.add(move)
        })
        const plan = planRebalance(inventory, (metric) => homes.get(metric) ?? lookup(metric))
        for (const move of plan.moves) if (!move.misplaced) planner.add(move)
        planner.finish()
        return plan
      })()
    }
    // Until the plan is whole, the summary's figures are those of the moves so far.
    const result = emptyResult(summarizeMoves(state.moves, [...urls.keys()]))
    result.stateFile = options.stateFile
    const planned = planning.then(
      (plan) => {
        result.plan = plan
      },
      (error: unknown) => {
        // The batches in flight end; those not started are left to the resumed job.
        queue.close(true)
        throw error
      },
    )
    const [listed, moved] = await Promise.allSettled([
      planned,
      runMoves(state, queue, clients, options, clock, result),
    ])
    if (options.signal?.aborted) throw interrupted(state, result)
    if (listed.status === 'rejected') throw listed.reason
    if (moved.status === 'rejected') throw moved.reason
    if (result.failed.length === 0) recordJobEvent(state, { e: 'finished' })
    result.elapsedMs = clock.now() - started
    return result
  } finally {
    for (const client of clients.values()) client.close()
  }
}

/** The plan's figures, from the moves a job state holds. */
function summarizeMoves(moves: readonly Move[], nodes: string[]): RebalancePlan {
  const plan = planRebalance(new Map(), () => [])
  plan.nodes = nodes
  addMoves(plan, moves)
  plan.metrics = new Set(moves.map((m) => m.metric)).size
  return plan
}

/**
 * Moves per batch, and bytes per batch at most (a batch is one request per node and step). 128:
 * the bench's 10,000 moves in 5.6-5.8 s on a quiet machine, against 6.1-6.3 s in batches of 64
 * (fewer requests, each node's turns longer).
 */
const BATCH_METRICS = 128
const BATCH_BYTES = 16 << 20

/**
 * The pending moves in batches of one source and one set of destinations each (a batch with one
 * home is pulled node to node), the groups taking turns.
 */
function batchesOf(state: JobState, pending: readonly number[]): number[][] {
  const byRoute = new Map<string, number[][]>()
  for (const i of pending) {
    const move = state.moves[i]!
    const route = [move.from, ...move.to].join('\0')
    let list = byRoute.get(route)
    if (!list) byRoute.set(route, (list = [[]]))
    let last = list[list.length - 1]!
    const bytes = last.reduce((sum, k) => sum + state.moves[k]!.bytes, 0)
    if (last.length >= BATCH_METRICS || (last.length > 0 && bytes + move.bytes > BATCH_BYTES))
      list.push((last = []))
    last.push(i)
  }
  const batches: number[][] = []
  const lists = [...byRoute.values()]
  for (let round = 0; batches.length < pending.length && lists.some((l) => round < l.length); round++)
    for (const list of lists) if (round < list.length) batches.push(list[round]!)
  return batches
}

/** The moves of a job not done yet (with deleteSource, a misplaced source not deleted is not done). */
function pendingOf(state: JobState, deleteSource: boolean): number[] {
  const pending: number[] = []
  for (let i = 0; i < state.moves.length; i++) if (!isDone(state, i, deleteSource)) pending.push(i)
  return pending
}

function isDone(state: JobState, i: number, deleteSource: boolean): boolean {
  const p = state.progress[i]!
  return p.verified && (!deleteSource || !state.moves[i]!.misplaced || p.deleted)
}

/** Batches of moves as they are planned, taken by the workers in turn. */
class BatchQueue {
  private readonly batches: number[][] = []
  private readonly waiting: ((batch: number[] | undefined) => void)[] = []
  private closed = false

  /** Ignored once closed (a list still coming in after another failed: left to the resumed job). */
  push(batch: number[]): void {
    if (this.closed) return
    const taker = this.waiting.shift()
    if (taker) taker(batch)
    else this.batches.push(batch)
  }

  /** No more batches; `drop`: not even those not taken yet. */
  close(drop = false): void {
    this.closed = true
    if (drop) this.batches.length = 0
    for (const taker of this.waiting.splice(0)) taker(undefined)
  }

  /** The next batch; undefined once closed and empty. */
  next(): Promise<number[] | undefined> {
    if (this.batches.length > 0) return Promise.resolve(this.batches.shift())
    if (this.closed) return Promise.resolve(undefined)
    return new Promise((resolve) => this.waiting.push(resolve))
  }
}

/**
 * Moves as they are planned, into the job state then the queue: gathered per source and set of
 * destinations (a batch's route), recorded in one append when a batch is full, then queued; the rest
 * once the plan is whole (finish), with the `planned` event.
 */
class StreamingPlanner {
  private readonly open = new Map<string, { moves: Move[]; bytes: number }>()

  constructor(
    private readonly state: JobState,
    private readonly queue: BatchQueue,
  ) {}

  add(move: Move): void {
    const route = [move.from, ...move.to].join('\0')
    let batch = this.open.get(route)
    if (batch && batch.moves.length > 0 && batch.bytes + move.bytes > BATCH_BYTES) {
      this.emit(batch.moves)
      batch = undefined
    }
    if (!batch) this.open.set(route, (batch = { moves: [], bytes: 0 }))
    batch.moves.push(move)
    batch.bytes += move.bytes
    if (batch.moves.length >= BATCH_METRICS) {
      this.emit(batch.moves)
      this.open.delete(route)
    }
  }

  finish(): void {
    for (const batch of this.open.values()) this.emit(batch.moves)
    this.open.clear()
    recordJobEvent(this.state, { e: 'planned' })
    this.queue.close()
  }

  private emit(moves: Move[]): void {
    const first = this.state.moves.length
    recordJobMoves(this.state, moves)
    this.queue.push(moves.map((_, k) => first + k))
  }
}

function interrupted(state: JobState, result: RebalanceResult): AbortedError {
  const total = state.moves.length
  const done = state.moves.reduce((n, _, i) => n + (isDone(state, i, result.deleteSource) ? 1 : 0), 0)
  return new AbortedError(
    `interrupted: ${done} of ${total} moves done (${result.verified} verified, ${result.deleted} sources deleted); ` +
      `nothing half-done is lost: run the same command again to resume from ${state.file}`,
  )
}

async function runMoves(
  state: JobState,
  queue: BatchQueue,
  clients: ReadonlyMap<string, AdminClient>,
  options: RebalanceOptions,
  clock: Clock,
  result: RebalanceResult,
): Promise<void> {
  const throttle = new Throttle(options.rate, clock)
  const deleteSource = options.deleteSource ?? false
  let done = state.moves.length - pendingOf(state, deleteSource).length
  // The plan grows while the nodes are listed: the total is that of the moves planned so far.
  options.onProgress?.(done, state.moves.length)
  // Whether each destination pulls from a source itself (unknown until asked; false: relayed).
  const pulls = new Map<string, boolean>()
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return
      const batch = await queue.next()
      if (!batch || options.signal?.aborted) return
      const run = new Batch(state, batch, clients, deleteSource, clock, result, options.signal, pulls)
      try {
        await throttle.takeAll(
          batch.map((i) => state.moves[i]!.bytes),
          options.signal,
        )
        await run.run()
      } catch (error) {
        if (options.signal?.aborted) return
        if (error instanceof AbortedError) return
        const reason = reasonOf(error)
        const failed = batch.filter((i) => !isDone(state, i, deleteSource) && !run.failedHere.has(i))
        recordJobEvents(
          state,
          failed.map((i) => ({ e: 'failed', i, reason })),
        )
        for (const i of failed) {
          const move = state.moves[i]!
          result.failed.push({ metric: move.metric, from: move.from, to: move.to, reason })
        }
      }
      for (const i of batch) if (isDone(state, i, deleteSource)) done++
      options.onProgress?.(done, state.moves.length)
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? DEFAULT_CONCURRENCY }, worker))
  } finally {
    for (let i = 0; i < state.moves.length; i++) {
      if (state.progress[i]!.verified) result.verified++
      if (state.progress[i]!.deleted) result.deleted++
    }
  }
}

/**
 * One batch of moves from one source: read their files in one request, fill each destination with
 * them in one request (the node checks each upload against its file after the fill and answers the
 * check), record the batch's steps in one append, then delete the verified sources in one request,
 * each only if its file is still the one copied (else it is copied again first).
 */
class Batch {
  /** The bytes copied of each move (the source's file as read), when they passed through here. */
  private readonly copies = new Map<number, Buffer>()
  /** Moves whose source was copied (here or by a pulling destination). */
  private readonly copied = new Set<number>()
  /** What the source named each copy by, for the conditional delete (an older node gives none). */
  private readonly versions = new Map<number, string>()
  /** The sha256 of a copy a destination pulled from a source that gave no version. */
  private readonly digests = new Map<number, string>()
  /** The batch's single destination pulls from the source itself. */
  private pulling = false
  /** Moves of this batch that failed: no further step. */
  readonly failedHere = new Set<number>()
  private events: JobEvent[] = []

  constructor(
    private readonly state: JobState,
    private readonly indices: readonly number[],
    private readonly clients: ReadonlyMap<string, AdminClient>,
    private readonly deleteSource: boolean,
    private readonly clock: Clock,
    private readonly result: RebalanceResult,
    private readonly signal: AbortSignal | undefined,
    /** Per destination: whether it pulls (shared by the batches; absent: not asked yet). */
    private readonly pulls: Map<string, boolean>,
  ) {}

  async run(): Promise<void> {
    const { state } = this
    // Node to node when the batch has one destination (each move one home) that can: the bytes
    // then go from the source to it directly. Replicas are relayed (each copy must be the same bytes
    // the conditional delete names).
    const homes = new Set(this.indices.flatMap((i) => state.moves[i]!.to))
    const [home] = homes
    if (
      homes.size === 1 &&
      this.pulls.get(home!) !== false &&
      this.indices.every((i) => state.moves[i]!.to.length === 1) &&
      (await this.pullAndVerify(this.indices, SOURCE_SETTLE_TRIES))
    ) {
      this.pulling = true
      this.flush()
      if (this.deleteSource) await this.deleteSources()
      return
    }
    const source = this.clients.get(state.moves[this.indices[0]!]!.from)!
    const files = await this.settledFiles(source, this.indices, SOURCE_SETTLE_TRIES)
    const toFill: number[] = []
    for (const i of this.indices) {
      const move = state.moves[i]!
      const progress = state.progress[i]!
      const file = files.get(move.metric)!
      if (file === null) {
        // A source deleted after its copies were verified (the run stopped before recording it).
        if (progress.verified) {
          if (!progress.deleted && move.misplaced) this.events.push({ e: 'deleted', i })
        } else this.fail(i, `${move.from} no longer has ${move.metric}, and its copies were never verified`)
        continue
      }
      if ('error' in file) {
        this.fail(i, `${move.from}: ${file.error}`)
        continue
      }
      this.keepCopy(i, file)
      if (!progress.verified) toFill.push(i)
    }
    await this.fillAndVerify(toFill)
    this.flush()
    if (this.deleteSource) await this.deleteSources()
  }

  /**
   * Have the batch's destination fill `indices` from their source itself, asking again (after a
   * wait) for those the source still had cached points of, at most `tries` times; record `filled`
   * and `verified` events as fillAndVerify does. False when the destination cannot pull from this
   * source (then nothing was done: the batch is relayed).
   */
  private async pullAndVerify(indices: readonly number[], tries: number): Promise<boolean> {
    const { state } = this
    const to = state.moves[indices[0]!]!.to[0]!
    const source = this.clients.get(state.moves[indices[0]!]!.from)!
    const home = this.clients.get(to)!
    const final = new Map<number, PullAnswer>()
    const filled = new Map<number, { points: number; created: boolean }>()
    let todo = [...indices]
    for (let attempt = 0; ; attempt++) {
      const answers = await home.pull(
        source.url,
        todo.map((i) => state.moves[i]!.metric),
      )
      if (answers === 'unsupported') {
        this.pulls.set(to, false)
        return false
      }
      this.pulls.set(to, true)
      const again: number[] = []
      answers.forEach((answer, k) => {
        const i = todo[k]!
        final.set(i, answer)
        if (!('created' in answer)) return
        // Each pull fills only gaps: the points of every pull add up, a file created by any of them is.
        const sum = filled.get(i) ?? { points: 0, created: false }
        filled.set(i, { points: sum.points + answer.filled, created: sum.created || answer.created })
        if (answer.cachedPoints > 0) again.push(i)
      })
      if (again.length === 0 || attempt >= tries) break
      await this.clock.sleep(SETTLE_WAIT_MS, this.signal)
      todo = again
    }
    for (const i of indices) {
      const move = state.moves[i]!
      const progress = state.progress[i]!
      const answer = final.get(i)!
      if ('absent' in answer) {
        // A source deleted after its copies were verified (the run stopped before recording it).
        if (progress.verified) {
          if (!progress.deleted && move.misplaced) this.events.push({ e: 'deleted', i })
        } else this.fail(i, `${move.from} no longer has ${move.metric}, and its copies were never verified`)
        continue
      }
      if ('error' in answer) {
        this.fail(i, `${to}: ${answer.error}`)
        continue
      }
      this.copied.add(i)
      if (answer.version === undefined) this.versions.delete(i)
      else this.versions.set(i, answer.version)
      if (answer.sha256 !== undefined) this.digests.set(i, answer.sha256)
      this.result.bytesRead += answer.bytes
      this.result.pulled++
      if (answer.missing > 0) {
        this.fail(
          i,
          `${to} lacks ${answer.missing} of ${answer.checked} points of ${move.metric} from ${move.from} (${answer.examples.join(', ')})`,
        )
        continue
      }
      const sum = filled.get(i)!
      if (sum.created) this.result.created++
      this.result.filledPoints += sum.points
      if (!progress.filled.has(to))
        this.events.push({ e: 'filled', i, to, points: sum.points, created: sum.created, pulled: true })
      if (!progress.verified) this.events.push({ e: 'verified', i, checked: answer.checked })
    }
    return true
  }

  private keepCopy(i: number, file: FileCopy): void {
    this.copies.set(i, file.bytes)
    this.copied.add(i)
    if (file.version === undefined) this.versions.delete(i)
    else this.versions.set(i, file.version)
    this.result.bytesRead += file.bytes.byteLength
  }

  private fail(i: number, reason: string): void {
    if (this.failedHere.has(i)) return
    this.failedHere.add(i)
    this.events.push({ e: 'failed', i, reason })
    const move = this.state.moves[i]!
    this.result.failed.push({ metric: move.metric, from: move.from, to: move.to, reason })
  }

  /** The batch's steps, in one append, before the next step starts. */
  private flush(): void {
    recordJobEvents(this.state, this.events)
    this.events = []
  }

  /**
   * The sources' files once their cached points are written out (they are not in the bytes), asking
   * again for those still cached at most `tries` times; after that the files as they are.
   */
  private async settledFiles(
    source: AdminClient,
    indices: readonly number[],
    tries: number,
  ): Promise<Map<string, BatchFile>> {
    const names = indices.map((i) => this.state.moves[i]!.metric)
    const files = await source.getFiles(names)
    for (let attempt = 0; attempt < tries; attempt++) {
      const cached = names.filter((name) => {
        const file = files.get(name)
        return file && !('error' in file) && file.cachedPoints > 0
      })
      if (cached.length === 0) break
      await this.clock.sleep(SETTLE_WAIT_MS, this.signal)
      for (const [name, file] of await source.getFiles(cached)) files.set(name, file)
    }
    return files
  }

  /** Fill every destination of `indices` with the copies; record `filled` and `verified` events. */
  private async fillAndVerify(indices: readonly number[]): Promise<void> {
    const { state } = this
    const byDestination = new Map<string, number[]>()
    for (const i of indices)
      for (const to of state.moves[i]!.to) {
        let list = byDestination.get(to)
        if (!list) byDestination.set(to, (list = []))
        list.push(i)
      }
    const checked = new Map<number, number>()
    await Promise.all(
      [...byDestination].map(async ([to, list]) => {
        const answers = await this.clients
          .get(to)!
          .fillMany(list.map((i) => ({ name: state.moves[i]!.metric, bytes: this.copies.get(i)! })))
        answers.forEach((answer, k) => {
          const i = list[k]!
          const move = state.moves[i]!
          if ('error' in answer) return this.fail(i, `${to}: ${answer.error}`)
          if (answer.missing > 0)
            return this.fail(
              i,
              `${to} lacks ${answer.missing} of ${answer.checked} points of ${move.metric} from ${move.from} (${answer.examples.join(', ')})`,
            )
          // A file this fill created has the source's layout: the node must have looked for every
          // point the source has in its windows (it saw the same bytes).
          if (answer.created) {
            const expected = checkCopy(this.copies.get(i)!, this.copies.get(i)!, answer.now).checked
            if (answer.checked !== expected)
              return this.fail(
                i,
                `${to} checked ${answer.checked} of the ${expected} points of ${move.metric}`,
              )
            this.result.created++
          }
          this.result.filledPoints += answer.filled
          checked.set(i, (checked.get(i) ?? 0) + answer.checked)
          if (!state.progress[i]!.filled.has(to))
            this.events.push({ e: 'filled', i, to, points: answer.filled, created: answer.created })
        })
      }),
    )
    for (const i of indices)
      if (!this.failedHere.has(i) && !state.progress[i]!.verified)
        this.events.push({ e: 'verified', i, checked: checked.get(i) ?? 0 })
  }

  /**
   * Delete the verified misplaced sources, each only if its file is the one copied and none of its
   * points is cached; a changed one is read, filled and checked again first.
   */
  private async deleteSources(): Promise<void> {
    const { state } = this
    const source = this.clients.get(state.moves[this.indices[0]!]!.from)!
    let todo = this.indices.filter(
      (i) =>
        !this.failedHere.has(i) &&
        this.copied.has(i) &&
        state.moves[i]!.misplaced &&
        state.progress[i]!.verified &&
        !state.progress[i]!.deleted,
    )
    let changedRounds = 0
    for (let round = 0; todo.length > 0; round++) {
      const answers = await source.deleteMany(
        todo.map((i) => {
          const name = state.moves[i]!.metric
          const version = this.versions.get(i)
          // The source's own name for the bytes copied: no digest of them here.
          if (version !== undefined) return { name, version }
          const sha256 = this.digests.get(i) ?? createHash('sha256').update(this.copies.get(i)!).digest('hex')
          return { name, sha256 }
        }),
      )
      const again: number[] = []
      let cached = false
      answers.forEach((answer, k) => {
        const i = todo[k]!
        if ('error' in answer) return this.fail(i, `${state.moves[i]!.from}: ${answer.error}`)
        if ('changed' in answer && answer.changed) {
          again.push(i)
          if (answer.cachedPoints > 0) cached = true
          return
        }
        if ('droppedCachedPoints' in answer) this.result.droppedCachedPoints += answer.droppedCachedPoints
        this.events.push({ e: 'deleted', i })
      })
      this.flush()
      if (again.length === 0) break
      if (cached ? round >= DELETE_SETTLE_TRIES : changedRounds >= 3) {
        for (const i of again)
          this.fail(
            i,
            `${state.moves[i]!.from} keeps receiving points for ${state.moves[i]!.metric}; not deleted`,
          )
        this.flush()
        break
      }
      if (!cached) changedRounds++
      // Points that reached the source since the copy: copied (once out of its cache) before it goes.
      if (this.pulling) {
        await this.pullAndVerify(again, cached ? 1 : SOURCE_SETTLE_TRIES)
        this.flush()
        todo = again.filter((i) => !this.failedHere.has(i) && !this.state.progress[i]!.deleted)
        continue
      }
      const files = await this.settledFiles(source, again, cached ? 1 : SOURCE_SETTLE_TRIES)
      const refill: number[] = []
      for (const i of again) {
        const file = files.get(state.moves[i]!.metric)!
        if (file === null) {
          this.events.push({ e: 'deleted', i })
          continue
        }
        if ('error' in file) {
          this.fail(i, `${state.moves[i]!.from}: ${file.error}`)
          continue
        }
        this.keepCopy(i, file)
        refill.push(i)
      }
      await this.fillAndVerify(refill)
      this.flush()
      todo = refill.filter((i) => !this.failedHere.has(i))
    }
  }
}
