// The help and the man pages stay true to each other: every command that a binary registers answers
// --help, and every flag that a command's --help shows is documented in that binary's man page.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { run } from '../helpers/cli.js'
import { ROOT } from '../helpers/paths.js'

/** The command names listed under "Commands:" in a program's --help (aliases after a |). */
function listedCommands(help: string): string[] {
  const section = help.split(/\nCommands:\n/)[1] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help')
}

/** The long flags in the "Options:" section of a --help text. */
function listedFlags(help: string): string[] {
  const section = (help.split(/\nOptions:\n/)[1] ?? '').split(/\n\S/)[0] ?? ''
  const flags = new Set<string>()
  for (const line of section.split('\n')) {
    const match = /^ {2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(line)
    if (match && match[1] !== '--help') flags.add(match[1]!)
  }
  return [...flags]
}

/** A flag as groff writes it: every hyphen escaped. */
function roff(flag: string): string {
  return flag.replaceAll('-', '\\-')
}

for (const binary of ['wsp', 'carbon'] as const) {
  test(`${binary}: every registered command answers --help, and its flags are in man/${binary}.1`, () => {
    const top = run(binary, ['--help'])
    assert.equal(top.status, 0)
    const commands = listedCommands(top.stdout)
    assert.ok(commands.length >= 5, `commands found in --help: ${commands.join(', ')}`)
    const man = fs.readFileSync(path.join(ROOT, 'man', `${binary}.1`), 'utf8')
    const missing: string[] = []
    for (const command of commands) {
      const help = run(binary, [command, '--help'])
      assert.equal(help.status, 0, `${command} --help: ${help.stderr}`)
      assert.match(help.stdout, new RegExp(`^Usage: ${binary} ${command}`), command)
      assert.equal(help.stderr, '', command)
      if (!man.includes(`${binary} ${command}`.replaceAll('-', '\\-')) && !man.includes(`.B ${command}`))
        missing.push(`command ${command}`)
      for (const flag of listedFlags(help.stdout)) {
        if (!man.includes(roff(flag))) missing.push(`${command} ${flag}`)
      }
    }
    assert.deepEqual(missing, [], `not in man/${binary}.1`)
  })
}
