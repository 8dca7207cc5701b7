// The job state file of a rebalance: what makes it resumable after Ctrl-C, a crash or SIGKILL with
// nothing done twice that matters and nothing skipped. JSON Lines: a header (which ring and which
// nodes the job is for), the plan's moves, then one event per step completed, appended only after the
// step succeeded: `filled` (a destination holds the source's points; `pulled` when it read them from
// the source itself), `verified` (every destination checked), `deleted` (the source removed, only
// ever after `verified`), `failed` (retried on resume). A partial job (header `partial`) appends its
// moves as it plans them, in between, and `planned` once the plan is whole.
// Every step is idempotent on the nodes (a fill writes only into gaps; a delete of a missing metric is
// a no-op), so redoing the step a crash interrupted before its event was written is harmless. The
// file is written whole to a temporary name then renamed; events are single appends, and a torn last
// line (a crash in the middle of a write) is ignored on reading.

import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CannotWriteError, ConfigError, fromSystemError, systemErrorCode } from '../errors.js'
import type { Move } from './rebalance-plan.js'

export const JOB_VERSION = 1

export interface JobHeader {
  job: 'carbon rebalance'
  version: number
  /** Identifies the ring and the nodes: a state file is resumed only by the same rebalance. */
  digest: string
  /** Epoch seconds. */
  created: number
  /**
   * The moves are appended as the nodes' lists come in (moving starts before every list is in): the
   * plan is whole only once a `planned` event follows them. Absent: every move is in the file.
   */
  partial?: true
}

export interface MoveProgress {
  filled: Set<string>
  verified: boolean
  deleted: boolean
  failed?: string
}

export type JobEvent =
  /** `pulled`: the destination read the source itself (/admin/pull), the bytes never relayed. */
  | { e: 'filled'; i: number; to: string; points: number; created: boolean; pulled?: true }
  | { e: 'verified'; i: number; checked: number }
  | { e: 'deleted'; i: number }
  | { e: 'failed'; i: number; reason: string }
  | { e: 'planned' }
  | { e: 'finished' }

export interface JobState {
  file: string
  header: JobHeader
  moves: Move[]
  progress: MoveProgress[]
  finished: boolean
  /** Every move of the plan is in `moves` (a partial job's `planned` event was recorded). */
  planned: boolean
  /** Steps already recorded when the file was read (0 for a new job). */
  resumedSteps: number
}

function freshProgress(moves: readonly Move[]): MoveProgress[] {
  return moves.map(() => ({ filled: new Set<string>(), verified: false, deleted: false }))
}

function apply(state: JobState, event: JobEvent): void {
  if (event.e === 'finished') {
    state.finished = true
    return
  }
  if (event.e === 'planned') {
    state.planned = true
    return
  }
  const p = state.progress[event.i]
  if (!p) return
  if (event.e === 'filled') p.filled.add(event.to)
  else if (event.e === 'verified') {
    p.verified = true
    p.failed = undefined
  } else if (event.e === 'deleted') p.deleted = true
  else p.failed = event.reason
}

/**
 * The state in `file`, or null when there is none.
 * @throws ConfigError when the file is not a rebalance's job state.
 */
export function readJobState(file: string): JobState | null {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return null
    throw fromSystemError(error, file, false)
  }
  const lines = text.split('\n')
  // The last line is complete only when the file ends with a newline.
  if (!text.endsWith('\n')) lines.pop()
  let header: JobHeader
  try {
    header = JSON.parse(lines[0] ?? '') as JobHeader
  } catch {
    throw new ConfigError(file, 'not a carbon rebalance job state file (its first line is not JSON)')
  }
  if (header.job !== 'carbon rebalance' || header.version !== JOB_VERSION)
    throw new ConfigError(file, 'not a carbon rebalance job state file of this version')
  const state: JobState = {
    file,
    header,
    moves: [],
    progress: [],
    finished: false,
    planned: header.partial !== true,
    resumedSteps: 0,
  }
  for (const line of lines.slice(1)) {
    if (line === '') continue
    let entry: { move?: Move } & Partial<JobEvent>
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      throw new ConfigError(file, `a line of the job state is not JSON: ${line.slice(0, 60)}`)
    }
    if (entry.move) {
      state.moves.push(entry.move)
      state.progress.push({ filled: new Set(), verified: false, deleted: false })
    } else {
      apply(state, entry as JobEvent)
      state.resumedSteps++
    }
  }
  return state
}

/**
 * Write a new job's state (replacing a finished one): the header and the moves.
 * @throws CannotWriteError
 */
export function createJobState(file: string, header: JobHeader, moves: readonly Move[]): JobState {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`,
  )
  const lines = [JSON.stringify(header), ...moves.map((move) => JSON.stringify({ move }))]
  try {
    fs.writeFileSync(temporary, lines.join('\n') + '\n')
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw cannotWrite(file, error)
  }
  return {
    file,
    header,
    moves: [...moves],
    progress: freshProgress(moves),
    finished: false,
    planned: header.partial !== true,
    resumedSteps: 0,
  }
}

/**
 * Append moves to a partial job's plan (one write), before any step of them: their indices follow
 * the moves already there.
 * @throws CannotWriteError
 */
export function recordJobMoves(state: JobState, moves: readonly Move[]): void {
  if (moves.length === 0) return
  append(
    state.file,
    moves.map((move) => JSON.stringify({ move })),
  )
  state.moves.push(...moves)
  state.progress.push(...freshProgress(moves))
}

/**
 * Record completed steps (a batch's): appended in one write before the next step starts. A crash
 * in the middle leaves a prefix of them (a torn last line is ignored): each is a step done.
 * @throws CannotWriteError
 */
export function recordJobEvents(state: JobState, events: readonly JobEvent[]): void {
  if (events.length === 0) return
  append(
    state.file,
    events.map((event) => JSON.stringify(event)),
  )
  for (const event of events) apply(state, event)
}

/**
 * Record a completed step: appended (one write) before the next step starts.
 * @throws CannotWriteError
 */
export function recordJobEvent(state: JobState, event: JobEvent): void {
  recordJobEvents(state, [event])
}

/**
 * `lines` appended to the job state file in one write.
 * @throws CannotWriteError
 */
function append(file: string, lines: readonly string[]): void {
  try {
    fs.appendFileSync(file, lines.map((line) => line + '\n').join(''))
  } catch (error) {
    throw cannotWrite(file, error)
  }
}

/** What a failed write of the job state file throws: the system error's known form, else CannotWriteError. */
function cannotWrite(file: string, error: unknown): Error {
  const known = fromSystemError(error, file, true)
  return known instanceof Error && known !== error ? known : new CannotWriteError(file, String(error))
}
