import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { parseTimeSpec } from '../../../src/core/time.js'

const NOW = 1795619700

test('epoch seconds, now and offsets with whisper units', () => {
  assert.equal(parseTimeSpec('1795619000', NOW), 1795619000)
  assert.equal(parseTimeSpec('-100', NOW), -100)
  assert.equal(parseTimeSpec('now', NOW), NOW)
  assert.equal(parseTimeSpec('-1d', NOW), NOW - 86400)
  assert.equal(parseTimeSpec('-6h', NOW), NOW - 6 * 3600)
  assert.equal(parseTimeSpec('-30min', NOW), NOW - 1800)
  assert.equal(parseTimeSpec('-5m', NOW), NOW - 300)
  assert.equal(parseTimeSpec('now-2w', NOW), NOW - 2 * 604800)
  assert.equal(parseTimeSpec('now+1h', NOW), NOW + 3600)
  assert.equal(parseTimeSpec('-1y', NOW), NOW - 31536000)
})

test('ISO 8601 dates', () => {
  assert.equal(parseTimeSpec('2026-11-25T15:15:00Z', NOW), 1795619700)
  assert.equal(parseTimeSpec('2026-11-25T16:15:00+01:00', NOW), 1795619700)
  assert.equal(
    parseTimeSpec('2026-11-25T15:15', NOW),
    Math.floor(new Date(2026, 10, 25, 15, 15).getTime() / 1000),
  )
  assert.equal(parseTimeSpec('2026-11-25', NOW), Math.floor(new Date(2026, 10, 25).getTime() / 1000))
})

test('anything else is a usage error naming the spec', () => {
  for (const spec of ['abc', '-1mo', '1.5', '', '2026-13-45', 'yesterday']) {
    assert.throws(
      () => parseTimeSpec(spec, NOW),
      (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(`'${spec}'`),
      spec,
    )
  }
})
