// The write-ahead log: exact round trip, segments that rotate and go once released, acknowledgements
// only after the write, and damage (a torn tail at every byte of the last record, a flipped byte)
// cut back to the last good record without refusing to replay the rest.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import type { WalEvent, WalOptions } from '../../../../src/core/daemon/wal.js'
import { WriteAheadLog, crc32, encodeWalName, segmentName } from '../../../../src/core/daemon/wal.js'
import { encodePickleMetrics } from '../../../../src/core/protocol/pickle-metrics.js'
import { tempDir } from '../../../helpers/tmp.js'

type Point = [segment: number, name: string, timestamp: number, value: number]

/** Every byte appended so far is written (the writes run on the thread pool). */
function written(wal: WriteAheadLog): Promise<void> {
  return new Promise((resolve) => wal.barrier(resolve))
}

async function replayAll(
  dir: string,
  options: Partial<WalOptions> = {},
): Promise<{ points: Point[]; events: WalEvent[] }> {
  const events: WalEvent[] = []
  const wal = new WriteAheadLog({ dir, sync: 'off', onEvent: (e) => events.push(e), ...options })
  const points: Point[] = []
  await wal.replay((segment, name, timestamp, value, asSent) => {
    assert.equal(asSent, false, 'points records hold cache keys')
    points.push([segment, name, timestamp, value])
  })
  return { points, events }
}

/** One record per batch: each batch appended in one turn and flushed. */
async function writeBatches(
  dir: string,
  batches: [string, number, number][][],
  options: Partial<WalOptions> = {},
): Promise<void> {
  const wal = new WriteAheadLog({ dir, sync: 'off', ...options })
  await wal.replay(() => undefined)
  wal.open()
  for (const batch of batches) {
    for (const [name, timestamp, value] of batch) wal.append(encodeWalName(name), timestamp, value)
    await written(wal)
  }
  wal.close({ discard: false })
}

test('crc32 is the zlib one', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926)
  assert.equal(crc32(Buffer.from('56789'), crc32(Buffer.from('1234'))), 0xcbf43926)
})

test('points read back exactly and in order: any name, infinities, -0, fractional timestamps', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const long = `x.${'y'.repeat(70_000)}`
  await writeBatches(dir, [
    [
      ['a.b', 1, Infinity],
      ['été.日本;tag=x', 2.5, -0],
    ],
    [
      [long, 3, 1e308],
      ['a.b', 1, -Infinity],
    ],
  ])
  assert.deepEqual(fs.readdirSync(dir), [segmentName(1)])
  const { points, events } = await replayAll(dir)
  assert.deepEqual(events, [])
  assert.deepEqual(points, [
    [1, 'a.b', 1, Infinity],
    [1, 'été.日本;tag=x', 2.5, -0],
    [1, long, 3, 1e308],
    [1, 'a.b', 1, -Infinity],
  ])
  assert.ok(Object.is(points[1]![3], -0))
})

test('a new segment at each start and when one is full; release deletes the closed ones below an epoch', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const batches = Array.from({ length: 40 }, (_, b) =>
    Array.from({ length: 20 }, (_, i): [string, number, number] => [`m.${i}`, b, i]),
  )
  await writeBatches(dir, batches, { segmentBytes: 4096 })
  const ids = fs.readdirSync(dir)
  assert.ok(ids.length > 3, ids.join(' '))
  const { points } = await replayAll(dir)
  assert.equal(points.length, 800)
  assert.deepEqual(
    points.map(([, name, timestamp, value]) => [name, timestamp, value]),
    batches.flat(),
  )
  // The next run appends to a segment of its own, after the replayed ones.
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  assert.equal(wal.epoch, ids.length + 1)
  wal.release(3)
  assert.deepEqual(fs.readdirSync(dir), [...ids.slice(2), segmentName(ids.length + 1)])
  wal.close({ discard: true })
  assert.equal(fs.existsSync(dir), false)
})

