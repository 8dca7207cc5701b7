// The write-ahead log's checkpoint: a real log (4 KiB segments) and a real cache wired as the daemon
// wires them (followSegments, checkpointAfterWrite). Writes are simulated by taking metrics from the
// cache and settling them. A segment goes once every point in it is on disk, never while one of its
// points is only in the cache or in flight, and what is kept replays.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import { checkpointAfterWrite, followSegments } from '../../../../src/core/daemon/checkpoint.js'
import { WriteAheadLog, encodeWalName, segmentName } from '../../../../src/core/daemon/wal.js'
import { tempDir } from '../../../helpers/tmp.js'

const ids = (dir: string): number[] => fs.readdirSync(dir).map((n) => Number(n.slice(0, 20)))

async function setUp(dir: string): Promise<{ cache: MetricCache; wal: WriteAheadLog }> {
  const cache = new MetricCache({ strategy: 'naive', minTimestampLag: 0 })
  const wal = new WriteAheadLog({ dir, sync: 'off', segmentBytes: 4096, onSegment: followSegments(cache) })
  await wal.replay(() => undefined)
  wal.open()
  return { cache, wal }
}

/** A receiver's turn: the points logged and cached, then written to the OS (segments rotate then). */
async function receive(
  wal: WriteAheadLog,
  cache: MetricCache,
  points: [string, number, number][],
): Promise<void> {
  for (const [name, timestamp, value] of points) {
    wal.append(encodeWalName(name), timestamp, value)
    cache.store(name, timestamp, value)
  }
  await new Promise<void>((resolve) => wal.barrier(resolve))
}

/** The persister: every metric `write` accepts is taken and written, each write followed by the checkpoint. */
function writeAll(cache: MetricCache, wal: WriteAheadLog, write: (metric: string) => boolean): number {
  let written = 0
  for (;;) {
    const drained = cache.drain(Infinity, (metric) => !write(metric))
    if (!drained) return written
    cache.settled(drained.metric, drained.points)
    checkpointAfterWrite(cache, wal, true)
    written++
  }
}

const busy = (from: number, to: number): [string, number, number][] => {
  const out: [string, number, number][] = []
  for (let t = from; t < to; t++) for (let m = 0; m < 10; m++) out.push([`busy.m${m}`, t, t * 10 + m])
  return out
}

test('issue 14 checkpoint: segments go once their points are written; the segment of a point only in the cache stays, and replays', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const { cache, wal } = await setUp(dir)
  // Several segments of points, all written: every closed segment goes, the current one stays.
  for (let b = 0; b < 10; b++) await receive(wal, cache, busy(b * 20, b * 20 + 20))
  assert.ok(wal.epoch >= 4, `the points span ${wal.epoch} segments`)
  writeAll(cache, wal, () => true)
  assert.deepEqual(ids(dir), [wal.epoch], 'only the current segment is left')

  // A point that cannot be written yet (a file waiting for a create token), among others that can.
  await receive(wal, cache, busy(200, 210))
  const lonelySegment = wal.epoch
  await receive(wal, cache, [['lonely', 7, 0.5]])
  for (let b = 0; b < 10; b++) await receive(wal, cache, busy(210 + b * 20, 230 + b * 20))
  assert.ok(wal.epoch >= lonelySegment + 3, `lonely in segment ${lonelySegment} of ${wal.epoch}`)
  writeAll(cache, wal, (metric) => metric !== 'lonely')
  const kept = ids(dir)
  assert.deepEqual(
    kept,
    Array.from({ length: wal.epoch - lonelySegment + 1 }, (_, i) => lonelySegment + i),
    "segments before lonely's are deleted; lonely's and every later one stay",
  )

  // In flight (handed to a writer, not yet answered): still kept.
  const inFlight = cache.drain(Infinity)!
  assert.equal(inFlight.metric, 'lonely')
  checkpointAfterWrite(cache, wal, true)
  assert.deepEqual(ids(dir), kept, 'a point in flight keeps its segment')

  // A crash now: the replay of what is kept brings lonely back.
  const replayed: [string, number, number][] = []
  await new WriteAheadLog({ dir, sync: 'off' }).replay((_segment, name, timestamp, value) => {
    if (name === 'lonely') replayed.push([name, timestamp, value])
  })
  assert.deepEqual(replayed, [['lonely', 7, 0.5]])

  // Written at last: every closed segment goes.
  cache.settled(inFlight.metric, inFlight.points)
  checkpointAfterWrite(cache, wal, true)
  assert.deepEqual(ids(dir), [wal.epoch])
  wal.close({ discard: true })
})

test('issue 14 checkpoint: a write that could not happen (put back) keeps the segment of its points', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const { cache, wal } = await setUp(dir)
  await receive(wal, cache, [['late', 1, 1]])
  const first = wal.epoch
  for (let b = 0; b < 10; b++) await receive(wal, cache, busy(b * 20, b * 20 + 20))
  const taken = cache.drain(Infinity, (metric) => metric !== 'late')!
  assert.equal(taken.metric, 'late')
  // Newer points for the same metric arrive while the write is under way, in a later segment.
  await receive(wal, cache, [['late', 2, 2]])
  // The write failed (a full disk): back in the cache, before the newer points.
  cache.restore('late', taken.points)
  writeAll(cache, wal, (metric) => metric !== 'late')
  assert.equal(ids(dir)[0], first, 'the put-back points keep their first segment')
  assert.equal(segmentName(first), fs.readdirSync(dir)[0])
  wal.close({ discard: false })
})
