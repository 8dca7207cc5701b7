// The replay at start, with real log segments and real dump files: the log's points come back with
// their segment as their epoch, a stop asked for meanwhile leaves the log whole, and a shutdown dump
// left by an earlier version is replayed once (moved into the log when it is on; kept, renamed, until
// its points are written when it is off).

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import type { StartupReplayEvent } from '../../../../src/core/daemon/events.js'
import { DUMP_FILE } from '../../../../src/core/daemon/legacy-dump.js'
import { replayLegacyDump, replayWal } from '../../../../src/core/daemon/startup-replay.js'
import { WriteAheadLog, encodeWalName, segmentName } from '../../../../src/core/daemon/wal.js'
import { AbortedError } from '../../../../src/core/errors.js'
import { metricPoints, writeDump } from '../../../helpers/legacy-dump.js'
import { tempDir } from '../../../helpers/tmp.js'

const newCache = (): MetricCache => new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
const noBytesAsSent = (): void => assert.fail('these logs hold points only, no bytes as a socket sent them')

/** A run's log, open for appends in a segment of its own (what was there replayed and kept). */
async function newRun(dir: string): Promise<WriteAheadLog> {
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  return wal
}

/** A log as a run leaves it: one segment per run, each point written. */
async function leaveLog(dir: string, runs: [string, number, number][][]): Promise<void> {
  for (const points of runs) {
    const wal = await newRun(dir)
    for (const [name, timestamp, value] of points) wal.append(encodeWalName(name), timestamp, value)
    wal.close({ discard: false })
  }
}

function openLog(t: TestContext, dir: string): WriteAheadLog {
  const wal = new WriteAheadLog({ dir, sync: 'off' })
  t.after(() => wal.close({ discard: true }))
  return wal
}

test('issue 14: the log is replayed into the cache, each point keeping its segment until it is written', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  await leaveLog(dir, [
    [
      ['a', 60, 1],
      ['b', 60, 2],
    ],
    [['a', 120, 3]],
  ])
  const cache = newCache()
  const events: StartupReplayEvent[] = []
  const wal = openLog(t, dir)
  const report = await replayWal({ wal, cache, onEvent: (e) => events.push(e), storeAsSent: noBytesAsSent })
  assert.deepEqual([report.points, report.segments, report.aborted], [3, 2, false])
  assert.deepEqual(cache.query('a'), [
    [60, 1],
    [120, 3],
  ])
  assert.deepEqual(cache.query('b'), [[60, 2]])
  const segments = fs.readdirSync(dir).sort()
  assert.equal(segments.length, 2)
  assert.equal(segmentName(cache.oldestEpoch()), segments[0], "the oldest point's segment holds the log back")
  const replayed = events.find((e) => e.type === 'wal-replayed')
  assert.ok(replayed && replayed.type === 'wal-replayed')
  assert.deepEqual([replayed.dir, replayed.points, replayed.segments], [dir, 3, 2])
  assert.ok(replayed.seconds >= 0)
})

test('issue 14: bytes the log kept as a socket sent them are parsed again and judged by storeAsSent, in their segment', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  const first = await newRun(dir)
  const lines = Buffer.from('a.b 1.5 60\nbad line\nc.d 2 -1\n')
  first.appendReceived('line', 600, lines, 0, lines.length)
  first.close({ discard: false })
  const cache = newCache()
  const asSent: [string, number, number, number][] = []
  const report = await replayWal({
    wal: openLog(t, dir),
    cache,
    onEvent: () => undefined,
    storeAsSent: (name, timestamp, value) => asSent.push([name, timestamp, value, cache.epoch]),
  })
  assert.equal(report.segments, 1)
  const segment = fs.readdirSync(dir).sort()[0]
  assert.deepEqual(
    asSent.map(([name, timestamp, value]) => [name, timestamp, value]),
    [
      ['a.b', 60, 1.5],
      ['c.d', 600, 2],
    ],
    'the bad line is refused again; -1 stands for the time the bytes were read',
  )
  for (const [, , , epoch] of asSent) assert.equal(segmentName(epoch), segment)
  assert.equal(cache.query('a.b').length, 0, 'the daemon stores them, not the replay')
})

test('issue 14: an empty log is replayed silently', async (t) => {
  const events: StartupReplayEvent[] = []
  const report = await replayWal({
    wal: openLog(t, path.join(tempDir(t), 'wal')),
    cache: newCache(),
    onEvent: (e) => events.push(e),
    storeAsSent: noBytesAsSent,
  })
  assert.deepEqual([report.points, report.segments], [0, 0])
  assert.deepEqual(events, [])
})

test('issue 14: a stop asked for during the replay ends the start with AbortedError, the log kept whole', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  await leaveLog(dir, [[['a', 60, 1]], [['a', 120, 2]]])
  const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')])
  const controller = new AbortController()
  controller.abort()
  const events: StartupReplayEvent[] = []
  await assert.rejects(
    replayWal({
      wal: new WriteAheadLog({ dir, sync: 'off' }),
      cache: newCache(),
      onEvent: (e) => events.push(e),
      signal: controller.signal,
      storeAsSent: noBytesAsSent,
    }),
    (error) => error instanceof AbortedError && /write-ahead log .* is kept/.test(error.message),
  )
  assert.deepEqual(events, [{ type: 'stopped-starting', wal: dir }])
  assert.deepEqual(
    fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]),
    before,
  )
})

