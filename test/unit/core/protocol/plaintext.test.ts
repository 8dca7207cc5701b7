// The plaintext protocol against carbon 1.1.7's own MetricLineReceiver and MetricDatagramReceiver
// (driven through carbon_oracle.py): the table of carbon's LineReceiver cases below, then seeded random lines and chunkings.
// Where carbon drops the connection, the points before must agree and carbonkit must report that
// line with a reason and go on. Replay a random failure with CARBONKIT_SEED=<seed>.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LineReject, ParsedPlaintext } from '../../../../src/core/protocol/plaintext.js'
import {
  MAX_LINE_BYTES,
  createLineSplitter,
  createPlaintextDecoder,
  encodePlaintext,
  formatPlaintextLine,
  formatPlaintextTimestamp,
  formatPlaintextValue,
  parseDatagram,
  parsePlaintext,
} from '../../../../src/core/protocol/plaintext.js'
import { NameInterner } from '../../../../src/core/protocol/intern.js'
import type { MetricPoint } from '../../../../src/core/protocol/points.js'
import { formatRepr } from '../../../../src/core/python/format.js'
import { parsePythonFloat } from '../../../../src/core/python/parse.js'
import type { OraclePoint } from '../../../helpers/protocol-oracle.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { f2h, h2f, needsReference } from '../../../helpers/reference.js'

const NOW = 1800000000.25
const CONNECTION_KILLERS = new Set(['invalid-utf8', 'timestamp-not-finite', 'too-long'])
/** The rejects carbon logs as "invalid line" (NaN values and unterminated lines it drops silently). */
const LOGGED = new Set(['fields', 'value', 'timestamp'])

interface LineReply {
  points: OraclePoint[]
  invalid: number
  dropped: string | null
  closed: boolean
}

function ours(points: readonly MetricPoint[]): OraclePoint[] {
  return points.map((p) => [p.metric, f2h(p.timestamp)!, f2h(p.value)!])
}

function describeFailure(seed: number | undefined, input: Buffer): string {
  return `${seed === undefined ? '' : `seed ${seed}: `}input ${JSON.stringify(input.toString('latin1'))}`
}

/** Feed `input` to carbon and to carbonkit (in the same chunks) and check they agree. */
/** The stream decoder fed `input` in pieces of the given sizes, then ended. */
function decodeInChunks(input: Buffer, chunks: readonly number[], names?: NameInterner): ParsedPlaintext {
  const points: MetricPoint[] = []
  const rejects: LineReject[] = []
  const decoder = createPlaintextDecoder({
    now: NOW,
    names,
    onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
    onReject: (reject) => rejects.push(reject),
  })
  let pos = 0
  for (const size of chunks) {
    decoder.push(input.subarray(pos, pos + size))
    pos += size
  }
  decoder.end()
  return { points, rejects }
}

async function compareStream(
  oracle: ProtocolOracle,
  input: Buffer,
  chunks?: number[],
  seed?: number,
): Promise<void> {
  const reference = await oracle.call<LineReply>('line', { hex: input.toString('hex'), chunks, now: NOW })
  const { points, rejects } = decodeInChunks(input, chunks ?? [input.length])
  const message = describeFailure(seed, input)
  if (reference.dropped === null && !reference.closed) {
    assert.deepEqual(ours(points), reference.points, message)
    assert.equal(rejects.filter((r) => LOGGED.has(r.reason)).length, reference.invalid, message)
    assert.ok(!rejects.some((r) => CONNECTION_KILLERS.has(r.reason)), message)
  } else {
    // carbon stopped at some line: everything before it agrees, and carbonkit reported that line.
    assert.deepEqual(ours(points).slice(0, reference.points.length), reference.points, message)
    assert.ok(
      rejects.some((r) => CONNECTION_KILLERS.has(r.reason)),
      `${message}: carbon dropped it (${reference.dropped ?? 'closed'})`,
    )
  }
}

