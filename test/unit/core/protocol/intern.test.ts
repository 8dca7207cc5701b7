// The name interner: one string object per distinct name, whatever bytes it comes from.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FNV_OFFSET, FNV_PRIME, NameInterner } from '../../../../src/core/protocol/intern.js'
import { encodePickleMetrics, forEachPickleMetric } from '../../../../src/core/protocol/pickle-metrics.js'
import { createRandom, runSeed } from '../../../helpers/random.js'

test('the same bytes give the same string object; different bytes, different strings', () => {
  const names = new NameInterner()
  const line = Buffer.from('xx servers.web1.cpu servers.web1.cpu servers.web2.cpu')
  const a = names.intern(line, 3, 19)
  const b = names.intern(line, 20, 36)
  const c = names.intern(line, 37, 53)
  assert.equal(a, 'servers.web1.cpu')
  assert.ok(Object.is(a, b))
  assert.equal(c, 'servers.web2.cpu')
  assert.equal(names.size, 2)
  assert.equal(names.intern(line, 0, 0), '')
  assert.equal(names.intern(Buffer.from([0xe9]), 0, 1), '\u00e9')
})

test('thousands of random names survive growth; past the limit the table starts over', () => {
  const random = createRandom(runSeed())
  const names = new NameInterner(5000)
  const seen = new Map<string, string>()
  for (let i = 0; i < 4000; i++) {
    const name = `m.${random.int(0, 3000)}.${i % 7}`
    const bytes = Buffer.from(`  ${name} `)
    const got = names.intern(bytes, 2, 2 + name.length)
    assert.equal(got, name)
    const first = seen.get(name)
    if (first !== undefined) assert.ok(Object.is(first, got))
    else seen.set(name, got)
  }
  assert.equal(names.size, seen.size)
  const limited = new NameInterner(10)
  for (let i = 0; i < 25; i++) assert.equal(limited.intern(Buffer.from(`n${i}`), 0, `n${i}`.length), `n${i}`)
  assert.ok(limited.size <= 10)
})

test('a value attached to a name is found through the name interned last, and only through it', () => {
  const names = new NameInterner<string>()
  const line = Buffer.from('a.b c.d')
  const ab = names.intern(line, 0, 3)
  assert.equal(names.valueOfLast(ab), undefined)
  names.attachToLast(ab, 'value of a.b')
  assert.equal(names.valueOfLast(ab), 'value of a.b')
  // An equal string made elsewhere finds it too; another name does not.
  assert.equal(names.valueOfLast(['a', 'b'].join('.')), 'value of a.b')
  assert.equal(names.valueOfLast('c.d'), undefined)
  const cd = names.intern(line, 4, 7)
  // Not the last one interned any more: neither found nor attached through it.
  assert.equal(names.valueOfLast(ab), undefined)
  names.attachToLast(ab, 'wrong')
  assert.equal(names.valueOfLast(cd), undefined)
  names.attachToLast(cd, 'value of c.d')
  assert.equal(names.intern(line, 0, 3), ab)
  assert.equal(names.valueOfLast(ab), 'value of a.b')
  names.detachAll()
  assert.equal(names.valueOfLast(ab), undefined)
  assert.equal(names.intern(line, 4, 7), cd)
  assert.equal(names.valueOfLast(cd), undefined)
})

test('values do not outlive the table: past the limit it starts over without them', () => {
  const names = new NameInterner<number>(3)
  for (let i = 0; i < 3; i++) {
    const name = names.intern(Buffer.from(`n${i}`), 0, 2)
    names.attachToLast(name, i)
  }
  const n0 = names.intern(Buffer.from('n0'), 0, 2)
  assert.equal(names.valueOfLast(n0), 0)
  const n3 = names.intern(Buffer.from('n3'), 0, 2) // the fourth name: the table starts over
  assert.equal(names.valueOfLast(n3), undefined)
  assert.equal(names.valueOfLast(names.intern(Buffer.from('n0'), 0, 2)), undefined)
})

test("a pickle frame's points each find the value attached to their name (select), not the frame's last name's", () => {
  const names = new NameInterner<string>()
  const points = ['a.one', 'b.two', 'c.three', 'a.one'].map((metric, i) => ({
    metric,
    value: i,
    timestamp: 1e9 + i,
  }))
  const frame = encodePickleMetrics(points)
  const attached: (string | undefined)[] = []
  // First frame: nothing attached yet; the receiver attaches its answer to each name as it comes.
  forEachPickleMetric(frame, {
    now: 0,
    names,
    onPoint: (metric) => names.attachToLast(metric, `value of ${metric}`),
    onReject: () => assert.fail('no reject'),
  })
  forEachPickleMetric(frame, {
    now: 0,
    names,
    onPoint: (metric) => attached.push(names.valueOfLast(metric)),
    onReject: () => assert.fail('no reject'),
  })
  assert.deepEqual(attached, ['value of a.one', 'value of b.two', 'value of c.three', 'value of a.one'])
  // A stale entry (the table started over) finds nothing rather than another name's value.
  names.select(0)
  names.reset()
  names.intern(Buffer.from('z.other'), 0, 7)
  names.select(0)
  assert.equal(names.valueOfLast('a.one'), undefined)
})

