// Runs commands in-process with output discarded, so that V8 compiles the code they use before
// `npm run build` saves the bundle's code cache (bin/load.cjs).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Writable } from 'node:stream'
import type { Context } from './context.js'
import { FdOutput } from './fd-output.js'
import { PLAIN_THEME } from './theme.js'

export type Main = (argv: readonly string[], ctx: Context) => Promise<number>

/** Run each argv (with `{dir}` replaced by a scratch directory) through `main`. */
export async function warmUp(
  programName: string,
  main: Main,
  runs: readonly (readonly string[])[],
): Promise<void> {
  // Loaded here, not at start-up: streams cost every command a few milliseconds.
  const { Readable, Writable } = process.getBuiltinModule('node:stream')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `carbonkit-warm-up-`))
  const sink = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() })
  // stdout as commands get it (compiled into the cache too), writing to /dev/null.
  const devNull = fs.openSync(os.devNull, 'w')
  try {
    for (const argv of runs) {
      const ctx: Context = {
        stdin: Readable.from([]),
        stdout: new FdOutput(devNull, sink),
        stderr: sink(),
        env: {},
        cwd: dir,
        now: () => 1_800_000_000,
        theme: PLAIN_THEME,
        stderrTheme: PLAIN_THEME,
        stdoutIsTerminal: false,
        stdoutColumns: undefined,
        interactive: false,
        programName,
      }
      await main(
        argv.map((a) => a.replace('{dir}', dir)),
        ctx,
      )
    }
  } finally {
    fs.closeSync(devNull)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