// carbon's LineReceiver (carbon/protocols.py), case by case.
const TABLE: [string, string | Buffer][] = [
  ['a plain line', 'a.b 1.5 1700000000\n'],
  ['\\r\\n line ends', 'a 1 2\r\nb 3 4\r\n'],
  ['a lone \\r is whitespace: 6 fields', 'a 1 2\rb 1 2\n'],
  ['leading, trailing and repeated spaces and tabs', '  a \t 1   2  \n\t\tb\t3\t4\t\n'],
  ['too few and too many fields, an empty line', 'a 1\na 1 2 3\n\n   \n'],
  [
    'values 1e3 42 -7.5 inf -Infinity 1_000 +1',
    'v 1e3 1\nv 42 2\nv -7.5 3\nv inf 4\nv -Infinity 5\nv 1_000 6\nv +1 7\n',
  ],
  ['Unicode digits', 'v ١٢٣ 1\nv １２ 2\nv 5 ٣\n'],
  ['a NaN value is dropped', 'n nan 1\nn NaN 2\nn -nan 3\n'],
  ['values 0x10, 1,5, true are invalid', 'v 0x10 1\nv 1,5 2\nv true 3\n'],
  ['underscores: _1 1__0 1_ are invalid', 'v _1 1\nv 1__0 2\nv 1_ 3\nv 1_0.2_5 4\n'],
  ['a float timestamp is kept', 't 1 1700000000.75\n'],
  ['timestamps 1.7e9 and 1700000000e0', 't 1 1.7e9\nt 2 1700000000e0\n'],
  ['timestamps now and N are invalid', 't 1 now\nt 2 N\n'],
  ['-1 and -1.5 mean now; -2 and -0.5 do not', 't 1 -1\nt 2 -1.5\nt 3 -2\nt 4 -0.5\nt 5 -1.9999\n'],
  ['timestamps 0, -100, far future', 't 1 0\nt 2 -100\nt 3 99999999999\n'],
  ['a NUL in a name', Buffer.from('a\0b 1 2\n', 'latin1')],
  ['Unicode whitespace splits fields', 'a\u00a01\u30002\nb\u20031 2\n'],
  ['\\x1c..\\x1f split fields', 'a\x1c1\x1d2\nb\x1e1\x1f2\n'],
  ['a BOM is part of the name', '\ufeffa 1 2\n'],
  ['Unicode names', 'é.ü 1 2\n日本.語 3 4\n'],
  ['an unterminated last line is not stored', 'a 1 2\nb 3 4'],
  ['a line of exactly 16384 bytes', `${'m'.repeat(MAX_LINE_BYTES - 4)} 1 2\nok 1 2\n`],
  ['a line of 16385 bytes closes the connection', `a 1 2\n${'m'.repeat(MAX_LINE_BYTES - 3)} 1 2\nok 1 2\n`],
  [
    'invalid UTF-8 drops the connection',
    Buffer.concat([
      Buffer.from('a 1 2\n'),
      Buffer.from([0x62, 0xff, 0x20, 0x31, 0x20, 0x32, 0x0a]),
      Buffer.from('c 1 2\n'),
    ]),
  ],
  ['an inf timestamp drops the connection', 'a 1 2\nb 1 inf\nc 1 2\n'],
  ['a nan timestamp drops the connection', 'a 1 2\nb 1 nan\nc 1 2\n'],
  ['NaN value with inf timestamp: the NaN check comes first', 'a nan inf\nb 1 2\n'],
]