test('an acknowledgement waits for the write of every point appended before it', async (t) => {
  for (const sync of ['off', 'interval', 'always'] as const) {
    const dir = path.join(tempDir(t), sync)
    const wal = new WriteAheadLog({ dir, sync })
    await wal.replay(() => undefined)
    wal.open()
    const acked: number[] = []
    wal.append(encodeWalName('a'), 1, 1)
    wal.barrier(() => acked.push(fs.statSync(path.join(dir, segmentName(1))).size))
    await Promise.resolve()
    assert.equal(acked.length, 0, `${sync}: not before the write`)
    // The write runs on the thread pool: on a loaded machine it can take a while.
    for (let waited = 0; acked.length === 0 && waited < 60_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10))
    assert.equal(acked.length, 1, sync)
    assert.ok(acked[0]! > 8, `${sync}: the point is in the file when acknowledged`)
    // Nothing pending: at once (in a microtask).
    wal.barrier(() => acked.push(0))
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(acked.length, 2, sync)
    wal.close({ discard: false })
  }
})

test('issue 14.6c: the last record torn at every byte: the records before it replay, the tail is cut with one event', async (t) => {
  const root = tempDir(t)
  const source = path.join(root, 'source')
  await writeBatches(source, [
    [
      ['a', 1, 1],
      ['b', 2, 2],
    ],
    [['c', 3, 3]],
    [
      ['d', 4, 4],
      ['e', 5, 5],
    ],
  ])
  const whole = fs.readFileSync(path.join(source, segmentName(1)))
  // The last record: 8 header bytes, the kind byte and two points of 2 + 1 + 16 bytes.
  const lastRecord = whole.byteLength - (8 + 1 + 2 * 19)
  for (let cut = lastRecord; cut < whole.byteLength; cut++) {
    const dir = path.join(root, `cut-${cut}`)
    fs.mkdirSync(dir)
    const file = path.join(dir, segmentName(1))
    fs.writeFileSync(file, whole.subarray(0, cut))
    const { points, events } = await replayAll(dir)
    assert.deepEqual(
      points.map(([, name]) => name),
      ['a', 'b', 'c'],
      `cut at ${cut}`,
    )
    if (cut === lastRecord) assert.deepEqual(events, [])
    else {
      assert.equal(events.length, 1, `cut at ${cut}`)
      assert.deepEqual(
        { ...events[0], reason: undefined },
        { type: 'wal-damaged', file, offset: lastRecord, cutBytes: cut - lastRecord, reason: undefined },
      )
    }
    assert.equal(fs.statSync(file).size, lastRecord, 'cut back to the last good record')
    // Cut once: the next replay is clean.
    assert.deepEqual((await replayAll(dir)).events, [])
  }
})

test('issue 14.6c: a byte flipped mid-segment ends that segment there; the next segments replay', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const batches = Array.from({ length: 30 }, (_, b) =>
    Array.from({ length: 20 }, (_, i): [string, number, number] => [`m.${i}`, b, i]),
  )
  await writeBatches(dir, batches, { segmentBytes: 4096 })
  const first = path.join(dir, segmentName(1))
  const before = (await replayAll(dir)).points
  const inFirst = before.filter(([segment]) => segment === 1).length
  const bytes = fs.readFileSync(first)
  const middle = Math.floor(bytes.byteLength / 2)
  bytes[middle] = bytes[middle]! ^ 0x40
  fs.writeFileSync(first, bytes)
  const { points, events } = await replayAll(dir)
  assert.equal(events.length, 1)
  const event = events[0] as Extract<WalEvent, { type: 'wal-damaged' }>
  assert.equal(event.file, first)
  assert.ok(event.offset <= middle && event.offset > 8, String(event.offset))
  const kept = points.filter(([segment]) => segment === 1).length
  assert.ok(kept > 0 && kept < inFirst, `${kept} of ${inFirst}`)
  // Everything before the damage, then every later segment, in order.
  assert.deepEqual(points, [...before.slice(0, kept), ...before.slice(inFirst)])
  assert.equal(fs.statSync(first).size, event.offset)
})

