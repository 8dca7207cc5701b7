// The commander program shared by wsp and carbon: errors come back as exceptions (exitOverride), output
// goes through the context, and subcommands made with .command() inherit both.

import fs from 'node:fs'
import { Command } from 'commander'
import type { Context } from './context.js'

let version: string | undefined

export function packageVersion(): string {
  if (version === undefined) {
    const text = fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
    version = (JSON.parse(text) as { version: string }).version
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
