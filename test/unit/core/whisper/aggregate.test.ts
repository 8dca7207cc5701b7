import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidAggregationMethodError } from '../../../../src/core/errors.js'
import { aggregate } from '../../../../src/core/whisper/aggregate.js'

test('test_aggregate: every method on the reference suite values', () => {
  assert.equal(aggregate('min', [1, 2, 3, 4]), 1)
  assert.equal(aggregate('max', [1, 2, 3, 4]), 4)
  assert.equal(aggregate('last', [3, 2, 5, 4]), 4)
  assert.equal(aggregate('sum', [10, 2, 3, 4]), 19)
  assert.equal(aggregate('average', [1, 2, 3, 4]), 2.5)
  assert.equal(aggregate('avg_zero', [1, 2, 3, 4], [1, 2, 3, 4, null, null, null, null]), 1.25)
  assert.equal(aggregate('absmax', [-3, -2, 1, 2]), -3)
  assert.equal(aggregate('absmax', [-2, -1, 2, 3]), 3)
  assert.equal(aggregate('absmin', [-3, -2, 1, 2]), 1)
  assert.equal(aggregate('absmin', [-2, -1, 2, 3]), -1)
  assert.throws(
    () => aggregate('avg_zero', [1, 2, 3, 4]),
    (e: unknown) =>
      e instanceof InvalidAggregationMethodError && e.message === 'Using avg_zero without neighborValues',
  )
  assert.throws(
    () => aggregate('derp', [1]),
    (e: unknown) =>
      e instanceof InvalidAggregationMethodError && e.message === 'Unrecognized aggregation method derp',
  )
})

test("Python's comparisons: NaN is order dependent, ties keep the first", () => {
  assert.ok(Number.isNaN(aggregate('max', [NaN, 5])))
  assert.equal(aggregate('max', [5, NaN]), 5)
  assert.ok(Number.isNaN(aggregate('min', [NaN, 5])))
  assert.equal(aggregate('min', [5, NaN]), 5)
  assert.equal(aggregate('absmax', [-3, 3]), -3)
  assert.equal(aggregate('absmax', [3, -3]), 3)
  assert.equal(aggregate('absmin', [-1, 1]), -1)
  assert.ok(Object.is(aggregate('max', [-0, 0]), -0))
  assert.ok(Object.is(aggregate('max', [0, -0]), 0))
  assert.ok(Number.isNaN(aggregate('sum', [1, NaN])))
})

test('avg_zero counts 0.0 and missing values as zero over the whole bucket; sums start from 0', () => {
  assert.equal(aggregate('avg_zero', [4, 0], [4, 0, null, null]), 1)
  assert.ok(Object.is(aggregate('sum', [-0]), 0))
  assert.equal(aggregate('average', [0.1, 0.2, 0.3]), (0.1 + 0.2 + 0.3) / 3)
})
