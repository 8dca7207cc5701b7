// issue 17.5, a rebalance stopped before its plan was whole: carbon rebalance starts moving while the
// nodes are still listed, appending the moves to its job state as it plans them. When a node's list
// fails (here: node c is down), the job stops with its plan partial (no `planned` event); the next
// run, with c up, lists every node again and adds the moves its state does not hold, so that c's
// metrics move too, instead of resuming only the moves planned before the failure.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { updateMany } from '../../../src/core/whisper/update.js'
import { runAsync } from '../../helpers/cli.js'
import {
  freePort,
  listNode,
  rebalanceArgs,
  relayConfig,
  startNode,
  writeTokenFile,
} from '../../helpers/cluster.js'
import { tempDir } from '../../helpers/tmp.js'

const RETENTIONS = '5m:1d'
const STEP = 300

/** `count` metrics `prefix.mK` with a few points each, written into a node's data directory before it starts. */
function writeMetrics(dir: string, prefix: string, count: number, now: number): string[] {
  const names: string[] = []
  for (let k = 0; k < count; k++) {
    const name = `${prefix}.m${k}`
    const file = path.join(dir, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, [[STEP, 288]])
    updateMany(
      file,
      [1, 2, 3].map((s) => [now - s * STEP, k + s] as const),
      { now },
    )
    names.push(name)
  }
  return names
}

test('issue 17.5: a rebalance whose plan was left partial (a node down) lists the nodes again on resume and moves what it had not planned', async (t) => {
  const root = tempDir(t, 'carbonkit-rebalance-partial-')
  const token = writeTokenFile(root)
  const now = Math.floor(Date.now() / 1000)
  // c's line port is fixed: its ring member stays the same when it starts later.
  const cLinePort = await freePort()
  const aDir = path.join(root, 'a', 'storage', 'whisper')
  const cDir = path.join(root, 'c', 'storage', 'whisper')
  const aNames = writeMetrics(aDir, 'from-a', 300, now)
  const cNames = writeMetrics(cDir, 'from-c', 40, now)
  const a = await startNode(t, root, 'a', RETENTIONS)
  const b = await startNode(t, root, 'b', RETENTIONS)
  const cMember = `127.0.0.1:${cLinePort}=c`
  // a and c leave the ring, b takes everything.
  const oldConfig = path.join(root, 'relay-old.conf')
  const newConfig = path.join(root, 'relay-new.conf')
  fs.writeFileSync(oldConfig, relayConfig(2003, [a.member, cMember], 1))
  fs.writeFileSync(newConfig, relayConfig(2003, [b.member], 1))
  const state = path.join(root, 'rebalance.state')
  const args = (cUrl: string): string[] => [
    ...rebalanceArgs(newConfig, oldConfig, token, [a, b, { member: cMember, url: cUrl }]),
    '--delete-source',
    '--state',
    state,
  ]

  // 1. c is down: its list fails; the job stops, its plan partial.
  const first = await runAsync('carbon', args(`http://127.0.0.1:${await freePort()}`), { timeoutMs: 120_000 })
  assert.equal(first.status, 6, first.stderr)
  assert.match(first.stderr, /=c/)
  const lines = fs.readFileSync(state, 'utf8').trim().split('\n')
  assert.equal((JSON.parse(lines[0]!) as { partial?: boolean }).partial, true)
  assert.ok(!lines.some((line) => line.includes('"e":"planned"')), 'a partial plan was marked whole')
  assert.ok(!lines.some((line) => line.includes('from-c.')), 'moves of c, whose list failed')

  // 2. c is up: the run lists every node again; c's metrics move too, and nothing of a is left.
  const c = await startNode(t, root, 'c', RETENTIONS, ['--line-port', String(cLinePort)])
  assert.equal(c.member, cMember)
  const second = await runAsync('carbon', [...args(c.url), '--json'], { timeoutMs: 300_000 })
  assert.equal(second.status, 0, second.stderr)
  const result = JSON.parse(second.stdout) as { failed: unknown[]; verified: number; deleted: number }
  assert.deepEqual(result.failed, [])
  assert.equal(result.verified, aNames.length + cNames.length)
  assert.equal(result.deleted, aNames.length + cNames.length)
  assert.deepEqual((await listNode(b)).sort(), [...aNames, ...cNames].sort())
  assert.deepEqual(await listNode(a), [])
  assert.deepEqual(await listNode(c), [])
  assert.match(fs.readFileSync(state, 'utf8'), /"e":"planned"[\s\S]*"e":"finished"/)
})
