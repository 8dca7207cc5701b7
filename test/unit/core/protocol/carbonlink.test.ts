// CarbonLink against carbon 1.1.7's CacheManagementHandler (driven through carbon_oracle.py with a
// cache holding known points): carbonkit's requests are answered by carbon, carbon's replies are
// read by carbonkit, and carbonkit's server-side codec reads graphite-web's requests and writes
// what carbon writes.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type {
  CachedPoint,
  CarbonLinkRequest,
  CarbonLinkResponse,
} from '../../../../src/core/protocol/carbonlink.js'
import {
  decodeCarbonLinkRequest,
  decodeCarbonLinkResponse,
  encodeCarbonLinkRequest,
  encodeCarbonLinkResponse,
} from '../../../../src/core/protocol/carbonlink.js'
import type { Typed } from '../../../helpers/protocol-oracle.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import { f2h, needsReference } from '../../../helpers/reference.js'

const CACHE: [string, CachedPoint[]][] = [
  [
    'a.b',
    [
      [1700000060, 2.5],
      [1700000000, 1],
      [1700000120.75, -0],
    ],
  ],
  ['c.d;tag=x', [[1700000000, Infinity]]],
  ['é', [[1, 1e-300]]],
]
const cacheArg = CACHE.map(([metric, points]) => [metric, points.map(([ts, v]) => [f2h(ts), f2h(v)])])

interface HandlerReply {
  reply: string | null
  dropped: string | null
}

const str = (v: string): Typed => ({ t: 'str', v })
const dict = (...entries: [string, Typed][]): Typed => ({
  t: 'dict',
  v: entries.map(([k, v]) => [str(k), v]),
})

