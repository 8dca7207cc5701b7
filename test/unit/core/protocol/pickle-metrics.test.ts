// Pickle metric batches against carbon 1.1.7's MetricPickleReceiver.stringReceived (driven through
// carbon_oracle.py with carbon's SafeUnpickler): the same points from the same frames, a reject for
// every item carbon skips, and where carbon drops the connection, the same points up to there.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { PickleMetrics } from '../../../../src/core/protocol/pickle-metrics.js'
import { encodePickleMetrics, parsePickleMetrics } from '../../../../src/core/protocol/pickle-metrics.js'
import { PickleError } from '../../../../src/core/protocol/pickle.js'
import type { MetricPoint } from '../../../../src/core/protocol/points.js'
import type { OraclePoint, Typed } from '../../../helpers/protocol-oracle.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { f2h, needsReference } from '../../../helpers/reference.js'

const NOW = 1800000000.5

interface BatchReply {
  points: OraclePoint[]
  invalidPickle: number
  shapeErrors: number
  dropped: string | null
}

const str = (v: string): Typed => ({ t: 'str', v })
const int = (v: number | bigint): Typed => ({ t: 'int', v: String(v) })
const float = (v: number): Typed => ({ t: 'float', v: f2h(v)! })
const bytes = (text: string): Typed => ({ t: 'bytes', v: Buffer.from(text, 'utf8').toString('hex') })
const tuple = (...v: Typed[]): Typed => ({ t: 'tuple', v })
const list = (...v: Typed[]): Typed => ({ t: 'list', v })
const item = (
  metric: Typed,
  ts: Typed,
  value: Typed,
  outer: 'tuple' | 'list' = 'tuple',
  inner: 'tuple' | 'list' = 'tuple',
): Typed => ({
  t: outer,
  v: [metric, { t: inner, v: [ts, value] }],
})

function ours(points: readonly MetricPoint[]): OraclePoint[] {
  return points.map((p) => [p.metric, f2h(p.timestamp)!, f2h(p.value)!])
}

/** Why carbon would drop the connection on this item (carbonkit rejects just the item). */
const DROPS_CONNECTION = new Set(['metric', 'timestamp-not-finite'])

async function compare(oracle: ProtocolOracle, body: Buffer, label: string): Promise<void> {
  const reference = await oracle.call<BatchReply>('pickle_batch', { hex: body.toString('hex'), now: NOW })
  let result: PickleMetrics | undefined
  try {
    result = parsePickleMetrics(body, { now: NOW })
  } catch (error) {
    assert.ok(error instanceof PickleError, `${label}: ${String(error)}`)
  }
  if (result === undefined) {
    // carbon logs "invalid pickle", or gets a payload it cannot iterate and drops the connection.
    assert.deepEqual(reference.points, [], label)
    assert.ok(reference.invalidPickle === 1 || reference.dropped !== null || reference.shapeErrors > 0, label)
    return
  }
  if (reference.dropped === null) {
    assert.deepEqual(ours(result.points), reference.points, label)
    assert.equal(result.rejects.filter((r) => r.reason === 'shape').length, reference.shapeErrors, label)
    assert.ok(!result.rejects.some((r) => DROPS_CONNECTION.has(r.reason)), label)
  } else {
    assert.deepEqual(ours(result.points).slice(0, reference.points.length), reference.points, label)
    // carbonkit went on: a bytes name read as UTF-8, or a rejected item.
    assert.ok(
      result.points.length > reference.points.length || result.rejects.length > 0,
      `${label}: carbon dropped (${reference.dropped})`,
    )
  }
}

const CASES: [string, Typed, number][] = [
  [
    'a list of tuples (carbon client)',
    list(item(str('a.b'), int(1700000000), float(1.5)), item(str('c'), float(1700000060.5), float(-2))),
    2,
  ],
  ['lists at both levels', list(item(str('a'), int(1), float(2), 'list', 'list')), 2],
  ['a tuple batch', tuple(item(str('a'), int(1), float(2))), 2],
  [
    'numeric strings (statsd style)',
    list(item(str('m'), str('1700000000'), str('7.5')), item(str('n'), str(' 12 '), str('1e3'))),
    0,
  ],
  [
    'ints, bools and big ints as values',
    list(item(str('m'), int(5), { t: 'bool', v: true }), item(str('m'), int(6), int(2n ** 70n))),
    2,
  ],
  [
    'a value float() cannot read is skipped',
    list(
      item(str('m'), int(1), str('abc')),
      item(str('m'), int(2), { t: 'none' }),
      item(str('m'), int(3), float(4)),
    ),
    2,
  ],
  [
    'a NaN value is dropped',
    list(
      item(str('m'), int(1), float(NaN)),
      item(str('m'), int(2), str('nan')),
      item(str('m'), int(3), float(1)),
    ),
    2,
  ],
  ['-1 means now', list(item(str('m'), int(-1), float(1)), item(str('m'), float(-1.5), float(2))), 2],
  [
    'wrong shapes are skipped',
    list(
      tuple(str('p.h')),
      str('ab'),
      tuple(str('m'), tuple(int(1))),
      tuple(str('m'), tuple(int(1), int(2), int(3))),
      item(str('ok'), int(1), float(1)),
    ),
    2,
  ],
  ['Python 2 str names (SHORT_BINSTRING) and Unicode names', list(item(str('é.ü'), int(1), float(1))), 0],
  [
    "a bytes name drops carbon's connection; carbonkit reads UTF-8",
    list(
      item(str('a'), int(1), float(1)),
      item(bytes('b.é'), int(2), float(2)),
      item(str('c'), int(3), float(3)),
    ),
    3,
  ],
  [
    "an int name drops carbon's connection",
    list(item(str('a'), int(1), float(1)), item(int(7), int(2), float(2)), item(str('c'), int(3), float(3))),
    2,
  ],
  [
    "an inf timestamp drops carbon's connection",
    list(
      item(str('a'), int(1), float(1)),
      item(str('b'), float(Infinity), float(2)),
      item(str('c'), int(3), float(3)),
    ),
    2,
  ],
  [
    "a value past the largest double drops carbon's connection",
    list(item(str('a'), int(1), int(10n ** 400n)), item(str('c'), int(3), float(3))),
    2,
  ],
  ['a dict payload', { t: 'dict', v: [[str('ab'), int(1)]] }, 2],
  ['a non-iterable payload', int(5), 2],
  ['an empty batch', list(), 2],
]

