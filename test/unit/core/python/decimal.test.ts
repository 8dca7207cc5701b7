// wideDecimal: plain decimals of 16 to 19 significant digits made into doubles without a string,
// against Debian's python3 float() on seeded random text (long digit strings, the shortest round trip
// of random doubles, ties between two doubles and their neighbours), and against V8's Number() (also
// correctly rounded) on many more. A NaN (near a tie: the caller parses the text) is allowed, a wrong
// double never.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { wideDecimal } from '../../../../src/core/python/decimal.js'
import { parsePythonFloatAscii } from '../../../../src/core/python/parse.js'
import { NameInterner } from '../../../../src/core/protocol/intern.js'
import { createPlaintextDecoder } from '../../../../src/core/protocol/plaintext.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { f2h, needsReference } from '../../../helpers/reference.js'

function digitsOf(r: Random, count: number): string {
  let text = String(r.int(1, 9))
  for (let k = 1; k < count; k++) text += String(r.int(0, 9))
  return text
}

/** Unsigned decimals with 16 to 19 significant digits and at most 22 decimals, of three kinds. */
function texts(r: Random, count: number): string[] {
  const out: string[] = []
  while (out.length < count) {
    const kind = r.int(0, 2)
    let text: string
    if (kind === 0) {
      // Any digits, the dot anywhere (leading zeros after it too).
      const sig = r.int(16, 19)
      const digits = digitsOf(r, sig)
      const whole = r.int(0, sig)
      text =
        whole === sig
          ? digits
          : whole === 0
            ? `0.${'0'.repeat(r.int(0, 3))}${digits}`
            : `${digits.slice(0, whole)}.${digits.slice(whole)}`
    } else if (kind === 1) {
      // What JavaScript, Python's repr and Go print for a computed average: the shortest round trip.
      text = String((r.int(1, 2 ** 30) / r.int(1, 2 ** 20)) * 10 ** r.int(-4, 8))
      if (text.includes('e') || text.replace('.', '').replace(/^0+/, '').length < 16) continue
    } else {
      // Halfway between two doubles above 2^53 (an odd multiple of half their spacing), or next to it.
      const exponent = r.int(53, 62)
      const spacing = 2n ** BigInt(exponent - 52)
      const n =
        2n ** BigInt(exponent) + BigInt(r.int(0, 2 ** 30)) * spacing + spacing / 2n + BigInt(r.int(-1, 1))
      text = n.toString()
      if (text.length > 19) continue
      if (r.chance(0.5) && text.length > 4) text = `${text.slice(0, -3)}.${text.slice(-3)}`
    }
    const dot = text.indexOf('.')
    if (dot >= 0 && text.length - dot - 1 > 22) continue
    out.push(text)
  }
  return out
}

function wide(text: string): number {
  const bytes = Buffer.from(text, 'latin1')
  const dot = text.indexOf('.')
  return wideDecimal(bytes, 0, bytes.length, dot < 0 ? 0 : text.length - dot - 1)
}

describe('wideDecimal', () => {
  test("gives Python's float() or NaN on seeded random long decimals", needsReference('carbon'), async () => {
    const oracle = ProtocolOracle.start()
    try {
      const seed = runSeed()
      const list = [
        '9007199254740993', // 2^53 + 1: a tie, even 2^53 wins
        '9007199254740995',
        '120.21438591387034',
        '0.30000000000000004',
        '1234567890123456789',
        '99999999999999999.99',
        ...texts(createRandom(seed), 5000),
      ]
      const expected = await oracle.call<(string | null)[]>('float', { texts: list })
      let decided = 0
      list.forEach((text, i) => {
        const value = wide(text)
        if (Number.isNaN(value)) return
        decided++
        assert.equal(f2h(value), expected[i], `seed ${seed}: ${text}`)
      })
      // Nearly everything but the ties is decided here.
      assert.ok(decided > list.length * 0.6, `decided ${decided} of ${list.length}`)
    } finally {
      await oracle.close()
    }
  })

  test('agrees with Number() on 300,000 more, and leaves only near-ties to the text', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    let undecided = 0
    const averages = texts(r, 300_000)
    for (const text of averages) {
      const value = wide(text)
      if (Number.isNaN(value)) undecided++
      else assert.ok(Object.is(value, Number(text)), `seed ${seed}: ${text}: ${value} vs ${Number(text)}`)
    }
    // A third of them are ties or next to one; the others all but never fall back.
    assert.ok(undecided < averages.length / 3, `${undecided} undecided`)
    // More than 20 significant digits (the exact prefix below 2^53 and 4 more), or more than 22
    // decimals: the text decides.
    assert.ok(Number.isNaN(wide('123456789012345678901')))
    assert.ok(Number.isNaN(wide(`0.${'1'.repeat(23)}`)))
  })

  test('parsePythonFloatAscii and the plaintext parser use it: a full-precision value is exact, signed', () => {
    // A tie (2^53 + 1) and a value over 20 digits go to the text, and come out exact too; then 20,000
    // seeded long decimals, signed.
    const seed = runSeed()
    const r = createRandom(seed)
    const values = [
      '-120.21438591387034',
      '+0.30000000000000004',
      '9007199254740993',
      '-1234567890123456.7',
      '12345678901234567890123',
      ...texts(r, 20_000).map((text) => (r.chance(0.5) ? `-${text}` : text)),
    ]
    for (const text of values) {
      const bytes = Buffer.from(`x${text}y`)
      assert.ok(
        Object.is(parsePythonFloatAscii(bytes, 1, bytes.length - 1), Number(text)),
        `seed ${seed}: ${text}`,
      )
    }
    // The receivers' stream parser (its fused fast path), for values and timestamps alike.
    const got: [number, number][] = []
    const decoder = createPlaintextDecoder({
      now: () => 0,
      names: new NameInterner(),
      onPoint: (_metric, value, timestamp) => got.push([value, timestamp]),
      onReject: (reject) => assert.fail(reject.message),
    })
    decoder.push(Buffer.from(values.map((text) => `a.b ${text} 1700000000.0000000001\n`).join('')))
    decoder.end()
    assert.deepEqual(
      got,
      values.map((text) => [Number(text), 1700000000.0000000001]),
    )
  })
})
