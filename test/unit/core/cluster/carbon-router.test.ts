import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createCarbonLookup,
  parseCarbonDestination,
  pythonStrRepr,
  readCarbonRelaySettings,
} from '../../../../src/core/cluster/carbon-router.js'
import { parseCarbonConf } from '../../../../src/core/config/carbon-conf.js'
import { ConfigError } from '../../../../src/core/errors.js'

const settings = (relay: string): ReturnType<typeof readCarbonRelaySettings> =>
  readCarbonRelaySettings(
    parseCarbonConf(`[relay]\nRELAY_METHOD = consistent-hashing\n${relay}\n`, 'carbon.conf'),
  )

test('python repr of the entry text', () => {
  assert.equal(pythonStrRepr('127.0.0.1'), "'127.0.0.1'")
  assert.equal(pythonStrRepr("it's"), '"it\'s"')
  assert.equal(pythonStrRepr('a\\b\n'), "'a\\\\b\\n'")
})

test("carbon.util.parseDestination's forms", () => {
  assert.deepEqual(parseCarbonDestination('127.0.0.1:2004', 'x'), {
    server: '127.0.0.1',
    port: 2004,
    instance: null,
  })
  assert.deepEqual(parseCarbonDestination(' h:2004:a ', 'x'), { server: 'h', port: 2004, instance: 'a' })
  assert.deepEqual(parseCarbonDestination('[::1]:2004:b', 'x'), { server: '::1', port: 2004, instance: 'b' })
  assert.throws(() => parseCarbonDestination('nohost', 'x'), ConfigError)
})

test('DIVERSE_REPLICAS (the default) skips a second instance on the same host', () => {
  const diverse = createCarbonLookup(settings('DESTINATIONS = h1:1:a, h1:2:b\nREPLICATION_FACTOR = 2'))
  assert.equal(diverse('foo.bar').length, 1)
  const all = createCarbonLookup(
    settings('DESTINATIONS = h1:1:a, h1:2:b\nREPLICATION_FACTOR = 2\nDIVERSE_REPLICAS = off'),
  )
  assert.equal(all('foo.bar').length, 2)
})

test('what carbon-relay refuses, or carbon ring does not model, is refused', () => {
  assert.throws(
    () => readCarbonRelaySettings(parseCarbonConf('[relay]\nDESTINATIONS = h:1\n', 'c.conf')),
    /RELAY_METHOD is "rules"/,
  )
  assert.throws(() => settings('DESTINATIONS = h:1, h:2'), /already configured/)
  assert.throws(() => settings('DESTINATIONS = h:1\nROUTER_HASH_TYPE = mmh3_ch'), /mmh3_ch/)
  assert.throws(() => settings('DESTINATIONS = h:x'), /^ConfigError: carbon\.conf:3: invalid destination/)
})
