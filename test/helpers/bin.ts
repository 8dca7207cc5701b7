// Run the built binaries (bin/*.cjs) as a user would, without blocking the event loop (so that a test
// can serve the connections the command makes): NO_COLOR=1, TZ=UTC, stdout and stderr captured,
// stdin given or closed. test/helpers/cli.ts has the synchronous `run`.

import { spawn } from 'node:child_process'
import path from 'node:path'
import { BIN } from './paths.js'

export interface BinResult {
  status: number | null
  stdout: string
  stderr: string
}

export function runBin(
  name: 'wsp' | 'carbon',
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(BIN, `${name}.cjs`), ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, TZ: 'UTC', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}
