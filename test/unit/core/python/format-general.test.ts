// issue 15.4: `wsp dump` prints every value with whisper-dump's '%10.35g', through writeGeneral's fast
// path (2^-13 <= |x| < 2^53) or its general one. A seeded differential test against Python itself on a
// million doubles (CARBONKIT_FORMAT_CASES for more): full-precision averages, two-decimal values, random
// bit patterns (subnormals, huge values, NaNs), negative zero, infinities, values at the fast path's
// edges, and values whose exact expansion ties at the 35th digit.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { writeGeneral } from '../../../../src/core/python/format.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { REFERENCE_PYTHON } from '../../../helpers/reference.js'

const CASES = Number(process.env.CARBONKIT_FORMAT_CASES ?? 1_000_000)

const EDGES = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** -1022,
  2 ** -13,
  2 ** 52,
  2 ** 53,
  1e-4,
  1 / 3,
  2 / 3,
  0.1,
  2 ** -51,
]

function randomDouble(r: Random, bits: DataView): number {
  const kind = r.next()
  if (kind < 0.2) {
    // The mean of a few two-decimal samples: what a rolled-up archive holds.
    const count = r.int(2, 60)
    let sum = 0
    const base = (r.next() - 0.3) * 10 ** r.int(0, 6)
    for (let i = 0; i < count; i++) sum += Math.round((base + r.next() * 10) * 100) / 100
    return sum / count
  }
  if (kind < 0.35) return Math.round((r.next() - 0.5) * 10 ** r.int(1, 12)) / 100
  if (kind < 0.6) {
    bits.setUint32(0, r.int(0, 0xffffffff))
    bits.setUint32(4, r.int(0, 0xffffffff))
    return bits.getFloat64(0)
  }
  if (kind < 0.65) {
    // Subnormal: exponent bits zero.
    bits.setUint32(0, r.int(0, 0x800fffff) & 0x800fffff)
    bits.setUint32(4, r.int(0, 0xffffffff))
    return bits.getFloat64(0)
  }
  if (kind < 0.75) return (r.chance(0.5) ? -1 : 1) * r.next() * 10 ** r.int(-25, 25)
  if (kind < 0.85) {
    // Next to the fast path's edges, and to carries: 9.999..., 0.0999..., 2^-13, 2^52.
    const anchor = r.pick([2 ** -13, 2 ** 52, 2 ** 53, 1, 10, 100, 0.1, 0.001, 1e-4, 1e15, 4])
    let x = anchor
    const steps = r.int(-40, 40)
    for (let i = 0; i < Math.abs(steps); i++) x = nextAfter(x, steps < 0 ? -Infinity : Infinity, bits)
    return r.chance(0.5) ? -x : x
  }
  if (kind < 0.95) {
    // Dyadic fractions with short exact expansions: ties at the 35th digit and exact short values.
    return (r.int(-(2 ** 30), 2 ** 30) * 2 ** r.int(0, 20)) / 2 ** r.int(0, 80)
  }
  return r.pick(EDGES)
}

function nextAfter(x: number, toward: number, bits: DataView): number {
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE
  bits.setFloat64(0, x)
  const hi = bits.getUint32(0)
  const lo = bits.getUint32(4)
  const away = toward > x === x > 0
  let n = BigInt(hi) * 4294967296n + BigInt(lo) + (away ? 1n : -1n)
  if (n < 0n) n = 0n
  bits.setUint32(0, Number(n >> 32n))
  bits.setUint32(4, Number(n & 0xffffffffn))
  return bits.getFloat64(0)
}

const python = spawnSync(REFERENCE_PYTHON, ['-c', 'print(1)']).status === 0

test(
  `issue 15.4: '%10.35g' of ${CASES.toLocaleString('en')} seeded doubles is byte-identical to Python's`,
  { skip: python ? undefined : `no ${REFERENCE_PYTHON}` },
  () => {
    const seed = runSeed()
    const r = createRandom(seed)
    const bits = new DataView(new ArrayBuffer(8))
    const values = new Float64Array(CASES)
    for (let i = 0; i < CASES; i++) values[i] = randomDouble(r, bits)
    for (let i = 0; i < EDGES.length; i++) values[i] = EDGES[i]!

    const script =
      'import sys, array\n' +
      "a = array.array('d')\n" +
      'a.frombytes(sys.stdin.buffer.read())\n' +
      "sys.stdout.write(''.join(['%10.35g\\n' % v for v in a]))\n"
    const result = spawnSync(REFERENCE_PYTHON, ['-c', script], {
      input: Buffer.from(values.buffer),
      maxBuffer: 1 << 30,
    })
    assert.equal(result.status, 0, String(result.stderr))
    const expected = result.stdout

    const ours = Buffer.allocUnsafe(expected.length + 4096)
    let pos = 0
    const lineStarts = new Int32Array(CASES + 1)
    for (let i = 0; i < CASES; i++) {
      lineStarts[i] = pos
      pos = writeGeneral(ours, pos, values[i]!, 35, 10)
      ours[pos++] = 10
      if (pos > ours.length - 1024) break
    }
    lineStarts[CASES] = pos
    if (pos === expected.length && ours.subarray(0, pos).equals(expected)) return

    // Name the first value that differs, with the seed to replay it.
    const lines = expected.toString('latin1').split('\n')
    for (let i = 0; i < CASES; i++) {
      const mine = ours.subarray(lineStarts[i]!, lineStarts[i + 1]! - 1).toString('latin1')
      if (mine !== lines[i]) {
        bits.setFloat64(0, values[i]!)
        const hex =
          bits.getUint32(0).toString(16).padStart(8, '0') + bits.getUint32(4).toString(16).padStart(8, '0')
        assert.fail(
          `seed ${seed} (CARBONKIT_SEED), value #${i} (bits ${hex}): ours ${JSON.stringify(mine)}, Python ${JSON.stringify(lines[i])}`,
        )
      }
    }
    assert.fail(`seed ${seed}: outputs differ in length (${pos} against ${expected.length})`)
  },
)
