// The worked examples of cluster.md section 8 (verified there against the binaries).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  fnv1a32,
  fnv1a64Signed,
  fnv1aPosition,
  jumpBucket,
  jumpNextKey,
  md5Position,
} from '../../../../src/core/cluster/hash.js'
import { liveKey, rawKey } from '../../../../src/core/cluster/cleanse.js'

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8')
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1')

test('md5 positions: the first two bytes of the digest', () => {
  assert.equal(md5Position(bytes('foo.bar')), 1273)
  assert.equal(md5Position(bytes("('127.0.1.1', None):0")), 36575)
  assert.equal(md5Position(bytes('carbon.agents.web01-a.cpuUsage')), 24148)
})

test("fnv1a32: carbon-c-relay's sign-extended bytes against carbon's unsigned ones", () => {
  assert.equal(fnv1a32(bytes('foo.bar'), true), 0xcb942ef4)
  assert.equal(fnv1a32(bytes('foo.bar'), false), 0xcb942ef4)
  assert.equal(fnv1aPosition(bytes('foo.bar'), true), 58720)
  assert.equal(fnv1a32(bytes('é'), true), 0x3cfa68c1)
  assert.equal(fnv1a32(bytes('é'), false), 0x1e9de8c1)
  assert.equal(fnv1a32(bytes('café.hits'), true), 0x78fa54fb)
  assert.equal(fnv1aPosition(bytes('café.hits'), true), 11265)
  assert.equal(fnv1a32(bytes('café.hits'), false), 0x3b8004fb)
  assert.equal(fnv1aPosition(bytes('café.hits'), false), 16251)
})

test('jump_fnv1a_ch: fnv64, the jump and the step to the next replica', () => {
  const h = fnv1a64Signed(bytes('foo.bar'))
  assert.equal(h, 0xa93287ddf7050214n)
  assert.equal(jumpBucket(h, 5), 1)
  assert.equal(jumpNextKey(h), 0xb1b72571b4b90f54n)
  assert.equal(jumpBucket(jumpNextKey(h), 4), 1)
})

test('live key: cleansed, up to the first ; or space; raw key: up to the first space', () => {
  assert.equal(text(liveKey(bytes('foo.bar;a=b'))), 'foo.bar')
  assert.equal(text(liveKey(bytes('métrique.x'))), 'm__trique.x')
  assert.equal(text(liveKey(bytes('..a..b...c.'))), 'a.b.c')
  assert.equal(text(liveKey(bytes('a b'))), 'a')
  assert.equal(text(liveKey(bytes('\t a.b.\tc'))), 'a.b')
  assert.equal(text(liveKey(bytes(';a=b'))), '')
  assert.equal(text(liveKey(bytes('a/b@c-d_e:f#g'))), 'a_b_c-d_e:f#g')
  assert.equal(text(rawKey(bytes('foo.bar;a=b 1 2'))), 'foo.bar;a=b')
  assert.deepEqual(Buffer.from(rawKey(bytes('..é'))), bytes('..é'))
})
