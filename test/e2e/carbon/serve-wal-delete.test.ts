// A metric deleted through the admin API stays deleted across a crash (issues 14 and 17: nothing
// surprises). Its points are still in the write-ahead log's segments after the delete (other
// metrics' unwritten points keep those segments); the real binary is killed with SIGKILL, restarted
// with the same configuration, and the files read back with the reference whisper library: the
// deleted metrics do not come back, and the points sent for them after the delete are all there.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { request } from '../../helpers/http.js'
import { needsReference } from '../../helpers/reference.js'
import { readTreeWithReference, sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const TOKEN = 'wal-delete-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }

test(
  'issue 14/17: a metric deleted through the admin API does not come back after SIGKILL; points sent after the delete survive',
  needsReference(),
  async (t) => {
    const root = tempDir(t)
    // Writes lag far behind (5 updates a second): the log's segment stays until the others are written.
    const config = writeServeConfig(root, {
      settings: {
        MAX_UPDATES_PER_SECOND: '5',
        MAX_UPDATES_PER_SECOND_ON_SHUTDOWN: '100000',
        CARBON_METRIC_INTERVAL: '0',
      },
    })
    const tokenFile = path.join(root, 'token')
    fs.writeFileSync(tokenFile, `${TOKEN}\n`)
    const args = ['--config', config, '--admin-token-file', tokenFile]
    const dataDir = path.join(root, 'storage', 'whisper')
    const serve = await startServe(t, args)
    const line = serve.ports.line!
    const now = Math.floor(Date.now() / 1000)
    const t0 = now - (now % 60) - 3600
    const series = (name: string, from: number, count: number, base: number): string =>
      Array.from({ length: count }, (_, i) => `${name} ${base + i / 4} ${t0 + 60 * (from + i)}\n`).join('')

    // 1. `del.written` reaches its file; then 100 other metrics and a tagged one, lagging behind
    // (the persister writes the longest queues first: `del.cached`, 3 points, waits for the others).
    await sendTcp(line, series('del.written', 0, 20, 1000))
    await serve.waitFor((e) => e.type === 'created' && e.metric === 'del.written')
    const others = Array.from({ length: 100 }, (_, m) => series(`del.other.m${m}`, 0, 10, m * 100)).join('')
    await sendTcp(line, others + series('del.tagged;dc=a', 0, 20, 2000) + series('del.cached', 0, 3, 3000))

    // 2. Deleted through the admin API: one from its file, two (also) from the cache.
    const deleted: Record<string, unknown> = {}
    for (const name of ['del.written', 'del.tagged;dc=a', 'del.cached']) {
      const answer = await request(serve.ports.http!, `/admin/metric?name=${encodeURIComponent(name)}`, {
        method: 'DELETE',
        headers: AUTH,
      })
      assert.equal(answer.status, 200, answer.text)
      deleted[name] = JSON.parse(answer.text)
    }
    assert.equal((deleted['del.written'] as { deleted: boolean }).deleted, true)
    assert.ok((deleted['del.cached'] as { droppedCachedPoints: number }).droppedCachedPoints > 0)

    // 3. Points sent after the delete (new timestamps, and one the deleted series had).
    await sendTcp(
      line,
      series('del.written', 30, 5, 5000) +
        series('del.tagged;dc=a', 30, 5, 6000) +
        series('del.cached', 2, 3, 7000),
    )
    serve.child.kill('SIGKILL')
    assert.deepEqual(await serve.exited, { status: null, signal: 'SIGKILL' })
    const segments = fs.readdirSync(path.join(root, 'storage', 'wal'))
    assert.ok(segments.length > 0, 'the log holds the deleted points at the kill')

    // 4. Restart, write everything, stop: only what was sent after the delete is there.
    const again = await startServe(t, args)
    const replayed = await again.waitFor((e) => e.type === 'wal-replayed')
    assert.ok((replayed.deletedPoints as number) >= 43, JSON.stringify(replayed))
    assert.deepEqual(await again.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(dataDir)
    const pointsOf = (text: string): [number, number][] =>
      text
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([, v, ts]) => [Number(ts), Number(v)])
    assert.deepEqual(tree['del/written.wsp']?.points, pointsOf(series('del.written', 30, 5, 5000)))
    assert.deepEqual(tree['del/cached.wsp']?.points, pointsOf(series('del.cached', 2, 3, 7000)))
    const tagged = Object.keys(tree).filter((f) => f.startsWith('_tagged/'))
    assert.equal(tagged.length, 1, Object.keys(tree).join(' '))
    assert.deepEqual(tree[tagged[0]!]!.points, pointsOf(series('del.tagged;dc=a', 30, 5, 6000)))
    for (let m = 0; m < 100; m++)
      assert.deepEqual(
        tree[`del/other/m${m}.wsp`]?.points,
        pointsOf(series(`del.other.m${m}`, 0, 10, m * 100)),
      )
    assert.equal(Object.keys(tree).length, 103)
  },
)
