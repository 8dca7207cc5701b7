import assert from 'node:assert/strict'
import { test } from 'node:test'
import { run } from '../../helpers/cli.js'

test('carbon --help, --version and every command --help exit 0 with usage on stdout', () => {
  const top = run('carbon', ['--help'])
  assert.equal(top.status, 0)
  assert.match(top.stdout, /^Usage: carbon/)
  for (const command of ['send', 'query', 'lint', 'which']) {
    assert.match(top.stdout, new RegExp(`\\n  ${command} `), command)
    const help = run('carbon', [command, '--help'])
    assert.equal(help.status, 0, command)
    assert.match(help.stdout, new RegExp(`^Usage: carbon ${command}`), command)
    assert.equal(help.stderr, '')
  }
  const version = run('carbon', ['--version'])
  assert.equal(version.status, 0)
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
})

test('usage errors exit 2 with no trace', () => {
  for (const args of [['--bogus'], ['frobnicate'], ['which'], ['lint', '--format', 'yaml']]) {
    const result = run('carbon', args)
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  }
})
