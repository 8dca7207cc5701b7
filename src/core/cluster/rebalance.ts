// `carbon rebalance`: put every metric of every node where the new ring says, over the nodes' admin
// API. List every node's metrics, plan (rebalance-plan.ts), then per move: read the source's file,
// fill each new home with it (the home's own points win: what the relay delivered there since the
// ring changed is kept), read each home back and check that every source point is there
// (verify-copy.ts), and only then, with deleteSource, delete the source (after reading it once more:
// a point that reached it meanwhile is copied first). Each completed step is recorded in the job
// state (job-state.ts) before the next, so that a run stopped anywhere resumes where it was.

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { AbortedError, ConfigError, fromSystemError } from '../errors.js'
import type { FileCopy } from './admin-client.js'
import { AdminClient } from './admin-client.js'
import type { JobState } from './job-state.js'
import { JOB_VERSION, createJobState, readJobState, recordJobEvent } from './job-state.js'
import type { NodeAddressing } from './nodes.js'
import { placementMembers, resolveNodeUrls } from './nodes.js'
import type { Clock, Rate } from './rate.js'
import { REAL_CLOCK, Throttle } from './rate.js'
import type { Move, RebalancePlan } from './rebalance-plan.js'
import { addMoves, planRebalance } from './rebalance-plan.js'
import { parseRelayConfig } from './relay-config.js'
import { createRelayLookup } from './relay-route.js'
import { checkCopy } from './verify-copy.js'

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
  /** Moves in flight at once. */
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
  /** Points a node still had cached for a metric it deleted: 0 unless something wrote to a source meanwhile. */
  droppedCachedPoints: number
  failed: FailedMove[]
  elapsedMs: number
}

const SETTLE_TRIES = 20
/** Before a delete the source's cache must be empty: wait longer (10 s). */
const DELETE_SETTLE_TRIES = 100
const SETTLE_WAIT_MS = 100
const DEFAULT_CONCURRENCY = 8

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

class MoveFailed extends Error {}

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
    let plan: RebalancePlan
    if (state) {
      plan = summarizeMoves(state.moves, [...urls.keys()])
    } else {
      const inventory = new Map<string, Map<string, number>>()
      await Promise.all(
        [...clients].map(async ([member, client]) => {
          const metrics = await client.listMetrics()
          inventory.set(member, new Map(metrics.map((m) => [m.name, m.bytes])))
        }),
      )
      const ordered = new Map([...urls.keys()].map((m) => [m, inventory.get(m)!]))
      plan = planRebalance(ordered, (metric) => lookup(metric))
    }
    const result: RebalanceResult = {
      plan,
      dryRun: options.dryRun ?? false,
      resumedSteps: state?.resumedSteps ?? 0,
      deleteSource: options.deleteSource ?? false,
      verified: 0,
      deleted: 0,
      created: 0,
      filledPoints: 0,
      bytesRead: 0,
      droppedCachedPoints: 0,
      failed: [],
      elapsedMs: 0,
    }
    if (options.dryRun) {
      result.elapsedMs = clock.now() - started
      return result
    }
    state ??= createJobState(
      options.stateFile,
      { job: 'carbon rebalance', version: JOB_VERSION, digest, created: Math.floor(clock.now() / 1000) },
      plan.moves,
    )
    result.stateFile = options.stateFile
    await runMoves(state, clients, options, clock, result)
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

async function runMoves(
  state: JobState,
  clients: ReadonlyMap<string, AdminClient>,
  options: RebalanceOptions,
  clock: Clock,
  result: RebalanceResult,
): Promise<void> {
  const throttle = new Throttle(options.rate, clock)
  const deleteSource = options.deleteSource ?? false
  const isDone = (i: number): boolean => {
    const p = state.progress[i]!
    return p.verified && (!deleteSource || !state.moves[i]!.misplaced || p.deleted)
  }
  const total = state.moves.length
  let done = 0
  for (let i = 0; i < total; i++) if (isDone(i)) done++
  options.onProgress?.(done, total)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return
      const i = next++
      if (i >= total) return
      if (isDone(i)) continue
      const move = state.moves[i]!
      try {
        await throttle.take(move.bytes, options.signal)
        await runMove(state, i, clients, deleteSource, clock, result, options.signal)
      } catch (error) {
        if (options.signal?.aborted) return
        if (error instanceof AbortedError) return
        const reason = reasonOf(error)
        recordJobEvent(state, { e: 'failed', i, reason })
        result.failed.push({ metric: move.metric, from: move.from, to: move.to, reason })
      }
      if (isDone(i)) done++
      options.onProgress?.(done, total)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? DEFAULT_CONCURRENCY }, worker))
  for (let i = 0; i < total; i++) {
    if (state.progress[i]!.verified) result.verified++
    if (state.progress[i]!.deleted) result.deleted++
  }
  if (options.signal?.aborted) {
    throw new AbortedError(
      `interrupted: ${done} of ${total} moves done (${result.verified} verified, ${result.deleted} sources deleted); ` +
        `nothing half-done is lost: run the same command again to resume from ${state.file}`,
    )
  }
  if (result.failed.length === 0) recordJobEvent(state, { e: 'finished' })
}

