import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { AdminClient } from '../../../../src/core/http/admin-client.js'
import type { ReadReply } from '../../../../src/core/http/admin-jobs.js'
import { runAdminJob } from '../../../../src/core/http/admin-jobs.js'
import { BytePool } from '../../../../src/core/http/byte-pool.js'
import { encodeFrameHead } from '../../../../src/core/protocol/file-frames.js'
import { encodeHeader, encodePoint } from '../../../../src/core/whisper/codec.js'
import { checkCopy } from '../../../../src/core/whisper/copy-check.js'
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

test('issue 17 transfer: an answer read into a pool grows past its first buffer with every byte kept, and its buffer is the caller to give back', async (t) => {
  // A peer's /admin/files answer of 40 files of 250,000 bytes (10 MB, past the first buffer, sized
  // for 128 KiB a file: 8 MiB), sent in small writes so that it arrives in many pieces.
  const files = Array.from({ length: 40 }, (_, k) => {
    const bytes = Buffer.alloc(250_000)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + k * 13) & 0xff
    return { name: `a.b.m${k}`, bytes }
  })
  const server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'Content-Type': 'application/x-carbonkit-frames' })
    for (const { name, bytes } of files) {
      res.write(
        encodeFrameHead({ name, status: 200, bytes: bytes.length, cachedPoints: 0, version: `v-${name}` }),
      )
      for (let at = 0; at < bytes.length; at += 10_000) res.write(bytes.subarray(at, at + 10_000))
    }
    res.end()
  })
  const client = await peerClient(t, server)
  const pool = new BytePool(4)
  let first: SharedArrayBuffer | undefined
  for (let round = 0; round < 2; round++) {
    const read = await client.getFilesBody(
      files.map((f) => f.name),
      pool,
    )
    assert.ok(read.shared instanceof SharedArrayBuffer)
    assert.equal(read.body.buffer, read.shared)
    for (const { name, bytes } of files) {
      const copy = read.files.get(name)
      assert.ok(copy && !('error' in copy), name)
      assert.ok(copy.bytes.equals(bytes), name)
      assert.equal(copy.version, `v-${name}`)
    }
    // The first round grew 8 -> 16 MiB (the smaller one went back to the pool); the second starts
    // with a buffer as large as the first answer: the same one, no growth.
    assert.equal(read.shared.byteLength, 16 << 20)
    if (round === 0) first = read.shared
    else assert.equal(read.shared, first)
    assert.equal(pool.held, 1)
    pool.give(read.shared)
  }
})

test('issue 17 transfer: a pooled read (raw-client.ts) over kept-alive connections the peer closes, with refusals and a limit', async (t) => {
  const frame = Buffer.concat([
    encodeFrameHead({ name: 'a.b', status: 200, bytes: 5, cachedPoints: 0, version: 'v' }),
    Buffer.from('hello'),
  ])
  let refuse = false
  const server = http.createServer((req, res) => {
    req.resume()
    if (refuse) {
      res.writeHead(403, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'wrong token' }))
      return
    }
    // Chunked (no Content-Length), in two pieces.
    res.writeHead(200, { 'Content-Type': 'application/x-carbonkit-frames' })
    res.write(frame.subarray(0, 7))
    res.end(frame.subarray(7))
  })
  // Idle connections are closed by the peer after 50 ms.
  server.keepAliveTimeout = 50
  const client = await peerClient(t, server)
  const pool = new BytePool(4)
  for (let round = 0; round < 3; round++) {
    const read = await client.getFilesBody(['a.b'], pool)
    const copy = read.files.get('a.b')
    assert.ok(copy && !('error' in copy))
    assert.equal(copy.bytes.toString(), 'hello')
    pool.give(read.shared!)
    // Longer than the peer keeps an idle connection: the next request needs a new one.
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  refuse = true
  await assert.rejects(
    client.getFilesBody(['a.b'], pool),
    /admin API refused the token: wrong token \(HTTP 403\)/,
  )
  assert.equal(pool.held, 1)
  refuse = false
  const small = new AdminClient({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    label: 'peer',
    token: 'x',
    maxAnswerBytes: 10,
  })
  t.after(() => small.close())
  await assert.rejects(small.getFilesBody(['a.b'], pool), /failed: an answer over 10 bytes/)
  assert.equal(pool.held, 1)
})

/** A client of `server` as a peer, listening on a port of its own; both closed when the test ends. */
async function peerClient(t: TestContext, server: http.Server): Promise<AdminClient> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const client = new AdminClient({ url: `http://127.0.0.1:${port}`, label: 'peer', token: 'x' })
  t.after(() => client.close())
  return client
}

/** A whisper file of 1m:1h,10m:4h with the points at the given slots of each archive (slot: timestamp). */
function whisperBytes(points: [Map<number, number>, Map<number, number>]): Uint8Array {
  const header = encodeHeader(
    [
      [60, 60],
      [600, 24],
    ],
    0.5,
    'average',
  )
  const bytes = new Uint8Array(header.byteLength + (60 + 24) * 12)
  bytes.set(header)
  points.forEach((slots, a) => {
    const offset = header.byteLength + (a === 0 ? 0 : 60 * 12)
    for (const [slot, timestamp] of slots) encodePoint(bytes, offset + slot * 12, timestamp, slot + 0.5)
  })
  return bytes
}

test('issue 17 rebalance: a file created as the upload’s copy answers the check checkCopy gives the upload, found whole even where the upload is damaged', (t) => {
  const dir = tempDir(t)
  const now = 1_800_000_000
  const fine = new Map<number, number>()
  const coarse = new Map<number, number>()
  // The last hour at 1m, slot by slot from the window's start: its oldest points are inside the
  // fill's window but inside the check's margin; one slot is empty.
  const base = now - 59 * 60 - (now % 60)
  for (let slot = 0; slot < 60; slot++) if (slot !== 7) fine.set(slot, base + slot * 60)
  const coarseBase = now - 23 * 600 - (now % 600)
  for (let slot = 0; slot < 24; slot++) coarse.set(slot, coarseBase + slot * 600)
  // Damage: two points swapped (each in the other's slot, where whisper never reads it), and one
  // off the step.
  const [a, b] = [fine.get(3)!, fine.get(5)!]
  fine.set(3, b).set(5, a)
  coarse.set(4, coarse.get(4)! + 7)
  const upload = whisperBytes([fine, coarse])
  const body = upload.buffer.slice(upload.byteOffset, upload.byteOffset + upload.byteLength) as ArrayBuffer
  const file = path.join(dir, 'copy.wsp')
  const [reply] = runAdminJob({
    kind: 'admin',
    request: 0,
    op: 'fill-many',
    body,
    items: [{ path: file, offset: 0, length: upload.byteLength, keep: new Float64Array(0) }],
    now,
    fsync: false,
  })
  assert.ok(reply.ok)
  const fill = reply.fills![0]!
  assert.ok(fill.ok, JSON.stringify(fill))
  assert.deepEqual(new Uint8Array(fs.readFileSync(file)), upload)
  const self = checkCopy(upload, upload, now)
  // checkCopy looked each point up in the same bytes: the swapped two were "missing" from the upload itself.
  assert.equal(self.missing, 2)
  assert.deepEqual(
    { created: fill.created, checked: fill.checked, missing: fill.missing, examples: fill.examples },
    { created: true, checked: self.checked, missing: 0, examples: [] },
  )
  // Every point inside an archive's window, the one off the step too, is what a fill into an empty file writes.
  assert.equal(fill.filled, 59 + 24)
})
