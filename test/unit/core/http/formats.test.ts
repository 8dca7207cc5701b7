import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import type { Series } from '../../../../src/core/http/formats.js'
import { encodeFind, encodeRender } from '../../../../src/core/http/formats.js'
import { decodeMessage, encodeMessage } from '../../../../src/core/http/proto.js'
import { encodePickle } from '../../../../src/core/protocol/pickle.js'
import { REFERENCE_PYTHON } from '../../../helpers/reference.js'

/** What Python makes of a pickle, as repr. */
function pythonRepr(bytes: Uint8Array): string {
  const result = spawnSync(
    REFERENCE_PYTHON,
    ['-c', 'import pickle,sys; print(repr(pickle.loads(sys.stdin.buffer.read())))'],
    {
      input: bytes,
      encoding: 'utf8',
    },
  )
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

const series: Series = {
  name: 'a.b',
  pathExpression: 'a.*',
  start: 1700000010,
  end: 1700000040,
  step: 10,
  values: Float64Array.from([1.5, 0, 2]),
  known: Uint8Array.from([1, 0, 1]),
  aggregationMethod: 'average',
  xFilesFactor: 0.5,
  requestStart: 1700000000,
  requestStop: 1700000035,
}

test('issue 16 formats: render pickle is what graphite-web unpickles, ints where ints, floats and None', () => {
  const body = encodeRender('pickle', [series]).body as Uint8Array
  assert.deepEqual([...body.subarray(0, 2)], [0x80, 0x02])
  assert.equal(
    pythonRepr(body),
    "[{'name': 'a.b', 'pathExpression': 'a.*', 'start': 1700000010, 'end': 1700000040, 'step': 10, 'values': [1.5, None, 2.0], 'valuesPerPoint': 1, 'consolidationFunc': 'average', 'xFilesFactor': 0.5}]",
  )
  // Nothing found: exactly Python's pickle of [] (spec §3).
  assert.equal(Buffer.from(encodeRender('pickle', []).body as Uint8Array).toString('hex'), '80025d71002e')
  assert.equal(Buffer.from(encodeFind('pickle', []).body as Uint8Array).toString('hex'), '80025d71002e')
})

test('issue 16 formats: find pickle has path, is_leaf and (start, end) intervals for leaves', () => {
  const body = encodeFind('pickle', [
    {
      query: 'a.*',
      matches: [
        { path: 'a.b', isLeaf: true, interval: [1699913600, 1700000000.5] },
        { path: 'a.c', isLeaf: false },
      ],
    },
  ]).body as Uint8Array
  assert.equal(
    pythonRepr(body),
    "[{'path': 'a.b', 'is_leaf': True, 'intervals': [(1699913600.0, 1700000000.5)]}, {'path': 'a.c', 'is_leaf': False}]",
  )
})

test('issue 16 formats: msgpack uses float64 for values, unsigned ints for start/end/step, nil for None', () => {
  const body = Buffer.from(encodeRender('msgpack', [series]).body as Uint8Array)
  assert.equal(body[0], 0x91)
  assert.ok(body.includes(Buffer.from('a5737461727400', 'hex').subarray(0, 6)))
  assert.ok(body.includes(Buffer.from('cf000000006553f10a', 'hex')), 'start as uint')
  assert.ok(body.includes(Buffer.from('93cb3ff8000000000000c0cb4000000000000000', 'hex')), 'values')
  assert.equal(Buffer.from(encodeFind('msgpack', []).body as Uint8Array).toString('hex'), '90')
})

test('issue 16 formats: json and treejson shapes of graphite-web', () => {
  assert.deepEqual(JSON.parse(Buffer.from(encodeRender('json', [series]).body as Uint8Array).toString()), [
    {
      target: 'a.b',
      tags: { name: 'a.b' },
      datapoints: [
        [1.5, 1700000010],
        [null, 1700000020],
        [2, 1700000030],
      ],
    },
  ])
  const matches = [
    { path: 'a.x', isLeaf: true },
    { path: 'a.b', isLeaf: false },
  ]
  assert.deepEqual(JSON.parse(encodeFind('treejson', [{ query: 'a.*', matches }]).body as string), [
    { text: 'b', id: 'a.b', allowChildren: 1, expandable: 1, leaf: 0 },
    { text: 'x', id: 'a.x', allowChildren: 0, expandable: 0, leaf: 1 },
  ])
  assert.deepEqual(JSON.parse(encodeFind('json', [{ query: 'a.*', matches }]).body as string), [
    { path: 'a.b', is_leaf: false },
    { path: 'a.x', is_leaf: true, intervals: [] },
  ])
  assert.equal(encodeFind('json', []).body, '[]')
  assert.equal(encodeFind('treejson', []).body, '[]')
})

test('issue 16 protobuf: v3 MultiFetchResponse and MultiGlobResponse round trip; absent values are NaN', () => {
  const fetched = decodeMessage(
    'v3',
    'MultiFetchResponse',
    encodeRender('carbonapi_v3_pb', [series]).body as Uint8Array,
  )
  const m = (fetched.metrics as Record<string, unknown>[])[0]!
  assert.equal(m.name, 'a.b')
  assert.equal(m.pathExpression, 'a.*')
  assert.equal(m.consolidationFunc, 'Average')
  assert.deepEqual(
    [m.startTime, m.stopTime, m.stepTime, m.requestStartTime, m.requestStopTime],
    [1700000010, 1700000040, 10, 1700000000, 1700000035],
  )
  assert.equal(m.xFilesFactor, 0.5)
  const values = m.values as number[]
  assert.deepEqual([values[0], Number.isNaN(values[1]), values[2]], [1.5, true, 2])
  const globbed = decodeMessage(
    'v3',
    'MultiGlobResponse',
    encodeFind('carbonapi_v3_pb', [
      { query: 'a.*', matches: [{ path: 'a.b', isLeaf: true }] },
      { query: 'z', matches: [] },
    ]).body as Uint8Array,
  )
  assert.deepEqual(globbed, {
    metrics: [
      { name: 'a.*', matches: [{ path: 'a.b', isLeaf: true }] },
      { name: 'z', matches: [] },
    ],
  })
})

test('issue 16 protobuf: v2 MultiFetchResponse (isAbsent, 0 for absent) and GlobResponse round trip', () => {
  const fetched = decodeMessage(
    'v2',
    'MultiFetchResponse',
    encodeRender('carbonapi_v2_pb', [series]).body as Uint8Array,
  )
  assert.deepEqual(fetched, {
    metrics: [
      {
        name: 'a.b',
        startTime: 1700000010,
        stopTime: 1700000040,
        stepTime: 10,
        values: [1.5, 0, 2],
        isAbsent: [false, true, false],
      },
    ],
  })
  const glob = decodeMessage(
    'v2',
    'GlobResponse',
    encodeFind('carbonapi_v2_pb', [{ query: 'a.*', matches: [{ path: 'a.b', isLeaf: false }] }])
      .body as Uint8Array,
  )
  assert.deepEqual(glob, { name: 'a.*', matches: [{ path: 'a.b', isLeaf: false }] })
})

test('issue 16 protobuf: every request and auxiliary message round trips against the .proto definitions', () => {
  const cases: ['v2' | 'v3', string, Record<string, unknown>][] = [
    ['v3', 'MultiGlobRequest', { metrics: ['a.*', 'b'], startTime: 1700000000, stopTime: 1700003600 }],
    [
      'v3',
      'MultiFetchRequest',
      {
        metrics: [
          {
            name: 'a.*',
            startTime: 1,
            stopTime: 2,
            highPrecisionTimestamps: false,
            pathExpression: 'a.*',
            filterFunctions: [{ name: 'f', arguments: ['1'] }],
            maxDataPoints: 100,
          },
        ],
      },
    ],
    [
      'v3',
      'CapabilityResponse',
      {
        supportedProtocols: ['carbonapi_v3_pb'],
        name: 'h',
        highPrecisionTimestamps: false,
        supportFilteringFunctions: false,
        likeSplittedRequests: true,
        supportStreaming: false,
      },
    ],
    ['v3', 'MultiMetricsInfoRequest', { names: ['a.b'] }],
    [
      'v3',
      'MetricsInfoResponse',
      {
        name: 'a.b',
        consolidationFunc: 'average',
        maxRetention: 86400,
        xFilesFactor: 0.5,
        retentions: [{ secondsPerPoint: 10, numberOfPoints: 720 }],
      },
    ],
    ['v3', 'ListMetricsResponse', { Metrics: ['a.b', 'c'] }],
    [
      'v2',
      'InfoResponse',
      {
        name: 'a.b',
        aggregationMethod: 'sum',
        maxRetention: 86400,
        xFilesFactor: 0,
        retentions: [{ secondsPerPoint: 60, numberOfPoints: 1440 }],
      },
    ],
    ['v2', 'ListMetricsResponse', { metrics: ['x'] }],
  ]
  for (const [version, message, value] of cases)
    assert.deepEqual(decodeMessage(version, message, encodeMessage(version, message, value)), value, message)
})

test('issue 16 formats: the pickle fast paths write byte for byte what encodePickle makes of the same values', () => {
  // Shapes that exercise the pickler's corners: one item (APPEND), batches of 1000 (MARK, APPENDS),
  // more than 256 memo entries (LONG_BINPUT), None, non-ASCII names, an empty series.
  const values = Float64Array.from({ length: 2500 }, (_, i) => (i % 7 === 0 ? -0 : i * 0.25 - 3))
  const known = Uint8Array.from({ length: 2500 }, (_, i) => (i % 5 === 0 ? 0 : 1))
  const long: Series = { ...series, name: 'a.é€😀', values, known, step: 60, start: 1_600_000_000 }
  const one: Series = { ...series, values: Float64Array.of(4), known: Uint8Array.of(1) }
  const none: Series = { ...series, values: new Float64Array(0), known: new Uint8Array(0) }
  for (const list of [[], [one], [series, long, one, none], Array.from({ length: 1001 }, () => one)]) {
    const plain = list.map((s) => ({
      name: s.name,
      pathExpression: s.pathExpression,
      start: BigInt(s.start),
      end: BigInt(s.end),
      step: BigInt(s.step),
      values: Array.from(s.values, (v, i) => (s.known[i] === 1 ? v : null)),
      valuesPerPoint: 1n,
      consolidationFunc: 'average',
      xFilesFactor: s.xFilesFactor,
    }))
    assert.deepEqual(
      Buffer.from(encodeRender('pickle', list).body as Uint8Array),
      encodePickle(plain, { numbers: 'float' }),
      `${list.length} series`,
    )
  }
  const nodes = Array.from({ length: 1203 }, (_, i) => ({
    path: `host${i}.ü${i}`,
    isLeaf: i % 3 !== 0,
    interval: i % 4 === 0 ? undefined : ([1_699_913_600 + i, 1_700_000_000.5 + i] as [number, number]),
  }))
  // A find's nodes: what Python unpickles is graphite-web's dicts, value for value and type for type
  // (repr), and the bytes are Python's pickle less the memo entries nothing refers to again (the
  // keys are memoized once and referred to after, as Python's pickler does).
  const script = [
    'import json, pickle, sys',
    'given = json.load(sys.stdin)',
    'nodes = []',
    "for n in given['nodes']:",
    "    node = {'path': n['p'], 'is_leaf': n['l']}",
    "    if n['l']: node['intervals'] = [(float(n['i'][0]), float(n['i'][1]))] if n['i'] else []",
    '    nodes.append(node)',
    "ours = bytes.fromhex(given['ours'])",
    'assert repr(pickle.loads(ours)) == repr(nodes), (repr(pickle.loads(ours))[:300], repr(nodes)[:300])',
    'python = pickle.dumps(nodes, protocol=2)',
    'assert len(ours) <= len(python), (len(ours), len(python))',
    'print(len(ours), len(python))',
  ].join('\n')
  for (const matches of [[], nodes.slice(1, 2), nodes]) {
    const ours = Buffer.from(encodeFind('pickle', [{ query: 'q', matches }]).body as Uint8Array)
    const python = spawnSync(REFERENCE_PYTHON, ['-c', script], {
      input: JSON.stringify({
        nodes: matches.map((m) => ({ p: m.path, l: m.isLeaf, i: m.interval ?? null })),
        ours: ours.toString('hex'),
      }),
    })
    assert.equal(python.status, 0, `${matches.length} nodes: ${python.stderr.toString()}`)
  }
})
