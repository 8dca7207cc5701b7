// Length-prefixed framing: round trips through arbitrary chunking, the limit (exactly at it, one
// over, four gigabytes over), truncation, and stop().

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createFrameDecoder, encodeFrame } from '../../../../src/core/protocol/framing.js'
import { createRandom, runSeed } from '../../../helpers/random.js'

function decodeAll(stream: Buffer, chunks: number[], maxFrameBytes?: number) {
  const frames: string[] = []
  const oversize: number[] = []
  const decoder = createFrameDecoder({
    maxFrameBytes,
    onFrame: (body) => frames.push(body.toString('hex')),
    onOversize: (length) => oversize.push(length),
  })
  let pos = 0
  for (const size of chunks) {
    decoder.push(stream.subarray(pos, pos + size))
    pos += size
  }
  return { frames, oversize, end: decoder.end() }
}

describe('frame decoder', () => {
  test('seeded frames through random chunk boundaries', () => {
    const seed = runSeed()
    const r = createRandom(seed)
    for (let i = 0; i < 300; i++) {
      const bodies = Array.from({ length: r.int(0, 10) }, () => {
        const body = Buffer.alloc(r.pick([0, 1, 3, 4, 5, 100, 5000]))
        for (let k = 0; k < body.length; k++) body[k] = r.int(0, 255)
        return body
      })
      const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)))
      const chunks: number[] = []
      for (let left = stream.length; left > 0;) {
        const size = Math.min(left, r.pick([1, 2, 3, 4, 5, 7, 64, 4096]))
        chunks.push(size)
        left -= size
      }
      const result = decodeAll(stream, chunks)
      assert.deepEqual(
        result.frames,
        bodies.map((b) => b.toString('hex')),
        `seed ${seed}`,
      )
      assert.equal(result.end.truncated, false)
    }
  })

  test('a frame of exactly the limit passes; one byte over is reported, skipped, and the next one read', () => {
    const stream = Buffer.concat([
      encodeFrame(Buffer.alloc(10, 1)),
      encodeFrame(Buffer.alloc(11, 2)),
      encodeFrame(Buffer.from('ok')),
    ])
    for (const chunk of [1, 3, stream.length]) {
      const chunks = Array.from({ length: Math.ceil(stream.length / chunk) }, () => chunk)
      const result = decodeAll(stream, chunks, 10)
      assert.deepEqual(result.frames, [
        Buffer.alloc(10, 1).toString('hex'),
        Buffer.from('ok').toString('hex'),
      ])
      assert.deepEqual(result.oversize, [11])
    }
  })

  test('a 4 GiB length prefix allocates nothing', () => {
    const before = process.memoryUsage().arrayBuffers
    const frames: Buffer[] = []
    const oversize: number[] = []
    const decoder = createFrameDecoder({
      onFrame: (b) => frames.push(b),
      onOversize: (n) => oversize.push(n),
    })
    decoder.push(Buffer.from([0xff, 0xff]))
    decoder.push(Buffer.from([0xff, 0xff]))
    const chunk = Buffer.alloc(65536)
    for (let i = 0; i < 64; i++) decoder.push(chunk)
    assert.deepEqual(oversize, [0xffffffff])
    assert.deepEqual(frames, [])
    assert.deepEqual(decoder.end(), {
      truncated: true,
      receivedBytes: 4 + 64 * 65536,
      missingBytes: 0xffffffff - 64 * 65536,
    })
    assert.ok(process.memoryUsage().arrayBuffers - before < 8 * 1024 * 1024)
  })

  test('truncated header or body is reported at the end', () => {
    assert.deepEqual(decodeAll(Buffer.from([0, 0]), [2]).end, {
      truncated: true,
      receivedBytes: 2,
      missingBytes: 2,
    })
    assert.deepEqual(decodeAll(Buffer.from([0, 0, 0, 5, 1, 2]), [1, 5]).end, {
      truncated: true,
      receivedBytes: 6,
      missingBytes: 3,
    })
    assert.deepEqual(decodeAll(encodeFrame(Buffer.alloc(0)), [4]).frames, [''])
  })

  test('stop() ignores what comes next; encodeFrame refuses bodies over its limit', () => {
    const frames: string[] = []
    const decoder = createFrameDecoder({ onFrame: (b) => (frames.push(b.toString()), decoder.stop()) })
    decoder.push(Buffer.concat([encodeFrame(Buffer.from('a')), encodeFrame(Buffer.from('b'))]))
    assert.deepEqual(frames, ['a'])
    assert.throws(() => encodeFrame(Buffer.alloc(11), 10), /over the limit of 10/)
    assert.equal(encodeFrame(Buffer.from('xy')).toString('hex'), '000000027879')
  })
})
