// The persister with real writer threads and real files: a writer that dies loses no point, and a
// full disk keeps the points until there is room.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import type { PersisterEvents } from '../../../../src/core/daemon/persister.js'
import { Persister } from '../../../../src/core/daemon/persister.js'
import type { ArchiveSpec } from '../../../../src/core/whisper/retention.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { tempDir } from '../../../helpers/tmp.js'
import { mountTmpfs, resizeTmpfs } from '../../../helpers/tmpfs.js'

const NOW = 1_800_000_000
const REAL_WRITER = new URL('../../../../src/core/daemon/persister-worker.js', import.meta.url)

interface Run {
  dir: string
  workers: number
  workerUrl: URL
  archives: ArchiveSpec[]
  /** metric -> [timestamp, value][] */
  points: Map<string, [number, number][]>
  events: Omit<PersisterEvents, 'written'>
  batchMetrics?: number
}

/**
 * Store the points, run a persister until its cache is empty (the clock stands still at NOW), and
 * check that every point is on disk. Returns the points written, as the events counted them.
 */
async function persistAll(t: TestContext, run: Run): Promise<number> {
  const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
  let written = 0
  const persister = new Persister({
    cache,
    workers: run.workers,
    workerUrl: run.workerUrl,
    target: (metric) => ({
      path: path.join(run.dir, `${metric}.wsp`),
      createSpec: () => ({
        archives: run.archives,
        xFilesFactor: 0.5,
        aggregationMethod: 'average',
        sparse: false,
        fallocate: false,
      }),
    }),
    maxUpdatesPerSecond: Infinity,
    maxCreatesPerMinute: Infinity,
    autoflush: false,
    clock: () => NOW,
    events: {
      ...run.events,
      written: (_metric, result) => {
        assert.equal(result.error, undefined)
        written += result.committed
      },
    },
    ...(run.batchMetrics !== undefined && { batchMetrics: run.batchMetrics }),
  })
  for (const [metric, points] of run.points)
    for (const [time, value] of points) cache.store(metric, time, value)
  persister.start()
  t.after(() => persister.stop())
  persister.schedule()
  // The writers and the persister's timers do not hold the process open (the daemon's sockets do).
  const alive = setInterval(() => undefined, 1000)
  // Also when the test times out: a run that never empties must fail, not hold the process open.
  t.after(() => clearInterval(alive))
  try {
    await persister.idle()
  } finally {
    clearInterval(alive)
  }
  for (const [metric, points] of run.points) {
    const times = points.map(([time]) => time)
    const got = fetch(path.join(run.dir, `${metric}.wsp`), Math.min(...times) - 1, Math.max(...times), {
      now: NOW,
    })
    assert.deepEqual(
      got?.values,
      points.map(([, value]) => value),
      metric,
    )
  }
  return written
}

for (const how of ['throw', 'exit'] as const) {
  test(
    `a writer that dies (${how}) is replaced and its unwritten points are written`,
    { timeout: 30_000 },
    async (t) => {
      const dir = tempDir(t)
      const marker = path.join(dir, 'crash')
      fs.writeFileSync(marker, how)
      process.env.CARBONKIT_TEST_CRASH = marker
      t.after(() => delete process.env.CARBONKIT_TEST_CRASH)
      const points = new Map<string, [number, number][]>()
      for (let m = 0; m < 600; m++)
        points.set(
          `m${m}`,
          Array.from({ length: 5 }, (_, p) => [NOW - 10 * (5 - p), m + p / 10]),
        )
      const deaths: { writer: number; reason: string; points: number }[] = []
      const written = await persistAll(t, {
        dir,
        workers: 2,
        workerUrl: new URL('../../../helpers/crashing-writer.js', import.meta.url),
        archives: [[10, 100]],
        points,
        events: {
          deferred: (metric, result) => assert.fail(`${metric}: ${result.error}`),
          writerDied: (writer, reason, held) => deaths.push({ writer, reason, points: held }),
        },
        batchMetrics: 50,
      })
      assert.equal(deaths.length, 1, JSON.stringify(deaths))
      assert.match(deaths[0]!.reason, how === 'throw' ? /crashed on purpose/ : /exited with code 3/)
      assert.ok(deaths[0]!.points > 0, 'the dead writer had points in flight')
      assert.equal(written, 600 * 5)
    },
  )
}

test(
  'a full disk: the points wait, and are written once there is room, whatever the clock says',
  { timeout: 30_000 },
  async (t) => {
    // Room for two files of 17 KiB, not for six.
    const tmpfs = mountTmpfs(t, '40k')
    if ('why' in tmpfs) return t.skip(tmpfs.why)
    const deferred: string[] = []
    const written = await persistAll(t, {
      dir: tmpfs.dir,
      workers: 1,
      workerUrl: REAL_WRITER,
      archives: [[60, 1440]],
      points: new Map(Array.from({ length: 6 }, (_, m) => [`m${m}`, [[NOW - 60, m]]])),
      events: {
        deferred: (metric, result) => {
          assert.match(result.error ?? '', /no space left on device/)
          // The clock given to the persister stands still: the pause must not wait for it.
          if (deferred.push(metric) === 1) resizeTmpfs(tmpfs.dir, '1m')
        },
        writerDied: (writer, reason) => assert.fail(`writer ${writer} died: ${reason}`),
      },
    })
    assert.ok(deferred.length > 0, 'the disk was full at first')
    assert.equal(written, 6)
  },
)
