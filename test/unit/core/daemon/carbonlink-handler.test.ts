// CarbonLink's answers with a real cache, the daemon's name cache, real whisper files and a real
// writer thread for set-metadata: what graphite-web's cache queries get, and how a refused name, a
// missing file, an unsupported key and a bug are answered.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { ConfigFileText } from '../../../../src/core/config/config-set.js'
import { parseConfigSet } from '../../../../src/core/config/config-set.js'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import { carbonLinkHandler } from '../../../../src/core/daemon/carbonlink-handler.js'
import { createCounters } from '../../../../src/core/daemon/instrumentation.js'
import { NameCache } from '../../../../src/core/daemon/name-cache.js'
import { Persister } from '../../../../src/core/daemon/persister.js'
import { create } from '../../../../src/core/whisper/create.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import { tempDir } from '../../../helpers/tmp.js'

const REAL_WRITER = new URL('../../../../src/core/daemon/persister-worker.js', import.meta.url)

function setup(dataDir: string, throwOnMetric?: string) {
  const texts: ConfigFileText[] = [
    ['carbon.conf', '[cache]\nUSE_WHITELIST = True\n'],
    ['storage-schemas.conf', '[all]\npattern = .*\nretentions = 1m:1d\n'],
    ['blacklist.conf', '^noisy\\.\n'],
  ].map(([kind, text]) => ({
    path: `/conf/${kind}`,
    kind: kind as ConfigFileText['kind'],
    text: text!,
    invalidUtf8Line: null,
  }))
  const config = parseConfigSet(texts, { dir: '/conf', env: {} }).set
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  const names = new NameCache({ dataDir, tagHashFilenames: true, useWhitelist: true, config: () => config })
  const counters = createCounters()
  const persister = new Persister({
    cache,
    workers: 1,
    workerUrl: REAL_WRITER,
    target: (metric) => ({
      path: names.pathOf(metric),
      createSpec: () => {
        throw new Error('not in these tests')
      },
    }),
    maxUpdatesPerSecond: Infinity,
    maxCreatesPerMinute: Infinity,
    autoflush: false,
    clock: () => 1_800_000_000,
    events: { written: () => undefined, deferred: () => undefined, writerDied: () => undefined },
  })
  const answer = carbonLinkHandler({
    query: (metric) => cache.query(metric),
    resolve: (raw) => names.resolve(raw),
    setAggregationMethod: (file, method) => persister.setAggregationMethod(file, method),
    counters,
    throwOnMetric,
  })
  return { cache, counters, persister, answer }
}

test('issue 14: cache queries answer what the cache holds, and are counted as carbon counts them', (t) => {
  const { cache, counters, answer } = setup(tempDir(t))
  cache.store('a.b', 60, 1.5)
  cache.store('a.b', 120, -2)
  cache.store('c', 60, 3)
  assert.deepEqual(answer({ type: 'cache-query', metric: 'a.b' }), {
    kind: 'datapoints',
    datapoints: [
      [60, 1.5],
      [120, -2],
    ],
  })
  assert.deepEqual(answer({ type: 'cache-query', metric: 'nothing' }), { kind: 'datapoints', datapoints: [] })
  assert.deepEqual(answer({ type: 'cache-query-bulk', metrics: ['c', 'nothing', 'a.b'] }), {
    kind: 'datapointsByMetric',
    datapointsByMetric: new Map([
      ['c', [[60, 3]]],
      ['nothing', []],
      [
        'a.b',
        [
          [60, 1.5],
          [120, -2],
        ],
      ],
    ]),
  })
  assert.deepEqual(
    [counters.cacheQueries, counters.cacheBulkQueries, counters.cacheBulkQueryMetrics],
    [2, 1, 3],
  )
})

test('issue 14: get-metadata reads the file; refused names, missing files and other keys get an error reply', (t) => {
  const dataDir = tempDir(t)
  const { answer } = setup(dataDir)
  fs.mkdirSync(path.join(dataDir, 'a'))
  create(path.join(dataDir, 'a', 'b.wsp'), [[60, 10]], { aggregationMethod: 'max' })
  assert.deepEqual(answer({ type: 'get-metadata', metric: 'a.b', key: 'aggregationMethod' }), {
    kind: 'value',
    value: 'max',
  })
  assert.deepEqual(answer({ type: 'get-metadata', metric: 'noisy.x', key: 'aggregationMethod' }), {
    kind: 'error',
    error: 'noisy.x: blacklisted',
  })
  assert.deepEqual(answer({ type: 'get-metadata', metric: 'a..\0', key: 'aggregationMethod' }), {
    kind: 'error',
    error: 'a..\0: bad-name',
  })
  assert.deepEqual(answer({ type: 'get-metadata', metric: 'a.b', key: 'xFilesFactor' }), {
    kind: 'error',
    error: 'Unsupported metadata key "xFilesFactor"',
  })
  const missing = answer({ type: 'get-metadata', metric: 'no.such', key: 'aggregationMethod' })
  assert.ok(!(missing instanceof Promise) && missing.kind === 'error', JSON.stringify(missing))
  assert.match(missing.error, /no[/]such\.wsp/)
})

test('issue 14: set-metadata rewrites the file on a writer thread; a bad method is an error reply', async (t) => {
  const dataDir = tempDir(t)
  const { answer, persister } = setup(dataDir)
  persister.start()
  t.after(() => persister.stop())
  // The writer threads do not hold the process open (the daemon's sockets do): something must.
  const alive = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(alive))
  const file = path.join(dataDir, 'a', 'b.wsp')
  fs.mkdirSync(path.dirname(file))
  create(file, [[60, 10]], { aggregationMethod: 'average' })
  const reply = answer({ type: 'set-metadata', metric: 'a.b', key: 'aggregationMethod', value: 'last' })
  assert.ok(reply instanceof Promise, 'answered off the event loop')
  assert.deepEqual(await reply, { kind: 'set-metadata', oldValue: 'average', newValue: 'last' })
  assert.equal(readInfo(file).aggregationMethod, 'last')
  const bad = await answer({ type: 'set-metadata', metric: 'a.b', key: 'aggregationMethod', value: 'mode' })
  assert.equal(bad.kind, 'error')
  assert.equal(readInfo(file).aggregationMethod, 'last', 'unchanged')
})

test('issue 14: the test hook makes a cache query throw (the query server turns it into a fault)', (t) => {
  const { answer, counters } = setup(tempDir(t), 'boom')
  assert.throws(() => answer({ type: 'cache-query', metric: 'boom' }), /test hook: a query for boom/)
  assert.equal(counters.cacheQueries, 0)
  assert.deepEqual(answer({ type: 'cache-query', metric: 'other' }), { kind: 'datapoints', datapoints: [] })
})
