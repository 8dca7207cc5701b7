// The daemon's cache: write strategies, in-flight points visible to CarbonLink, restore and dump order.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import type { HeldPoints } from '../../../../src/core/daemon/cache.js'
import type { WriteStrategy } from '../../../../src/core/daemon/daemon-settings.js'
import { createRandom, runSeed } from '../../../helpers/random.js'

function filled(strategy: WriteStrategy, minTimestampLag = 0): MetricCache {
  const cache = new MetricCache({ strategy, minTimestampLag })
  // a: 1 point (oldest 100), b: 3 points (oldest 300), c: 2 points (oldest 50)
  cache.store('a', 100, 1)
  cache.store('b', 300, 1)
  cache.store('b', 301, 2)
  cache.store('c', 60, 1)
  cache.store('b', 302, 3)
  cache.store('c', 50, 2)
  return cache
}

function order(cache: MetricCache, now = 1000): string[] {
  const out: string[] = []
  for (let next = cache.drain(now); next; next = cache.drain(now)) out.push(next.metric)
  return out
}

test('sorted writes the fullest metrics first', () => {
  assert.deepEqual(order(filled('sorted')), ['b', 'c', 'a'])
})

test('naive writes in arrival order of the metrics', () => {
  assert.deepEqual(order(filled('naive')), ['a', 'b', 'c'])
})

test('max always takes the fullest queue', () => {
  const cache = filled('max')
  assert.equal(cache.drain(1000)?.metric, 'b')
  cache.store('a', 101, 1)
  cache.store('a', 102, 1)
  assert.equal(cache.drain(1000)?.metric, 'a')
  assert.equal(cache.drain(1000)?.metric, 'c')
  assert.equal(cache.drain(1000), undefined)
})

test('timesorted writes the oldest first, and only points older than MIN_TIMESTAMP_LAG', () => {
  assert.deepEqual(order(filled('timesorted')), ['c', 'a', 'b'])
  // now 320, lag 100: b (oldest 300) is not due yet; c (50) and a (100) are.
  const cache = filled('timesorted', 100)
  assert.deepEqual(order(cache, 320), ['c', 'a'])
  assert.equal(cache.size, 3)
  assert.deepEqual(order(cache, 401), ['b'])
})

test('in-flight points stay visible to queries until settled; restore puts them back', () => {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  cache.store('m', 20, 2)
  cache.store('m', 10, 1)
  const taken = cache.drain(100)!
  assert.equal(cache.size, 0)
  cache.store('m', 20, 5) // a newer value for a timestamp in flight wins
  assert.deepEqual(cache.query('m'), [
    [10, 1],
    [20, 5],
  ])
  assert.ok(cache.inflightHas('m'))
  cache.restore('m', taken.points)
  assert.equal(cache.inflightHas('m'), false)
  assert.equal(cache.size, 3)
  const again = cache.drain(100)!
  cache.settled('m', again.points)
  assert.deepEqual(cache.query('m'), [])
  assert.deepEqual([...cache.unwritten()], [])
})

test('skip leaves a metric in the cache', () => {
  const cache = filled('sorted')
  assert.equal(cache.drain(1000, (m) => m === 'b')?.metric, 'c')
  assert.equal(cache.drain(1000, (m) => m === 'b')?.metric, 'a')
  assert.equal(
    cache.drain(1000, (m) => m === 'b'),
    undefined,
  )
  assert.equal(cache.drain(1000)?.metric, 'b')
})

test('unwritten lists in-flight and held points; the points to write are sorted with the last value winning', () => {
  const cache = filled('sorted')
  const taken = cache.drain(1000)!
  const all = [...cache.unwritten()].map(([m, p]) => [m, p.count])
  assert.deepEqual(all, [
    ['b', 3],
    ['a', 1],
    ['c', 2],
  ])
  assert.deepEqual([...cache.pointsToWrite(taken.points)], [300, 1, 301, 2, 302, 3])
  const repeated = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  repeated.store('r', 5, 1)
  repeated.store('r', 3, 2)
  repeated.store('r', 5, 3)
  assert.deepEqual([...repeated.pointsToWrite(repeated.drain(1000)!.points)], [3, 2, 5, 3])
  // Otherwise ascending, with one timestamp twice in a row: still one point, the last value.
  repeated.store('r', 7, 1)
  repeated.store('r', 7, 2)
  repeated.store('r', 8, 3)
  assert.deepEqual([...repeated.pointsToWrite(repeated.drain(1000)!.points)], [7, 2, 8, 3])
})