test('a segment that is not one (empty, or foreign bytes) does not stop the replay', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  await writeBatches(dir, [[['a', 1, 1]]])
  fs.writeFileSync(path.join(dir, segmentName(2)), '')
  fs.writeFileSync(path.join(dir, segmentName(3)), 'hello, world')
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a segment name: ignored')
  const { points, events } = await replayAll(dir)
  assert.deepEqual(points, [[1, 'a', 1, 1]])
  assert.deepEqual(
    events.map((e) => e.type),
    ['wal-damaged'],
  )
})

test('the size limit blocks appends until released segments make room', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  let flows = 0
  const wal = new WriteAheadLog({ dir, sync: 'off', maxBytes: 1 << 16, onFlow: () => flows++ })
  await wal.replay(() => undefined)
  wal.open()
  let i = 0
  while (!wal.blocked()) {
    for (let n = 0; n < 50; n++) wal.append(encodeWalName(`m.${n}`), i, i)
    await written(wal)
    i++
  }
  assert.equal(wal.holding, true)
  assert.equal(flows, 1)
  wal.release(Infinity)
  assert.equal(wal.blocked(), false)
  assert.equal(wal.holding, false)
  assert.equal(flows, 2)
  wal.close({ discard: true })
})

test('the cache keeps the lowest epoch of every unwritten point, held or in flight, through a put-back', () => {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  assert.equal(cache.oldestEpoch(), Infinity)
  cache.epoch = 1
  cache.store('a', 1, 1)
  cache.epoch = 2
  cache.store('a', 2, 2)
  cache.store('b', 1, 1)
  assert.equal(cache.oldestEpoch(), 1)
  const taken = cache.drain(Infinity)!
  assert.equal(taken.metric, 'a')
  cache.epoch = 3
  cache.store('a', 3, 3)
  assert.equal(cache.oldestEpoch(), 1, 'in flight still counts')
  // The write could not happen: back in the cache, with the older epoch.
  cache.restore('a', taken.points)
  assert.equal(cache.oldestEpoch(), 1)
  const drained = [cache.drain(Infinity)!, cache.drain(Infinity)!]
  const a = drained.find((d) => d.metric === 'a')!
  const b = drained.find((d) => d.metric === 'b')!
  cache.settled('a', a.points)
  assert.equal(cache.oldestEpoch(), 2, 'b is left')
  cache.settled('b', b.points)
  assert.equal(cache.oldestEpoch(), Infinity)
})

test('a checkpoint (nothing unwritten) replaces a big current segment with a fresh one', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const wal = new WriteAheadLog({ dir, sync: 'interval' })
  await wal.replay(() => undefined)
  wal.open()
  wal.append(encodeWalName('small'), 1, 1)
  await written(wal)
  wal.checkpoint()
  assert.deepEqual(fs.readdirSync(dir), [segmentName(1)], 'a small segment stays')
  const name = encodeWalName('m')
  for (let i = 0; i < 300_000; i++) wal.append(name, i, i)
  await written(wal)
  // The once-a-second fsync may be under way (on a loaded machine it takes a while): the checkpoint
  // then waits for it (it must not close a descriptor being synced) and happens at a later call.
  for (const deadline = Date.now() + 60_000; ;) {
    wal.checkpoint()
    if (fs.readdirSync(dir).length === 1 && wal.epoch === 2) break
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.deepEqual(fs.readdirSync(dir), [segmentName(2)])
  assert.equal(wal.epoch, 2)
  wal.close({ discard: false })
  assert.deepEqual((await replayAll(dir)).points, [])
})

