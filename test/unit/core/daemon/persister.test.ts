// The persister with real writer threads and real files: a writer that dies loses no point.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { MetricCache } from '../../../../src/core/daemon/cache.js'
import { Persister } from '../../../../src/core/daemon/persister.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { tempDir } from '../../../helpers/tmp.js'
import { mountTmpfs, resizeTmpfs } from '../../../helpers/tmpfs.js'

const NOW = 1_800_000_000
const METRICS = 600
const POINTS = 5

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

      const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
      const deaths: { writer: number; reason: string; points: number }[] = []
      let written = 0
      const persister = new Persister({
        cache,
        workers: 2,
        workerUrl: new URL('../../../helpers/crashing-writer.js', import.meta.url),
        target: (metric) => ({
          path: path.join(dir, `${metric}.wsp`),
          createSpec: () => ({
            archives: [[10, 100]],
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
          written: (_metric, result) => {
            assert.equal(result.error, undefined)
            written += result.committed
          },
          deferred: (metric, result) => assert.fail(`${metric}: ${result.error}`),
          writerDied: (writer, reason, points) => deaths.push({ writer, reason, points }),
        },
        batchMetrics: 50,
      })
      for (let m = 0; m < METRICS; m++)
        for (let p = 0; p < POINTS; p++) cache.store(`m${m}`, NOW - 10 * (POINTS - p), m + p / 10)
      persister.start()
      t.after(() => persister.stop())
      persister.schedule()
      // The writers and the persister's timers do not hold the process open (the daemon's sockets do).
      const alive = setInterval(() => undefined, 1000)
      try {
        await persister.idle()
      } finally {
        clearInterval(alive)
      }

      assert.equal(deaths.length, 1, JSON.stringify(deaths))
      assert.match(deaths[0]!.reason, how === 'throw' ? /crashed on purpose/ : /exited with code 3/)
      assert.ok(deaths[0]!.points > 0, 'the dead writer had points in flight')
      assert.equal(written, METRICS * POINTS)
      for (let m = 0; m < METRICS; m++) {
        const got = fetch(path.join(dir, `m${m}.wsp`), NOW - 10 * POINTS - 1, NOW - 10, { now: NOW })
        assert.deepEqual(
          got?.values,
          Array.from({ length: POINTS }, (_, p) => m + p / 10),
          `m${m}`,
        )
      }
    },
  )
}

test(
  'a full disk: the points wait, and are written once there is room, whatever the clock says',
  { timeout: 30_000 },
  async (t) => {
    const tmpfs = mountTmpfs(t, '40k')
    if ('why' in tmpfs) return t.skip(tmpfs.why)
    const dir = tmpfs.dir
    const cache = new MetricCache({ strategy: 'sorted', minTimestampLag: 0 })
    const deferred: string[] = []
    let written = 0
    const persister = new Persister({
      cache,
      workers: 1,
      workerUrl: new URL('../../../../src/core/daemon/persister-worker.js', import.meta.url),
      // Room for two files of 17 KiB, not for six.
      target: (metric) => ({
        path: path.join(dir, `${metric}.wsp`),
        createSpec: () => ({
          archives: [[60, 1440]],
          xFilesFactor: 0.5,
          aggregationMethod: 'average',
          sparse: false,
          fallocate: false,
        }),
      }),
      maxUpdatesPerSecond: Infinity,
      maxCreatesPerMinute: Infinity,
      autoflush: false,
      // A clock that stands still: the pause after a full disk must not depend on it.
      clock: () => NOW,
      events: {
        written: (_metric, result) => {
          assert.equal(result.error, undefined)
          written += result.committed
        },
        deferred: (metric, result) => {
          assert.match(result.error ?? '', /no space left on device/)
          if (deferred.push(metric) === 1) resizeTmpfs(dir, '1m')
        },
        writerDied: (writer, reason) => assert.fail(`writer ${writer} died: ${reason}`),
      },
    })
    for (let m = 0; m < 6; m++) cache.store(`m${m}`, NOW - 60, m)
    persister.start()
    t.after(() => persister.stop())
    persister.schedule()
    const alive = setInterval(() => undefined, 1000)
    try {
      await persister.idle()
    } finally {
      clearInterval(alive)
    }
    assert.ok(deferred.length > 0, 'the disk was full at first')
    assert.equal(written, 6)
    for (let m = 0; m < 6; m++)
      assert.deepEqual(fetch(path.join(dir, `m${m}.wsp`), NOW - 61, NOW - 60, { now: NOW })?.values, [m])
  },
)
