// The reference side of the protocol tests: a long-running Debian python3 running protocol_oracle.py,
// which drives carbon 1.1.7's own receivers and Python's pickle. See protocol_oracle.py for the ops.

import { WhisperOracle } from './reference.js'

/** A Python value as the oracle speaks it. */
export type Typed =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'str'; v: string }
  | { t: 'bytes' | 'bytearray'; v: string }
  | { t: 'list' | 'tuple' | 'set' | 'frozenset'; v: Typed[] }
  | { t: 'dict'; v: [Typed, Typed][] }

/** carbon's view of a point: [metric, timestamp as f64 hex, value as f64 hex]. */
export type OraclePoint = [string, string, string]

/** The protocol oracle: a WhisperOracle process running protocol_oracle.py. */
export type ProtocolOracle = WhisperOracle

export const ProtocolOracle = {
  start: (): ProtocolOracle => WhisperOracle.start('protocol_oracle.py', ['-W', 'ignore']),
}
