// The fast path for pickle batches against the generic one (decodePickle, then carbon's rules): the
// same points, the same rejects and the same PickleError for every body, whichever path reads it.
// Bodies come from Python's pickle (protocols 0 to 5, random batches) and from encodePickleMetrics,
// then mutated and truncated. Replay a random failure with CARBONKIT_SEED=<seed>.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { before, describe, test } from 'node:test'
import { NameInterner } from '../../../../src/core/protocol/intern.js'
import type { PickleDecodeOptions } from '../../../../src/core/protocol/pickle.js'
import { OP, PickleError } from '../../../../src/core/protocol/pickle.js'
import { PickleBatchScanner } from '../../../../src/core/protocol/pickle-fast.js'
import type { NameSource } from '../../../../src/core/protocol/pickle-fast.js'
import {
  encodePickleMetrics,
  forEachPickleMetric,
  parsePickleMetrics,
} from '../../../../src/core/protocol/pickle-metrics.js'
import type { MetricPoint } from '../../../../src/core/protocol/points.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { REFERENCE_PYTHON, needsReference } from '../../../helpers/reference.js'

/** What one path makes of a body: its callbacks in order, or its error. */
type Outcome =
  | { calls: (readonly [string, string | number, number, number | string])[] }
  | { error: string; offset?: number; reason?: string }

function outcome(
  body: Uint8Array,
  fastPath: boolean,
  decode?: PickleDecodeOptions,
  names?: NameSource,
): Outcome {
  // A clock that moves on every read: both paths must read it for the same points, in order.
  let clock = 1800000000
  const calls: (readonly [string, string | number, number, number | string])[] = []
  try {
    forEachPickleMetric(body, {
      now: () => (clock += 0.25),
      decode,
      names,
      fastPath,
      onPoint: (metric, value, timestamp) => calls.push(['point', metric, value, timestamp]),
      onReject: (index, reason, message) => calls.push(['reject', index, -1, `${reason}: ${message}`]),
    })
  } catch (error) {
    if (error instanceof PickleError)
      return { error: error.message, offset: error.offset, reason: error.reason }
    return { error: `not a PickleError: ${String(error)}` }
  }
  return { calls }
}

/** Fast (with and without an interner) and generic agree on `body`; true when the fast path read it. */
function agree(body: Uint8Array, label: string, decode?: PickleDecodeOptions): boolean {
  const generic = outcome(body, false, decode)
  assert.deepEqual(outcome(body, true, decode), generic, label)
  assert.deepEqual(outcome(body, true, decode, new NameInterner()), generic, `${label} (interned names)`)
  return new PickleBatchScanner().scan(body, decode, undefined)
}

// Batches from Python itself. Names are drawn from a pool of objects, so a repeated one is the same
// str and the pickler memoizes it (BINGET); a fresh copy is sometimes made instead.
const PYTHON_BATCHES = String.raw`
import pickle, random, sys
seed, count, small = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == '1'
r = random.Random(seed)
# Names and numbers the fast path reads, and odd ones (most send the whole batch to the generic path).
NAMES = ['a.b', 'servers.host-1.cpu.user', 'x', '', 'é.ü', '日本.語', 'emoji.😀', 'n' * 300, 'tab\there',
         'nul\x00', b'by.tes', b'\xc3\xa9.b', b'\xff\xfe', b'']
ODD_NAMES = ['lone.\ud800', 'q' * 70000, None, 7, 1.5, ('a',), b'\xff' * 300]
TIMESTAMPS = [1700000000, 1700000000.25, -1, -1.0, -1.5, -2, 0, 7, 255, 256, 65535, 65536, -7, 2**31,
              2**31 - 1, -2**31, -2**31 - 1, 2**40 + 3, 2**63, -0.0, float('inf'), float('-inf'),
              float('nan'), True, False]
VALUES = [1.5, 0.0, -0.0, float('nan'), float('inf'), -float('inf'), 42, -1, 2**53 + 1, 2**64, 1e308,
          5e-324, True, False]
ODD_NUMBERS = [None, '42', b'7', 'x', [1], 2**70, -2**100, 10**400, 2**127]
# How often something is odd: often in small batches, rarely in large ones (or none would be plain).
odd = 0.02 if small else 0.0005
def pick(plain, others):
    return r.choice(others if r.random() < odd else plain)
def fresh(name):
    if isinstance(name, str):
        return name[:1] + name[1:]
    return bytes(bytearray(name)) if isinstance(name, bytes) else name
def item(protocol):
    name = pick(NAMES, ODD_NAMES)
    # Python 3 pickles bytes below protocol 3 with a global: a refused frame, so keep those rare.
    if protocol < 3 and isinstance(name, bytes) and r.random() > odd:
        name = name.decode('latin-1')
    if r.random() < 0.2:
        name = fresh(name)
    ts = pick(TIMESTAMPS, ODD_NUMBERS)
    value = pick(VALUES, ODD_NUMBERS)
    point = (ts, value)
    if r.random() < odd:
        return r.choice([[name, point], (name, [ts, value]), (name,), (name, (ts,)), (name, point, 1)])
    return (name, point)
for _ in range(count):
    n = r.choice([0, 1, 2, 3, 5, 10] if small else [0, 1, 2, 3, 10, 99, 100, 500, 1000, 1001, 2100])
    protocol = r.randrange(0, 6)
    batch = [item(protocol) for _ in range(n)]
    if batch and r.random() < odd:
        batch.append(batch[r.randrange(len(batch))])
    if r.random() < odd:
        batch = tuple(batch)
    try:
        print(protocol, pickle.dumps(batch, protocol=protocol).hex())
    except Exception:
        pass
`

