import assert from 'node:assert/strict'
import { test } from 'node:test'
import { run } from '../../helpers/cli.js'

test('wsp --help, --version and every command --help exit 0 with usage on stdout', () => {
  const top = run('wsp', ['--help'])
  assert.equal(top.status, 0)
  assert.match(top.stdout, /^Usage: wsp/)
  for (const command of ['create', 'info', 'fetch', 'dump', 'update']) {
    assert.match(top.stdout, new RegExp(`\\n  ${command} `), command)
    const help = run('wsp', [command, '--help'])
    assert.equal(help.status, 0, command)
    assert.match(help.stdout, new RegExp(`^Usage: wsp ${command}`), command)
    assert.equal(help.stderr, '')
  }
  const version = run('wsp', ['--version'])
  assert.equal(version.status, 0)
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
})

test('usage errors exit 2 with one line', () => {
  for (const args of [['--bogus'], ['info'], ['frobnicate'], ['fetch', 'x.wsp', '--drop', 'sometimes']]) {
    const result = run('wsp', args)
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  }
})