// Tokens that exercise every rule: numbers in Python's grammar and near it, whitespace carbon splits
// on, names with odd characters.
const NUMBERS = [
  '0',
  '1',
  '-1',
  '-1.5',
  '-1.0',
  '-2',
  '-0.5',
  '1.',
  '.5',
  '+.5',
  '5e',
  'e5',
  '1e5',
  '1E-5',
  '-0',
  '+0',
  '1700000000',
  '1700000000.5',
  '1_000',
  '_1',
  '1__0',
  '0x10',
  '0o7',
  'inf',
  '-inf',
  'Infinity',
  'nan',
  '-NaN',
  'infinity',
  'in',
  '١٢',
  '１',
  '1e400',
  '1e-400',
  '123456789012345678901234567890',
  '0.000000000000000000000000001',
  '3.141592653589793',
  '9007199254740993',
  '1.7976931348623157e308',
  '4.9e-324',
  '00012',
  '1.5e+3',
  '++1',
  '1-',
  '٣.٥',
  '',
  'abc',
  '1,5',
]
const NAMES = [
  'a.b',
  'x',
  'é',
  'a;t=1',
  '~x',
  '..',
  'a\0b',
  '日本',
  '\ufeffz',
  'a/b',
  'very.long.metric.name.with.many.parts',
]
const SPACES = [
  ' ',
  '  ',
  '\t',
  '\r',
  '\x0b',
  '\x0c',
  '\x1c',
  '\x1f',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\u0085',
  '\u200b',
]

function randomLine(r: Random): string {
  const fields: string[] = []
  const count = r.pick([3, 3, 3, 3, 2, 4, 1, 0])
  for (let i = 0; i < count; i++) fields.push(i === 0 && r.chance(0.8) ? r.pick(NAMES) : r.pick(NUMBERS))
  const sep = (): string => (r.chance(0.8) ? ' ' : r.pick(SPACES))
  let line = fields.join(sep())
  if (r.chance(0.2)) line = sep() + line
  if (r.chance(0.2)) line += sep()
  return line
}

function randomChunks(r: Random, length: number): number[] {
  const chunks: number[] = []
  let left = length
  while (left > 0) {
    const size = Math.min(left, r.pick([1, 2, 3, 7, 64, 500, 4096, left]))
    chunks.push(size)
    left -= size
  }
  return chunks
}

describe('plaintext against carbon 1.1.7 (MetricLineReceiver)', needsReference('carbon'), () => {
  let oracle: ProtocolOracle
  before(() => {
    oracle = ProtocolOracle.start()
  })
  after(() => oracle.close())

  for (const [name, input] of TABLE) {
    test(name, async () => {
      await compareStream(oracle, Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8'))
    })
  }

  test('seeded random lines, one connection each', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 400; i++)
      await compareStream(oracle, Buffer.from(randomLine(r) + '\n', 'utf8'), undefined, seed)
  })

  test('seeded random streams split into random chunks', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 60; i++) {
      const lines: string[] = []
      for (let k = r.int(1, 30); k > 0; k--) {
        // Keep carbon's connection alive for most streams so that there is more to compare.
        let line = randomLine(r)
        while (/(^|\s)(-?inf(inity)?|-?nan)\s*$/i.test(line) && r.chance(0.9)) line = randomLine(r)
        if (r.chance(0.02)) line = 'long ' + 'x'.repeat(r.int(MAX_LINE_BYTES - 10, MAX_LINE_BYTES + 10))
        lines.push(line)
      }
      const input = Buffer.from(lines.join('\n') + (r.chance(0.8) ? '\n' : ''), 'utf8')
      await compareStream(oracle, input, randomChunks(r, input.length), seed)
    }
  })
  test("issue 14: plain decimal numbers of every length, which the parser reads in one pass, are carbon's values", async () => {
    // Around the one-pass parser's limits (15 significant digits, 22 decimals): full-precision
    // doubles, leading zeros, signs, a trailing dot; the values carbon stores, bit for bit.
    const seed = runSeed()
    const r = createRandom(seed)
    const digits = (count: number): string => {
      let text = ''
      for (let i = 0; i < count; i++) text += String(r.int(0, 9))
      return text
    }
    const lines: string[] = []
    for (let i = 0; i < 3000; i++) {
      const whole = r.chance(0.2) ? '' : digits(r.int(0, 18))
      const fraction = r.chance(0.3) ? '' : digits(r.int(0, 25))
      let number = whole + (fraction !== '' || r.chance(0.1) ? '.' : '') + fraction
      if (!/[0-9]/.test(number)) number = '0' + number
      if (r.chance(0.3)) number = r.pick(['-', '+', '-0', '00']) + number
      const value = r.chance(0.1) ? String(r.int(0, 1e6) * 0.1) : number
      lines.push(`m.${i % 7} ${value} ${r.chance(0.8) ? 1700000000 + i : number}${r.chance(0.1) ? ' ' : ''}`)
    }
    for (const value of [0.1, 1 / 3, Math.PI, 2 ** 53 + 2, 1e22, 123456789012345.6, 0.000123456789012345])
      lines.push(`full ${formatRepr(value)} 1700000000`, `full ${value.toFixed(17)} 1700000000`)
    const input = Buffer.from(lines.join('\n') + '\n', 'utf8')
    await compareStream(oracle, input, randomChunks(r, input.length), seed)
  })
})

