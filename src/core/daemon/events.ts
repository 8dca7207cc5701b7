// What the daemon tells its caller (`carbon serve` logs each one as a line): every event of every
// stage, in one union, so that the command's renderer (src/cli/carbon/render/serve-log.ts) sees every
// kind. The stages emit their own subsets (WalEvent, FlowEvent, StartupReplayEvent); the daemon adds
// the rest.

import type { Fault } from './faults.js'
import type { WalEvent } from './wal.js'

/** Flow control (flow-control.ts): the TCP receivers paused while the cache or the log is full, and resumed. */
export type FlowEvent =
  | { type: 'cache-full'; size: number }
  | { type: 'cache-resumed'; size: number }
  | { type: 'wal-full'; bytes: number }
  | { type: 'wal-resumed'; bytes: number }

/** The replay at start (startup-replay.ts): the write-ahead log, then a legacy shutdown dump. */
export type StartupReplayEvent =
  | { type: 'wal-replaying'; segment: string; points: number; segments: number; of: number }
  | {
      type: 'wal-replayed'
      dir: string
      points: number
      segments: number
      bytes: number
      /** Points of metrics deleted (admin API) after they were logged: replayed, then dropped. */
      deletedPoints: number
      seconds: number
    }
  | { type: 'replayed'; file: string; points: number }
  | { type: 'stopped-starting'; wal: string }

export type DaemonEvent =
  | StartupReplayEvent
  | FlowEvent
  | { type: 'config-warning'; message: string }
  | { type: 'listening'; addresses: { protocol: string; address: string; port: number }[]; dataDir: string }
  | WalEvent
  | { type: 'created'; metric: string; path: string }
  | { type: 'write-error'; metric: string; path: string; message: string }
  | { type: 'writer-died'; writer: number; message: string; points: number }
  /**
   * The writers now yield the CPU to the receivers (`yielding`) or compete for it (writer-pace.ts):
   * they waited for a CPU `waited` (a share) of the last `seconds`.
   */
  | { type: 'writer-pace'; yielding: boolean; waited: number; seconds: number }
  | {
      type: 'write-deferred'
      metric: string
      path: string
      message: string
      points: number
      suppressed: number
    }
  | { type: 'rejected'; protocol: string; reason: string; detail: string; peer: string; suppressed: number }
  | { type: 'reloaded' }
  /** Memory given back after a churn of names (reclaim.ts): what is still known, whether the churn is over. */
  | { type: 'reclaimed'; names: number; files: number; settled: boolean }
  | { type: 'http-error'; message: string }
  | { type: 'reload-failed'; message: string }
  | { type: 'stopping'; cached: number }
  | ({ type: 'fault' } & Fault)
  | { type: 'stopped'; written: number; left: number; wal?: string }

export interface StopReport {
  written: number
  /** Points not written by the deadline: they stay in the write-ahead log (`wal`) for the next start. */
  left: number
  wal?: string
}