test('issue 14: a write error other than a full disk (here EBADF) stalls the log and retries; it never escapes the event loop', async (t) => {
  const dir = tempDir(t)
  const events: WalEvent[] = []
  const faults: unknown[] = []
  const wal = new WriteAheadLog({
    dir,
    sync: 'off',
    onEvent: (e) => events.push(e),
    onFault: (_where, error) => faults.push(error),
  })
  await wal.replay(() => undefined)
  wal.open()
  // The segment's descriptor goes bad under the log (as a failing disk's EIO would).
  const current = (wal as unknown as { current: { fd: number } }).current
  fs.closeSync(current.fd)
  let acknowledged = false
  wal.append(encodeWalName('a'), 1, 1)
  wal.barrier(() => (acknowledged = true))
  // The write runs on the thread pool: its failure comes back in a callback.
  for (let waited = 0; events.length === 0 && waited < 60_000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(events[0]?.type, 'wal-stalled')
  assert.match((events[0] as { message: string }).message, /EBADF|bad file descriptor/)
  assert.equal(wal.blocked(), true, 'receivers pause')
  assert.equal(acknowledged, false, 'nothing acknowledged that is not written')
  assert.deepEqual(faults, [])
  // Give it a good descriptor again: the retry writes the point and releases the acknowledgement.
  current.fd = fs.openSync(path.join(dir, segmentName(wal.epoch)), 'r+')
  // The retry comes within a second on an idle machine; on a loaded one the write takes its time.
  for (const deadline = Date.now() + 60_000; !acknowledged && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(acknowledged, true)
  assert.equal(wal.blocked(), false)
  assert.equal(events.at(-1)?.type, 'wal-unstalled')
  const segment = wal.epoch
  wal.close({ discard: false })
  assert.deepEqual((await replayAll(dir)).points, [[segment, 'a', 1, 1]])
})

test('issue 14: what a receiver read (plaintext lines, a datagram, a pickle frame) replays as the points it parsed then, -1 at the time it was read', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  const lines = Buffer.from('x line.a 1.5 100\nline.b 2 -1\nbad line\nline.c nan 5\n')
  wal.appendReceived('line', 1000.5, lines, 2, lines.byteLength)
  const datagram = Buffer.from('udp.a 3 200\rudp.b 4 -1')
  wal.appendReceived('datagram', 2000, datagram, 0, datagram.byteLength)
  const pickled = encodePickleMetrics([
    { metric: 'pickle.a', value: 5.25, timestamp: 300 },
    { metric: 'pickle.b', value: 6, timestamp: -1 },
  ])
  wal.appendReceived('pickle', 3000, pickled, 0, pickled.byteLength)
  wal.appendReceived('pickle', 3000, Buffer.from('not a pickle'), 0, 12)
  wal.append(encodeWalName('kept.as.key'), 400, 7)
  await written(wal)
  wal.close({ discard: false })
  const replayed: [string, number, number, boolean][] = []
  const again = new WriteAheadLog({ dir, sync: 'off' })
  const report = await again.replay((segment, name, timestamp, value, asSent) => {
    assert.equal(segment, 1)
    replayed.push([name, timestamp, value, asSent])
  })
  assert.deepEqual(replayed, [
    ['line.a', 100, 1.5, true],
    ['line.b', 1000.5, 2, true],
    ['udp.a', 200, 3, true],
    ['udp.b', 2000, 4, true],
    ['pickle.a', 300, 5.25, true],
    ['pickle.b', 3000, 6, true],
    ['kept.as.key', 400, 7, false],
  ])
  assert.equal(report.points, 7)
  assert.equal(report.damaged, 0, 'refused input is not damage')
})

test('issue 14: a segment of the first format (points without a kind byte) still replays', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  fs.mkdirSync(dir)
  const name = encodeWalName('old.format')
  const body = Buffer.concat([name, Buffer.alloc(16)])
  body.writeDoubleLE(60, name.byteLength)
  body.writeDoubleLE(1.25, name.byteLength + 8)
  const head = Buffer.alloc(8)
  head.writeUInt32LE(body.byteLength, 0)
  head.writeUInt32LE(crc32(body, crc32(head.subarray(0, 4))), 4)
  fs.writeFileSync(
    path.join(dir, segmentName(1)),
    Buffer.concat([Buffer.from('CKWAL1\n\0', 'latin1'), head, body]),
  )
  const { points, events } = await replayAll(dir)
  assert.deepEqual(events, [])
  assert.deepEqual(points, [[1, 'old.format', 60, 1.25]])
})

