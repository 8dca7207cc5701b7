// Option-value parsers: each name says the unit it returns.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidArgumentError } from 'commander'
import { parseDurationOption, parseSecondsToMs } from '../../../../src/cli/shared/args.js'

test('issue 15.1: parseSecondsToMs reads seconds (Python float syntax) and returns milliseconds', () => {
  assert.equal(parseSecondsToMs('10'), 10000)
  assert.equal(parseSecondsToMs('0.5'), 500)
  assert.equal(parseSecondsToMs('1e1'), 10000)
  for (const bad of ['0', '-1', 'inf', 'nan', '1s', ''])
    assert.throws(() => parseSecondsToMs(bad), InvalidArgumentError, bad)
})

test("issue 15.1: parseDurationOption returns seconds, with whisper's unit spellings", () => {
  assert.equal(parseDurationOption('60'), 60)
  assert.equal(parseDurationOption('1m'), 60)
  assert.equal(parseDurationOption('5min'), 300)
  assert.equal(parseDurationOption('2h'), 7200)
  assert.equal(parseDurationOption('1w'), 604800)
  assert.throws(() => parseDurationOption('1mo'), /unknown unit 'mo'/)
  assert.throws(() => parseDurationOption('0s'), /not a duration/)
})
