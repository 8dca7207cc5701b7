// issue 17.1: `carbon ring` as a user runs it: names as arguments or on stdin, text and JSON Lines,
// --cluster, --raw, --config, and one clear line with a documented exit code for every refusal.
// Agreement with the real routers on random names is ring-differential.test.ts.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

const RELAY = [
  '# two clusters',
  'cluster r1 carbon_ch 127.0.1.1:24101 127.0.1.2:24102 127.0.1.3:24103;',
  'cluster jmp jump_fnv1a_ch replication 2 10.0.0.1:1=3 10.0.0.1:2=1 10.0.0.1:3=10 10.0.0.1:4=2 10.0.0.1:5;',
  'match ^test\\. send to blackhole;',
  'match ^foo send to r1 stop;',
  'match * send to jmp;',
  '',
].join('\n')

function files(t: Parameters<typeof tempDir>[0]): { relay: string; carbon: string; dir: string } {
  const dir = tempDir(t, 'carbonkit-ring-')
  const relay = path.join(dir, 'relay.conf')
  fs.writeFileSync(relay, RELAY)
  const carbon = path.join(dir, 'carbon.conf')
  fs.writeFileSync(
    carbon,
    '[relay]\nRELAY_METHOD = consistent-hashing\nREPLICATION_FACTOR = 2\nDESTINATIONS = 127.0.2.1:2004:a, 127.0.2.1:2104:b, 127.0.2.2:2004:c\n',
  )
  return { relay, carbon, dir }
}

test('issue 17.1: carbon ring prints one line per metric, in the relay order, tags stripped as the relay does', (t) => {
  const { relay } = files(t)
  const result = run('carbon', ['ring', '--relay-config', relay, 'foo.bar', 'foo.bar;a=b', 'test.x', 'zzz'])
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stderr, '')
  assert.equal(
    result.stdout,
    [
      'foo.bar -> 127.0.1.2:24102',
      'foo.bar;a=b -> 127.0.1.2:24102',
      'test.x -> (none: blackholed or no rule matches)',
      `zzz -> ${run('carbon', ['ring', '--relay-config', relay, '--cluster', 'jmp', 'zzz']).stdout.split(' -> ')[1]!.trim()}`,
      '',
    ].join('\n'),
  )
})

test('issue 17.1: carbon ring --raw hashes the name as given (carbon-c-relay -t); --cluster ignores the rules', (t) => {
  const { relay } = files(t)
  const raw = run('carbon', ['ring', '--relay-config', relay, '--raw', '--json', 'foo.bar;a=b'])
  assert.equal(raw.status, 0, raw.stderr)
  assert.deepEqual(JSON.parse(raw.stdout), { metric: 'foo.bar;a=b', destinations: ['127.0.1.1:24101'] })
  const cluster = run('carbon', ['ring', '--relay-config', relay, '--cluster', 'jmp', '--json', 'foo.bar'])
  assert.deepEqual(JSON.parse(cluster.stdout), {
    metric: 'foo.bar',
    destinations: ['10.0.0.1:4=2', '10.0.0.1:5'],
  })
})

test('issue 17.1: carbon ring reads names from stdin, one per line, kept exactly as given, as JSON Lines', (t) => {
  const { relay } = files(t)
  const names = ['foo.bar', ' foo.bar', 'foo..bar.', 'café.hits', '', 'test.a;b=c']
  const result = run('carbon', ['ring', '--relay-config', relay, '--json'], {
    input: names.join('\n') + '\n',
  })
  assert.equal(result.status, 0, result.stderr)
  const answers = result.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { metric: string; destinations: string[] })
  assert.deepEqual(
    answers.map((a) => a.metric),
    names,
  )
  // Leading spaces and dots are skipped, double and trailing dots collapse: all three are foo.bar.
  assert.deepEqual(answers[1]!.destinations, answers[0]!.destinations)
  assert.deepEqual(answers[2]!.destinations, answers[0]!.destinations)
  assert.deepEqual(answers[5]!.destinations, [])
})

