// The reference side of the protocol tests: a long-running Debian python3 running protocol_oracle.py,
// which drives carbon 1.1.7's own receivers and Python's pickle. See protocol_oracle.py for the ops.

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { ROOT } from './paths.js'
import type { OracleError } from './reference.js'
import { REFERENCE_PYTHON, ReferenceError } from './reference.js'

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

export class ProtocolOracle {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const lines = readline.createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: OracleError }
      const waiter = this.pending.get(reply.id)
      this.pending.delete(reply.id)
      if (!waiter) return
      if (reply.ok) waiter.resolve(reply.result)
      else waiter.reject(new ReferenceError(reply.error!))
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    child.on('exit', (code) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`carbon oracle exited ${code}: ${stderr}`))
      this.pending.clear()
    })
  }

  static start(): ProtocolOracle {
    const script = path.join(ROOT, 'test', 'helpers', 'protocol_oracle.py')
    return new ProtocolOracle(
      spawn(REFERENCE_PYTHON, ['-W', 'ignore', script], { stdio: ['pipe', 'pipe', 'pipe'] }),
    )
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.stdin.write(JSON.stringify({ id, op, args }) + '\n')
    })
  }

  async close(): Promise<void> {
    this.child.stdin.end()
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('exit', resolve))
  }
}
