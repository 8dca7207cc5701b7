// Running a command into a pipe whose reader goes away, with or without a terminal on stderr.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { shell } from './cli.js'
import { BIN } from './paths.js'

/** `bin/<name>.cjs args | (sleep 1; head -c 100)`: the writer's status and what else was shown. */
export async function intoClosedPipe(
  name: 'wsp' | 'carbon',
  args: readonly string[],
  tty: boolean,
  scratch: string,
): Promise<{ status: number | null; shown: string }> {
  const command = [process.execPath, path.join(BIN, `${name}.cjs`), ...args].map((a) => `'${a}'`).join(' ')
  const pipeline = `${command} | (sleep 1; head -c 100 >/dev/null)`
  if (!tty) {
    const result = await shell(pipeline)
    return { status: result.status, shown: result.stderr }
  }
  // On a terminal of 80 columns (a pty without a size confuses the spinner); stdout is the pipe.
  const script = path.join(scratch, `pipe-${Math.random().toString(36).slice(2)}.sh`)
  fs.writeFileSync(script, `stty cols 80 rows 24\n${pipeline}\necho "exit=\${PIPESTATUS[0]}"\n`)
  const child = spawn('script', ['-qec', `bash ${script}`, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let shown = ''
  child.stdout.on('data', (d: Buffer) => (shown += d.toString()))
  await new Promise((resolve) => child.on('close', resolve))
  const exit = /exit=(\d+)/.exec(shown)
  return { status: exit ? Number(exit[1]) : null, shown: shown.replace(/\r/g, '') }
}
