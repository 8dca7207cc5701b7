import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseATTime } from '../../../../src/core/http/attime.js'

const NOW = 1796543797

test("issue 16 times: graphite-web's parseATTime forms", () => {
  assert.equal(parseATTime('1796537197', NOW), 1796537197)
  assert.equal(parseATTime('now', NOW), NOW)
  assert.equal(parseATTime('-6h', NOW), NOW - 6 * 3600)
  assert.equal(parseATTime('-1h30min', NOW), NOW - 5400)
  assert.equal(parseATTime('now-5min', NOW), NOW - 300)
  assert.equal(parseATTime('-2mon', NOW), NOW - 60 * 86400)
  assert.equal(parseATTime('-1y', NOW), NOW - 365 * 86400)
  assert.equal(parseATTime('+1d', NOW), NOW + 86400)
  // An 8-digit number that reads as a date is YYYYMMDD (UTC here).
  assert.equal(parseATTime('20261206', NOW), Date.UTC(2026, 11, 6) / 1000)
  assert.equal(parseATTime('12:30_20261206', NOW), Date.UTC(2026, 11, 6, 12, 30) / 1000)
  assert.equal(parseATTime('midnight', NOW), NOW - (NOW % 86400))
  assert.equal(parseATTime('yesterday', NOW), NOW - (NOW % 86400) - 86400)
})

test('issue 18: an empty time is now, as graphite-web reads it', () => {
  assert.equal(parseATTime('', NOW), NOW)
  assert.equal(parseATTime(' _, ', NOW), NOW)
})

test('issue 16 times: a bare m and garbage are refused with the spec named', () => {
  assert.throws(() => parseATTime('-5m', NOW), /invalid time '-5m': unknown unit 'm'/)
  assert.throws(() => parseATTime('banana', NOW), /invalid time 'banana'/)
  assert.throws(() => parseATTime('-5', NOW), /invalid time/)
})