interface DatagramReply {
  points: OraclePoint[]
  invalid: number
  dropped: string | null
}

describe('UDP datagrams against carbon 1.1.7 (MetricDatagramReceiver)', needsReference('carbon'), () => {
  let oracle: ProtocolOracle
  before(() => {
    oracle = ProtocolOracle.start()
  })
  after(() => oracle.close())

  async function compareDatagram(input: Buffer, seed?: number): Promise<void> {
    const reference = await oracle.call<DatagramReply>('datagram', { hex: input.toString('hex'), now: NOW })
    const points: MetricPoint[] = []
    const rejects: LineReject[] = []
    parseDatagram(input, {
      now: NOW,
      onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
      onReject: (reject) => rejects.push(reject),
    })
    const message = describeFailure(seed, input)
    if (reference.dropped === null) {
      assert.deepEqual(ours(points), reference.points, message)
      // UDP logs a nan timestamp as an invalid line (metricReceived is inside its try).
      const logged = rejects.filter(
        (r) => LOGGED.has(r.reason) || (r.reason === 'timestamp-not-finite' && /nan/i.test(r.message)),
      )
      assert.equal(logged.length, reference.invalid, message)
    } else {
      assert.deepEqual(ours(points).slice(0, reference.points.length), reference.points, message)
      assert.ok(
        rejects.some((r) => CONNECTION_KILLERS.has(r.reason)),
        message,
      )
    }
  }

  test('every splitlines() break, a last line without newline', async () => {
    await compareDatagram(
      Buffer.from(
        'a 1 1\nb 2 2\rc 3 3\r\nd 4 4\x0be 5 5\x0cf 6 6\x1cg 7 7\x1dh 8 8\x1ei 9 9\x1fx\n\nj 10 10',
        'utf8',
      ),
    )
    await compareDatagram(Buffer.from('a 1 1\u0085b 2 2\u2028c 3 3\u2029d 4 4\u2029', 'utf8'))
  })

  test('invalid UTF-8 rejects one line; carbon drops the datagram', async () => {
    await compareDatagram(
      Buffer.concat([Buffer.from('a 1 2\n'), Buffer.from([0xc3, 0x28]), Buffer.from(' 1 2\nc 3 4')]),
    )
  })

  test('seeded random datagrams', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    const breaks = ['\n', '\n', '\r\n', '\r', '\x0b', '\x1e', '\u2028']
    for (let i = 0; i < 150; i++) {
      let text = ''
      for (let k = r.int(1, 8); k > 0; k--) text += randomLine(r) + r.pick(breaks)
      if (r.chance(0.5)) text = text.slice(0, -1)
      await compareDatagram(Buffer.from(text, 'utf8'), seed)
    }
  })
})

