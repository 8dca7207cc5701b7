// issue 17.3: sieve's decisions that the e2e tests do not reach: a node that is a second replica holds
// the metric, blackholed metrics are misplaced, --cluster ignores the rules, and an aborted run
// removes nothing.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { sieve } from '../../../../src/core/cluster/sieve.js'
import { AbortedError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { tempDir } from '../../../helpers/tmp.js'
import { HOUR } from '../../../helpers/whisper-tree.js'
import { readRingLookup } from '../../../../src/core/cluster/ring.js'

const RELAY = [
  'cluster two fnv1a_ch replication 2 10.0.0.1:2003=a 10.0.0.2:2003=b 10.0.0.3:2003=c;',
  'match ^junk\\. send to blackhole stop;',
  'match * send to two;',
  '',
].join('\n')

function tree(t: Parameters<typeof tempDir>[0], names: string[]): { dir: string; relay: string } {
  const work = tempDir(t, 'carbonkit-sieve-unit-')
  const relay = path.join(work, 'relay.conf')
  fs.writeFileSync(relay, RELAY)
  const dir = path.join(work, 'whisper')
  for (const name of names) {
    const file = path.join(dir, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, HOUR, { sparse: true })
  }
  return { dir, relay }
}

const NAMES = Array.from({ length: 30 }, (_, i) => `svc.s${i}.count`)

test('issue 17.3: with replication 2 a metric is held by both its replicas; blackholed metrics are misplaced', async (t) => {
  const { dir, relay } = tree(t, [...NAMES, 'junk.x'])
  const ring = readRingLookup({ kind: 'relay', file: relay })
  for (const node of ['10.0.0.1:2003=a', '10.0.0.2:2003=b', '10.0.0.3:2003=c']) {
    const result = await sieve({ dir, relayConfig: relay, node })
    const expected = [...NAMES, 'junk.x'].filter((n) => !ring(n).destinations.includes(node))
    assert.deepEqual(result.misplaced.map((m) => m.metric).sort(), expected.sort(), node)
    assert.equal(result.held, 31 - expected.length)
    assert.deepEqual(result.misplaced.find((m) => m.metric === 'junk.x')?.destinations, [])
  }
  // Each metric is on two of the three nodes: a third of the tree is misplaced on each, on average.
  const held = await Promise.all(
    ['10.0.0.1:2003=a', '10.0.0.2:2003=b', '10.0.0.3:2003=c'].map(
      async (node) => (await sieve({ dir, relayConfig: relay, node })).held,
    ),
  )
  assert.equal(
    held.reduce((a, b) => a + b, 0),
    NAMES.length * 2,
  )
  // --cluster: the rules are ignored, so junk.x is placed by the ring too.
  const byCluster = await sieve({ dir, relayConfig: relay, node: '10.0.0.1:2003=a', cluster: 'two' })
  assert.ok(!byCluster.misplaced.some((m) => m.destinations.length === 0))
})

test('issue 17.3: an aborted sieve removes nothing and says so', async (t) => {
  const { dir, relay } = tree(t, NAMES)
  const controller = new AbortController()
  controller.abort('SIGINT')
  await assert.rejects(
    sieve({
      dir,
      relayConfig: relay,
      node: '10.0.0.1:2003=a',
      action: { kind: 'delete' },
      signal: controller.signal,
    }),
    (error: unknown) => error instanceof AbortedError && /nothing was removed/.test(error.message),
  )
  assert.equal(
    (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.wsp')).length,
    30,
  )
})
