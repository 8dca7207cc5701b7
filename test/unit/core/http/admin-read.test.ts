import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { ReadReply } from '../../../../src/core/http/admin-jobs.js'
import { runAdminJob } from '../../../../src/core/http/admin-jobs.js'
import { BytePool } from '../../../../src/core/http/byte-pool.js'
import { tempDir } from '../../../helpers/tmp.js'

test('issue 17 transfer: the byte pool gives back the smallest buffer that fits, keeps at most `keep`', () => {
  const pool = new BytePool(2)
  const small = pool.take(10)
  const large = pool.take(3 << 20)
  assert.equal(small.byteLength, 1 << 20)
  assert.equal(large.byteLength, 4 << 20)
  pool.give(large)
  pool.give(small)
  pool.give(small)
  assert.equal(pool.held, 2)
  assert.equal(pool.take(100), small)
  assert.equal(pool.take(100), large)
  assert.notEqual(pool.take(100), small)
  pool.give(pool.take(1))
  pool.give(pool.take(1))
  pool.give(pool.take(5 << 20))
  // The largest are kept.
  assert.equal(pool.held, 2)
  assert.equal(pool.take(5 << 20).byteLength, 8 << 20)
})

test('issue 17 transfer: a batch read into a reused buffer gives every file whole; one too large gets its own; an absent one 404', (t) => {
  const dir = tempDir(t)
  const sizes = [300_000, 5, 700_000, 400_000, 0]
  const files = sizes.map((size, k) => {
    const file = path.join(dir, `m${k}.wsp`)
    const bytes = Buffer.alloc(size)
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + k) & 0xff
    fs.writeFileSync(file, bytes)
    return { file, bytes }
  })
  // A sparse file: its hole reads as zeros even where the buffer held other bytes.
  const sparse = path.join(dir, 'sparse.wsp')
  const fd = fs.openSync(sparse, 'w')
  fs.writeSync(fd, Buffer.from('tail'), 0, 4, 200_000)
  fs.closeSync(fd)
  const into = new SharedArrayBuffer(1 << 20)
  new Uint8Array(into).fill(0xee)
  const paths = [...files.map((f) => f.file), sparse, path.join(dir, 'absent.wsp')]
  const [reply, transfer] = runAdminJob({ kind: 'admin', request: 1, op: 'read-many', paths, into })
  assert.ok(reply.ok)
  const reads = reply.reads as ReadReply[]
  const bytesOf = (read: ReadReply): Buffer => {
    assert.ok(read.ok)
    return 'bytes' in read ? Buffer.from(read.bytes) : Buffer.from(into, read.offset, read.length)
  }
  files.forEach(({ bytes }, k) => assert.ok(bytesOf(reads[k]!).equals(bytes), `file ${k}`))
  const expectedSparse = Buffer.alloc(200_004)
  expectedSparse.write('tail', 200_000)
  assert.ok(bytesOf(reads[5]!).equals(expectedSparse))
  // 300,000 + 5 + 700,000 fit in 1 MiB; 400,000 more does not: its own buffer, moved with the reply.
  assert.deepEqual(
    reads.map((r) => (!r.ok ? r.status : 'bytes' in r ? 'own' : 'into')),
    ['into', 'into', 'into', 'own', 'into', 'own', 404],
  )
  assert.equal(transfer.length, 2)
  // Each file's version names its bytes (a file written just now: their sha256).
  const first = reads[0]!
  assert.ok(first.ok)
  assert.equal(first.version, `sha256:${createHash('sha256').update(files[0]!.bytes).digest('hex')}`)
})
