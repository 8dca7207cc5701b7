// The commander program shared by wsp and carbon: errors come back as exceptions (exitOverride), output
// goes through the context, and subcommands made with .command() inherit both.

import fs from 'node:fs'
import { Command } from 'commander'
import type { Context } from './context.js'

let version: string | undefined

/** carbonkit's version, from the nearest package.json above this module (tsc output or bundle). */
export function packageVersion(): string {
  if (version === undefined) {
    for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
      const candidate = new URL('package.json', dir)
      if (fs.existsSync(candidate)) {
        const text = fs.readFileSync(candidate, 'utf8')
        version = (JSON.parse(text) as { version: string }).version
        break
      }
      if (dir.pathname === '/') throw new Error('package.json not found')
    }
  }
  return version
}

export function createProgram(ctx: Context, description: string): Command {
  const program = new Command(ctx.programName)
  program
    .description(description)
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--no-color', 'no colours, even on a terminal')
    .option('--debug', 'print stack traces with errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      outputError: (text, writeErr) => writeErr(`${ctx.programName}: ${text.replace(/^error: /, '')}`),
    })
    .addHelpCommand(false)
  return program
}
