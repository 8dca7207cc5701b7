import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidArgumentError, MalformedInputError } from '../../../../src/core/errors.js'
import { parsePointArgument, parsePointLines } from '../../../../src/core/whisper/point-text.js'

const NOW = 1795619700

test("whisper-update's point arguments", () => {
  assert.deepEqual(parsePointArgument('1795619640:1.5', NOW), [1795619640, 1.5])
  assert.deepEqual(parsePointArgument('N:42', NOW), [NOW, 42])
  assert.deepEqual(parsePointArgument('N:-1e300', NOW), [NOW, -1e300])
  assert.ok(Number.isNaN(parsePointArgument('N:nan', NOW)[1]))
  assert.deepEqual(parsePointArgument('1_000:inf', NOW), [1000, Infinity])
  for (const bad of ['1.5:2', 'N:abc', 'N', '1:2:3', ':1', 'abc:1']) {
    assert.throws(
      () => parsePointArgument(bad, NOW),
      (e: unknown) => e instanceof InvalidArgumentError && e.message.startsWith(`invalid point '${bad}'`),
      bad,
    )
  }
})

test('point lines (dump --raw): blank lines and comments skipped, bad lines named by number', () => {
  assert.deepEqual(parsePointLines('# header\n1:1.5\n\n  2:2.5  \n0:0\n', NOW), [
    [1, 1.5],
    [2, 2.5],
    [0, 0],
  ])
  assert.throws(
    () => parsePointLines('1:1\n2:x\n', NOW),
    (e: unknown) => e instanceof MalformedInputError && e.message.startsWith('stdin:2: '),
  )
})

test('a dump --raw of one archive is points; of several archives it is refused', () => {
  const one = '# archive 1: seconds per point 60, points 10\n60:1\n120:2\n'
  assert.deepEqual(parsePointLines(one, NOW), [
    [60, 1],
    [120, 2],
  ])
  const two = '# archive 0: seconds per point 10, points 6\n10:1\n' + one
  assert.throws(
    () => parsePointLines(two, NOW),
    (e: unknown) => e instanceof InvalidArgumentError && /^stdin: the points of 2 archives/.test(e.message),
  )
})
