// carbon's own retention parser, stricter than whisper's, case by case.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseCarbonRetentionDef } from '../../../../src/core/config/carbon-retention.js'

describe("carbon's retention parser", () => {
  const ok = (def: string): unknown => {
    const r = parseCarbonRetentionDef(def)
    return r.ok ? r.archive : r.message
  }
  test('the examples of the reference', () => {
    assert.deepEqual(ok('60:1440'), [60, 1440])
    assert.deepEqual(ok('60s:1d'), [60, 1440])
    assert.deepEqual(ok('1h:3y'), [3600, 26280])
    assert.deepEqual(ok('7s:1m'), [7, 8])
    assert.deepEqual(ok('1w:1y'), [604800, 52])
    assert.deepEqual(ok(' 60s:1d '), [60, 1440])
    assert.deepEqual(ok('١٢:٣٤'), [12, 34])
  })
  test("whisper's longer units are refused", () => {
    assert.equal(ok('10sec:1d'), "Invalid unit 'sec'")
    assert.equal(ok('1min:1d'), "Invalid unit 'min'")
    assert.equal(ok('1D:1y'), "Invalid precision specification '1D'")
    assert.equal(ok('60s : 1d'), "Invalid precision specification '60s '")
    assert.equal(ok('60s:'), "Invalid retention specification ''")
    assert.equal(ok('60s:1d:1'), 'too many values to unpack (expected 2)')
    assert.equal(ok('0s:1d'), 'division by zero')
  })
})
