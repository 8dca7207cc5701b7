// The restricted pickle codec: round trips with Python's pickle in both directions (protocols 0 to
// 5 from Python, protocol 2 from carbonkit read by carbon's SafeUnpickler), then hostile input:
// random bytes, mutated pickles, code-running payloads, deep nesting, cycles, huge lengths. The
// rule: decoded exactly like Python, or refused with a PickleError; never anything else.
// Replay a random failure with CARBONKIT_SEED=<seed>.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MalformedInputError } from '../../../../src/core/errors.js'
import type { PickleValue } from '../../../../src/core/protocol/pickle.js'
import {
  OP,
  PickleError,
  decodePickle,
  encodePickle,
  frozenSet,
  isTuple,
  tuple,
  unpickle,
} from '../../../../src/core/protocol/pickle.js'
import type { Typed } from '../../../helpers/protocol-oracle.js'
import { ProtocolOracle } from '../../../helpers/protocol-oracle.js'
import { canonical, fromTyped, toTyped } from '../../../helpers/typed.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { f2h, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '.',
  ';',
  '=',
  '\\',
  "'",
  '"',
  '\n',
  '\r',
  '\0',
  '\x1a',
  '\x7f',
  'é',
  'ÿ',
  '\u0100',
  '€',
  '日',
  '\ufeff',
  '😀',
  '\ud800',
  '\udfff',
  '\\u0041',
  '\\U0001F600',
  'L',
  'I',
  'S',
  '(',
]

function randomString(r: Random): string {
  let s = ''
  for (let n = r.pick([0, 1, 3, 8, 20, 300]); n > 0; n--) s += r.pick(CHARS)
  return s
}

function randomInt(r: Random): bigint {
  const kind = r.int(0, 7)
  switch (kind) {
    case 0:
      return BigInt(r.int(-5, 300))
    case 1:
      return BigInt(r.int(-70000, 70000))
    case 2:
      return BigInt(
        r.pick([2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53, -(2 ** 53) - 1]),
      )
    case 3:
      return BigInt(r.int(-(2 ** 31), 2 ** 31))
    case 4:
      return r.pick([2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, -128n, -129n, 255n, 256n, -256n, -257n])
    case 5:
      return (r.chance(0.5) ? -1n : 1n) * 7n ** BigInt(r.int(20, 900))
    default:
      return BigInt(r.int(0, 1700000000))
  }
}

function randomFloat(r: Random): number {
  const kind = r.int(0, 5)
  if (kind === 0) return r.pick([0, -0, Infinity, -Infinity, NaN, 1.5, 0.1, 1e300, 5e-324, 2 ** 53])
  if (kind === 1) {
    const bits = Buffer.alloc(8)
    bits.writeUInt32BE(Math.floor(r.next() * 2 ** 32), 0)
    bits.writeUInt32BE(Math.floor(r.next() * 2 ** 32), 4)
    return bits.readDoubleBE(0)
  }
  return (r.next() - 0.5) * 10 ** r.int(-20, 20)
}

function randomKey(r: Random): Typed {
  return r.chance(0.7) ? { t: 'str', v: randomString(r) } : { t: 'int', v: randomInt(r).toString() }
}

