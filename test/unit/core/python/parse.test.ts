// Python's float() and int() of a string. The fixed cases, then float() against Debian's python3
// on seeded random text (ASCII grammar, underscores, specials, Unicode digits and whitespace), and
// the byte fast path against the string path.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  parsePythonFloat,
  parsePythonFloatAscii,
  parsePythonInt,
  splitPythonWhitespace,
} from '../../../../src/core/python/parse.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { f2h, needsReference } from '../../../helpers/reference.js'

test("float() accepts what Python's float() accepts", () => {
  const accepted: [string, number][] = [
    ['1.5', 1.5],
    [' 1.5 ', 1.5],
    ['1_000', 1000],
    ['+1', 1],
    ['-7.5', -7.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['1_0.2_5e1_0', 10.25e10],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['+INF', Infinity],
  ]
  for (const [text, value] of accepted) assert.equal(parsePythonFloat(text), value, text)
  assert.ok(Number.isNaN(parsePythonFloat('nan')))
  assert.ok(Number.isNaN(parsePythonFloat('-NaN')))
})

test("float() refuses what Python's float() refuses", () => {
  for (const text of [
    '',
    ' ',
    'abc',
    '0x10',
    '1,5',
    'true',
    '1__0',
    '_1',
    '1_',
    '1e',
    'e3',
    '1.5.2',
    'infinit',
    'nana',
    '- 1',
  ]) {
    assert.equal(parsePythonFloat(text), undefined, JSON.stringify(text))
  }
})

test("int() accepts base-10 integers as Python's int() does", () => {
  assert.equal(parsePythonInt(' 42 '), 42)
  assert.equal(parsePythonInt('-17'), -17)
  assert.equal(parsePythonInt('+5'), 5)
  assert.equal(parsePythonInt('1_000'), 1000)
  assert.equal(parsePythonInt('007'), 7)
  assert.equal(parsePythonInt('-0'), 0)
  for (const text of ['1.5', '1e3', '', 'N', '0x10', '1__0', 'inf'])
    assert.equal(parsePythonInt(text), undefined, text)
})

const PIECES = [
  '0',
  '1',
  '9',
  '5',
  '.',
  '_',
  'e',
  'E',
  '+',
  '-',
  'inf',
  'nan',
  'infinity',
  'INF',
  'x',
  ' ',
  '\t',
  '\x1c',
  '\u00a0',
  '\u2003',
  '\ufeff',
  '١',
  '٣',
  '１',
  '𝟘',
  '߀',
  'Ⅴ',
  '²',
  '00',
  '000000000000000000001',
  '123456789012345678',
]

describe('parsePythonFloat', () => {
  test("agrees with Python's float() on seeded random strings", needsReference('carbon'), async () => {
    const oracle = ProtocolOracle.start()
    try {
      const seed = runSeed()
      const r = createRandom(seed)
      const texts = [
        '1e3',
        ' 42 ',
        '-7.5',
        '1_000',
        '1__0',
        '_1',
        '1_',
        '.5',
        '5.',
        '.',
        'e5',
        '+inf',
        '-Infinity',
        'nAn',
        '0x10',
        '١٢٣',
        '\u00a01\u3000',
        '\ufeff1',
        '1e400',
        '-1e-400',
        '',
        ' ',
      ]
      for (let i = 0; i < 3000; i++) {
        let text = ''
        for (let n = r.int(1, 6); n > 0; n--) text += r.pick(PIECES)
        texts.push(text)
      }
      const expected = await oracle.call<(string | null)[]>('float', { texts })
      texts.forEach((text, i) => {
        const value = parsePythonFloat(text)
        assert.equal(
          value === undefined ? null : f2h(value),
          expected[i],
          `seed ${seed}: ${JSON.stringify(text)}`,
        )
      })
    } finally {
      await oracle.close()
    }
  })

  test('the byte fast path gives exactly what the string path gives', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 20000; i++) {
      let text = r.chance(0.3) ? '-' : ''
      for (let n = r.int(0, 18); n > 0; n--) text += String(r.int(0, 9))
      if (r.chance(0.6)) {
        text += '.'
        for (let n = r.int(0, 25); n > 0; n--) text += String(r.int(0, 9))
      }
      if (r.chance(0.05)) text += r.pick(['e5', '_', 'x', '.'])
      const bytes = Buffer.from(`xx${text}yy`, 'latin1')
      const fast = parsePythonFloatAscii(bytes, 2, bytes.length - 2)
      const slow = parsePythonFloat(text)
      assert.ok(Object.is(fast, slow), `seed ${seed}: ${text}: ${fast} vs ${slow}`)
    }
  })

  test("str.split() on Python's whitespace", () => {
    assert.deepEqual(splitPythonWhitespace('  a\u00a0b\x1cc\u3000 d\ufeff '), ['a', 'b', 'c', 'd\ufeff'])
    assert.deepEqual(splitPythonWhitespace(' \t '), [])
  })
})