test('issue 14/17: a tombstone replays in its place among the points, whatever the record before and after it', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  wal.append(encodeWalName('gone'), 60, 1)
  wal.append(encodeWalName('kept'), 60, 2)
  const lines = Buffer.from('gone 3 120\n')
  wal.appendReceived('line', 1000, lines, 0, lines.byteLength)
  wal.appendDeleted('gone')
  const long = `x.${'y'.repeat(70_000)}`
  wal.appendDeleted(long)
  wal.append(encodeWalName('gone'), 180, 4)
  await written(wal)
  wal.close({ discard: false })
  const seen: unknown[] = []
  const again = new WriteAheadLog({ dir, sync: 'off' })
  const report = await again.replay(
    (segment, name, timestamp, value) => seen.push(['point', segment, name, timestamp, value]),
    undefined,
    undefined,
    (segment, key) => seen.push(['deleted', segment, key]),
  )
  assert.deepEqual(seen, [
    ['point', 1, 'gone', 60, 1],
    ['point', 1, 'kept', 60, 2],
    ['point', 1, 'gone', 120, 3],
    ['deleted', 1, 'gone'],
    ['deleted', 1, long],
    ['point', 1, 'gone', 180, 4],
  ])
  assert.deepEqual([report.points, report.deleted, report.damaged], [4, 2, 0])
})

test('issue 14/17: a torn or malformed tombstone is damage like any record: the segment is cut before it', async (t) => {
  const tombstone = (body: Buffer): Buffer => {
    const head = Buffer.alloc(8)
    head.writeUInt32LE(body.byteLength, 0)
    head.writeUInt32LE(crc32(body, crc32(head.subarray(0, 4))), 4)
    return Buffer.concat([head, body])
  }
  const good = Buffer.concat([Buffer.from([4]), encodeWalName('a.b')])
  for (const [what, record] of [
    ['torn', tombstone(good).subarray(0, 12)],
    ['a name longer than the body', tombstone(Buffer.concat([good, Buffer.from('xy')]).subarray(0, 4))],
    ['bytes after the name', tombstone(Buffer.concat([good, Buffer.from('x')]))],
    ['an empty name', tombstone(Buffer.from([4, 0, 0]))],
  ] as const) {
    const dir = path.join(tempDir(t), 'wal')
    await writeBatches(dir, [[['before', 60, 1]]])
    const file = path.join(dir, segmentName(1))
    const size = fs.statSync(file).size
    fs.appendFileSync(file, record)
    const { points, events } = await replayAll(dir)
    assert.deepEqual(points, [[1, 'before', 60, 1]], what)
    assert.equal(events.length, 1, what)
    assert.equal(events[0]!.type === 'wal-damaged' && events[0]!.offset, size, what)
    assert.equal(fs.statSync(file).size, size, what)
  }
})