/**
 * The source's file once its cache is written out (its cached points are not in the bytes), waiting
 * at most `tries` times; after that the file as it is, or, with `strict`, a failure.
 */
async function settledCopy(
  client: AdminClient,
  metric: string,
  clock: Clock,
  signal: AbortSignal | undefined,
  tries: number,
  strict: boolean,
): Promise<FileCopy | null> {
  for (let attempt = 0; ; attempt++) {
    const copy = await client.getFile(metric)
    if (copy === null || copy.cachedPoints === 0) return copy
    if (attempt >= tries) {
      if (!strict) return copy
      throw new MoveFailed(
        `${client.label} keeps ${copy.cachedPoints} points of ${metric} in its cache, not in the file`,
      )
    }
    await clock.sleep(SETTLE_WAIT_MS, signal)
  }
}

async function runMove(
  state: JobState,
  i: number,
  clients: ReadonlyMap<string, AdminClient>,
  deleteSource: boolean,
  clock: Clock,
  result: RebalanceResult,
  signal?: AbortSignal,
): Promise<void> {
  const move = state.moves[i]!
  const progress = state.progress[i]!
  const source = clients.get(move.from)!
  let copy = await settledCopy(source, move.metric, clock, signal, 5, false)
  if (copy === null) {
    // A source deleted after its copies were verified (the run stopped before recording it).
    if (progress.verified) {
      if (!progress.deleted && move.misplaced) recordJobEvent(state, { e: 'deleted', i })
      return
    }
    throw new MoveFailed(`${move.from} no longer has ${move.metric}, and its copies were never verified`)
  }
  result.bytesRead += copy.bytes.byteLength
  if (!progress.verified) {
    const checked = await fillAndVerify(state, i, clients, copy.bytes, clock, result, signal)
    recordJobEvent(state, { e: 'verified', i, checked })
  }
  if (!deleteSource || !move.misplaced || progress.deleted) return
  // Read the source once more: a point that reached it since the copy is copied before it goes.
  for (let round = 0; ; round++) {
    const again = await settledCopy(source, move.metric, clock, signal, DELETE_SETTLE_TRIES, true)
    if (again === null) break
    if (again.bytes.equals(copy.bytes)) {
      const answer = await source.deleteMetric(move.metric)
      if (answer) result.droppedCachedPoints += answer.droppedCachedPoints
      break
    }
    if (round >= 3)
      throw new MoveFailed(`${move.from} keeps receiving points for ${move.metric}; not deleted`)
    copy = again
    result.bytesRead += copy.bytes.byteLength
    await fillAndVerify(state, i, clients, copy.bytes, clock, result, signal, true)
  }
  recordJobEvent(state, { e: 'deleted', i })
}

async function fillAndVerify(
  state: JobState,
  i: number,
  clients: ReadonlyMap<string, AdminClient>,
  bytes: Buffer,
  clock: Clock,
  result: RebalanceResult,
  signal: AbortSignal | undefined,
  refill = false,
): Promise<number> {
  const move = state.moves[i]!
  const progress = state.progress[i]!
  for (const to of move.to) {
    if (progress.filled.has(to) && !refill) continue
    const answer = await clients.get(to)!.fill(move.metric, bytes)
    if (answer.created) result.created++
    result.filledPoints += answer.filled
    if (!progress.filled.has(to))
      recordJobEvent(state, { e: 'filled', i, to, points: answer.filled, created: answer.created })
  }
  let checked = 0
  for (const to of move.to) {
    const destination = clients.get(to)!
    for (let attempt = 0; ; attempt++) {
      const copy = await destination.getFile(move.metric)
      if (copy === null) throw new MoveFailed(`${to} has no ${move.metric} after the fill`)
      const check = checkCopy(bytes, copy.bytes, Math.floor(clock.now() / 1000), {
        names: { source: `${move.from}:${move.metric}`, destination: `${to}:${move.metric}` },
      })
      if (check.missing === 0) {
        checked += check.checked
        break
      }
      // Points the destination has only in its cache are not in its bytes yet.
      if (attempt >= SETTLE_TRIES)
        throw new MoveFailed(
          `${to} lacks ${check.missing} of ${check.checked} points of ${move.metric} from ${move.from} (${check.examples.join(', ')})`,
        )
      await clock.sleep(SETTLE_WAIT_MS, signal)
    }
  }
  return checked
}
