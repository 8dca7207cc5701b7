// The one header and point codec: round trips, and one corruption case per bounds check.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  CorruptFileError,
  InvalidAggregationMethodError,
  InvalidXFilesFactorError,
} from '../../../../src/core/errors.js'
import {
  decodeArchiveCount,
  decodeHeader,
  decodePointTimestamp,
  decodePointValue,
  encodeHeader,
  encodeMetadata,
  encodePoint,
} from '../../../../src/core/whisper/codec.js'
import { AGGREGATION_METHODS, fileSizeFor } from '../../../../src/core/whisper/format.js'

const ARCHIVES: [number, number][] = [
  [60, 5],
  [300, 3],
]

describe('header codec', () => {
  test("encodes whisper's bytes (a hexdump of a file whisper.py created)", () => {
    const header = encodeHeader(ARCHIVES, 0.3, 'max')
    assert.equal(
      header.toString('hex'),
      '00000004' +
        '00000384' +
        '3e99999a' +
        '00000002' +
        '00000028' +
        '0000003c' +
        '00000005' +
        '00000064' +
        '0000012c' +
        '00000003',
    )
  })

  test('round-trips every method and archive layout', () => {
    for (const method of AGGREGATION_METHODS) {
      for (const xff of [0, 0.5, 1, 0.3, 0.6]) {
        const bytes = encodeHeader(ARCHIVES, xff, method)
        const header = decodeHeader(bytes, 'x.wsp', fileSizeFor(ARCHIVES))
        assert.equal(header.aggregationMethod, method)
        assert.equal(header.xFilesFactor, Math.fround(xff))
        assert.equal(header.maxRetention, 900)
        assert.deepEqual(header.archives, [
          { offset: 40, secondsPerPoint: 60, points: 5, retention: 300, size: 60 },
          { offset: 100, secondsPerPoint: 300, points: 3, retention: 900, size: 36 },
        ])
      }
    }
  })

  test('refuses bad methods and xFilesFactors before encoding', () => {
    assert.throws(
      () => encodeMetadata('median', 60, 0.5, 1),
      (e: unknown) =>
        e instanceof InvalidAggregationMethodError && e.message === 'Unrecognized aggregation method: median',
    )
    assert.throws(
      () => encodeMetadata('average', 60, 2, 1),
      (e: unknown) =>
        e instanceof InvalidXFilesFactorError &&
        e.message === 'Invalid xFilesFactor 2.0, not between 0 and 1',
    )
    assert.throws(() => encodeMetadata('average', 60, -1, 1), InvalidXFilesFactorError)
    assert.throws(() => encodeMetadata('average', 60, NaN, 1), InvalidXFilesFactorError)
    assert.throws(() => encodeMetadata('toString', 60, 0.5, 1), InvalidAggregationMethodError)
  })
})

describe('corrupt headers: one case per check', () => {
  const good = encodeHeader(ARCHIVES, 0.5, 'average')
  const size = fileSizeFor(ARCHIVES)
  const patched = (at: number, write: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good)
    write(b.subarray(at))
    return b
  }
  const cases: [string, Buffer, number, RegExp][] = [
    ['fewer than 16 bytes', good.subarray(0, 10), size, /header is 10 bytes, need 16/],
    ['aggregation type 0', patched(0, (b) => b.writeUInt32BE(0)), size, /unknown aggregation type 0/],
    ['aggregation type 9', patched(0, (b) => b.writeUInt32BE(9)), size, /unknown aggregation type 9/],
    [
      'NaN xFilesFactor',
      patched(8, (b) => b.writeFloatBE(NaN)),
      size,
      /xFilesFactor nan is not between 0 and 1/,
    ],
    [
      'xFilesFactor 1.5',
      patched(8, (b) => b.writeFloatBE(1.5)),
      size,
      /xFilesFactor 1.5 is not between 0 and 1/,
    ],
    [
      'negative xFilesFactor',
      patched(8, (b) => b.writeFloatBE(-0.5)),
      size,
      /xFilesFactor -0.5 is not between 0 and 1/,
    ],
    ['archive count 0', patched(12, (b) => b.writeUInt32BE(0)), size, /archive count is 0/],
    [
      'archive count past the file',
      patched(12, (b) => b.writeUInt32BE(1000)),
      size,
      /archive count 1000 needs a 12016-byte header but the file has 136 bytes/,
    ],
    [
      'truncated archive info',
      good.subarray(0, 30),
      30,
      /archive count 2 needs a 40-byte header but the file has 30 bytes/,
    ],
    ['archive info cut short in the buffer', good.subarray(0, 30), size, /archive 1 info is truncated/],
    [
      'zero seconds per point',
      patched(20, (b) => b.writeUInt32BE(0)),
      size,
      /archive 0 has 0 seconds per point/,
    ],
    ['zero points', patched(24, (b) => b.writeUInt32BE(0)), size, /archive 0 has no points/],
    [
      'offset inside the header',
      patched(16, (b) => b.writeUInt32BE(20)),
      size,
      /archive 0 starts at byte 20, inside the 40-byte header/,
    ],
    ['data truncated', good, size - 1, /archive 1 ends at byte 136 but the file has 135 bytes \(truncated\)/],
  ]
  for (const [name, bytes, fileSize, message] of cases) {
    test(name, () => {
      assert.throws(
        () => decodeHeader(bytes, 'bad.wsp', fileSize),
        (e: unknown) => e instanceof CorruptFileError && e.path === 'bad.wsp' && message.test(e.message),
      )
    })
  }
  test('decodeArchiveCount needs the 16-byte metadata', () => {
    assert.equal(decodeArchiveCount(good, 'x'), 2)
    assert.throws(() => decodeArchiveCount(good.subarray(0, 15), 'x'), CorruptFileError)
  })
})

describe('point codec', () => {
  test('round-trips timestamps and every kind of value', () => {
    const b = Buffer.alloc(12)
    for (const [ts, value] of [
      [0, 0],
      [4294967295, -0],
      [1795619700, 1.5],
      [1, NaN],
      [2, Infinity],
      [3, -Infinity],
      [4, 5e-324],
      [5, -1.7976931348623157e308],
    ] as const) {
      encodePoint(b, 0, ts, value)
      assert.equal(decodePointTimestamp(b, 0), ts)
      assert.ok(Object.is(decodePointValue(b, 0), value))
    }
  })
  test('writes NaN as Python writes float("nan")', () => {
    const b = Buffer.alloc(12)
    encodePoint(b, 0, 1, NaN)
    assert.equal(b.subarray(4).toString('hex'), '7ff8000000000000')
  })
})

test('CorruptFileError keeps the path and the reason (TestCorruptWhisperFile)', () => {
  const error = new CorruptFileError('/tmp/x.wsp', 'header is 3 bytes, need 16')
  assert.equal(error.path, '/tmp/x.wsp')
  assert.equal(error.reason, 'header is 3 bytes, need 16')
  assert.equal(error.message, '/tmp/x.wsp: corrupt whisper file: header is 3 bytes, need 16')
  assert.equal(error.code, 'ERR_CORRUPT_FILE')
})