test('issue 17.1: carbon ring --config routes as carbon-relay: DIVERSE_REPLICAS skips a second instance on one host', (t) => {
  const { carbon } = files(t)
  const result = run('carbon', ['ring', '--config', carbon, '--json', 'foo.bar', 'a.b', 'c.d', 'e.f'])
  assert.equal(result.status, 0, result.stderr)
  for (const line of result.stdout.trimEnd().split('\n')) {
    const { destinations } = JSON.parse(line) as { destinations: string[] }
    assert.equal(destinations.length, 2)
    assert.equal(new Set(destinations.map((d) => d.split(':')[0])).size, 2, line)
  }
})

test('issue 17.1: carbon ring refusals: one line, documented exit codes', (t) => {
  const { relay, carbon, dir } = files(t)
  assertOneLineError(run('carbon', ['ring', 'a.b']), 2, /give one of --relay-config FILE .* or --config FILE/)
  assertOneLineError(
    run('carbon', ['ring', '--relay-config', relay, '--config', carbon, 'a']),
    2,
    /give one of/,
  )
  assertOneLineError(
    run('carbon', ['ring', '--config', carbon, '--raw', 'a']),
    2,
    /--cluster and --raw go with --relay-config/,
  )
  assertOneLineError(
    run('carbon', ['ring', '--relay-config', relay, '--cluster', 'nope', 'a']),
    2,
    /--cluster nope: no such cluster in .*relay\.conf \(it has r1, jmp\)/,
  )
  assertOneLineError(
    run('carbon', ['ring', '--relay-config', path.join(dir, 'missing.conf'), 'a']),
    3,
    /missing\.conf: no such file/,
  )
  const bad = path.join(dir, 'bad.conf')
  fs.writeFileSync(bad, 'cluster c carbon_ch 10.0.0.1:2003 10.0.0.1:2004;\n')
  assertOneLineError(
    run('carbon', ['ring', '--relay-config', bad, 'a']),
    5,
    /bad\.conf:1: cluster c: two members with host 10\.0\.0\.1/,
  )
  fs.writeFileSync(bad, 'cluster c forward 10.0.0.1;\nrewrite ^(.*)$ into x.\\1;\n')
  assertOneLineError(
    run('carbon', ['ring', '--relay-config', bad, 'a']),
    5,
    /bad\.conf:2: rewrite is not supported/,
  )
  fs.writeFileSync(bad, '[relay]\nDESTINATIONS = 127.0.0.1:2004\n')
  assertOneLineError(
    run('carbon', ['ring', '--config', bad, 'a']),
    5,
    /RELAY_METHOD is "rules": carbon ring answers for consistent-hashing only/,
  )
})

test('issue 17.1: names on stdin are hashed as bytes, invalid UTF-8 included (as carbon-c-relay -t does)', (t) => {
  const dir = tempDir(t, 'carbonkit-ring-')
  const relay = path.join(dir, 'r3.conf')
  fs.writeFileSync(
    relay,
    'cluster r3 fnv1a_ch replication 2 127.0.3.1:1=a 127.0.3.2:2=b 127.0.3.3:3=c 127.0.3.4:4=d;\nmatch * send to r3;\n',
  )
  // carbon-c-relay 3.7.3 -t prints 127.0.3.4:4 then 127.0.3.2:2 for these bytes; decoding them
  // (U+FFFD) first would hash other bytes.
  const result = run('carbon', ['ring', '--relay-config', relay, '--raw', '--json'], {
    input: Buffer.from('ab\xefc.x\n', 'latin1'),
  })
  assert.equal(result.status, 0, result.stderr)
  assert.deepEqual(JSON.parse(result.stdout), {
    metric: 'ab\ufffdc.x',
    destinations: ['127.0.3.4:4=d', '127.0.3.2:2=b'],
  })
})
