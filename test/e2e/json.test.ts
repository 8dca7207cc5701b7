// One way to ask for JSON: every command that prints data takes --json, and prints one JSON document
// (JSON Lines for streams) on stdout with it.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { run } from '../helpers/cli.js'
import { FIXTURES } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'
import { parseTreeReport } from '../helpers/tree-report.js'

/** Commands that print no data of their own: a daemon, a sender, a script for the shell. */
const NO_DATA: Record<'wsp' | 'carbon', readonly string[]> = {
  wsp: ['completion'],
  carbon: ['send', 'serve', 'completion'],
}

function commandsInHelp(binary: 'wsp' | 'carbon'): string[] {
  const section = run(binary, ['--help']).stdout.split(/\nCommands:\n/)[1] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
}

for (const binary of ['wsp', 'carbon'] as const) {
  test(`${binary}: every command that prints data takes --json`, () => {
    const missing = commandsInHelp(binary).filter(
      (command) =>
        !NO_DATA[binary].includes(command) && !/^ {2}--json\b/m.test(run(binary, [command, '--help']).stdout),
    )
    assert.deepEqual(missing, [])
  })
}

test('wsp update --json and wsp merge --json say what they wrote; without it they print nothing', (t) => {
  const dir = tempDir(t)
  const a = path.join(dir, 'a.wsp')
  const b = path.join(dir, 'b.wsp')
  const created = run('wsp', ['create', a, '1m:1h', '1h:1d', '--json'])
  assert.equal(created.status, 0, created.stderr)
  assert.equal(JSON.parse(created.stdout).path, a)
  assert.equal(run('wsp', ['create', b, '1m:1h', '1h:1d']).status, 0)
  const env = { CARBONKIT_NOW: '1800000000' }
  const one = run('wsp', ['update', a, '1799999940:1', '--json'], { env })
  assert.equal(one.status, 0, one.stderr)
  assert.deepEqual(JSON.parse(one.stdout), { path: a, points: 1, rules: 'update' })
  const many = run('wsp', ['update', a, '--json'], { env, input: '1799999880:2\n1799999820:3\n' })
  assert.deepEqual(JSON.parse(many.stdout), { path: a, points: 2, rules: 'update_many' })
  assert.equal(run('wsp', ['update', a, '1799999760:4'], { env }).stdout, '')

  const merged = run('wsp', ['merge', a, b, '--json'], { env })
  assert.equal(merged.status, 0, merged.stderr)
  assert.deepEqual(JSON.parse(merged.stdout), { from: a, to: b, pointsPerArchive: [4, 0] })
  assert.equal(run('wsp', ['merge', a, b], { env }).stdout, '')
  assert.ok(fs.existsSync(b))
})

test('carbon lint --json is --format json', (t) => {
  const dir = tempDir(t)
  fs.writeFileSync(path.join(dir, 'storage-schemas.conf'), '[default]\npattern = .*\nretentions = 1m:1d\n')
  const json = run('carbon', ['lint', dir, '--json'])
  const format = run('carbon', ['lint', dir, '--format', 'json'])
  assert.equal(json.status, format.status)
  assert.equal(json.stdout, format.stdout)
  assert.equal(JSON.parse(json.stdout).schemaVersion, 1)
})

test('issue 15: every tree command prints {schemaVersion, files: [{path, ok, error?, result}], summary}', (t) => {
  const dir = tempDir(t)
  const data = path.join(dir, 'data')
  const conf = path.join(dir, 'conf')
  fs.mkdirSync(path.join(data, 'a'), { recursive: true })
  fs.mkdirSync(conf)
  fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${data}\n`)
  fs.writeFileSync(path.join(conf, 'storage-schemas.conf'), '[default]\npattern = .*\nretentions = 1m:2h\n')
  const good = path.join(data, 'a', 'good.wsp')
  const corrupt = path.join(data, 'a', 'zz.wsp')
  const copy = path.join(dir, 'copy')
  const corpus = path.join(FIXTURES, 'whisper', 'corrupt')
  const reset = (): void => {
    fs.rmSync(good, { force: true })
    assert.equal(run('wsp', ['create', good, '1m:1h']).status, 0)
    fs.copyFileSync(
      path.join(
        corpus,
        fs.readdirSync(corpus).find((f) => f.endsWith('.wsp'))!,
      ),
      corrupt,
    )
    fs.rmSync(copy, { recursive: true, force: true })
    fs.cpSync(data, copy, { recursive: true })
  }
  // [command, its exit status, what the corrupt file's entry is: an error code, or not ok without one]
  const cases: [string[], number, string | undefined][] = [
    [['resize', data, '1m:2h', '--nobackup'], 4, 'ERR_CORRUPT_FILE'],
    [['fill', copy, data], 4, 'ERR_CORRUPT_FILE'],
    [['check', data], 1, undefined],
    [['set-aggregation', data, 'sum'], 4, 'ERR_CORRUPT_FILE'],
    [['set-xff', data, '0'], 4, 'ERR_CORRUPT_FILE'],
    [['audit', data, '--config-dir', conf], 1, undefined],
  ]
  for (const [args, status, code] of cases) {
    reset()
    const result = run('wsp', [...args, '--json'])
    assert.equal(result.status, status, `${args[0]}: ${result.stderr}`)
    const report = parseTreeReport(result.stdout)
    const byPath = new Map(report.files.map((f) => [f.path, f]))
    assert.equal(byPath.get(good)?.result !== undefined, true, args[0])
    const bad = byPath.get(corrupt)!
    assert.equal(bad.ok, false, args[0])
    assert.equal(bad.error?.code, code, args[0])
  }
})
