// The daemon's cache: write strategies, in-flight points visible to CarbonLink, restore and dump order.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricCache, metricPoints, pointsToWrite } from '../../../../src/core/daemon/cache.js'
import type { WriteStrategy } from '../../../../src/core/daemon/settings.js'

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
  assert.deepEqual([...pointsToWrite(taken.points)], [300, 1, 301, 2, 302, 3])
  assert.deepEqual([...pointsToWrite(metricPoints([5, 3, 5], [1, 2, 3]))], [3, 2, 5, 3])
})
