// issue 17.5: the rebalance planner: misplaced holders are copied to every new home and marked for
// deletion, a new replica is fed from a holder at home, metrics in place, self-metrics and metrics
// routed nowhere are left alone; and the job state resumes exactly where a run stopped.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { createJobState, readJobState, recordJobEvent } from '../../../../src/core/cluster/job-state.js'
import { parseNodeUrl, resolveNodeUrls } from '../../../../src/core/cluster/nodes.js'
import { Throttle, parseRate } from '../../../../src/core/cluster/rate.js'
import type { Inventory } from '../../../../src/core/cluster/rebalance-plan.js'
import { planRebalance } from '../../../../src/core/cluster/rebalance-plan.js'
import { parseRelayConfig } from '../../../../src/core/cluster/relay-config.js'
import { createRelayLookup } from '../../../../src/core/cluster/relay-route.js'
import { ConfigError, InvalidArgumentError } from '../../../../src/core/errors.js'
import { tempDir } from '../../../helpers/tmp.js'

const inventory = (nodes: Record<string, Record<string, number>>): Inventory =>
  new Map(Object.entries(nodes).map(([node, metrics]) => [node, new Map(Object.entries(metrics))]))

test('issue 17.5: a misplaced metric is copied to each of its new homes and its source marked for deletion', () => {
  const homes: Record<string, string[]> = { 'a.x': ['B', 'C'], 'a.y': ['A'], 'a.z': ['A', 'C'] }
  const plan = planRebalance(
    inventory({ A: { 'a.x': 100, 'a.y': 10, 'a.z': 30 }, B: {}, C: { 'a.z': 30 } }),
    (m) => homes[m] ?? [],
  )
  assert.deepEqual(plan.moves, [{ metric: 'a.x', from: 'A', to: ['B', 'C'], bytes: 100, misplaced: true }])
  assert.equal(plan.placed, 2)
  assert.equal(plan.metrics, 3)
  assert.equal(plan.copyBytes, 200)
  assert.equal(plan.misplacedBytes, 100)
  assert.deepEqual(plan.flows, [
    { from: 'A', to: 'B', metrics: 1, bytes: 100 },
    { from: 'A', to: 'C', metrics: 1, bytes: 100 },
  ])
})

test('issue 17.5: a metric held misplaced on two nodes is copied from both; a new replica is fed from home', () => {
  const homes: Record<string, string[]> = { m1: ['C'], m2: ['A', 'C'] }
  const plan = planRebalance(inventory({ A: { m1: 5, m2: 7 }, B: { m1: 6 }, C: {} }), (m) => homes[m] ?? [])
  assert.deepEqual(plan.moves, [
    { metric: 'm1', from: 'A', to: ['C'], bytes: 5, misplaced: true },
    { metric: 'm1', from: 'B', to: ['C'], bytes: 6, misplaced: true },
    { metric: 'm2', from: 'A', to: ['C'], bytes: 7, misplaced: false },
  ])
  assert.equal(plan.misplacedBytes, 11)
})

test('issue 17.5: self-metrics and metrics the ring routes nowhere stay where they are', () => {
  const plan = planRebalance(inventory({ A: { 'carbon.agents.a-1.cpu': 1, 'junk.x': 2 }, B: {} }), (m) =>
    m.startsWith('junk.') ? [] : ['B'],
  )
  assert.deepEqual(plan.moves, [])
  assert.equal(plan.selfMetrics, 1)
  assert.deepEqual(plan.unrouted, ['junk.x'])
})

test('issue 17.5: the plan follows the real ring, replicas included (a name routed twice is one home)', () => {
  const config = parseRelayConfig(
    'cluster c carbon_ch replication 2 h1:2003=a h2:2003=b h3:2003=c h4:2003=d;\nmatch * send to c;\nmatch ^dup send to c;\n',
    'relay.conf',
  )
  const lookup = createRelayLookup(config)
  const names = Array.from({ length: 200 }, (_, i) => `svc.n${i}.v`).concat(['dup.one'])
  const held = new Map(names.map((n) => [n, 10]))
  const plan = planRebalance(inventory({ 'h1:2003=a': Object.fromEntries(held) }), lookup)
  for (const move of plan.moves) {
    const homes = [...new Set(lookup(move.metric))]
    assert.equal(homes.length, 2)
    if (homes.includes('h1:2003=a')) {
      assert.equal(move.misplaced, false)
      assert.deepEqual(
        move.to,
        homes.filter((h) => h !== 'h1:2003=a'),
      )
    } else {
      assert.equal(move.misplaced, true)
      assert.deepEqual(move.to, homes)
    }
  }
  assert.equal(plan.moves.length, names.length)
})

