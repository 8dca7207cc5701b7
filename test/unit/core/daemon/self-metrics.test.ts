// Self-metrics into a real cache: carbon's names under <prefix>.agents.<host>-<instance>, the counters
// of one interval (then zero again), the gauges of the moment, cpuUsage over the interval, and a timer
// that runs every interval and not at all when the interval is 0.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import { createCounters } from '../../../../src/core/daemon/instrumentation.js'
import type { SelfMetricsOptions } from '../../../../src/core/daemon/self-metrics.js'
import { SelfMetrics } from '../../../../src/core/daemon/self-metrics.js'

function setup(overrides: Partial<SelfMetricsOptions> = {}) {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  const counters = createCounters()
  let cpuMicros = 1_000_000
  let stored = 0
  let collections = 0
  const faults: string[] = []
  const metrics = new SelfMetrics({
    prefix: 'carbon',
    instance: 'b',
    host: 'web.example.com',
    intervalSeconds: 60,
    counters,
    cache,
    connections: () => 3,
    resources: () => ({ cpuMicros, rssBytes: 5_000_000 }),
    // Each collection a minute after the last.
    clock: () => 1_800_000_000.5 + 60 * collections++,
    stored: () => stored++,
    fault: (where, error) => faults.push(`${where}: ${String(error)}`),
    ...overrides,
  })
  const value = (stat: string): number | undefined => cache.query(`${metrics.agent}.${stat}`)[0]?.[1]
  return {
    cache,
    counters,
    metrics,
    value,
    faults,
    stored: () => stored,
    spendCpu: (micros: number) => (cpuMicros += micros),
  }
}

test("issue 14: one collection stores the interval's counters and the gauges under carbon's names, then starts from zero", () => {
  const { cache, counters, metrics, value, stored, spendCpu } = setup()
  assert.equal(metrics.agent, 'carbon.agents.web_example_com-b')
  counters.metricsReceived = 42
  counters.committedPoints = 40
  counters.updateOperations = 4
  counters.updateSeconds = 0.2
  counters.cacheQueries = 2
  counters.rejected.set('bad-name', 5)
  cache.store('some.metric', 1, 1)
  spendCpu(6_000_000)
  metrics.collect()
  assert.equal(stored(), 1, 'the persister is told')
  assert.deepEqual(cache.query(`${metrics.agent}.metricsReceived`), [[1_800_000_000.5, 42]])
  assert.equal(value('committedPoints'), 40)
  assert.equal(value('pointsPerUpdate'), 10)
  assert.equal(value('avgUpdateTime'), 0.05)
  assert.equal(value('cache.queries'), 2)
  assert.equal(value('cache.size'), 1, 'the cache before the self-metrics went in')
  assert.equal(value('cache.queues'), 1)
  assert.equal(value('activeConnections'), 3)
  assert.equal(value('cpuUsage'), 10, '6 s of CPU in 60 s')
  assert.equal(value('memUsage'), 5_000_000)
  assert.equal(value('rejected.bad-name'), 5)
  assert.equal(counters.metricsReceived, 0)
  assert.equal(counters.rejected.size, 0)

  // The next interval counts from zero; cpuUsage from the last collection.
  counters.metricsReceived = 7
  spendCpu(3_000_000)
  metrics.collect()
  assert.deepEqual(cache.query(`${metrics.agent}.metricsReceived`), [
    [1_800_000_000.5, 42],
    [1_800_000_060.5, 7],
  ])
  assert.deepEqual(
    cache.query(`${metrics.agent}.cpuUsage`).map(([, v]) => v),
    [10, 5],
  )
})

test('issue 14: without resources there is no cpuUsage or memUsage', () => {
  const { metrics, value } = setup({ resources: undefined })
  metrics.collect()
  assert.equal(value('cpuUsage'), undefined)
  assert.equal(value('memUsage'), undefined)
  assert.equal(value('metricsReceived'), 0)
})

test('issue 14: the timer collects every interval, a throw is a fault, and an interval of 0 collects nothing', async (t) => {
  const { metrics, value } = setup({ intervalSeconds: 0.05 })
  metrics.start()
  t.after(() => metrics.stop())
  // The timer does not hold the process open (unref): something else must, as the daemon's sockets do.
  const alive = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(alive))
  const until = Date.now() + 60_000
  while (value('metricsReceived') === undefined && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20))
  metrics.stop()
  assert.equal(value('metricsReceived'), 0)

  const failing = setup({
    intervalSeconds: 0.05,
    connections: () => {
      throw new Error('boom')
    },
  })
  failing.metrics.start()
  t.after(() => failing.metrics.stop())
  const until2 = Date.now() + 60_000
  while (failing.faults.length === 0 && Date.now() < until2) await new Promise((r) => setTimeout(r, 20))
  failing.metrics.stop()
  assert.match(failing.faults[0] ?? '', /^self-metrics: Error: boom/)

  const never = setup({ intervalSeconds: 0 })
  never.metrics.start()
  await new Promise((r) => setTimeout(r, 150))
  assert.equal(never.value('metricsReceived'), undefined)
  assert.equal(never.stored(), 0)
})