function pythonBatches(seed: number, count: number, small: boolean): { protocol: number; body: Buffer }[] {
  const run = spawnSync(
    REFERENCE_PYTHON,
    ['-c', PYTHON_BATCHES, String(seed), String(count), small ? '1' : '0'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  )
  assert.equal(run.status, 0, run.stderr)
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [protocol, hex] = line.split(' ')
      return { protocol: Number(protocol), body: Buffer.from(hex!, 'hex') }
    })
}

/** A plain carbon batch: names from a small pool (some repeated), int or float timestamps. */
function carbonPoints(r: Random, count: number): MetricPoint[] {
  const names = ['a.b.c', 'servers.host-7.cpu.idle', 'é.ü', 'm', '日本']
  return Array.from({ length: count }, () => ({
    metric: r.pick(names),
    value: r.pick([0, 1.5, -2.25, NaN, Infinity, r.next() * 1e6]),
    timestamp: r.pick([1700000000, 1700000000.5, -1, -1.5, 2 ** 33, 0, 255, 65536, -0]),
  }))
}

/** One random change to a valid body: the things a bad client or a short read would do. */
function mutate(r: Random, body: Buffer): Buffer {
  const b = Buffer.from(body)
  const at = r.int(0, Math.max(0, b.length - 1))
  const interesting = [...Object.values(OP), 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x7f, 0x80, 0xff]
  switch (r.int(0, 8)) {
    case 0:
      return b.subarray(0, r.int(0, b.length))
    case 1:
      b[at] = r.int(0, 255)
      return b
    case 2:
      b[at] = r.pick(interesting)
      return b
    case 3:
      b[at] = (b[at] ?? 0) ^ (1 << r.int(0, 7))
      return b
    case 4:
      return Buffer.concat([b.subarray(0, at), Buffer.from([r.pick(interesting)]), b.subarray(at)])
    case 5:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + r.int(1, 9))])
    case 6: {
      // A length or an index made large.
      if (at + 4 <= b.length)
        b.writeUInt32LE(r.pick([0, 1, 255, 256, 0x7fffffff, 0x80000000, 0xffffffff]), at)
      return b
    }
    case 7: {
      const from = r.int(0, b.length)
      const to = r.int(from, Math.min(b.length, from + 40))
      return Buffer.concat([b.subarray(0, at), b.subarray(from, to), b.subarray(at)])
    }
    default:
      // Truncated by a frame that ended early, with some of the next frame's bytes after it.
      return Buffer.concat([b.subarray(0, r.int(0, b.length)), b.subarray(0, r.int(0, 12))])
  }
}

