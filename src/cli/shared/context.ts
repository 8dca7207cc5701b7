// What a command may touch of the outside world, passed in so that tests can run commands in-process
// and so that only cli/shared reaches for `process`.

import type { Readable, Writable } from 'node:stream'
import type { Output } from './fd-output.js'
import { FdOutput } from './fd-output.js'
import { isTerminal } from './terminal.js'
import type { Theme } from './theme.js'

export interface Context {
  readonly stdin: Readable
  readonly stdout: Output
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
  /** The working directory relative paths and the daemon's ./storage start from. */
  readonly cwd: string
  /** The clock, in epoch seconds: read once per command, like whisper's scripts do. */
  readonly now: () => number
  /** Colours of data on stdout, decided once (--no-color, NO_COLOR/FORCE_COLOR, stdout a TTY). */
  theme: Theme
  /** Colours of messages on stderr, decided the same way for stderr. */
  stderrTheme: Theme
  /**
   * stdout is a terminal: data is laid out for people (tables drawn to the terminal's width) rather
   * than as plain columns for programs. Layout never depends on colour (NO_COLOR, --no-color).
   */
  readonly stdoutIsTerminal: boolean
  /** The terminal's width in columns when stdout is a terminal that reports one; undefined otherwise. */
  readonly stdoutColumns: number | undefined
  /** stderr is a terminal and neither --json nor --quiet was given: spinners and progress may show. */
  readonly interactive: boolean
  /** The program name for messages (wsp or carbon). */
  readonly programName: string
}

/**
 * The process's context. The clock is read once; CARBONKIT_NOW (epoch seconds) pins it, for tests and
 * for replaying a job as of a given time.
 */
export function createProcessContext(programName: string, themes: { stdout: Theme; stderr: Theme }): Context {
  const pinned = process.env.CARBONKIT_NOW
  const startedAt =
    pinned !== undefined && /^\d+$/.test(pinned) ? Number(pinned) : Math.floor(Date.now() / 1000)
  return {
    // A getter: process.stdin sets up a stream (a few milliseconds) that most commands never read.
    get stdin() {
      return process.stdin
    },
    // Written with write(2), without process.stdout's stream (fd-output.ts).
    stdout: new FdOutput(1, () => process.stdout),
    get stderr() {
      return process.stderr
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => startedAt,
    theme: themes.stdout,
    stderrTheme: themes.stderr,
    stdoutIsTerminal: isTerminal(1),
    // A getter: the width is asked of the terminal (process.stdout's tty stream) only to draw a table.
    get stdoutColumns() {
      if (!isTerminal(1)) return undefined
      const columns = process.stdout.columns
      return typeof columns === 'number' && columns > 0 ? columns : undefined
    },
    interactive: isTerminal(2),
    programName,
  }
}
