// Running a command on a pseudo-terminal, as a user at a terminal does: util-linux script(1) gives
// the shell command a terminal for stdin, stdout and stderr (a redirection inside the command can
// send stdout elsewhere). What the terminal showed comes back with \r\n turned into \n.

import { spawn } from 'node:child_process'
import path from 'node:path'
import { BIN } from './paths.js'

export interface TerminalResult {
  /** Everything the terminal showed (stdout and stderr, as they were interleaved). */
  output: string
  status: number | null
}

/** A word for sh, single-quoted. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** `node bin/<name>.cjs args...` as a shell command. */
export function binCommand(name: 'wsp' | 'carbon', args: readonly string[]): string {
  return [process.execPath, path.join(BIN, `${name}.cjs`), ...args].map(shellQuote).join(' ')
}

// Control sequences of colour (SGR) only; a spinner's cursor movements are not colour.
export const SGR = /\u001b\[[0-9;]*m/g

/** Any escape sequence at all. */
export const ESCAPE = '\u001b'

/**
 * Run `command` (a shell command) on a terminal `columns` wide. The environment is the test's with
 * neither NO_COLOR nor FORCE_COLOR, TZ=UTC, and `env` on top.
 */
export function runInTerminal(
  command: string,
  options: { columns?: number; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<TerminalResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', TERM: 'xterm' }
  delete env.NO_COLOR
  delete env.FORCE_COLOR
  delete env.CI
  Object.assign(env, options.env)
  // A terminal of unknown size (0 columns) is what script(1) gives without one of its own: set it.
  const full = `stty cols ${options.columns ?? 200} rows 50; ${command}`
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', full, '/dev/null'], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Decoded at the end: a chunk may end inside a multi-byte character (a box's lines are 3 bytes).
    const chunks: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => chunks.push(d))
    // Only a hang: a loaded machine can take many seconds to start a command.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      const output = Buffer.concat(chunks).toString('utf8')
      resolve({ output: output.replace(/\r\n/g, '\n').replace(/\r/g, ''), status })
    })
  })
}
