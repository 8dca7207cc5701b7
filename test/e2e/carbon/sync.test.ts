// issue 17.6: `carbon sync --from NODE --to NODE [GLOB]` heals a node from its replica over the admin
// API of two real `carbon serve` nodes: the target's missing metrics are created, its gaps filled,
// its own points kept, metrics outside the glob untouched; a second run writes nothing.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runAsync } from '../../helpers/cli.js'
import { sendLines, startNode, waitUntil, writeTokenFile, listNode } from '../../helpers/cluster.js'
import { readTreeWithReference } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const STEP = 60
const NOW = Math.floor(Date.now() / 1000 / STEP) * STEP
const slot = (k: number): number => NOW - k * STEP

function lines(points: [string, number, number][]): string {
  return points.map(([m, v, ts]) => `${m} ${v} ${ts}\n`).join('')
}

test('issue 17.6: carbon sync fills the target from the source, keeps its points, follows the glob', async (t) => {
  const root = tempDir(t, 'carbonkit-sync-')
  const token = writeTokenFile(root)
  const [a, b] = await Promise.all([startNode(t, root, 'a', '60s:1d'), startNode(t, root, 'b', '60s:1d')])
  const healthy: [string, number, number][] = []
  for (let m = 0; m < 20; m++)
    for (let k = 1; k <= 30; k++) healthy.push([`app.s${m}.v`, m * 100 + k, slot(k)])
  for (let k = 1; k <= 30; k++) healthy.push(['other.x', k, slot(k)])
  await sendLines(a.serve.ports.line!, lines(healthy))
  // b lost s0..s9 entirely and has gaps (every third point) in s10..s19, with its own value at slot 2.
  const damaged = healthy
    .filter(([m]) => /^app\.s1\d\./.test(m))
    .filter(([, , ts]) => ((NOW - ts) / STEP) % 3 !== 0)
    .map(([m, v, ts]): [string, number, number] => [m, ts === slot(2) ? -1 : v, ts])
  await sendLines(b.serve.ports.line!, lines(damaged))
  await waitUntil('both nodes to list their metrics', async () => {
    return (await listNode(a)).length === 21 && (await listNode(b)).length === 10
  })

  const args = ['sync', '--from', a.url, '--to', b.url, '--admin-token-file', token, 'app.*.v']
  const first = await runAsync('carbon', [...args, '--json'])
  assert.equal(first.status, 0, first.stderr)
  const result = JSON.parse(first.stdout) as Record<string, number>
  assert.equal(result.metrics, 20)
  assert.equal(result.created, 10)
  assert.equal(result.filledFiles, 10)
  assert.equal(result.filledPoints, 10 * 10 + 10 * 30)

  await Promise.all([a.serve.stop(), b.serve.stop()])
  const healed = readTreeWithReference(b.dir)
  assert.equal(healed['other/x.wsp'], undefined, 'a metric outside the glob was synced')
  for (let m = 0; m < 20; m++) {
    const got = new Map((healed[`app/s${m}/v.wsp`]?.points ?? []).map(([ts, v]) => [ts, v]))
    const want = new Map(healthy.filter(([name]) => name === `app.s${m}.v`).map(([, v, ts]) => [ts, v]))
    if (m >= 10) want.set(slot(2), -1) // the target's own point won
    assert.deepEqual(got, want, `app.s${m}.v`)
  }
})

test('issue 17.6: a second carbon sync writes nothing; text output says what was done', async (t) => {
  const root = tempDir(t, 'carbonkit-sync2-')
  const token = writeTokenFile(root)
  const [a, b] = await Promise.all([startNode(t, root, 'a', '60s:1d'), startNode(t, root, 'b', '60s:1d')])
  const points: [string, number, number][] = []
  for (let k = 1; k <= 10; k++) points.push(['web.hits', k, slot(k)])
  await sendLines(a.serve.ports.line!, lines(points))
  await waitUntil('the metric on a', async () => (await listNode(a)).length === 1)
  const args = ['sync', '--from', a.url, '--to', b.url, '--admin-token-file', token]
  const first = await runAsync('carbon', args)
  assert.equal(first.status, 0, first.stderr)
  assert.match(first.stdout, /1 metric of 1: 1 file created, 0 filled, 10 points written/)
  const second = await runAsync('carbon', args)
  assert.equal(second.status, 0, second.stderr)
  assert.match(second.stdout, /1 metric of 1: 0 files created, 0 filled, 0 points written/)
  const wrong = await runAsync('carbon', [
    'sync',
    '--from',
    a.url,
    '--to',
    b.url,
    '--admin-token-file',
    '/nonexistent',
  ])
  assert.equal(wrong.status, 5, wrong.stderr)
  assert.equal(wrong.stderr.trim().split('\n').length, 1)
})
