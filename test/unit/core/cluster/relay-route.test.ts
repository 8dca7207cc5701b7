import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, InvalidArgumentError } from '../../../../src/core/errors.js'
import { parseRelayConfig } from '../../../../src/core/cluster/relay-config.js'
import { createRelayLookup } from '../../../../src/core/cluster/relay-route.js'
import { jumpBucketOrder } from '../../../../src/core/cluster/relay-ring.js'

const R1 = 'cluster r1 carbon_ch 127.0.1.1:24101 127.0.1.2:24102 127.0.1.3:24103;\nmatch * send to r1;\n'

test('carbon_ch r1: foo.bar and its tagged form, live and raw (cluster.md section 8)', () => {
  const config = parseRelayConfig(R1, 'r1.conf')
  const live = createRelayLookup(config)
  const raw = createRelayLookup(config, { raw: true })
  assert.deepEqual(live('foo.bar'), ['127.0.1.2:24102'])
  assert.deepEqual(live('carbon.agents.web01-a.cpuUsage'), ['127.0.1.1:24101'])
  assert.deepEqual(live('foo.bar;a=b'), ['127.0.1.2:24102'])
  assert.deepEqual(raw('foo.bar;a=b'), ['127.0.1.1:24101'])
})

test('carbon_ch r2: two instances on one host and one on another, replication 2', () => {
  const config = parseRelayConfig(
    'cluster r2 carbon_ch replication 2 127.0.2.1:2003=a 127.0.2.1:2004=b 127.0.2.2:2003=c;\nmatch * send to r2;',
    'r2.conf',
  )
  assert.deepEqual(createRelayLookup(config)('foo.bar'), ['127.0.2.1:2003=a', '127.0.2.2:2003=c'])
})

test('jump_fnv1a_ch r5: bucket order and the two replicas of foo.bar', () => {
  const text =
    'cluster r5 jump_fnv1a_ch replication 2 10.0.0.1:1=3 10.0.0.1:2=1 10.0.0.1:3=10 10.0.0.1:4=2 10.0.0.1:5;\nmatch * send to r5;'
  const config = parseRelayConfig(text, 'r5.conf')
  const members = config.clusters.get('r5')!.members
  assert.deepEqual(
    jumpBucketOrder(members).map((i) => members[i]!.instance),
    ['1', '2', '3', '10', null],
  )
  assert.deepEqual(createRelayLookup(config)('foo.bar'), ['10.0.0.1:4=2', '10.0.0.1:5'])
})

test('routes: duplicates kept, stop, blackhole after earlier sends, instances as numbers', () => {
  const config = parseRelayConfig(
    [
      'cluster a forward 10.0.0.1:2003=007 ;',
      'cluster b failover 10.0.0.2 10.0.0.3:2004;',
      'match \\.latency$ send to a;',
      'match ^test\\. send to blackhole;',
      'match "^stats(d)?\\." ^x send to a b stop;',
      'match [[:digit:]]$ send to b;',
    ].join('\n'),
    'rules.conf',
  )
  const lookup = createRelayLookup(config)
  assert.deepEqual(lookup('statsd.web.latency'), ['10.0.0.1:2003=7', '10.0.0.1:2003=7', '10.0.0.2:2003'])
  assert.deepEqual(lookup('test.x.latency'), ['10.0.0.1:2003=7'])
  assert.deepEqual(lookup('y.1'), ['10.0.0.2:2003'])
  assert.deepEqual(lookup('nothing.matches'), [])
  assert.deepEqual(createRelayLookup(config, { cluster: 'b' })('test.x'), ['10.0.0.2:2003'])
  assert.throws(() => createRelayLookup(config, { cluster: 'c' }), InvalidArgumentError)
})

test('configurations the relay refuses, or carbon ring cannot answer exactly, are refused with their line', () => {
  const refuse = (text: string, message: RegExp): void =>
    assert.throws(
      () => parseRelayConfig(text, 'x.conf'),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    )
  refuse('cluster c carbon_ch 10.0.0.1:1 10.0.0.1:2;', /^x\.conf:1: .*two members with host 10\.0\.0\.1/)
  refuse(
    'cluster c carbon_ch replication 3\n 10.0.0.1:1=a 10.0.0.1:2=b;',
    /^x\.conf:1: .*replication 3 is more/,
  )
  refuse('cluster c forward 10.0.0.1;\n\nrewrite ^a into b;', /^x\.conf:3: rewrite is not supported/)
  refuse('match * send to nowhere;', /unknown cluster nowhere/)
  refuse('cluster c jump_fnv1a_ch 10.0.0.1:1=1 10.0.0.1:2=a;', /numeric and non-numeric/)
  refuse(
    'cluster c forward 10.0.0.1:1=a;\ncluster d forward 10.0.0.1:1=b;',
    /^x\.conf:2: server 10\.0\.0\.1:1 has instance b/,
  )
  refuse('cluster c forward 10.0.0.1 ;\nmatch * route using x send to c;', /route using/)
  refuse('cluster c forward 10.0.0.1 @;', /unexpected character "@"/)
})

test('listen, statistics and comments do not take part; quoted words and IPv6 members are read', () => {
  const config = parseRelayConfig(
    [
      '# a comment',
      'listen type linemode 2003 proto tcp 2003 proto udp ;',
      'statistics submit every 60 seconds ;',
      'cluster "my cluster" fnv1a_ch [::1]:2003 127.0.0.1:2004 proto tcp type linemode transport gzip ;',
      'match * send to "my cluster"; # trailing',
    ].join('\n'),
    'q.conf',
  )
  assert.deepEqual(config.clusters.get('my cluster')!.labels, ['[::1]:2003', '127.0.0.1:2004'])
  assert.equal(createRelayLookup(config)('a.b').length, 1)
})