function randomItem(r: Random): Typed {
  const name = r.pick([
    str('a.b'),
    str('x'),
    str('é'),
    str(''),
    bytes('by.tes'),
    int(3),
    { t: 'none' } as Typed,
  ])
  const number = (): Typed =>
    r.pick([
      int(1700000000),
      float(1700000000.25),
      int(-1),
      float(r.next() * 100),
      str('42'),
      str('1e3'),
      str('x'),
      float(NaN),
      float(Infinity),
      { t: 'bool', v: false } as Typed,
      { t: 'none' } as Typed,
      int(2n ** 60n),
    ])
  const kind = r.int(0, 9)
  if (kind === 0) return tuple(name)
  if (kind === 1) return tuple(name, tuple(number()))
  return item(name, number(), number(), r.chance(0.5) ? 'tuple' : 'list', r.chance(0.5) ? 'tuple' : 'list')
}

describe('pickle batches against carbon 1.1.7 (MetricPickleReceiver)', needsReference('carbon'), () => {
  let oracle: ProtocolOracle
  before(() => {
    oracle = ProtocolOracle.start()
  })
  after(() => oracle.close())

  for (const [name, value, protocol] of CASES) {
    test(name, async () => {
      const hex = await oracle.call<string>('dumps', { value, protocol })
      await compare(oracle, Buffer.from(hex, 'hex'), name)
    })
  }

  test('a statsd-style protocol 0 pickle with string values', async () => {
    // What statsd's pickle backends write by hand: protocol 0, py2 str, numbers as strings.
    const body = Buffer.from(
      "(lp0\n(S'stats.gauges.x'\np1\n(S'1700000000'\np2\nS'12.5'\np3\ntp4\ntp5\na(S'stats.y'\n(S'1700000060'\nS'-3'\nttp6\na.",
      'latin1',
    )
    await compare(oracle, body, 'statsd')
    assert.deepEqual(parsePickleMetrics(body, { now: NOW }).points, [
      { metric: 'stats.gauges.x', value: 12.5, timestamp: 1700000000 },
      { metric: 'stats.y', value: -3, timestamp: 1700000060 },
    ])
  })

  test('seeded random batches at protocols 0 to 5', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 300; i++) {
      const protocol = r.int(0, 5)
      const items = Array.from({ length: r.int(0, 8) }, () => randomItem(r))
      // bytes need protocol 3 without globals: below that, carbon and carbonkit both refuse the frame.
      const hex = await oracle.call<string>('dumps', {
        value: r.chance(0.8) ? list(...items) : tuple(...items),
        protocol,
      })
      await compare(oracle, Buffer.from(hex, 'hex'), `seed ${seed}: ${hex}`)
    }
  })

  test('encodePickleMetrics: carbon stores exactly these points', async () => {
    const points: MetricPoint[] = []
    for (let i = 0; i < 1001; i++)
      points.push({ metric: `m.${i % 7}.é`, value: i / 3, timestamp: 1700000000 + i * (i % 2 ? 1 : 0.5) })
    for (const batch of [points.slice(0, 1), points.slice(0, 500), points]) {
      const body = encodePickleMetrics(batch)
      // The bytes of Python's pickle.dumps(batch, protocol=2), with int timestamps where whole.
      const typed = list(
        ...batch.map((p) =>
          item(
            str(p.metric),
            Number.isInteger(p.timestamp) ? int(p.timestamp) : float(p.timestamp),
            float(p.value),
          ),
        ),
      )
      assert.equal(body.toString('hex'), await oracle.call<string>('dumps', { value: typed, protocol: 2 }))
      const reference = await oracle.call<BatchReply>('pickle_batch', { hex: body.toString('hex'), now: NOW })
      assert.deepEqual(reference.points, ours(batch))
      assert.deepEqual(parsePickleMetrics(body, { now: NOW }).points, batch)
    }
  })
})

describe('pickle batches', () => {
  test('rejects name their item and reason', () => {
    const body = encodePickleMetrics([{ metric: 'ok', value: 1, timestamp: 2 }])
    assert.deepEqual(parsePickleMetrics(body, { now: 0 }), {
      points: [{ metric: 'ok', value: 1, timestamp: 2 }],
      rejects: [],
    })
    assert.throws(() => parsePickleMetrics(Buffer.from('N.'), { now: 0 }), /the batch is a None, not a list/)
  })
})
