// `carbon query` end to end: the built binary asks the reference carbon-cache (Debian's
// graphite-carbon 1.1.7) over CarbonLink for points it still holds in memory. The cache runs with
// CACHE_WRITE_STRATEGY = timesorted and a huge MIN_TIMESTAMP_LAG, so nothing is ever written: every
// point the query shows came from the cache.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { runAsync } from '../../helpers/cli.js'
import type { CarbonCache } from '../../helpers/carbon-cache.js'
import { startCarbonCache } from '../../helpers/carbon-cache.js'
import { needsReference } from '../../helpers/reference.js'

const POINTS = `q.one 1.5 1700000060\nq.one -2 1700000000\nq.one 1e300 1700000120\nq.two 7 1700000000\n`

describe('carbon query against carbon-cache 1.1.7', needsReference('carbon'), () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-query-'))
  const stops: (() => Promise<void>)[] = []
  let cache: CarbonCache
  let port: string

  before(async () => {
    // A metric whose whisper file exists, for get-metadata.
    const withFile = path.join(root, 'storage', 'whisper', 'q', 'withfile.wsp')
    fs.mkdirSync(path.dirname(withFile), { recursive: true })
    create(withFile, [[60, 10]], { aggregationMethod: 'max' })
    cache = await startCarbonCache({
      root,
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '1000000000' },
      after: (stop) => stops.push(stop),
    })
    port = String(cache.queryPort)
    const sent = await runAsync('carbon', ['send', '-p', String(cache.linePort)], { input: POINTS })
    assert.equal(sent.status, 0, sent.stderr)
    // The points reach the cache asynchronously: wait until all four are there.
    const deadline = Date.now() + 15_000
    for (;;) {
      const result = await runAsync('carbon', ['query', '-p', port, '--json', 'q.one', 'q.two'])
      if (result.status === 0) {
        const data = JSON.parse(result.stdout) as { metrics: { datapoints: unknown[] }[] }
        if (data.metrics[0]!.datapoints.length === 3 && data.metrics[1]!.datapoints.length === 1) break
      }
      if (Date.now() > deadline)
        assert.fail(`the points never reached the cache:\n${cache.log().slice(-3000)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  after(async () => {
    for (const stop of stops) await stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  test('one metric (cache-query): its points, sorted, as aligned columns', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, 'q.one'])
    assert.deepEqual(result, {
      status: 0,
      stderr: '',
      stdout: [
        'metric  timestamp   time (UTC)            value',
        'q.one   1700000000  2023-11-14T22:13:20Z  -2.0',
        'q.one   1700000060  2023-11-14T22:14:20Z  1.5',
        'q.one   1700000120  2023-11-14T22:15:20Z  1e+300',
        '',
      ].join('\n'),
    })
    // Nothing was written: these came from memory.
    assert.equal(fs.existsSync(path.join(cache.dataDir, 'q', 'one.wsp')), false)
  })

  test('several metrics (cache-query-bulk), --json: the same data as an object', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, '--json', 'q.one', 'q.two', 'q.missing'])
    assert.equal(result.status, 0)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      schemaVersion: 1,
      server: `127.0.0.1:${port}`,
      metrics: [
        {
          metric: 'q.one',
          datapoints: [
            [1700000000, -2],
            [1700000060, 1.5],
            [1700000120, 1e300],
          ],
        },
        { metric: 'q.two', datapoints: [[1700000000, 7]] },
        { metric: 'q.missing', datapoints: [] },
      ],
    })
  })

  test('--metadata asks each aggregationMethod: from the file, or the error carbon gives', async () => {
    const result = await runAsync('carbon', [
      'query',
      '-p',
      port,
      '--metadata',
      '--json',
      'q.two',
      'q.withfile',
    ])
    assert.equal(result.status, 0)
    const data = JSON.parse(result.stdout) as {
      metrics: { metric: string; aggregationMethod: string | null; metadataError?: string }[]
    }
    assert.equal(data.metrics[0]!.aggregationMethod, null)
    // carbon 1.1.7 with whisper 1.1.4 on a missing file (the last line of its traceback).
    assert.equal(data.metrics[0]!.metadataError, "TypeError: 'NoneType' object is not subscriptable")
    assert.equal(data.metrics[1]!.aggregationMethod, 'max')
    const text = await runAsync('carbon', ['query', '-p', port, '--metadata', 'q.withfile'])
    assert.equal(
      text.stdout,
      'metric      timestamp  time (UTC)  value           aggregationMethod\nq.withfile  -          -           (not in cache)  max\n',
    )
    assert.equal(text.status, 1)
  })

  test('nothing cached: the table says so, exit 1 with one line', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, 'q.missing'])
    assert.deepEqual(result, {
      status: 1,
      stdout: 'metric     timestamp  time (UTC)  value\nq.missing  -          -           (not in cache)\n',
      stderr: 'carbon: no points in cache for q.missing\n',
    })
  })
})

describe('carbon query without a server', () => {
  test('a refused connection exits 6 with one line', async () => {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as net.AddressInfo).port
    await new Promise((resolve) => server.close(resolve))
    const result = await runAsync('carbon', ['query', '-p', String(port), 'a.b'])
    assert.deepEqual(result, {
      status: 6,
      stdout: '',
      stderr: `carbon: 127.0.0.1:${port}: connection refused\n`,
    })
  })

  test('a server that is not CarbonLink: exit 6 when it closes, exit 4 when it answers garbage', async (t) => {
    const closer = net.createServer((socket) => socket.on('data', () => socket.destroy()))
    const garbage = net.createServer((socket) =>
      socket.on('data', () => socket.end(Buffer.from([0, 0, 0, 2, 0x4e, 0x2e]))),
    )
    for (const server of [closer, garbage]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.after(() => new Promise((resolve) => server.close(resolve)))
    }
    const closed = await runAsync('carbon', [
      'query',
      '-p',
      String((closer.address() as net.AddressInfo).port),
      'a.b',
    ])
    assert.equal(closed.status, 6)
    assert.match(closed.stderr, /^carbon: 127\.0\.0\.1:\d+: connection closed after 0 of 1 replies/)
    const bad = await runAsync('carbon', [
      'query',
      '-p',
      String((garbage.address() as net.AddressInfo).port),
      'a.b',
    ])
    assert.equal(bad.status, 4)
    assert.match(
      bad.stderr,
      /^carbon: 127\.0\.0\.1:\d+: invalid CarbonLink reply: the reply is None, not a dict\n$/,
    )
  })
})