test('random stores, writes, restores and settles keep every point, across chunk boundaries and reused chunks', () => {
  // A model (a list of pairs per metric, held and in flight) against the cache, whose points live in
  // 8-point chunks that go back to a free list: queues of 0 to 40 points, chunks reused many times.
  const seed = runSeed()
  const r = createRandom(seed)
  const cache = new MetricCache({ strategy: r.pick(['sorted', 'naive', 'max'] as const), minTimestampLag: 0 })
  const held = new Map<string, [number, number][]>()
  const inflight: { metric: string; taken: HeldPoints; pairs: [number, number][] }[] = []
  const metrics = Array.from({ length: 12 }, (_, i) => `m${i}`)
  const message = `seed ${seed} (replay with CARBONKIT_SEED=${seed})`
  let longest = 0
  for (let step = 0; step < 20_000; step++) {
    const action = r.next()
    if (action < 0.7) {
      const metric = r.pick(metrics)
      const point: [number, number] = [r.int(1, 60), r.int(-5, 5) / 4]
      cache.store(metric, ...point)
      held.set(metric, [...(held.get(metric) ?? []), point])
    } else if (action < 0.8) {
      const next = cache.drain(1e9, (m) => cache.inflightHas(m))
      if (!next) continue
      const pairs = held.get(next.metric)!
      held.delete(next.metric)
      assert.equal(next.points.count, pairs.length, message)
      longest = Math.max(longest, pairs.length)
      const byTimestamp = new Map(pairs)
      const expected = [...byTimestamp.entries()].sort((a, b) => a[0] - b[0]).flat()
      assert.deepEqual([...cache.pointsToWrite(next.points)], expected, message)
      inflight.push({ metric: next.metric, taken: next.points, pairs })
    } else if (inflight.length > 0) {
      const [item] = inflight.splice(r.int(0, inflight.length - 1), 1)
      if (action < 0.9) {
        cache.settled(item!.metric, item!.taken)
      } else {
        cache.restore(item!.metric, item!.taken)
        held.set(item!.metric, [...item!.pairs, ...(held.get(item!.metric) ?? [])])
      }
    }
    if (step % 997 === 0) {
      const metric = r.pick(metrics)
      const all = new Map<number, number>()
      for (const item of inflight) if (item.metric === metric) for (const [t, v] of item.pairs) all.set(t, v)
      for (const [t, v] of held.get(metric) ?? []) all.set(t, v)
      assert.deepEqual(
        cache.query(metric),
        [...all.entries()].sort((a, b) => a[0] - b[0]),
        message,
      )
    }
  }
  assert.ok(longest > 16, `queues of ${longest} points at most cross no chunk boundary: ${message}`)
  let total = 0
  for (const pairs of held.values()) total += pairs.length
  assert.equal(cache.size, total, message)
  const unwritten = new Map<string, number>()
  for (const [metric, points] of cache.unwritten())
    unwritten.set(metric, (unwritten.get(metric) ?? 0) + points.count)
  const expected = new Map<string, number>()
  for (const item of inflight) expected.set(item.metric, (expected.get(item.metric) ?? 0) + item.pairs.length)
  for (const [metric, pairs] of held) expected.set(metric, (expected.get(metric) ?? 0) + pairs.length)
  assert.deepEqual(unwritten, expected, message)
})

test('issue 14 memory: once everything is written the arena gives its slabs back, and the snapshot its names', () => {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  const empty = cache.arenaBytes
  for (let m = 0; m < 100_000; m++) cache.store(`m${m}`, 60, m)
  const full = cache.arenaBytes
  assert.ok(full >= 100_000 * 128, `${full} bytes for 100,000 metrics`)
  const taken: { metric: string; points: HeldPoints }[] = []
  for (let next = cache.drain(1000); next; next = cache.drain(1000)) taken.push(next)
  assert.equal(taken.length, 100_000)
  // In flight: the points are still needed.
  assert.equal(cache.arenaBytes, full)
  for (const { metric, points } of taken.slice(0, -1)) cache.settled(metric, points)
  assert.equal(cache.arenaBytes, full)
  const last = taken.at(-1)!
  cache.settled(last.metric, last.points)
  assert.ok(cache.arenaBytes <= Math.max(empty, 600_000), `${cache.arenaBytes} bytes left`)
  assert.equal((cache as unknown as { snapshot: string[] }).snapshot.length, 0)
  // And it works again from there.
  cache.store('again', 60, 1)
  cache.store('again', 120, 2)
  const again = cache.drain(1000)!
  assert.deepEqual([...cache.pointsToWrite(again.points)], [60, 1, 120, 2])
})

test('issue 17.admin: drop forgets the points held for a metric, its epoch, and a handle starts a new queue', () => {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  cache.epoch = 3
  const handle: { name: string; queue?: undefined } = { name: 'a' }
  cache.storeVia(handle, 100, 1)
  cache.storeVia(handle, 160, 2)
  cache.store('b', 100, 5)
  assert.equal(cache.drop('a'), 2)
  assert.equal(cache.drop('a'), 0)
  assert.equal(cache.size, 1)
  assert.deepEqual(cache.query('a'), [])
  cache.epoch = 4
  cache.storeVia(handle, 220, 3)
  assert.deepEqual(cache.query('a'), [[220, 3]])
  // b (epoch 3) is the oldest left: a's first queue no longer holds the log back.
  assert.equal(cache.oldestEpoch(), 3)
  cache.drop('b')
  assert.equal(cache.oldestEpoch(), 4)
})

test('issue 14: a point stored as of an earlier segment (parsed late) lowers its queue epoch', () => {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  cache.epoch = 7
  cache.store('a', 10, 1)
  assert.equal(cache.oldestEpoch(), 7)
  // The parser thread's points, logged in segment 5, stored now: the queue must keep segment 5.
  cache.epoch = 5
  cache.store('a', 20, 2)
  cache.epoch = 7
  assert.equal(cache.oldestEpoch(), 5)
  cache.store('a', 30, 3)
  assert.equal(cache.oldestEpoch(), 5, 'a later point does not raise it')
})