test('issue 14.5: with the log on, a legacy dump is replayed once and moved into the log at once', async (t) => {
  const storageDir = tempDir(t)
  const dumpFile = path.join(storageDir, DUMP_FILE)
  writeDump(dumpFile, [
    ['dumped.a', metricPoints([60, 120], [1.25, -Infinity])],
    ['dumped.b', metricPoints([60], [1e308])],
  ])
  const walDir = path.join(storageDir, 'wal')
  const wal = new WriteAheadLog({ dir: walDir, sync: 'off' })
  await wal.replay(() => undefined)
  wal.open()
  const cache = newCache()
  const dump = replayLegacyDump({ storageDir, cache, wal, walOn: true })
  assert.deepEqual(dump.events, [{ type: 'replayed', file: dumpFile, points: 3 }])
  assert.equal(dump.pending, false, 'in the log: nothing to wait for')
  assert.deepEqual(fs.readdirSync(storageDir), ['wal'], 'the dump is gone')
  assert.deepEqual(cache.query('dumped.a'), [
    [60, 1.25],
    [120, -Infinity],
  ])
  // A crash now: the next start finds the dump's points in the log.
  wal.close({ discard: false })
  const again = newCache()
  await replayWal({
    wal: openLog(t, walDir),
    cache: again,
    onEvent: () => undefined,
    storeAsSent: noBytesAsSent,
  })
  assert.deepEqual(again.query('dumped.a'), cache.query('dumped.a'))
  assert.deepEqual(again.query('dumped.b'), [[60, 1e308]])
})

test('issue 14.5: with the log off, the dump stays (renamed) until its points are written, a second one beside it', async (t) => {
  const storageDir = tempDir(t)
  const dumpFile = path.join(storageDir, DUMP_FILE)
  // A replay that was cut short, and a newer dump.
  writeDump(`${dumpFile}.replaying`, [['old', metricPoints([60], [1])]])
  writeDump(dumpFile, [['new', metricPoints([60], [2])]])
  const wal = openLog(t, path.join(storageDir, 'wal'))
  const cache = newCache()
  const dump = replayLegacyDump({ storageDir, cache, wal, walOn: false })
  assert.deepEqual(dump.events, [
    { type: 'replayed', file: `${dumpFile}.replaying`, points: 1 },
    { type: 'replayed', file: dumpFile, points: 1 },
  ])
  assert.equal(dump.pending, true)
  assert.deepEqual(fs.readdirSync(storageDir).sort(), [`${DUMP_FILE}.replaying`, `${DUMP_FILE}.replaying.2`])
  assert.deepEqual(cache.query('old'), [[60, 1]])
  assert.deepEqual(cache.query('new'), [[60, 2]])
  assert.equal(fs.existsSync(path.join(storageDir, 'wal')), false, 'nothing written to a log that is off')
  dump.remove()
  assert.deepEqual(fs.readdirSync(storageDir), [])
})

test('issue 14.5: no dump, nothing to do', (t) => {
  const storageDir = tempDir(t)
  const dump = replayLegacyDump({
    storageDir,
    cache: newCache(),
    wal: openLog(t, path.join(storageDir, 'wal')),
    walOn: false,
  })
  assert.deepEqual([dump.events, dump.pending], [[], false])
})

test('issue 14/17: a metric deleted (its tombstone in the log) does not come back from the replay; its points logged after the delete do', async (t) => {
  const dir = path.join(tempDir(t), 'wal')
  // Run 1: points of `gone` and `kept`; run 2: more of `gone`, its tombstone, then a point sent after
  // the delete; run 3: another point of `gone`.
  const one = await newRun(dir)
  one.append(encodeWalName('gone'), 60, 1)
  one.append(encodeWalName('kept'), 60, 2)
  one.close({ discard: false })
  const two = await newRun(dir)
  two.append(encodeWalName('gone'), 120, 3)
  two.appendDeleted('gone')
  two.append(encodeWalName('gone'), 180, 4)
  two.close({ discard: false })
  const three = await newRun(dir)
  three.append(encodeWalName('gone'), 240, 5)
  three.close({ discard: false })
  const cache = newCache()
  const events: StartupReplayEvent[] = []
  const wal = openLog(t, dir)
  const report = await replayWal({ wal, cache, onEvent: (e) => events.push(e), storeAsSent: noBytesAsSent })
  assert.deepEqual([report.points, report.deleted], [5, 1])
  assert.deepEqual(cache.query('gone'), [
    [180, 4],
    [240, 5],
  ])
  assert.deepEqual(cache.query('kept'), [[60, 2]])
  // `gone` now holds segment 2 (its queue began there), `kept` segment 1.
  assert.equal(cache.oldestEpoch(), 1)
  const replayed = events.find((e) => e.type === 'wal-replayed')
  assert.ok(replayed && replayed.type === 'wal-replayed')
  assert.equal(replayed.deletedPoints, 2)
})