test('issue 17.5: the job state resumes with every recorded step and ignores a torn last line', (t) => {
  const file = path.join(tempDir(t, 'carbonkit-job-'), 'job.state')
  const moves = [
    { metric: 'a', from: 'A', to: ['B', 'C'], bytes: 1, misplaced: true },
    { metric: 'b', from: 'A', to: ['B'], bytes: 1, misplaced: true },
  ]
  const header = { job: 'carbon rebalance' as const, version: 1, digest: 'd', created: 1 }
  const state = createJobState(file, header, moves)
  recordJobEvent(state, { e: 'filled', i: 0, to: 'B', points: 3, created: true })
  recordJobEvent(state, { e: 'filled', i: 0, to: 'C', points: 3, created: false })
  recordJobEvent(state, { e: 'verified', i: 0, checked: 6 })
  recordJobEvent(state, { e: 'failed', i: 1, reason: 'x' })
  fs.appendFileSync(file, '{"e":"deleted","i":0') // a crash in the middle of a write
  const again = readJobState(file)!
  assert.equal(again.header.digest, 'd')
  assert.deepEqual(again.moves, moves)
  assert.deepEqual([...again.progress[0]!.filled], ['B', 'C'])
  assert.equal(again.progress[0]!.verified, true)
  assert.equal(again.progress[0]!.deleted, false)
  assert.equal(again.progress[1]!.failed, 'x')
  assert.equal(again.resumedSteps, 4)
  assert.equal(readJobState(path.join(path.dirname(file), 'none')), null)
  fs.writeFileSync(file, 'hello\n')
  assert.throws(() => readJobState(file), ConfigError)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['job.state'])
})

test('issue 17.5: --rate takes metrics or bytes per second; the throttle spaces the moves', async () => {
  assert.deepEqual(parseRate('200'), { unit: 'metrics', perSecond: 200 })
  assert.deepEqual(parseRate('5/s'), { unit: 'metrics', perSecond: 5 })
  assert.deepEqual(parseRate('2MiB/s'), { unit: 'bytes', perSecond: 2 * 1024 * 1024 })
  assert.deepEqual(parseRate('20MB/s'), { unit: 'bytes', perSecond: 20e6 })
  assert.throws(() => parseRate('fast'), InvalidArgumentError)
  assert.throws(() => parseRate('0'), InvalidArgumentError)
  let now = 0
  const slept: number[] = []
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      slept.push(ms)
      now += ms
      return Promise.resolve()
    },
  }
  const throttle = new Throttle({ unit: 'metrics', perSecond: 4 }, clock)
  for (let i = 0; i < 5; i++) await throttle.take(1000)
  assert.equal(now, 1000) // the fifth move goes one second after the first
  const bytes = new Throttle({ unit: 'bytes', perSecond: 1000 }, { ...clock })
  now = 0
  await bytes.take(500)
  await bytes.take(500)
  await bytes.take(500)
  assert.equal(now, 1000)
})

test('issue 17.5: batches waiting for the rate side by side go in turn, each after its share', async () => {
  // A clock whose sleeps end in time order, as timers do.
  let now = 0
  const sleepers: { at: number; wake: () => void }[] = []
  const clock = {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
  }
  const throttle = new Throttle({ unit: 'metrics', perSecond: 1 }, clock)
  const ended: [string, number][] = []
  const batch = (name: string): Promise<void> =>
    throttle.takeAll([10, 10, 10], undefined).then(() => void ended.push([name, now]))
  const all = Promise.all([batch('a'), batch('b'), batch('c')])
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve))
    if (sleepers.length === 0) break
    sleepers.sort((x, y) => x.at - y.at)
    const next = sleepers.shift()!
    now = next.at
    next.wake()
  }
  await all
  // Three moves each at one per second: the first batch may go at its third turn (2 s), the next at
  // 5 s, the last at 8 s; interleaved turns would have let all three go at 6-8 s.
  assert.deepEqual(ended, [
    ['a', 2000],
    ['b', 5000],
    ['c', 8000],
  ])
})

test('issue 17.5: nodes map to admin URLs by --http-port or --node MEMBER=URL', () => {
  assert.deepEqual(parseNodeUrl('10.0.0.5:2003=a=http://10.0.0.5:8080'), {
    member: '10.0.0.5:2003=a',
    url: 'http://10.0.0.5:8080',
  })
  const urls = resolveNodeUrls(['h1:2003=a', '[::1]:2004', 'h2:2003'], {
    httpPort: 8080,
    urls: ['h2:2003=https://proxy/h2'],
  })
  assert.deepEqual(Object.fromEntries(urls), {
    'h1:2003=a': 'http://h1:8080',
    '[::1]:2004': 'http://[::1]:8080',
    'h2:2003': 'https://proxy/h2',
  })
  assert.throws(() => resolveNodeUrls(['h1:2003'], {}), /--http-port N/)
  assert.throws(() => resolveNodeUrls(['h1:2003'], { urls: ['h9:1=http://x'] }), /not a node here/)
  assert.throws(() => parseNodeUrl('h1:2003'), /MEMBER=URL/)
})