function distinct(items: Typed[]): Typed[] {
  const seen = new Set<string>()
  return items.filter((x) => {
    const key = canonical(x)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** A random Python value that `protocol` can pickle without globals. */
function randomValue(r: Random, protocol: number, depth = 0): Typed {
  const kinds = ['none', 'bool', 'int', 'float', 'str', 'str']
  if (protocol >= 3) kinds.push('bytes')
  if (protocol >= 5) kinds.push('bytearray')
  if (depth < 4) kinds.push('list', 'tuple', 'dict', 'list', 'tuple')
  if (depth < 4 && protocol >= 4) kinds.push('set', 'frozenset')
  const kind = r.pick(kinds)
  const size = (): number => r.pick([0, 1, 2, 3, 4, 7, depth === 0 && r.chance(0.1) ? 1001 : 2])
  switch (kind) {
    case 'none':
      return { t: 'none' }
    case 'bool':
      return { t: 'bool', v: r.chance(0.5) }
    case 'int':
      return { t: 'int', v: randomInt(r).toString() }
    case 'float':
      return { t: 'float', v: f2h(randomFloat(r))! }
    case 'str':
      return { t: 'str', v: randomString(r) }
    case 'bytes':
    case 'bytearray': {
      const bytes = Buffer.alloc(r.pick([0, 1, 5, 255, 256, 300]))
      for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(0, 255)
      return { t: kind, v: bytes.toString('hex') }
    }
    case 'list':
    case 'tuple':
      return { t: kind, v: Array.from({ length: size() }, () => randomValue(r, protocol, depth + 1)) }
    case 'set':
    case 'frozenset':
      return { t: kind, v: distinct(Array.from({ length: size() }, () => randomKey(r))) }
    default: {
      const keys = distinct(Array.from({ length: size() }, () => randomKey(r)))
      return { t: 'dict', v: keys.map((k) => [k, randomValue(r, protocol, depth + 1)]) }
    }
  }
}

/**
 * Whether encodePickle should write Python's exact bytes for this value: not when CPython would
 * share a str object ('' and one-character strings are cached, so the second is a memo GET), nor
 * when a NaN's payload may have been canonicalised on the way.
 */
function sameBytesExpected(typed: Typed): boolean {
  const seen = new Set<string>()
  const walk = (t: Typed): boolean => {
    switch (t.t) {
      case 'str':
        if (t.v.length <= 1) {
          if (seen.has(t.v)) return false
          seen.add(t.v)
        }
        return true
      case 'float':
        return !Number.isNaN(Buffer.from(t.v, 'hex').readDoubleBE(0))
      case 'dict':
        return t.v.every(([k, v]) => walk(k) && walk(v))
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset':
        return t.v.every(walk)
      default:
        return true
    }
  }
  return walk(typed)
}

/**
 * Comparable form: bytearray reads back as bytes (documented), and a NaN is a NaN: protocol 0
 * writes floats with repr(), and JavaScript engines may canonicalise NaN payloads and signs (V8
 * does in optimised code).
 */
function comparable(typed: Typed): string {
  const norm = (t: Typed): Typed => {
    switch (t.t) {
      case 'bytearray':
        return { t: 'bytes', v: t.v }
      case 'float':
        return Number.isNaN(Buffer.from(t.v, 'hex').readDoubleBE(0)) ? { t: 'float', v: 'nan' } : t
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset':
        return { t: t.t, v: t.v.map(norm) }
      case 'dict':
        return { t: 'dict', v: t.v.map(([k, v]) => [norm(k), norm(v)]) }
      default:
        return t
    }
  }
  return canonical(norm(typed))
}

describe('pickle round trips with Python', needsReference('carbon'), () => {
  let oracle: ProtocolOracle
  before(() => {
    oracle = ProtocolOracle.start()
  })
  after(() => oracle.close())

  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    test(`Python pickle.dumps(protocol=${protocol}) -> decodePickle -> encodePickle -> Python pickle.loads`, async () => {
      const seed = runSeed()
      const r = createRandom(seed + protocol)
      for (let i = 0; i < 250; i++) {
        const value = randomValue(r, protocol)
        const hex = await oracle.call<string>('dumps', { value, protocol })
        const unpickled = unpickle(Buffer.from(hex, 'hex'), { ints: 'bigint' })
        // Protocols 0 and 1 have no PROTO opcode.
        assert.equal(unpickled.protocol, protocol >= 2 ? protocol : 0)
        assert.equal(
          comparable(toTyped(unpickled.value)),
          comparable(value),
          `seed ${seed + protocol}: ${hex.slice(0, 400)}`,
        )
        // And back: what carbonkit decoded, encoded again, is the same value for Python.
        const again = encodePickle(unpickled.value, { numbers: 'float' })
        const back = await oracle.call<{ value?: Typed; error?: string }>('loads', {
          hex: again.toString('hex'),
        })
        assert.equal(back.error, undefined, `seed ${seed + protocol}`)
        assert.equal(comparable(back.value!), comparable(value), `seed ${seed + protocol}: back`)
      }
    })
  }

  test('encodePickle -> carbon SafeUnpickler (Python pickle.loads), and the same bytes as Python', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    let exact = 0
    for (let i = 0; i < 400; i++) {
      const value = randomValue(r, 5)
      const bytes = encodePickle(fromTyped(value), { numbers: 'float' })
      const reply = await oracle.call<{ value?: Typed; error?: string }>('loads', {
        hex: bytes.toString('hex'),
      })
      assert.equal(reply.error, undefined, `seed ${seed}`)
      // Byte for byte what Python writes, where nothing needs protocol 3 or 4.
      if (bytes[1] === 2 && sameBytesExpected(value)) {
        const python = await oracle.call<string>('dumps', { value, protocol: 2 })
        assert.equal(bytes.toString('hex'), python, `seed ${seed}`)
        exact++
      }
      assert.equal(
        comparable(reply.value!),
        comparable(value),
        `seed ${seed}: ${bytes.toString('hex').slice(0, 400)}`,
      )
      // The header says 2, or what bytes (3) and sets (4) need.
      assert.ok([2, 3, 4].includes(bytes[1]!))
    }
    assert.ok(exact > 50, `only ${exact} byte comparisons`)
  })

  test('batch edges (1, 1000, 1001 items) are byte-identical to Python', async () => {
    const ints = (n: number): Typed[] =>
      Array.from({ length: n }, (_, i) => ({ t: 'int', v: String(i) }) as Typed)
    for (const n of [0, 1, 2, 999, 1000, 1001, 2000]) {
      const values: Typed[] = [
        { t: 'list', v: ints(n) },
        { t: 'dict', v: ints(n).map((k) => [k, { t: 'none' }]) },
        { t: 'tuple', v: ints(Math.min(n, 5)) },
      ]
      for (const value of values) {
        const python = await oracle.call<string>('dumps', { value, protocol: 2 })
        assert.equal(encodePickle(fromTyped(value)).toString('hex'), python, `${value.t} of ${n}`)
      }
    }
  })

  test('default numbers: ints as number (bigint past 2^53), integral numbers written as ints', async () => {
    const hex = await oracle.call<string>('dumps', {
      value: {
        t: 'list',
        v: [
          { t: 'int', v: '7' },
          { t: 'int', v: String(2n ** 60n) },
          { t: 'float', v: f2h(7)! },
        ],
      },
      protocol: 2,
    })
    assert.deepEqual(decodePickle(Buffer.from(hex, 'hex')), [7, 2n ** 60n, 7])
    const back = await oracle.call<{ value: Typed }>('loads', {
      hex: encodePickle([7, 7.5, -0, 2n ** 60n]).toString('hex'),
    })
    assert.deepEqual(back.value, {
      t: 'list',
      v: [
        { t: 'int', v: '7' },
        { t: 'float', v: f2h(7.5) },
        { t: 'float', v: f2h(-0) },
        { t: 'int', v: String(2n ** 60n) },
      ],
    })
  })

  test("Python's bytes and sets below protocols 3 and 4 need globals: refused, as carbon refuses them", async () => {
    for (const [value, protocol] of [
      [{ t: 'bytes', v: '0102' }, 2],
      [{ t: 'set', v: [{ t: 'int', v: '1' }] }, 3],
      [{ t: 'bytearray', v: '01' }, 4],
    ] as [Typed, number][]) {
      const hex = await oracle.call<string>('dumps', { value, protocol })
      assert.throws(() => decodePickle(Buffer.from(hex, 'hex')), /refused/)
      const carbon = await oracle.call<{ error?: string }>('loads', { hex })
      assert.match(carbon.error!, /unsafe|No module/)
    }
  })

  test('code-running payloads (os.system via GLOBAL/STACK_GLOBAL + REDUCE) are refused and run nothing', async (t) => {
    const dir = tempDir(t)
    for (const protocol of [0, 1, 2, 3, 4, 5]) {
      const marker = path.join(dir, `ran-${protocol}`)
      const hex = await oracle.call<string>('evil', { cmd: `touch ${marker}`, protocol })
      const bytes = Buffer.from(hex, 'hex')
      assert.throws(
        () => decodePickle(bytes),
        (error: unknown) =>
          error instanceof PickleError &&
          /opcode (GLOBAL|STACK_GLOBAL) \(0x(63|93)\) refused/.test(error.message),
      )
      assert.equal(fs.existsSync(marker), false)
      // The payload is live: Python's plain pickle.loads runs it.
      await oracle.call('unsafe_loads', { hex })
      assert.equal(fs.existsSync(marker), true, `protocol ${protocol}: the payload should run in Python`)
    }
  })

  test('nesting: 100 levels decode, 101 and cycles are refused', async () => {
    for (const protocol of [0, 2, 5]) {
      const ok = await oracle.call<string>('nested', { depth: 100, protocol })
      let v = decodePickle(Buffer.from(ok, 'hex'))
      let depth = 1
      while (Array.isArray(v) && v.length === 1) {
        v = (v as PickleValue[])[0]!
        depth++
      }
      assert.equal(depth, 100)
      const deep = await oracle.call<string>('nested', { depth: 101, protocol })
      assert.throws(() => decodePickle(Buffer.from(deep, 'hex')), /nested deeper than 100/)
      const cycle = await oracle.call<string>('nested', { cycle: true, protocol })
      assert.throws(() => decodePickle(Buffer.from(cycle, 'hex')), /nested deeper than 100 \(or a cycle\)/)
    }
  })

  test('seeded mutations of valid pickles: decoded as Python decodes them, or refused', async () => {
    const seed = runSeed()
    const r = createRandom(seed)
    let agreed = 0
    for (let i = 0; i < 1500; i++) {
      const protocol = r.int(0, 5)
      const hex = await oracle.call<string>('dumps', { value: randomValue(r, protocol, 2), protocol })
      const bytes = Buffer.from(hex, 'hex')
      const mutation = r.int(0, 3)
      const at = r.int(0, bytes.length - 1)
      let mutated: Buffer
      if (mutation === 0) mutated = bytes.subarray(0, at)
      else if (mutation === 1) {
        mutated = Buffer.from(bytes)
        mutated[at] = r.int(0, 255)
      } else if (mutation === 2)
        mutated = Buffer.concat([bytes.subarray(0, at), Buffer.from([r.int(0, 255)]), bytes.subarray(at)])
      else mutated = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
      let ours: string | undefined
      try {
        ours = comparable(toTyped(decodePickle(mutated, { ints: 'bigint' })))
      } catch (error) {
        assert.ok(error instanceof PickleError, `seed ${seed}: ${mutated.toString('hex')}: ${String(error)}`)
      }
      const python = await oracle.call<{ value?: Typed; error?: string }>('loads', {
        hex: mutated.toString('hex'),
      })
      if (ours !== undefined) {
        // What carbonkit accepts, Python accepts too, with the same value.
        assert.equal(
          python.error,
          undefined,
          `seed ${seed}: ${mutated.toString('hex')} decoded by carbonkit only`,
        )
        assert.equal(ours, comparable(python.value!), `seed ${seed}: ${mutated.toString('hex')}`)
        agreed++
      }
    }
    assert.ok(agreed > 100, `only ${agreed} mutated pickles decoded: the comparison is too weak`)
  })
})

function expectRefused(bytes: Buffer | number[], pattern: RegExp, options = {}): void {
  assert.throws(
    () => decodePickle(Buffer.from(bytes), options),
    (error: unknown) =>
      error instanceof PickleError && error instanceof MalformedInputError && pattern.test(error.message),
  )
}

describe('pickle decoder against hostile input', () => {
  test('a bytearray is refused as a dict key or set item, as Python refuses it (bytes are not)', () => {
    // Each is a TypeError "unhashable type: 'bytearray'" in python3's pickle.loads (checked by hand;
    // the seeded mutations against Python found the first, seed 1371559417).
    const bytearrayA = '960100000000000000' + '61'
    for (const hex of [
      `8005 7d ${bytearrayA} 4b01 73 2e`, // {bytearray(b'a'): 1}
      `8005 7d ${bytearrayA} 85 4b01 73 2e`, // {(bytearray(b'a'),): 1}
      `8005 8f 28 ${bytearrayA} 90 2e`, // set() then ADDITEMS bytearray(b'a')
      `8005 28 ${bytearrayA} 91 2e`, // frozenset({bytearray(b'a')})
    ])
      assert.throws(
        () => decodePickle(Buffer.from(hex.replaceAll(' ', ''), 'hex')),
        (error) => error instanceof PickleError && /unhashable type: 'bytearray'/.test(error.message),
        hex,
      )
    // bytes (SHORT_BINBYTES) are hashable: {b'a': 1}.
    const decoded = decodePickle(Buffer.from('80057d4301614b01732e', 'hex')) as Map<PickleValue, PickleValue>
    assert.deepEqual([...decoded.values()], [1])
  })

  test('every opcode that imports, calls or references objects is refused', () => {
    const refused = [
      'GLOBAL',
      'STACK_GLOBAL',
      'REDUCE',
      'BUILD',
      'INST',
      'OBJ',
      'NEWOBJ',
      'NEWOBJ_EX',
      'EXT1',
      'EXT2',
      'EXT4',
      'PERSID',
      'BINPERSID',
      'NEXT_BUFFER',
      'READONLY_BUFFER',
    ] as const
    for (const name of refused) {
      expectRefused(
        [0x80, 0x05, OP[name], 0x00, 0x00, 0x00, 0x00, 0x2e],
        new RegExp(`opcode ${name} \\(0x[0-9a-f]+\\) refused`),
      )
    }
    // cos\nsystem\n(S'echo hi'\ntR. : the classic.
    expectRefused(Buffer.from("cos\nsystem\n(S'echo hi'\ntR.", 'latin1'), /GLOBAL.*refused/)
    // REDUCE on values already on the stack.
    expectRefused(Buffer.from('N)R.', 'latin1'), /REDUCE.*refused/)
  })

  test('lengths beyond the input are truncation errors, allocating nothing', () => {
    const before = process.memoryUsage().arrayBuffers
    const cases: number[][] = [
      [0x80, 0x04, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x4e, 0x2e], // FRAME 2^63
      [0x80, 0x04, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x61], // BINUNICODE8 2^62
      [0x58, 0xff, 0xff, 0xff, 0xff, 0x61], // BINUNICODE 4 GiB
      [0x42, 0xff, 0xff, 0xff, 0xff], // BINBYTES 4 GiB
      [0x96, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00], // BYTEARRAY8
      [0x8e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00], // BINBYTES8 4 GiB
      [0x8b, 0xff, 0xff, 0xff, 0x7f, 0x00], // LONG4 2 GiB
      [0x8a, 0xff, 0x01], // LONG1 255 bytes
      [0x55, 0xff], // SHORT_BINSTRING
    ]
    for (const bytes of cases) expectRefused(bytes, /truncated/)
    expectRefused([0x54, 0xff, 0xff, 0xff, 0xff, 0x2e], /negative byte count/)
    expectRefused([0x8b, 0x00, 0x00, 0x00, 0x80, 0x2e], /negative byte count/)
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024)
  })

  test('limits: input size, memo entries, collection size, stack', () => {
    expectRefused([0x4e, 0x2e], /over the limit of 1/, { maxInputBytes: 1 })
    // 200 memo entries (N, BINPUT i) with a limit of 100.
    const memo: number[] = [0x80, 0x02]
    for (let i = 0; i < 200; i++) memo.push(0x4e, 0x71, i)
    memo.push(0x2e)
    expectRefused(memo, /memo index 100 is over the limit of 100/, { maxMemoEntries: 100 })
    assert.equal(decodePickle(Buffer.from(memo)), null)
    // CPython allocates a memo up to the index (a MemoryError here); carbonkit refuses it outright.
    expectRefused(
      [0x4e, 0x72, 0xff, 0xff, 0xff, 0xff, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e],
      /memo index 4294967295 is over the limit/,
    )
    assert.equal(
      decodePickle(Buffer.from([0x4e, 0x72, 0xff, 0xff, 0x3f, 0x00, 0x6a, 0xff, 0xff, 0x3f, 0x00, 0x2e])),
      null,
    )
    // A list of 20 items with a limit of 10, through APPENDS and through APPEND.
    const appends = [0x5d, 0x28, ...Array(20).fill(0x4e), 0x65, 0x2e]
    expectRefused(appends, /more than 10 items/, { maxCollectionItems: 10 })
    const append = [0x5d, ...Array(20).fill([0x4e, 0x61]).flat(), 0x2e]
    expectRefused(append, /more than 10 items/, { maxCollectionItems: 10 })
    expectRefused(Array(30).fill(0x4e), /more than 10 items on the stack/, { maxCollectionItems: 10 })
    expectRefused(Array(30).fill(0x28), /more than 10 open MARKs/, { maxCollectionItems: 10 })
  })

  test('shared references that unfold exponentially are refused quickly', () => {
    // list_i = [list_{i-1}, list_{i-1}], 60 levels: 2^60 nodes if walked as a tree.
    const bytes: number[] = [0x80, 0x02, 0x5d, 0x71, 0]
    for (let i = 1; i < 60; i++) bytes.push(0x5d, 0x28, 0x68, i - 1, 0x68, i - 1, 0x65, 0x71, i)
    bytes.push(0x2e)
    expectRefused(bytes, /too many shared references/)
    // Ten levels are fine: shared references come back shared.
    const small: number[] = [0x80, 0x02, 0x5d, 0x71, 0]
    for (let i = 1; i < 10; i++) small.push(0x5d, 0x28, 0x68, i - 1, 0x68, i - 1, 0x65, 0x71, i)
    small.push(0x2e)
    const value = decodePickle(Buffer.from(small)) as PickleValue[]
    assert.equal(value[0], value[1])
  })

  test('stack discipline: underflow, missing MARK, wrong targets', () => {
    expectRefused([0x2e], /stack underflow/)
    expectRefused([0x28, 0x2e], /stack underflow/)
    expectRefused([0x4e, 0x28, 0x61, 0x2e], /stack underflow/)
    expectRefused([0x65, 0x2e], /could not find MARK/)
    expectRefused([0x4e, 0x4e, 0x61, 0x2e], /cannot append to a NoneType/)
    expectRefused([0x29, 0x4e, 0x61, 0x2e], /cannot append to a tuple/)
    expectRefused([0x5d, 0x4e, 0x4e, 0x73, 0x2e], /cannot set items on a list/)
    expectRefused([0x7d, 0x5d, 0x4e, 0x73, 0x2e], /unhashable type: 'list'/)
    expectRefused([0x28, 0x4e, 0x64, 0x2e], /odd number of items/)
    expectRefused([0x67, 0x35, 0x0a, 0x2e], /memo value not found at index 5/)
    expectRefused([0xff], /invalid load key, '\\xff'/)
    expectRefused([], /ran out of input/)
    expectRefused([0x80, 0x06, 0x4e, 0x2e], /unsupported pickle protocol: 6/)
    expectRefused([0x4e], /truncated/)
  })

  test('seeded random bytes and random opcode programs: a value or a PickleError, nothing else', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    const opcodes = Object.values(OP)
    let decoded = 0
    for (let i = 0; i < 30000; i++) {
      const bytes: number[] = []
      if (i % 2 === 0) {
        for (let n = r.int(0, 40); n > 0; n--) bytes.push(r.int(0, 255))
      } else {
        // Plausible programs: mostly allowed opcodes with small arguments, ending in STOP.
        if (r.chance(0.5)) bytes.push(0x80, r.int(0, 5))
        for (let n = r.int(1, 30); n > 0; n--) {
          bytes.push(r.pick(opcodes))
          for (let k = r.pick([0, 0, 1, 1, 2, 4, 8]); k > 0; k--)
            bytes.push(r.chance(0.7) ? r.int(0, 4) : r.int(0, 255))
          if (r.chance(0.2)) bytes.push(r.pick([0x0a, 0x30, 0x31, 0x27]))
        }
        bytes.push(0x2e)
      }
      try {
        decodePickle(Buffer.from(bytes))
        decoded++
      } catch (error) {
        assert.ok(
          error instanceof PickleError,
          `seed ${seed}: ${Buffer.from(bytes).toString('hex')}: ${String(error)}`,
        )
      }
    }
    assert.ok(decoded > 0)
  })
})