describe('CarbonLink against carbon 1.1.7 (CacheManagementHandler)', needsReference('carbon'), () => {
  let oracle: ProtocolOracle
  before(() => {
    oracle = ProtocolOracle.start()
  })
  after(() => oracle.close())

  async function ask(request: CarbonLinkRequest): Promise<{ response: CarbonLinkResponse; reply: Buffer }> {
    const result = await oracle.call<HandlerReply>('carbonlink', {
      hex: encodeCarbonLinkRequest(request).toString('hex'),
      cache: cacheArg,
    })
    assert.equal(result.dropped, null)
    const reply = Buffer.from(result.reply!, 'hex')
    return { response: decodeCarbonLinkResponse(reply), reply }
  }

  test('cache-query: the points in arrival order; [] when not cached', async () => {
    assert.deepEqual((await ask({ type: 'cache-query', metric: 'a.b' })).response, {
      kind: 'datapoints',
      datapoints: CACHE[0]![1],
    })
    assert.deepEqual((await ask({ type: 'cache-query', metric: 'c.d;tag=x' })).response, {
      kind: 'datapoints',
      datapoints: CACHE[1]![1],
    })
    assert.deepEqual((await ask({ type: 'cache-query', metric: 'nope' })).response, {
      kind: 'datapoints',
      datapoints: [],
    })
  })

  test('cache-query-bulk', async () => {
    const { response } = await ask({ type: 'cache-query-bulk', metrics: ['a.b', 'é', 'nope'] })
    assert.deepEqual(response, {
      kind: 'datapointsByMetric',
      datapointsByMetric: new Map([
        ['a.b', CACHE[0]![1]],
        ['é', CACHE[2]![1]],
        ['nope', []],
      ]),
    })
  })

  test('get-metadata and set-metadata: errors come back as error replies', async () => {
    // The oracle has no database, so carbon answers with a traceback, as for a missing file.
    for (const request of [
      { type: 'get-metadata', metric: 'a.b', key: 'aggregationMethod' },
      { type: 'set-metadata', metric: 'a.b', key: 'aggregationMethod', value: 'max' },
    ] as CarbonLinkRequest[]) {
      const { response } = await ask(request)
      assert.equal(response.kind, 'error')
      assert.match((response as { error: string }).error, /Traceback/)
    }
  })

  test('an unknown type gets the error text carbon gives, from both sides', async () => {
    const body = Buffer.from(
      await oracle.call<string>('dumps', { value: dict(['type', str('bogus')]), protocol: 5 }),
      'hex',
    )
    const carbon = await oracle.call<HandlerReply>('carbonlink', { hex: body.toString('hex') })
    const expected: CarbonLinkResponse = { kind: 'error', error: 'Invalid request type "bogus"' }
    assert.deepEqual(decodeCarbonLinkResponse(Buffer.from(carbon.reply!, 'hex')), expected)
    const ours = decodeCarbonLinkRequest(body)
    assert.deepEqual(ours, { type: 'bad-request', error: 'Invalid request type "bogus"' })
    assert.equal(encodeCarbonLinkResponse(expected).toString('hex'), carbon.reply)
  })

  test("graphite-web's requests (pickle protocol -1 = 5) are read by the server-side decoder", async () => {
    const cases: [Typed, CarbonLinkRequest][] = [
      [
        dict(['type', str('cache-query')], ['metric', str('foo.bar')]),
        { type: 'cache-query', metric: 'foo.bar' },
      ],
      [
        dict(['type', str('cache-query-bulk')], ['metrics', { t: 'list', v: [str('a'), str('b')] }]),
        { type: 'cache-query-bulk', metrics: ['a', 'b'] },
      ],
      [
        dict(['type', str('get-metadata')], ['metric', str('a')], ['key', str('aggregationMethod')]),
        { type: 'get-metadata', metric: 'a', key: 'aggregationMethod' },
      ],
      [
        dict(
          ['type', str('set-metadata')],
          ['metric', str('a')],
          ['key', str('aggregationMethod')],
          ['value', str('sum')],
        ),
        { type: 'set-metadata', metric: 'a', key: 'aggregationMethod', value: 'sum' },
      ],
    ]
    for (const [value, expected] of cases) {
      for (const protocol of [2, 5]) {
        const hex = await oracle.call<string>('dumps', { value, protocol })
        assert.deepEqual(decodeCarbonLinkRequest(Buffer.from(hex, 'hex')), expected)
      }
    }
  })

  test('server-side replies are the bytes carbon writes', async () => {
    const replies: [CarbonLinkRequest, CarbonLinkResponse][] = [
      [
        { type: 'cache-query', metric: 'a.b' },
        { kind: 'datapoints', datapoints: CACHE[0]![1] },
      ],
      [
        { type: 'cache-query', metric: 'nope' },
        { kind: 'datapoints', datapoints: [] },
      ],
      [
        { type: 'cache-query-bulk', metrics: ['a.b', 'nope'] },
        {
          kind: 'datapointsByMetric',
          datapointsByMetric: new Map([
            ['a.b', CACHE[0]![1]],
            ['nope', []],
          ]),
        },
      ],
    ]
    for (const [request, response] of replies) {
      const carbon = await oracle.call<HandlerReply>('carbonlink', {
        hex: encodeCarbonLinkRequest(request).toString('hex'),
        cache: cacheArg,
      })
      assert.equal(encodeCarbonLinkResponse(response).toString('hex'), carbon.reply)
    }
  })

  test('bad requests: carbon closes without a reply, carbonkit answers with an error', async () => {
    const bad: [Buffer, RegExp][] = [
      [Buffer.from('garbage'), /invalid pickle/],
      [Buffer.from('N.'), /not a dict/],
      [
        Buffer.from(
          await oracle.call<string>('dumps', { value: dict(['metric', str('a')]), protocol: 2 }),
          'hex',
        ),
        /no 'type'/,
      ],
      [
        Buffer.from(
          await oracle.call<string>('dumps', { value: dict(['type', str('cache-query')]), protocol: 2 }),
          'hex',
        ),
        /'metric' is missing/,
      ],
      [Buffer.from("cos\nsystem\n(S'id'\ntR.", 'latin1'), /GLOBAL.*refused/],
    ]
    for (const [body, pattern] of bad) {
      const carbon = await oracle.call<HandlerReply>('carbonlink', { hex: body.toString('hex') })
      assert.equal(carbon.reply, null)
      assert.notEqual(carbon.dropped, null)
      const ours = decodeCarbonLinkRequest(body)
      assert.equal(ours.type, 'bad-request')
      assert.match((ours as { error: string }).error, pattern)
    }
    // carbon answers a string of metrics by iterating its characters; carbonkit says what is wrong.
    const chars = Buffer.from(
      await oracle.call<string>('dumps', {
        value: dict(['type', str('cache-query-bulk')], ['metrics', str('ab')]),
        protocol: 2,
      }),
      'hex',
    )
    const carbon = await oracle.call<HandlerReply>('carbonlink', { hex: chars.toString('hex') })
    assert.deepEqual(decodeCarbonLinkResponse(Buffer.from(carbon.reply!, 'hex')), {
      kind: 'datapointsByMetric',
      datapointsByMetric: new Map([
        ['a', []],
        ['b', []],
      ]),
    })
    assert.deepEqual(decodeCarbonLinkRequest(chars), {
      type: 'bad-request',
      error: "invalid request: 'metrics' is not a list",
    })
  })
})

describe('CarbonLink codecs', () => {
  test('requests and replies round-trip through both sides', () => {
    const requests: CarbonLinkRequest[] = [
      { type: 'cache-query', metric: 'x' },
      { type: 'cache-query-bulk', metrics: ['x', 'y'] },
      { type: 'get-metadata', metric: 'x', key: 'aggregationMethod' },
      { type: 'set-metadata', metric: 'x', key: 'aggregationMethod', value: 'last' },
    ]
    for (const request of requests)
      assert.deepEqual(decodeCarbonLinkRequest(encodeCarbonLinkRequest(request)), request)
    const responses: CarbonLinkResponse[] = [
      { kind: 'datapoints', datapoints: [[1, 2]] },
      { kind: 'value', value: 'average' },
      { kind: 'set-metadata', oldValue: 'average', newValue: 'max' },
      { kind: 'error', error: 'boom' },
    ]
    for (const response of responses)
      assert.deepEqual(decodeCarbonLinkResponse(encodeCarbonLinkResponse(response)), response)
  })

  test('replies of the wrong shape are MalformedInputErrors', () => {
    assert.throws(() => decodeCarbonLinkResponse(Buffer.from('N.')), {
      code: 'ERR_MALFORMED_INPUT',
      message: /not a dict/,
    })
    assert.throws(() => decodeCarbonLinkResponse(Buffer.from('}.')), /a dict with keys \(none\)/)
  })
})
