// Access to the reference implementation (Debian's python3-whisper and graphite-carbon, run with
// Debian's own python3) for differential tests. When it is missing the tests skip with a loud
// message; with CARBONKIT_REQUIRE_REFERENCE=1 (set by .ci/run) they fail instead.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { after, before } from 'node:test'
import { ROOT } from './paths.js'

export const REFERENCE_PYTHON = process.env.CARBONKIT_PYTHON ?? '/usr/bin/python3'

let availability: string | null | undefined

/** null when python3-whisper can be imported, else why not. */
export function referenceMissing(module = 'whisper'): string | null {
  if (module === 'whisper' && availability !== undefined) return availability
  const probe = spawnSync(REFERENCE_PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' })
  const reason =
    probe.error || probe.status !== 0
      ? `${REFERENCE_PYTHON} cannot import ${module} (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`
      : null
  if (module === 'whisper') availability = reason
  return reason
}

/**
 * The options for a test that needs the reference: `{ skip: reason }` when it is missing, unless
 * CARBONKIT_REQUIRE_REFERENCE is set, in which case the test runs and fails on its own.
 */
export function needsReference(module = 'whisper'): { skip?: string } {
  const missing = referenceMissing(module)
  if (!missing) return {}
  if (process.env.CARBONKIT_REQUIRE_REFERENCE === '1') return {}
  const message = `SKIPPED: differential test needs the reference (${missing}); apt-get install python3-whisper graphite-carbon`
  process.stderr.write(`\n*** ${message} ***\n\n`)
  return { skip: message }
}

/** Float64 to the 16 hex digits of its bits, as the oracle speaks them. */
export function f2h(value: number | null): string | null {
  if (value === null) return null
  const b = Buffer.alloc(8)
  b.writeDoubleBE(value)
  return b.toString('hex')
}

export function h2f(hex: string | null): number | null {
  return hex === null ? null : Buffer.from(hex, 'hex').readDoubleBE(0)
}

export interface OracleError {
  type: string
  message: string
  trace: string
}

export class ReferenceError extends Error {
  constructor(readonly detail: OracleError) {
    super(`${detail.type}: ${detail.message}`)
  }
}

/** A long-running python3-whisper process answering requests in order. */
export class WhisperOracle {
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
      for (const waiter of this.pending.values()) waiter.reject(new Error(`oracle exited ${code}: ${stderr}`))
      this.pending.clear()
    })
  }

  /**
   * Start an oracle script from test/helpers (whisper_oracle.py; carbon_oracle.py for carbon's config
   * code; protocol_oracle.py, with `-W ignore`, for its receivers), with Debian's python3.
   */
  static start(name = 'whisper_oracle.py', pythonFlags: readonly string[] = []): WhisperOracle {
    const script = path.join(ROOT, 'test', 'helpers', name)
    return new WhisperOracle(
      spawn(REFERENCE_PYTHON, [...pythonFlags, script], { stdio: ['pipe', 'pipe', 'pipe'] }),
    )
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.stdin.write(JSON.stringify({ id, op, args }) + '\n')
    })
  }

  /** Resolve to the error the reference raised, or null when it succeeded. */
  async callError(op: string, args: Record<string, unknown> = {}): Promise<OracleError | null> {
    try {
      await this.call(op, args)
      return null
    } catch (error) {
      if (error instanceof ReferenceError) return error.detail
      throw error
    }
  }

  async close(): Promise<void> {
    this.child.stdin.end()
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('exit', resolve))
  }
}

/** Run a reference script (whisper-fetch, whisper-dump...) and capture its output. */
export function runReferenceScript(
  script: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(REFERENCE_PYTHON, [`/usr/bin/${script}`, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: { ...process.env, TZ: process.env.TZ ?? 'UTC', ...options.env },
    maxBuffer: 1 << 30,
  })
  return { stdout: result.stdout, stderr: result.stderr, status: result.status }
}

/**
 * The oracle of the enclosing describe: started before its tests, closed after them. Call the
 * returned function inside a test.
 */
export function useOracle(name?: string): () => WhisperOracle {
  let oracle: WhisperOracle | undefined
  before(() => {
    oracle = WhisperOracle.start(name)
  })
  after(async () => {
    await oracle?.close()
  })
  return () => {
    if (oracle === undefined) throw new Error('the oracle is asked for outside the tests of its describe')
    return oracle
  }
}