describe('pickle encoder', () => {
  test('tuples, lists, dicts, sets, bytes and the header protocol', () => {
    // Memo PUTs (71 nn) after lists, dicts, strings and non-empty tuples, as Python writes them.
    assert.equal(encodePickle([]).toString('hex'), '80025d71002e')
    assert.equal(encodePickle(tuple()).toString('hex'), '8002292e')
    assert.equal(encodePickle(tuple(1, 2)).toString('hex'), '80024b014b028671002e')
    assert.equal(encodePickle(tuple(1, 2, 3, 4)).toString('hex'), '8002284b014b024b034b047471002e')
    assert.equal(encodePickle({ a: null }).toString('hex'), '80027d710058010000006171014e732e')
    // A shared list is written once and referenced.
    const shared = [1]
    assert.equal(encodePickle([shared, shared]).toString('hex'), '80025d7100285d71014b0161680165' + '2e')
    assert.equal(encodePickle(new Uint8Array([1]))[1], 3)
    assert.equal(encodePickle(new Set([1]))[1], 4)
    assert.equal(encodePickle(frozenSet([1]))[1], 4)
    const round = decodePickle(encodePickle([tuple('a', tuple(1, 2.5)), new Map([['k', [true, null]]])]))
    assert.ok(Array.isArray(round) && isTuple(round[0]) && !isTuple(round))
  })

  test('ints use the shortest opcode, as Python does', () => {
    const cases: [number | bigint, string][] = [
      [0, '4b00'],
      [255, '4bff'],
      [256, '4d0001'],
      [65535, '4dffff'],
      [65536, '4a00000100'],
      [-1, '4affffffff'],
      [-2147483648, '4a00000080'],
      [2147483648, '8a050000008000'],
      [-2147483649, '8a05ffffff7fff'],
      [-128n, '4a80ffffff'],
      [2n ** 64n, '8a09000000000000000001'],
      [-(2n ** 63n), '8a080000000000000080'],
    ]
    for (const [value, hex] of cases)
      assert.equal(encodePickle(value).toString('hex'), `8002${hex}2e`, String(value))
    assert.equal(
      encodePickle(2n ** 2100n)
        .subarray(2, 7)
        .toString('hex'),
      '8b07010000',
    )
  })

  test('refuses what Python cannot pickle without globals', () => {
    const cyclic: unknown[] = []
    cyclic.push(cyclic)
    assert.throws(() => encodePickle(cyclic as PickleValue), /cycle/)
    assert.throws(() => encodePickle(new Map([[[1], 2]]) as PickleValue), /unhashable/)
    assert.throws(() => encodePickle(undefined as unknown as PickleValue), /cannot pickle a undefined/)
    assert.throws(() => encodePickle(new Date() as unknown as PickleValue), /cannot pickle a Date/)
    let deep: PickleValue = []
    for (let i = 0; i < 150; i++) deep = [deep]
    assert.throws(() => encodePickle(deep), /nested deeper than 100/)
  })
})
