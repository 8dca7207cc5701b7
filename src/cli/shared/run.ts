// The one top-level catch of wsp and carbon: parse, run one command, map what comes back to an exit
// status. Only this file (and the rest of cli/shared) decides exit codes, signals and colour.

import { CommanderError } from 'commander'
import type { Command } from 'commander'
import { CoreError } from '../../core/errors.js'
import type { Context } from './context.js'
import { isTerminal } from './terminal.js'
import { createProcessContext } from './context.js'
import { ExitCode, exitCodeFor } from './exit-codes.js'
import { ClosedPipeError } from './output.js'
import { createProgram } from './program.js'
import { registerCompletion } from './register-completion.js'
import type { Theme } from './theme.js'
import { exitStatusFor, stopReceived, watchStopSignals } from './signals.js'
import { PLAIN_THEME, colorWanted, createTheme } from './theme.js'

/** Registers one subcommand on the program. */
export type Register = (program: Command, ctx: Context) => void

export interface CommandEntry {
  /** Other names the command answers to (registered by the command itself with .alias()). */
  readonly aliases?: readonly string[]
  /** Loads the module that registers the command, so that a run loads only what it uses. */
  readonly load: () => Promise<Register>
}

export interface MainOptions {
  programName: string
  description: string
  commands: Readonly<Record<string, CommandEntry>>
  /** A context to run in (tests); defaults to the process's. */
  ctx?: Context
}

/** Marks an answer of "no" (exit 1) without an error message: diff found differences, and so on. */
export class NegativeAnswer extends Error {
  constructor(readonly messageForUser?: string) {
    super(messageForUser ?? 'negative answer')
  }
}

function firstOperand(argv: readonly string[]): string | undefined {
  return argv.find((arg) => !arg.startsWith('-'))
}

function describeError(ctx: Context, error: unknown, debug: boolean): number {
  if (error instanceof ClosedPipeError) return ExitCode.OK
  if (error instanceof NegativeAnswer) {
    if (error.messageForUser) ctx.stderr.write(`${ctx.programName}: ${error.messageForUser}\n`)
    return ExitCode.NO
  }
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK
    // commander already printed its message (or the help, for a missing subcommand).
    return ExitCode.USAGE
  }
  let code: number | undefined = exitCodeFor(error)
  const stop = stopReceived()
  if (code === ExitCode.INTERRUPTED && stop) code = exitStatusFor(stop)
  if (code !== undefined && error instanceof CoreError) {
    ctx.stderr.write(`${ctx.programName}: ${ctx.stderrTheme.error(error.message)}\n`)
    if (debug && error.stack) ctx.stderr.write(`${error.stack}\n`)
    return code
  }
  const message = error instanceof Error ? error.message : String(error)
  ctx.stderr.write(`${ctx.programName}: internal error: ${message}\n`)
  if (error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`)
  ctx.stderr.write(`This is a bug in carbonkit; please report it with the command you ran.\n`)
  return ExitCode.INTERNAL
}

/** One theme per stream: data on stdout is coloured only when stdout wants it, messages likewise. */
async function themesFor(argv: readonly string[]): Promise<{ stdout: Theme; stderr: Theme }> {
  const stdout = colorWanted(argv, process.env, isTerminal(1))
  const stderr = colorWanted(argv, process.env, isTerminal(2))
  const colored = stdout || stderr ? await createTheme(true) : PLAIN_THEME
  return { stdout: stdout ? colored : PLAIN_THEME, stderr: stderr ? colored : PLAIN_THEME }
}

/**
 * Run one invocation of a program. Returns the exit status; never throws.
 */
export async function runMain(argv: readonly string[], options: MainOptions): Promise<number> {
  const ctx = options.ctx ?? createProcessContext(options.programName, await themesFor(argv))
  const debug = argv.includes('--debug')
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') (ctx.stdout as { closedByPeer?: boolean }).closedByPeer = true
  }
  ctx.stdout.on('error', onStdoutError)
  // In a process of its own, a signal ends the command with a status and after its cleanup.
  const unwatch = options.ctx ? undefined : watchStopSignals()
  try {
    const program = createProgram(ctx, options.description)
    const name = firstOperand(argv)
    const entries = Object.entries(options.commands)
    const selected =
      name === undefined || name === 'completion'
        ? undefined
        : (options.commands[name] ??
          Object.values(options.commands).find((entry) => entry.aliases?.includes(name)))
    // Load only the command being run; load them all for help, completion and unknown names.
    const toLoad = selected ? [[name!, selected] as const] : entries
    for (const [, entry] of toLoad) (await entry.load())(program, ctx)
    registerCompletion(program, ctx)
    await program.parseAsync([...argv], { from: 'user' })
    return ExitCode.OK
  } catch (error) {
    return describeError(ctx, error, debug)
  } finally {
    ctx.stdout.off('error', onStdoutError)
    await unwatch?.()
  }
}
