// carbon serve's write-ahead log checkpoint, end to end: the real binary with small segments
// (--wal-max-size 1 MiB: 256 KiB segments). Segments whose points are all in their files are
// deleted; the segment of a point still only in the cache (a new metric with no create token,
// MAX_CREATES_PER_MINUTE = 0: it waits in the cache for as long as the test needs, where a low
// MAX_UPDATES_PER_SECOND would only delay it by a race's margin) stays, with every later one, through
// a SIGKILL; the restart replays it and, once it is written, deletes the old segments too. Files read
// back with the reference whisper library.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { needsReference } from '../../helpers/reference.js'
import { readTreeWithReference, sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const reference = needsReference()
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
/** A minute boundary 1,000 minutes ago: room for 1,000 points a minute apart (60s:1d). */
const t0 = nowSeconds() - (nowSeconds() % 60) - 60 * 1000

const METRICS = 50
type Expected = Map<string, [number, number][]>

/** `busy.m0..m49`, points p in [from, to), values not round in binary. */
function busy(from: number, to: number, expected: Expected): string {
  const out: string[] = []
  for (let p = from; p < to; p++) {
    for (let m = 0; m < METRICS; m++) {
      const value = (m * 1000 + p) / 3
      out.push(`busy.m${m} ${value} ${t0 + 60 * p}\n`)
      expected.set(`busy.m${m}`, [...(expected.get(`busy.m${m}`) ?? []), [t0 + 60 * p, value]])
    }
  }
  return out.join('')
}

function config(root: string, settings: Record<string, string> = {}): string {
  return writeServeConfig(root, { settings: { CARBON_METRIC_INTERVAL: '0', ...settings } })
}

function pointsOnDisk(root: string): number {
  const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
  return Object.values(tree).reduce((n, f) => n + f.points.length, 0)
}

/** Segment ids in the log's directory, ascending. */
function segments(walDir: string): number[] {
  return fs
    .readdirSync(walDir)
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b)
}

async function waitUntil(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

test(
  'issue 14 checkpoint: written segments are deleted, the segment of a point only in the cache is kept through SIGKILL and replayed',
  reference,
  async (t) => {
    const root = tempDir(t)
    const walDir = path.join(root, 'storage', 'wal')
    const expected: Expected = new Map()

    // Run 1: the busy metrics' files exist (so that writing them later needs no create token).
    const first = await startServe(t, ['--config', config(root)])
    await sendTcp(first.ports.line!, busy(0, 1, expected))
    assert.deepEqual(await first.stop(), { status: 0, signal: null })
    assert.equal(pointsOnDisk(root), METRICS)

    // Run 2: no create token, small segments. ~800 KiB of busy points, then one point for a new
    // metric (it waits in the cache), then ~800 KiB more.
    const small = ['--wal-max-size', String(1 << 20)]
    const serve = await startServe(t, ['--config', config(root, { MAX_CREATES_PER_MINUTE: '0' }), ...small])
    // In connections of ~260 KiB: each is acknowledged (its bytes written) before the next, so the
    // log's writes, and so its segments, do not depend on how many chunks one turn of its loop reads
    // (one write of 800 KiB would go to one segment).
    for (let p = 1; p < 451; p += 150) await sendTcp(serve.ports.line!, busy(p, p + 150, expected))
    await sendTcp(serve.ports.line!, `lonely.new 0.1 ${t0}\n`)
    for (let p = 451; p < 901; p += 150) await sendTcp(serve.ports.line!, busy(p, p + 150, expected))
    const busyPoints = METRICS * 901
    await waitUntil('the busy points on disk', () => pointsOnDisk(root) === busyPoints)
    const lonely = segments(walDir).find((id) =>
      fs.readFileSync(path.join(walDir, `${String(id).padStart(20, '0')}.wal`)).includes('lonely.new'),
    )
    assert.ok(lonely !== undefined, 'the new metric is in the log')
    // The segments before lonely's hold only written points: they go (after each write's checkpoint).
    // A point's epoch is the segment current when the cache took it; the log's switch to the next
    // segment waits for a write under way, so lonely's record can sit in segment L while its epoch
    // says L - 1: the checkpoint then keeps L - 1 too (one more, never one less).
    const firstKept = (first: number | undefined): boolean => first === lonely || first === lonely - 1
    await waitUntil('the written segments deleted', () => firstKept(segments(walDir)[0]))
    assert.ok(lonely >= 3, `segments before lonely's: ${lonely - 1}`)
    await sleep(1000)
    const kept = segments(walDir)
    const oldest = kept[0]!
    assert.ok(firstKept(oldest), `first segment kept: ${oldest}, lonely's: ${lonely}`)
    const last = kept.at(-1)!
    assert.ok(last >= lonely + 2, `segments after lonely's: ${last - lonely}`)
    // Lonely's segment and every later one stay (deleted oldest first: a replay never sees a newer
    // value before an older one), although every busy point in them is written.
    assert.deepEqual(
      kept,
      Array.from({ length: last - oldest + 1 }, (_, i) => oldest + i),
    )
    assert.equal(fs.existsSync(path.join(root, 'storage', 'whisper', 'lonely')), false, 'not written')
    serve.child.kill('SIGKILL')
    assert.deepEqual(await serve.exited, { status: null, signal: 'SIGKILL' })

    // Run 3: creates allowed. The replay brings lonely back; once it is written, the old segments go.
    const again = await startServe(t, ['--config', config(root), ...small])
    const replayed = again.events.find((e) => e.type === 'wal-replayed')!
    assert.ok((replayed.points as number) > 1, again.stderr())
    await waitUntil('the replayed points written and the old segments deleted', () =>
      segments(walDir).every((id) => id > last),
    )
    expected.set('lonely.new', [[t0, 0.1]])
    assert.deepEqual(await again.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.deepEqual(
      Object.keys(tree).sort(),
      [...expected.keys()].map((m) => `${m.replaceAll('.', '/')}.wsp`).sort(),
    )
    for (const [metric, points] of expected)
      assert.deepEqual(tree[`${metric.replaceAll('.', '/')}.wsp`]!.points, points, metric)
    assert.equal(fs.existsSync(walDir), false, 'the log is gone once everything is written')
  },
)