const LIMITS: (PickleDecodeOptions | undefined)[] = [
  undefined,
  { maxCollectionItems: 20 },
  { maxCollectionItems: 1001 },
  { maxDepth: 2 },
  { maxDepth: 3 },
  { maxMemoEntries: 3 },
  { maxMemoEntries: 300 },
  { maxInputBytes: 200 },
  { ints: 'bigint' },
]

describe('pickle fast path: the same results as the generic decoder', () => {
  test('encodePickleMetrics frames: the fast path reads them, with the same points', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (const count of [0, 1, 2, 500, 999, 1000, 1001, 2500]) {
      const points = carbonPoints(r, count)
      const body = encodePickleMetrics(points)
      assert.equal(agree(body, `seed ${seed}: ${count} points`), true, `seed ${seed}: ${count} points`)
      for (const limits of LIMITS)
        agree(body, `seed ${seed}: ${count} points, ${JSON.stringify(limits)}`, limits)
    }
  })

  test('every body the fast path reads, the generic path reads the same way: handmade edge cases', () => {
    const valid = encodePickleMetrics([
      { metric: 'a.b', value: 1.5, timestamp: 1700000000 },
      { metric: 'c', value: 2, timestamp: -1 },
    ])
    const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex')
    // (body, whether the fast path should read it)
    const cases: [string, Buffer, boolean][] = [
      ['valid', valid, true],
      ['empty list', hex('8002 5d 7100 2e'), true],
      ['no PROTO, no memo', hex('5d 8c01 61 4b01 4b02 86 86 61 2e'), true],
      ['PROTO 6', hex('8006 5d 2e'), false],
      ['bytes names', hex('8003 5d 28 4302 6162 4b01 4b02 86 86 4302 ff61 4b01 4b02 86 86 65 2e'), true],
      [
        'a repeated name (BINGET)',
        hex('8002 5d 28 8c01 61 7101 4b01 4b02 86 86 6801 4b03 4b04 86 86 65 2e'),
        true,
      ],
      [
        'LONG_BINGET of a name',
        hex('8002 5d 28 8c01 61 7205000000 4b01 4b02 86 86 6a05000000 4b03 4b04 86 86 65 2e'),
        true,
      ],
      ['BINGET of a tuple', hex('8002 5d 28 8c01 61 4b01 4b02 86 7102 86 8c01 62 6802 86 65 2e'), false],
      ['BINGET of an unset index', hex('8002 5d 28 6809 4b01 4b02 86 86 65 2e'), false],
      ['BINGET of the list', hex('8002 5d 7100 28 6800 4b01 4b02 86 86 65 2e'), false],
      [
        'MEMOIZE counts a BINPUT that overwrites once',
        hex(
          '8004 5d 94 28 8c01 61 7100 4b01 4b02 86 86 8c01 62 94 4b01 4b02 86 86 6801 4b03 4b04 86 86 65 2e',
        ),
        true,
      ],
      [
        'two Puts in a row',
        hex('8004 5d 94 28 8c01 61 7100 94 4b01 4b02 86 86 6801 4b01 4b02 86 86 65 2e'),
        false,
      ],
      ['LONG_BINPUT past the body', hex('8002 5d 72ffffff7f 2e'), false],
      [
        'protocol 1 items (MARK ... TUPLE)',
        hex('5d 28 28 8c01 61 28 4b01 4b02 74 74 28 8c01 62 28 4b01 4b02 74 74 65 2e'),
        true,
      ],
      ['protocol 1 single item and APPEND', hex('5d 28 8c01 61 28 4b01 4b02 74 74 61 2e'), false],
      ['a MARK item closed by TUPLE2', hex('5d 28 28 8c01 61 4b01 4b02 86 86 65 2e'), false],
      [
        'frames',
        hex('8004 95 0600000000000000 5d 94 28 8c01 61 95 0a00000000000000 94 4b01 4b02 86 94 86 94 65 2e'),
        true,
      ],
      [
        'a frame inside a frame',
        hex('8004 95 0a00000000000000 5d 95 0100000000000000 2e 2e 2e 2e 2e 2e'),
        false,
      ],
      [
        'an argument across a frame end',
        hex('8004 95 0300000000000000 5d 8c01 61 4b01 4b02 86 86 61 2e'),
        false,
      ],
      [
        'a truncated argument after a frame',
        hex('8004 95 0100000000000000 5d 8c01 61 47 00000000000000'),
        false,
      ],
      ['a frame past the body', hex('8004 95 ff00000000000000 5d 2e'), false],
      ['a frame length over 2**32', hex('8004 95 0000000001000000 5d 2e'), false],
      [
        'LONG1 of 0, 7 and 16 bytes',
        hex(
          '5d 28 8c01 61 8a00 8a07 ffffffffffffff 86 86 8c01 61 8a10 00000000000000000000000000000080 4b01 86 86 65 2e',
        ),
        true,
      ],
      [
        'LONG1 of 17 bytes',
        hex('5d 28 8c01 61 8a11 0000000000000000000000000000000001 4b01 86 86 65 2e'),
        false,
      ],
      ['NEWTRUE and NEWFALSE', hex('5d 28 8c01 61 88 89 86 86 65 2e'), true],
      ['a None value', hex('5d 28 8c01 61 4b01 4e 86 86 65 2e'), false],
      ['negative BINSTRING', hex('5d 28 54ffffffff 4b01 4b02 86 86 65 2e'), false],
      ['a Python 2 str that is not UTF-8', hex('5d 28 5501 ff 4b01 4b02 86 86 65 2e'), false],
      ['a str with a lone surrogate', hex('5d 28 8c03 eda080 4b01 4b02 86 86 65 2e'), false],
      [
        'an inf timestamp and a NaN value',
        hex('5d 28 8c01 61 47 7ff0000000000000 4b01 86 86 8c01 61 4b01 47 7ff8000000000000 86 86 65 2e'),
        true,
      ],
      ['trailing bytes after STOP', Buffer.concat([valid, hex('ff ff')]), true],
      ['no STOP', valid.subarray(0, valid.length - 1), false],
      ['APPENDS without MARK', hex('5d 8c01 61 4b01 4b02 86 86 65 2e'), false],
      ['a dict', hex('8002 7d 2e'), false],
    ]
    for (const [name, body, fast] of cases) {
      assert.equal(agree(body, name), fast, `${name}: fast path ${fast ? 'should' : 'should not'} read it`)
      for (const limits of LIMITS) agree(body, `${name} with ${JSON.stringify(limits)}`, limits)
    }
  })

  test('a callback that parses another frame gets its own scanner', () => {
    const outer = encodePickleMetrics([
      { metric: 'a', value: 1, timestamp: 10 },
      { metric: 'b', value: 2, timestamp: 20 },
    ])
    const inner = encodePickleMetrics([{ metric: 'c', value: 3, timestamp: 30 }])
    const seen: string[] = []
    forEachPickleMetric(outer, {
      now: 0,
      onPoint: (metric) => {
        seen.push(metric)
        forEachPickleMetric(inner, { now: 0, onPoint: (m) => seen.push(m), onReject: () => undefined })
      },
      onReject: () => undefined,
    })
    assert.deepEqual(seen, ['a', 'c', 'b', 'c'])
  })

  test('parsePickleMetrics is the callbacks collected', () => {
    const body = encodePickleMetrics([
      { metric: 'a', value: NaN, timestamp: 10 },
      { metric: 'b', value: 2, timestamp: -1 },
      { metric: 'c', value: 3, timestamp: Infinity },
    ])
    assert.deepEqual(parsePickleMetrics(body, { now: 99 }), {
      points: [{ metric: 'b', value: 2, timestamp: 99 }],
      rejects: [
        { index: 0, reason: 'nan-value', message: 'value is NaN (carbon drops NaN values)' },
        { index: 2, reason: 'timestamp-not-finite', message: 'timestamp inf is not finite' },
      ],
    })
  })
})