describe('plaintext decoder', () => {
  test('chunk boundaries anywhere give the same result as one chunk', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 200; i++) {
      const lines: string[] = []
      for (let k = r.int(0, 20); k > 0; k--) {
        lines.push(
          r.chance(0.05) ? 'x'.repeat(r.int(MAX_LINE_BYTES - 2, MAX_LINE_BYTES + 2)) + ' 1 2' : randomLine(r),
        )
      }
      const input = Buffer.from(lines.join('\n') + (r.chance(0.5) ? '\n' : ''), 'utf8')
      const whole = parsePlaintext(input, { now: NOW })
      const { points, rejects } = decodeInChunks(input, randomChunks(r, input.length))
      assert.deepEqual(ours(points), ours(whole.points), `seed ${seed}`)
      assert.deepEqual(rejects, whole.rejects, `seed ${seed}`)
    }
  })

  test('an over-long line is skipped and reported, the next one is read, memory stays bounded', () => {
    const rejects: LineReject[] = []
    const points: MetricPoint[] = []
    const decoder = createPlaintextDecoder({
      now: NOW,
      onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
      onReject: (reject) => rejects.push(reject),
    })
    decoder.push(Buffer.from('a 1 2\nhuge '))
    // 10 MiB without a newline, in 64 KiB chunks: nothing of it is kept.
    const chunk = Buffer.alloc(65536, 0x78)
    for (let i = 0; i < 160; i++) decoder.push(chunk)
    decoder.push(Buffer.from(' 1 2\nb 3 4\n'))
    decoder.end()
    assert.deepEqual(
      ours(points),
      ours([
        { metric: 'a', value: 1, timestamp: 2 },
        { metric: 'b', value: 3, timestamp: 4 },
      ]),
    )
    assert.equal(rejects.length, 1)
    assert.equal(rejects[0]!.reason, 'too-long')
    assert.equal(rejects[0]!.line, 2)
    assert.equal(rejects[0]!.text.length, 403)
  })

  test('an unterminated last line is reported, or parsed with acceptUnterminated', () => {
    assert.deepEqual(
      parsePlaintext('a 1 2\nb 3 4', { now: NOW }).rejects.map((r) => [r.line, r.reason]),
      [[2, 'unterminated']],
    )
    assert.equal(parsePlaintext('a 1 2\nb 3 4', { now: NOW, acceptUnterminated: true }).points.length, 2)
  })

  test('timestampOptional and skipBlankLines (carbon send input)', () => {
    const result = parsePlaintext('a 1\n\n  \nb 2 -1\nc 3 7\n', {
      now: 99,
      timestampOptional: true,
      skipBlankLines: true,
    })
    assert.deepEqual(result.points, [
      { metric: 'a', value: 1, timestamp: 99 },
      { metric: 'b', value: 2, timestamp: 99 },
      { metric: 'c', value: 3, timestamp: 7 },
    ])
    assert.deepEqual(result.rejects, [])
    const rejected = parsePlaintext('a\n', { now: 99, timestampOptional: true })
    assert.equal(rejected.rejects[0]!.message, 'expected 2 or 3 fields (metric value [timestamp]), got 1')
  })

  test('now is read only when a point needs it', () => {
    let reads = 0
    const now = (): number => ++reads
    const result = parsePlaintext('a 1 5\nb 2 -1\nc 3 6\n', { now })
    assert.equal(reads, 1)
    assert.deepEqual(
      result.points.map((p) => p.timestamp),
      [5, 1, 6],
    )
  })

  test('every reject names its line and reason', () => {
    const result = parsePlaintext('ok 1 2\nx\nv abc 1\nt 1 x\nn nan 1\ni 1 inf\n', { now: NOW })
    assert.deepEqual(
      result.rejects.map((r) => [r.line, r.reason, r.message]),
      [
        [2, 'fields', 'expected 3 fields (metric value timestamp), got 1'],
        [3, 'value', "value 'abc' is not a number"],
        [4, 'timestamp', "timestamp 'x' is not a number"],
        [5, 'nan-value', 'value is NaN (carbon drops NaN values)'],
        [6, 'timestamp-not-finite', "timestamp 'inf' is not finite"],
      ],
    )
  })
})

