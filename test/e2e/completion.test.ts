// `wsp completion` and `carbon completion`: the bash script, loaded into a real bash, offers every
// command that --help lists and each command's flags; the zsh and fish scripts parse in their shells
// where those are installed.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { run } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

function commandsInHelp(binary: 'wsp' | 'carbon'): string[] {
  const help = run(binary, ['--help']).stdout
  const section = help.split(/\nCommands:\n/)[1] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
}

/** What the bash completion offers for a command line whose last word is being completed. */
function bashComplete(script: string, binary: string, words: readonly string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ')
  const program = `${script}\nCOMP_WORDS=(${binary} ${quoted}); COMP_CWORD=${words.length}\n_${binary}_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
  return result.stdout.split('\n').filter(Boolean)
}

for (const binary of ['wsp', 'carbon'] as const) {
  test(`${binary} completion bash offers every command and each command's flags`, () => {
    const result = run(binary, ['completion', 'bash'])
    assert.equal(result.status, 0, result.stderr)
    const offered = bashComplete(result.stdout, binary, [''])
    const commands = commandsInHelp(binary)
    assert.ok(commands.length >= 5)
    for (const command of commands) assert.ok(offered.includes(command), `${command} offered`)
    const byPrefix = bashComplete(result.stdout, binary, [commands[0]!.slice(0, 2)])
    assert.ok(byPrefix.includes(commands[0]!), `prefix completion: ${byPrefix.join(' ')}`)
    for (const command of commands) {
      const help = run(binary, [command, '--help']).stdout
      const flags = [...help.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!)
      const completed = bashComplete(result.stdout, binary, [command, '--'])
      for (const flag of flags) assert.ok(completed.includes(flag), `${command} ${flag} offered`)
    }
  })

  test(`${binary} completion zsh and fish parse in their shells; an unknown shell is a usage error`, (t) => {
    const dir = tempDir(t)
    for (const [shell, check] of [
      ['zsh', ['zsh', '-n']],
      ['fish', ['fish', '--no-execute']],
    ] as const) {
      const result = run(binary, ['completion', shell])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`${binary}`))
      const file = path.join(dir, `${binary}.${shell}`)
      fs.writeFileSync(file, result.stdout)
      const parsed = spawnSync(check[0], [check[1], file], { encoding: 'utf8' })
      if (parsed.error) t.diagnostic(`${shell} is not installed: its script was not parsed`)
      else assert.equal(parsed.status, 0, `${shell}: ${parsed.stderr}`)
    }
    const bad = run(binary, ['completion', 'tcsh'])
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /bash, zsh, fish/)
  })
}
