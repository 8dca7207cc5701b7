// Flow control with a real cache and a real write-ahead log: the TCP receivers pause when either is
// full and resume only when both have room again (with a margin), UDP is told to drop, and receivers
// that start while the daemon is already paused start paused.

import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import type { FlowEvent } from '../../../../src/core/daemon/events.js'
import type { Pausable } from '../../../../src/core/daemon/flow-control.js'
import { FlowControl } from '../../../../src/core/daemon/flow-control.js'
import { WriteAheadLog, encodeWalName } from '../../../../src/core/daemon/wal.js'
import { tempDir } from '../../../helpers/tmp.js'

/** A receiver that records what it was told (the real ones pause their sockets). */
class Recorder implements Pausable {
  calls: string[] = []
  pause(): void {
    this.calls.push('pause')
  }
  resume(): void {
    this.calls.push('resume')
  }
}

async function setup(t: TestContext, options: { maxCacheSize: number; walOn?: boolean }) {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  const events: FlowEvent[] = []
  let overflows = 0
  const wal = new WriteAheadLog({
    dir: path.join(tempDir(t), 'wal'),
    sync: 'off',
    maxBytes: 16384,
    onFlow: () => flow.check(),
  })
  await wal.replay(() => undefined)
  wal.open()
  t.after(() => wal.close({ discard: true }))
  const flow: FlowControl = new FlowControl({
    cache,
    maxCacheSize: options.maxCacheSize,
    wal,
    walOn: options.walOn ?? true,
    onEvent: (e) => events.push(e),
    onOverflow: () => overflows++,
  })
  const receivers = [new Recorder(), new Recorder()]
  flow.attach(receivers)
  return { cache, wal, flow, events, receivers, overflows: () => overflows }
}

/** Write out (drain and settle) `n` metrics' queues, as the persister does. */
function writeOut(cache: MetricCache, n: number): void {
  for (let i = 0; i < n; i++) {
    const taken = cache.drain(Infinity)
    assert.ok(taken)
    cache.settled(taken.metric, taken.points)
  }
}

/** Append points and write them until the log says it is full. */
function fillLog(wal: WriteAheadLog): void {
  const name = encodeWalName('filler.metric')
  for (let i = 0; !wal.holding; i++) {
    assert.ok(i < 10_000, 'the log never filled')
    for (let j = 0; j < 50; j++) wal.append(name, i * 50 + j, j)
    wal.writeNow()
  }
}

test('issue 14: a full cache pauses the TCP receivers once, and they resume below 95% of the limit', async (t) => {
  const { cache, flow, events, receivers, overflows } = await setup(t, { maxCacheSize: 100 })
  for (let i = 0; i < 99; i++) {
    cache.store(`m${i}`, 1, i)
    flow.stored()
  }
  assert.equal(flow.full(), false, 'below the limit: a datagram is taken')
  assert.deepEqual(events, [])
  cache.store('m99', 1, 99)
  flow.stored()
  cache.store('m100', 1, 100)
  flow.stored()
  assert.deepEqual(events, [{ type: 'cache-full', size: 100 }])
  assert.deepEqual(
    receivers.map((r) => r.calls),
    [['pause'], ['pause']],
  )
  assert.equal(flow.full(), true, 'a datagram is dropped')
  assert.equal(flow.full(), true)
  assert.equal(overflows(), 2, 'each refusal is an overflow')

  writeOut(cache, 6)
  flow.check()
  assert.equal(cache.size, 95)
  assert.equal(flow.cachePaused, true, 'at 95%: still paused (no flapping)')
  writeOut(cache, 1)
  flow.check()
  assert.deepEqual(events.at(-1), { type: 'cache-resumed', size: 94 })
  assert.deepEqual(
    receivers.map((r) => r.calls),
    [
      ['pause', 'resume'],
      ['pause', 'resume'],
    ],
  )
  assert.equal(flow.full(), false)
})

test('issue 14: a full log pauses the receivers, its release resumes them; with --no-wal a full log holds nothing back', async (t) => {
  const { wal, flow, events, receivers } = await setup(t, { maxCacheSize: Infinity })
  fillLog(wal)
  assert.equal(events[0]?.type, 'wal-full')
  assert.equal(flow.walPaused, true)
  assert.equal(flow.full(), true, 'a datagram is dropped while the log is full')
  assert.deepEqual(receivers[0]!.calls, ['pause'])
  // Every point is on disk: the closed segments go, and the log has room again.
  wal.release(Infinity)
  assert.equal(events.at(-1)?.type, 'wal-resumed')
  assert.equal(flow.paused, false)
  assert.deepEqual(receivers[0]!.calls, ['pause', 'resume'])

  const off = await setup(t, { maxCacheSize: Infinity, walOn: false })
  fillLog(off.wal)
  assert.equal(off.wal.blocked(), true)
  assert.equal(off.flow.full(), false, 'no log in use: UDP is not refused for it')
})

test('issue 14: the receivers resume only when both the cache and the log have room', async (t) => {
  const { cache, wal, flow, events, receivers } = await setup(t, { maxCacheSize: 10 })
  for (let i = 0; i < 10; i++) cache.store(`m${i}`, 1, i)
  flow.stored()
  fillLog(wal)
  assert.deepEqual(
    events.map((e) => e.type),
    ['cache-full', 'wal-full'],
  )
  writeOut(cache, 10)
  flow.check()
  assert.equal(events.at(-1)?.type, 'cache-resumed')
  assert.deepEqual(receivers[0]!.calls, ['pause'], 'the log is still full: still paused')
  wal.release(Infinity)
  assert.deepEqual(receivers[0]!.calls, ['pause', 'resume'])
})

test('issue 14: receivers attached while the daemon is paused (a replay filled the cache) start paused', async (t) => {
  const { cache, flow, receivers } = await setup(t, { maxCacheSize: 5 })
  for (let i = 0; i < 5; i++) cache.store(`m${i}`, 1, i)
  flow.check()
  assert.deepEqual(receivers[0]!.calls, ['pause'])
  const late = new Recorder()
  flow.attach([late])
  assert.deepEqual(late.calls, ['pause'])
  writeOut(cache, 5)
  flow.check()
  assert.deepEqual(late.calls, ['pause', 'resume'])
})
