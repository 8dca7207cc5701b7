// Running the built binaries the way a user does, for end-to-end tests.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { BIN } from './paths.js'

export interface RunResult {
  stdout: string
  stderr: string
  status: number | null
}

/** Run `bin/<name>.cjs` with NO_COLOR=1 and TZ=UTC; stdin from `input`. */
export function run(
  name: 'wsp' | 'carbon',
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunResult {
  const result = spawnSync(process.execPath, [path.join(BIN, `${name}.cjs`), ...args], {
    input: options.input,
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...options.env },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  })
  return { stdout: result.stdout, stderr: result.stderr, status: result.status }
}

/**
 * `run` without blocking the event loop, for tests that also serve (or refuse) the connections the
 * command makes. The child is killed after `timeoutMs` (default 180 s: it only bounds a hang; a
 * command that takes a second on an idle machine can take a minute on a loaded one).
 */
export function runAsync(
  name: 'wsp' | 'carbon',
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(BIN, `${name}.cjs`), ...args], {
      env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    // Decoded as streams: a multibyte character split across two chunks stays one character.
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}

/** Run a shell pipeline (for `wsp dump f | head`). */
export function shell(command: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...options.env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (status) => resolve({ stdout, stderr, status }))
  })
}

/** The command failed with `status` and exactly one line on stderr matching `pattern`, and no trace. */
export function assertOneLineError(result: RunResult, status: number, pattern: RegExp): void {
  assert.equal(result.status, status, `status ${result.status}, stderr: ${result.stderr}`)
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`)
  assert.match(lines[0]!, pattern)
  assert.doesNotMatch(result.stderr, /\n\s+at /)
}