describe('pickle fast path against Python-made batches', needsReference('pickle'), () => {
  const seed = runSeed()
  let large: { protocol: number; body: Buffer }[]
  let small: { protocol: number; body: Buffer }[]
  before(() => {
    large = pythonBatches(seed, 150, false)
    small = pythonBatches(seed + 1, 400, true)
  })

  test('seeded random batches at protocols 0 to 5: the same results either way', (t) => {
    let fast = 0
    for (const { protocol, body } of [...large, ...small]) {
      if (agree(body, `seed ${seed}: protocol ${protocol}: ${body.toString('hex').slice(0, 400)}`)) fast++
    }
    // Most batches hold an odd item somewhere; enough are plain for the fast path to be exercised.
    assert.ok(fast > 0, `seed ${seed}: the fast path read none of the batches`)
    t.diagnostic(`seed ${seed}: the fast path read ${fast} of ${large.length + small.length} batches`)
  })

  test('plain carbon batches from Python: the fast path reads protocols 1 (2+ items) to 5', () => {
    const script = String.raw`
import pickle, sys
names = ['a.b', 'servers.host-1.cpu.user', 'é.ü', 'x' * 300]
batch = [(names[i % 4], (1700000000 + i if i % 3 else 1700000000.5 + i, i / 7)) for i in range(int(sys.argv[1]))]
for protocol in range(1, 6):
    print(protocol, pickle.dumps(batch, protocol=protocol).hex())
`
    for (const count of [1, 2, 500, 1001]) {
      const run = spawnSync(REFERENCE_PYTHON, ['-c', script, String(count)], { encoding: 'utf8' })
      assert.equal(run.status, 0, run.stderr)
      for (const line of run.stdout.trim().split('\n')) {
        const [protocol, hex] = line.split(' ')
        const body = Buffer.from(hex!, 'hex')
        const expected = !(protocol === '1' && count === 1)
        assert.equal(
          agree(body, `protocol ${protocol}, ${count} items`),
          expected,
          `protocol ${protocol}, ${count}`,
        )
      }
    }
  })

  test('the daemon path takes the fast path: names come from the interner', () => {
    const script = String.raw`
import pickle
batch = [('servers.host-%d.cpu' % (i % 10), (1700000000 + i, i * 0.5)) for i in range(500)]
print(pickle.dumps(batch, protocol=2).hex())
`
    const run = spawnSync(REFERENCE_PYTHON, ['-c', script], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    for (const body of [
      Buffer.from(run.stdout.trim(), 'hex'),
      encodePickleMetrics([{ metric: 'servers.host-0.cpu', value: 1, timestamp: 2 }]),
    ]) {
      const interner = new NameInterner()
      let interned = 0
      const names: NameSource = {
        intern: (bytes, start, end) => {
          interned++
          return interner.intern(bytes, start, end)
        },
      }
      const metrics = new Set<string>()
      forEachPickleMetric(body, {
        now: 0,
        names,
        onPoint: (metric) => metrics.add(metric),
        onReject: () => assert.fail('no rejects expected'),
      })
      // Only the fast path asks the interner (the generic one decodes every name itself).
      assert.ok(interned > 0)
      assert.ok(interned <= 500)
      assert.equal(interner.size, metrics.size)
    }
  })

  test('seeded mutations and truncations of those batches: the same points, rejects or PickleError', (t) => {
    const r = createRandom(seed)
    // Mostly bodies the fast path reads, so that a mutation that keeps the shape is compared too.
    const readable = [
      ...small.map((s) => s.body).filter((body) => new PickleBatchScanner().scan(body, undefined, undefined)),
      ...Array.from({ length: 30 }, () => encodePickleMetrics(carbonPoints(r, r.int(1, 12)))),
    ]
    const others = small.map((s) => s.body)
    let fast = 0
    for (let i = 0; i < 15000; i++) {
      let body = r.pick(r.chance(0.8) ? readable : others)
      for (let k = r.int(1, 2); k > 0; k--) body = mutate(r, body)
      const limits = r.chance(0.8) ? undefined : r.pick(LIMITS)
      if (
        agree(body, `seed ${seed}: mutation ${i}: ${body.toString('hex')} ${JSON.stringify(limits)}`, limits)
      )
        fast++
    }
    // A comparison happens only where the fast path reads the body (about 1,600 of 15,000 here): a
    // fast path that refused every mutated body would make the rest of this test vacuous.
    assert.ok(fast >= 500, `seed ${seed}: the fast path read only ${fast} of the mutated bodies`)
    t.diagnostic(`seed ${seed}: the fast path read ${fast} of the mutated bodies`)
  })
})
