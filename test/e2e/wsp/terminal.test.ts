// wsp at a terminal (a pseudo-terminal from script(1)): colour is decided per stream, tables fit the
// terminal, NO_COLOR changes colour only, and the progress spinner obeys it.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { run } from '../../helpers/cli.js'
import { FIXTURES } from '../../helpers/paths.js'
import { SGR, binCommand, runInTerminal } from '../../helpers/terminal.js'
import { tempDir } from '../../helpers/tmp.js'

const SIMPLE = path.join(FIXTURES, 'whisper', 'simple.wsp')

describe('wsp at a terminal', () => {
  test('issue 13.9: wsp info into a file from a terminal: no escape codes and no box in the file', async (t) => {
    const cwd = tempDir(t)
    const onTerminal = await runInTerminal(binCommand('wsp', ['info', SIMPLE]), { cwd })
    assert.equal(onTerminal.status, 0, onTerminal.output)
    // On the terminal itself: bold names and a box (so that the file below could have had them).
    assert.match(onTerminal.output, SGR)
    assert.match(onTerminal.output, /┌/)
    const redirected = await runInTerminal(`${binCommand('wsp', ['info', SIMPLE])} > out.txt`, { cwd })
    assert.equal(redirected.status, 0, redirected.output)
    assert.equal(redirected.output, '')
    const file = fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8')
    assert.ok(!file.includes('\u001b'), file)
    assert.doesNotMatch(file, /[┌│└─]/)
    assert.equal(file, run('wsp', ['info', SIMPLE]).stdout)
  })

  test('issue 13.9: wsp info on a narrow terminal: the table fits it', async (t) => {
    const cwd = tempDir(t)
    const result = await runInTerminal(binCommand('wsp', ['info', SIMPLE]), { cwd, columns: 60 })
    assert.equal(result.status, 0, result.output)
    const lines = result.output.replace(SGR, '').split('\n')
    assert.ok(
      lines.some((l) => l.startsWith('┌')),
      result.output,
    )
    for (const line of lines) assert.ok(line.length <= 60, `${line.length} columns: ${line}`)
  })

  test('issue 13.9: NO_COLOR on a terminal: wsp info keeps its box, without escape codes', async (t) => {
    const cwd = tempDir(t)
    const command = binCommand('wsp', ['info', SIMPLE])
    const colored = await runInTerminal(command, { cwd })
    const plain = await runInTerminal(command, { cwd, env: { NO_COLOR: '1' } })
    assert.ok(!plain.output.includes('\u001b'), plain.output)
    assert.match(plain.output, /┌/)
    assert.equal(plain.output, colored.output.replace(SGR, ''))
  })

  test('issue 13.9: the progress spinner obeys NO_COLOR', async (t) => {
    const cwd = tempDir(t)
    const dir = path.join(cwd, 'tree')
    fs.mkdirSync(dir)
    for (let i = 0; i < 3; i++) fs.copyFileSync(SIMPLE, path.join(dir, `m${i}.wsp`))
    const command = binCommand('wsp', ['check', 'tree'])
    // With colour the spinner's frames are coloured (ora's colours follow stdout, so stdout stays on
    // the terminal here): the test sees the spinner and its colour, so it can see them go.
    const colored = await runInTerminal(command, { cwd, columns: 80 })
    assert.equal(colored.status, 0, colored.output)
    assert.match(colored.output, /\u001b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/)
    const plain = await runInTerminal(command, { cwd, columns: 80, env: { NO_COLOR: '1' } })
    assert.equal(plain.status, 0, plain.output)
    assert.match(plain.output, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] check/)
    assert.doesNotMatch(plain.output, SGR)
  })
})

test('a tree command on a terminal that reports no width finishes: no spinner there', async (t) => {
  const cwd = tempDir(t)
  for (let i = 0; i < 30; i++) run('wsp', ['create', path.join(cwd, `m${i}.wsp`), '1s:1d'])
  // Before the fix, ora divided by the width 0 and wrote cursor movements until killed.
  const result = await runInTerminal(binCommand('wsp', ['check', cwd]), {
    cwd,
    columns: 0,
    // Only a hang: the bug wrote until killed; a loaded machine can take many seconds to start wsp.
    timeoutMs: 120_000,
  })
  assert.equal(result.status, 0, result.output.slice(0, 2000))
  assert.ok(result.output.length < 10_000, `${result.output.length} bytes on the terminal`)
  assert.match(result.output, /30 files/)
})
