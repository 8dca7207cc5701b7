// The daemon's log gate: one line per kind per interval, and the count of those not logged.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { logLimiter } from '../../../../src/core/daemon/log-limit.js'

test('one line per kind per interval; the next one logged counts those that were not', () => {
  let now = 1000
  const mayLog = logLimiter(() => now, 10)
  assert.equal(mayLog('line:value'), 0)
  assert.equal(mayLog('line:value'), undefined)
  assert.equal(mayLog('pickle:value'), 0, 'another kind has its own interval')
  now += 9
  assert.equal(mayLog('line:value'), undefined)
  now += 1
  assert.equal(mayLog('line:value'), 2)
  assert.equal(mayLog('line:value'), undefined)
  now += 10
  assert.equal(mayLog('line:value'), 1)
  assert.equal(mayLog('pickle:value'), 0)
})