test('guess: the name that came after the last one the previous time, checked byte for byte; never a non-ASCII one', () => {
  const names = new NameInterner()
  const text = Buffer.from('a.one b.two c.thr b.twx \u00e9.x a.one')
  const at = (name: string): [number, number] => {
    const start = text.indexOf(name)
    return [start, start + Buffer.byteLength(name)]
  }
  const intern = (name: string): string => names.intern(text, ...at(name))
  // Nothing learnt yet: no guess.
  assert.equal(names.guess(text, ...at('a.one')), undefined)
  const one = intern('a.one')
  const two = intern('b.two')
  intern('c.thr')
  // After a.one came b.two: the same string object, and it becomes the last one (values follow it).
  intern('a.one')
  assert.ok(Object.is(names.guess(text, ...at('b.two')), two))
  assert.equal(names.lastEntry, 1)
  // After b.two came c.thr: a name of the same length with other bytes is not it.
  assert.equal(names.guess(text, ...at('b.twx')), undefined)
  // A different order is learnt: after a.one came c.thr this time.
  intern('a.one')
  intern('c.thr')
  intern('a.one')
  assert.ok(Object.is(names.guess(text, ...at('c.thr')), intern('c.thr')))
  // A non-ASCII name (a Latin-1 string here: the pickle path decodes those as UTF-8) is never guessed.
  intern('\u00e9.x')
  intern('a.one')
  intern('\u00e9.x')
  intern('a.one')
  assert.equal(names.guess(text, ...at('\u00e9.x')), undefined)
  // After the table starts over, a stale last entry guesses nothing wrong.
  names.select(0)
  names.reset()
  assert.equal(names.guess(text, ...at('b.two')), undefined)
  assert.equal(one, 'a.one')
})

test('pickle frames sent again in the same order, in another order and with one name changed read as without the interner', () => {
  const random = createRandom(runSeed())
  const metrics = Array.from({ length: 300 }, (_, i) => `host-${i % 7}.metric-${i}.x`)
  const frames: Buffer[] = []
  for (let round = 0; round < 6; round++) {
    const order = round === 3 ? [...metrics].sort(() => random.int(0, 2) - 1) : [...metrics]
    // Round 4 renames one metric to another of the same length.
    if (round === 4) order[150] = order[150]!.replace('metric', 'metrjc')
    frames.push(encodePickleMetrics(order.map((metric, i) => ({ metric, value: i, timestamp: 1e9 + round }))))
  }
  const names = new NameInterner()
  for (const frame of frames) {
    const got: string[] = []
    const want: string[] = []
    const read = (into: string[], withNames: boolean): void =>
      forEachPickleMetric(frame, {
        now: 0,
        names: withNames ? names : undefined,
        onPoint: (metric, value, timestamp) => into.push(`${metric} ${value} ${timestamp}`),
        onReject: () => assert.fail('no reject'),
      })
    read(got, true)
    read(want, false)
    assert.deepEqual(got, want)
  }
  assert.equal(names.size, metrics.length + 1)
})

test('issue 14: predict: where the name expected next ends, when the bytes are its bytes; never a name with whitespace or non-ASCII bytes; nothing changes until it is taken', () => {
  const names = new NameInterner()
  const text = Buffer.from('a.one b.two c.thr b.twx b.tw x y \u00e9.x a.one')
  const at = (name: string, from = 0): number => text.indexOf(name, from)
  const intern = (name: string): string => names.intern(text, at(name), at(name) + Buffer.byteLength(name))
  // Nothing learnt yet.
  assert.equal(names.predict(text, at('a.one'), text.length), -1)
  intern('a.one')
  const two = intern('b.two')
  intern('a.one')
  // After a.one came b.two: its end, and the table is as it was until takePrediction().
  assert.equal(names.predict(text, at('b.two'), text.length), at('b.two') + 5)
  assert.equal(names.lastEntry, 0)
  assert.ok(Object.is(names.takePrediction(), two))
  assert.equal(names.lastEntry, 1)
  intern('a.one')
  // Other bytes, or too few before `end`: no prediction (the caller checks what follows the name).
  assert.equal(names.predict(text, at('b.twx'), text.length), -1)
  assert.equal(names.predict(text, at('b.two'), at('b.two') + 5), -1)
  assert.equal(names.predict(text, at('b.tw '), text.length), -1)
  // The order learnt through internHashed (the plaintext parser's hash path) as through intern.
  const hashed = (name: string): string => {
    let hash = FNV_OFFSET
    for (const byte of Buffer.from(name, 'latin1')) hash = Math.imul(hash ^ byte, FNV_PRIME)
    return names.internHashed(text, at(name), at(name) + Buffer.byteLength(name), hash)
  }
  hashed('a.one')
  hashed('c.thr')
  hashed('a.one')
  assert.equal(names.predict(text, at('c.thr'), text.length), at('c.thr') + 5)
  // A name with a space (a pickle name can hold one) or non-ASCII bytes is never predicted.
  const spaced = names.intern(text, at('x y'), at('x y') + 3)
  assert.equal(spaced, 'x y')
  intern('a.one')
  names.intern(text, at('x y'), at('x y') + 3)
  intern('a.one')
  assert.equal(names.predict(text, at('x y'), text.length), -1)
  intern('\u00e9.x')
  intern('a.one')
  intern('\u00e9.x')
  intern('a.one')
  assert.equal(names.predict(text, at('\u00e9.x'), text.length), -1)
  // After the table starts over, a stale last entry predicts nothing.
  names.select(0)
  names.reset()
  assert.equal(names.predict(text, at('b.two'), text.length), -1)
})
