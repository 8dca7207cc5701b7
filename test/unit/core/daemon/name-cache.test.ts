// The daemon's one name cache: what a name as sent becomes (its key, its file, or why it is refused),
// bounded, and forgetting names that went idle so that their memory comes back.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ConfigFileText } from '../../../../src/core/config/config-set.js'
import { parseConfigSet } from '../../../../src/core/config/config-set.js'
import { GenerationalMap, NameCache } from '../../../../src/core/daemon/name-cache.js'

function rules(files: Record<string, string>) {
  const texts: ConfigFileText[] = Object.entries(files).map(([kind, text]) => ({
    path: `/conf/${kind}`,
    kind: kind as ConfigFileText['kind'],
    text,
    invalidUtf8Line: null,
  }))
  return parseConfigSet(texts, { dir: '/conf', env: {} }).set
}

test('issue 14: a generational map never holds more than its bound, and forgets what two turns did not touch', () => {
  const map = new GenerationalMap<number, number>(100)
  for (let i = 0; i < 10_000; i++) {
    map.set(i, i)
    assert.ok(map.size <= 100)
  }
  assert.equal(map.get(9_999), 9_999)
  const kept = new GenerationalMap<string, number>(1000)
  kept.set('live', 1)
  kept.set('idle', 2)
  kept.turn()
  assert.equal(kept.get('live'), 1, 'touched: moves to the young generation')
  kept.turn()
  assert.equal(kept.get('live'), 1)
  assert.equal(kept.get('idle'), undefined, 'two turns untouched: gone')
})

test('issue 14: names resolve to their key and file, or the reason they are refused', () => {
  let config = rules({
    'carbon.conf': '[cache]\nUSE_WHITELIST = True\n',
    'storage-schemas.conf': '[all]\npattern = .*\nretentions = 1m:1d\n',
    'blacklist.conf': '^noisy\\.\n',
  })
  const names = new NameCache({
    dataDir: '/d',
    tagHashFilenames: true,
    useWhitelist: true,
    config: () => config,
  })
  assert.deepEqual(
    [names.resolve('a.b'), names.resolve('noisy.x'), names.resolve('a..\0')].map((r) => [
      r.name,
      r.path,
      r.reason,
    ]),
    [
      ['a.b', '/d/a/b.wsp', null],
      ['noisy.x', '', 'blacklisted'],
      ['a..\0', '', 'bad-name'],
    ],
  )
  const tagged = names.resolve('cpu;host=b;dc=x')
  assert.equal(tagged.name, 'cpu;dc=x;host=b')
  assert.equal(names.pathOf(tagged.name), tagged.path)
  assert.equal(names.resolve('a.b'), names.resolve('a.b'), 'one answer per name')
  // A reload judges every name again.
  config = rules({
    'carbon.conf': '[cache]\nUSE_WHITELIST = True\n',
    'storage-schemas.conf': '[all]\npattern = .*\nretentions = 1m:1d\n',
    'blacklist.conf': '^a\\.\n',
  })
  assert.equal(names.resolve('a.b').reason, null, 'cached until the reload')
  names.forgetAll()
  assert.equal(names.resolve('a.b').reason, 'blacklisted')
})

test('issue 14: the persister asking for files adds nothing; idle names are gone after two sweeps', () => {
  const names = new NameCache({
    dataDir: '/d',
    tagHashFilenames: true,
    useWhitelist: false,
    config: () => rules({}),
  })
  for (let i = 0; i < 1000; i++) assert.equal(names.pathOf(`m.n${i}`), `/d/m/n${i}.wsp`)
  assert.equal(names.size, 0)
  for (let i = 0; i < 1000; i++) names.resolve(`m.n${i}`)
  names.resolve('live')
  names.sweep()
  names.resolve('live')
  names.sweep()
  assert.equal(names.size, 1)
  const bounded = new NameCache({
    dataDir: '/d',
    tagHashFilenames: true,
    useWhitelist: false,
    config: () => rules({}),
    maxNames: 500,
  })
  for (let i = 0; i < 10_000; i++) bounded.resolve(`m.n${i}`)
  assert.ok(bounded.size <= 500, String(bounded.size))
})

test('issue 14 memory: a sweep says how many names it forgot', () => {
  const config = rules({})
  const names = new NameCache({
    dataDir: '/d',
    tagHashFilenames: true,
    useWhitelist: false,
    config: () => config,
  })
  const add = (prefix: string, n: number): void => {
    for (let i = 0; i < n; i++) names.resolve(`${prefix}.m${i}`)
  }
  add('burst', 25_000)
  assert.equal(names.sweep(), 0) // young -> old: nothing forgotten yet
  add('late', 6000)
  names.resolve('burst.m7') // seen again: kept
  assert.equal(names.sweep(), 24_999)
  assert.equal(names.sweep(), 6001)
  assert.equal(names.sweep(), 0)
  assert.equal(names.size, 0)
})
