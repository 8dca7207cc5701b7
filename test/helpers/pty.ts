// A command on a pseudo-terminal (util-linux `script`), typed at like a user: the test waits for
// some output, then types. stdout and stderr arrive mixed, as on a screen.

import { spawn } from 'node:child_process'
import path from 'node:path'
import { BIN } from './paths.js'

export interface TerminalRun {
  output: string
  status: number | null
  /** The command was killed at the timeout. */
  timedOut: boolean
}

/** Quote for bash. */
function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/**
 * Run `bin/<name>.cjs args` on a terminal; once its output matches `when`, type `keys` (for example
 * lines, then "\x04" for Ctrl-D). Killed after `timeoutMs` (default 180 s: only a hang, a loaded
 * machine can take many seconds to start a command).
 */
export function runOnTerminal(
  name: 'wsp' | 'carbon',
  args: readonly string[],
  options: { when: RegExp; keys: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<TerminalRun> {
  const command = [process.execPath, path.join(BIN, `${name}.cjs`), ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    let typed = false
    let timedOut = false
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString()
      if (!typed && options.when.test(output)) {
        typed = true
        child.stdin.write(options.keys)
      }
    }
    child.stdout.on('data', onOutput)
    child.stderr.on('data', onOutput)
    child.stdin.on('error', () => undefined)
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      child.stdin.destroy()
      resolve({ output, status, timedOut })
    })
  })
}