describe('line splitter', () => {
  test('lines are numbered and a line of exactly the limit passes', () => {
    const lines: [number, string][] = []
    const tooLong: number[] = []
    const splitter = createLineSplitter({
      maxLineBytes: 4,
      onLine: (bytes, start, end, line) => lines.push([line, bytes.toString('latin1', start, end)]),
      onTooLong: (line) => tooLong.push(line),
    })
    for (const byte of Buffer.from('abcd\nabcde\n\nxy\nabcdef')) splitter.push(Buffer.from([byte]))
    assert.equal(splitter.end(), undefined)
    assert.deepEqual(lines, [
      [1, 'abcd'],
      [3, ''],
      [4, 'xy'],
    ])
    assert.deepEqual(tooLong, [2, 5])
  })
})

describe('plaintext formatting (carbon.client.CarbonLineClientProtocol)', () => {
  test(
    'values: carbon client text where it is exact, repr otherwise; always read back exactly',
    needsReference('carbon'),
    async () => {
      const oracle = ProtocolOracle.start()
      try {
        const seed = runSeed()
        const r = createRandom(seed)
        const values: number[] = [
          0,
          -0,
          1,
          -1,
          42,
          3.5,
          0.1,
          1e-10,
          1e-11,
          5e-11,
          1 / 2048,
          3 / 2048,
          123456.123456789,
          1e20,
          1e21,
          1e300,
          2 ** 53,
          -7.25,
        ]
        const bits = new DataView(new ArrayBuffer(8))
        for (let i = 0; i < 2000; i++) {
          const kind = r.next()
          if (kind < 0.4) values.push((r.next() - 0.5) * 10 ** r.int(-12, 12))
          else if (kind < 0.6) values.push(r.int(-1e6, 1e6) / r.pick([1, 2, 4, 8, 1024, 2048, 4096, 10, 100]))
          else {
            bits.setUint32(0, Math.floor(r.next() * 2 ** 32))
            bits.setUint32(4, Math.floor(r.next() * 2 ** 32))
            const v = bits.getFloat64(0)
            if (Number.isFinite(v)) values.push(v)
          }
        }
        const client = await oracle.call<string[]>('client_format', { values: values.map((v) => f2h(v)) })
        values.forEach((value, i) => {
          const text = formatPlaintextValue(value)
          assert.ok(Object.is(parsePythonFloat(text), value), `seed ${seed}: ${formatRepr(value)} -> ${text}`)
          const exact = Object.is(parsePythonFloat(client[i]!), value)
          assert.equal(text, exact ? client[i] : formatRepr(value), `seed ${seed}: ${formatRepr(value)}`)
        })
      } finally {
        await oracle.close()
      }
    },
  )

  test('non-finite values and timestamps', () => {
    assert.equal(formatPlaintextValue(Infinity), 'inf')
    assert.equal(formatPlaintextValue(-Infinity), '-inf')
    assert.equal(formatPlaintextTimestamp(1700000000.9), '1700000000')
    assert.equal(formatPlaintextTimestamp(-1.5), '-1')
    assert.equal(formatPlaintextTimestamp(-0.5), '0')
    assert.equal(formatPlaintextTimestamp(1e22), '10000000000000000000000')
    assert.throws(() => formatPlaintextTimestamp(NaN), /not finite/)
  })

  test('encodePlaintext writes carbon client lines and refuses what the protocol cannot carry', () => {
    assert.equal(
      encodePlaintext([
        { metric: 'a.b', value: 1.5, timestamp: 1700000000 },
        { metric: 'é', value: 42, timestamp: 1700000060.5 },
      ]).toString('utf8'),
      'a.b 1.5 1700000000\né 42 1700000060\n',
    )
    assert.equal(formatPlaintextLine({ metric: 'm', value: 0.1, timestamp: 5 }), 'm 0.1 5\n')
    for (const metric of ['', 'a b', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u3000b', 'a\0b', 'a\ud800b']) {
      assert.throws(
        () => encodePlaintext([{ metric, value: 1, timestamp: 1 }]),
        { code: 'ERR_INVALID_ARGUMENT' },
        JSON.stringify(metric),
      )
    }
    assert.throws(
      () => encodePlaintext([{ metric: 'x'.repeat(MAX_LINE_BYTES), value: 1, timestamp: 1 }]),
      /16384/,
    )
    // Parsing what the encoder wrote gives the points back.
    const points = [{ metric: 'a.b;tag=x', value: 1e-12, timestamp: 1700000000 }]
    assert.deepEqual(parsePlaintext(encodePlaintext(points), { now: 0 }).points, points)
    assert.equal(h2f(f2h(1e-12)), 1e-12)
  })
})

test('issue 14: onLines hands on exactly the lines about to be parsed, whatever the chunks; decoding them again gives the same points', () => {
  const text = Buffer.from(
    'a.b 1 100\nsplit.across 2.5 200\n\nbad line here x\n' +
      `${'long '.repeat(20)}\nc.d 3 -1\nno.newline 4 400`,
  )
  for (let cut = 0; cut <= text.byteLength; cut++) {
    for (const maxLineBytes of [16384, 60]) {
      const logged: Buffer[] = []
      const points: MetricPoint[] = []
      const decoder = createPlaintextDecoder({
        now: 1000,
        maxLineBytes,
        onLines: (bytes, start, end) => logged.push(Buffer.from(bytes.subarray(start, end))),
        onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
        onReject: () => undefined,
      })
      decoder.push(text.subarray(0, cut))
      decoder.push(text.subarray(cut))
      decoder.end()
      const again = parsePlaintext(Buffer.concat(logged), {
        now: 1000,
        maxLineBytes,
        acceptUnterminated: true,
      })
      assert.deepEqual(again.points, points, `cut at ${cut}`)
      // Whole lines only: the unterminated last line was not parsed, so it is not logged.
      assert.equal(Buffer.concat(logged).toString().endsWith('\n'), true)
      assert.equal(points.length, 3)
    }
  }
})

test("issue 14: with a name table (the receivers' NameInterner: names expected next are compared, not hashed), every stream reads as without one", () => {
  const seed = runSeed()
  const r = createRandom(seed)
  const inputs = TABLE.map(([, input]) => (Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8')))
  // Names that differ from the one expected next only at their end: a prefix, one byte more, other
  // whitespace or a non-ASCII byte right after it.
  const near = ['a.b', 'a.bc', 'a.b\t', 'a.b\u00a0', 'a.b\u00e9', 'a.', 'a.b.c', 'x', 'xy', 'a.b\r']
  for (let i = 0; i < 200; i++) {
    const lines: string[] = []
    for (let k = r.int(1, 12); k > 0; k--) {
      lines.push(r.chance(0.5) ? `${r.pick(near)} ${r.pick(NUMBERS)} ${r.pick(NUMBERS)}` : randomLine(r))
    }
    inputs.push(Buffer.from(lines.join('\n') + '\n', 'utf8'))
  }
  for (const input of inputs) {
    // Three times: the table learns the order the first time, and expects it the next ones.
    const thrice = Buffer.concat([
      input,
      Buffer.from('\n'),
      input,
      Buffer.from('\n'),
      input,
      Buffer.from('\n'),
    ])
    const chunks = randomChunks(r, thrice.length)
    const plain = decodeInChunks(thrice, chunks)
    const interned = decodeInChunks(thrice, chunks, new NameInterner())
    assert.deepEqual(interned, plain, describeFailure(seed, thrice))
  }
})

test('issue 14: a name in the table that holds whitespace (a pickle name) is never taken for the first field of a line', () => {
  const names = new NameInterner()
  const pickled = Buffer.from('a b')
  const text = Buffer.from('x 1 1\na b 2 2\nx 1 1\na b 3 3\n')
  // The order the table learns: x, then "a b" (as the pickle receiver interns it), then x again.
  names.intern(text, 0, 1)
  names.intern(pickled, 0, 3)
  const parsed = decodeInChunks(text, [text.length], names)
  assert.deepEqual(parsed.points, [
    { metric: 'x', value: 1, timestamp: 1 },
    { metric: 'x', value: 1, timestamp: 1 },
  ])
  assert.deepEqual(
    parsed.rejects.map((reject) => [reject.line, reject.reason]),
    [
      [2, 'fields'],
      [4, 'fields'],
    ],
  )
})