test('issue 14/17: release goes oldest first, so a tombstone outlives every segment holding points it covers', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  // Segment 1: points of `gone` and `held`; segment 2: the tombstone of `gone`; segment 3: later points.
  await writeBatches(dir, [
    [
      ['gone', 60, 1],
      ['held', 60, 2],
    ],
  ])
  const two = new WriteAheadLog({ dir, sync: 'off' })
  await two.replay(() => undefined)
  two.open()
  two.appendDeleted('gone')
  two.close({ discard: false })
  await writeBatches(dir, [[['later', 60, 3]]])
  const replayed = async (): Promise<unknown[]> => {
    const seen: unknown[] = []
    await new WriteAheadLog({ dir, sync: 'off' }).replay(
      (segment, name) => seen.push([segment, name]),
      undefined,
      undefined,
      (segment, key) => seen.push([segment, 'deleted', key]),
    )
    return seen
  }
  assert.deepEqual(await replayed(), [
    [1, 'gone'],
    [1, 'held'],
    [2, 'deleted', 'gone'],
    [3, 'later'],
  ])
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  // `held` still unwritten (epoch 1): nothing goes, not even the tombstone's segment, whose own
  // records need nothing.
  wal.release(1)
  assert.deepEqual(fs.readdirSync(dir).sort(), [1, 2, 3, 4].map(segmentName))
  // Segment 1 written out: it goes, the tombstone stays (harmless, with nothing before it).
  wal.release(2)
  assert.deepEqual(fs.readdirSync(dir).sort(), [2, 3, 4].map(segmentName))
  assert.deepEqual(await replayed(), [
    [2, 'deleted', 'gone'],
    [3, 'later'],
  ])
  wal.close({ discard: true })
})

test('issue 14: received bytes written from where they are (stable) replay as copied ones do: mixed with records, through a stalled write and a stop during a write', async (t) => {
  const dir = tempDir(t)
  const events: WalEvent[] = []
  const wal = new WriteAheadLog({ dir, sync: 'off', onEvent: (e) => events.push(e) })
  await wal.replay(() => undefined)
  wal.open()
  const expected: [string, number, number, boolean][] = []
  /** `count` lines (over the size kept in place when count is large), the first `skip` bytes left out. */
  const lines = (prefix: string, count: number, now: number): Buffer => {
    let text = 'skipped'
    for (let i = 0; i < count; i++) {
      text += `${prefix}.${i} ${i + 0.5} ${i % 7 === 0 ? -1 : 100 + i}\n`
      expected.push([`${prefix}.${i}`, i % 7 === 0 ? now : 100 + i, i + 0.5, true])
    }
    return Buffer.from(text)
  }
  const received = (prefix: string, count: number, now: number): void => {
    const bytes = lines(prefix, count, now)
    wal.appendReceived('line', now, bytes, 'skipped'.length, bytes.byteLength, true)
  }
  const point = (name: string, timestamp: number, value: number): void => {
    wal.append(encodeWalName(name), timestamp, value)
    expected.push([name, timestamp, value, false])
  }
  // One turn: big kept bytes, a small copy, points around them.
  point('p.first', 1, 1)
  received('big.a', 2000, 1000)
  received('small.a', 3, 1001)
  point('p.second', 2, 2)
  received('big.b', 3000, 1002)
  await written(wal)
  // A stalled write: its parts wait and go first once the disk is back.
  const current = (wal as unknown as { current: { fd: number } }).current
  fs.closeSync(current.fd)
  received('big.c', 2500, 1003)
  point('p.third', 3, 3)
  // The failing write is under way: what comes meanwhile goes after it.
  await new Promise((resolve) => setImmediate(resolve))
  received('big.d', 2000, 1004)
  for (let waited = 0; events.length === 0 && waited < 60_000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(events[0]?.type, 'wal-stalled')
  received('big.e', 2000, 1005)
  current.fd = fs.openSync(path.join(dir, segmentName(wal.epoch)), 'r+')
  await new Promise((resolve) => setTimeout(resolve, 1200))
  await written(wal)
  assert.equal(events.at(-1)?.type, 'wal-unstalled')
  // A stop while a write is under way: the stop writes its parts again, then the rest.
  received('big.f', 2000, 1006)
  wal.flush()
  received('big.g', 2000, 1007)
  point('p.last', 4, 4)
  wal.close({ discard: false })
  const replayed: [string, number, number, boolean][] = []
  const report = await new WriteAheadLog({ dir, sync: 'off' }).replay(
    (_segment, name, timestamp, value, asSent) => replayed.push([name, timestamp, value, asSent]),
  )
  assert.equal(report.damaged, 0)
  assert.equal(replayed.length, expected.length)
  assert.deepEqual(replayed, expected)
})
