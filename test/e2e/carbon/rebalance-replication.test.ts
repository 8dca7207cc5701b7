// issue 17.5 with replicas: a real carbon-c-relay 3.7 with `replication 2` (carbon_ch) in front of
// three `carbon serve` nodes holding a day of data for 300 metrics; a fourth node joins the ring (the
// relay restarted) and `carbon rebalance --delete-source` runs while senders keep sending through
// the relay. Afterwards every metric is on exactly the two nodes the new ring names, nowhere else,
// and both copies hold, point by point, what was sent (the latest value sent for each timestamp),
// even after every node is killed with SIGKILL and started again (issue 14: the sources' logs still
// hold the points of the metrics moved away; their tombstones keep them away); `carbon sieve` finds
// nothing on any node. (The interrupted and resumed runs are
// rebalance.test.ts's, with one replica.)

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { parseRelayConfig } from '../../../src/core/cluster/relay-config.js'
import { createRelayLookup } from '../../../src/core/cluster/relay-route.js'
import { run, runAsync } from '../../helpers/cli.js'
import type { ClusterNode } from '../../helpers/cluster.js'
import {
  assertPlacedAsSent,
  assertSieveFindsNothing,
  freePort,
  keepSending,
  sentLog,
  listNode,
  needsRelay,
  rebalanceArgs,
  relayConfig,
  sendLines,
  startNode,
  startRelay,
  waitForAcknowledged,
  waitForWrites,
  waitUntil,
  writeTokenFile,
} from '../../helpers/cluster.js'
import { startServe } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const METRICS = 300
const STEP = 300
const RETENTIONS = '5m:1d'
/** A day of data, short of the window's edge so that nothing rotates out while the test runs. */
const DAY_SLOTS = 280
const REPLICATION = 2

const names = Array.from(
  { length: METRICS },
  (_, i) => `rep${i % 3}.host${Math.floor(i / 10)}.disk.m${i % 10}`,
)
const fileOf = (metric: string): string => metric.replaceAll('.', '/') + '.wsp'

test(
  'issue 17.5: replication 2: a fourth node joins; carbon rebalance, while senders keep sending, leaves every metric on exactly its two new homes with every point sent',
  { ...needsRelay(), timeout: 900_000 },
  async (t) => {
    // How long each part took, in the test's diagnostics (where a slow CI spends its time).
    let mark = Date.now()
    const phase = (what: string): void => {
      t.diagnostic(`${what}: ${((Date.now() - mark) / 1000).toFixed(1)} s`)
      mark = Date.now()
    }
    const root = tempDir(t, 'carbonkit-rebalance-rep-')
    const token = writeTokenFile(root)
    const nodes: ClusterNode[] = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((instance) => startNode(t, root, instance, RETENTIONS)),
    )
    const relayPort = await freePort()
    const oldConfig = path.join(root, 'relay-old.conf')
    const newConfig = path.join(root, 'relay-new.conf')
    const members = nodes.map((n) => n.member)
    fs.writeFileSync(oldConfig, relayConfig(relayPort, members.slice(0, 3), REPLICATION))
    fs.writeFileSync(newConfig, relayConfig(relayPort, members, REPLICATION))
    const ringOf = (file: string): ((name: string) => string[]) =>
      createRelayLookup(parseRelayConfig(fs.readFileSync(file, 'utf8'), file))
    const oldRing = ringOf(oldConfig)
    const newRing = ringOf(newConfig)
    const byNode = (ring: (name: string) => string[]): Map<string, Set<string>> => {
      const out = new Map(members.map((m) => [m, new Set<string>()]))
      for (const name of names) {
        const homes = new Set(ring(name))
        assert.equal(homes.size, REPLICATION, `${name}: ${[...homes].join(' ')}`)
        for (const member of homes) out.get(member)!.add(name)
      }
      return out
    }
    phase('nodes started')
    const oldPlacement = byNode(oldRing)
    const newPlacement = byNode(newRing)

    // What was sent: per metric, the latest value per timestamp.
    const { sent, lines } = sentLog(names)
    const now = Math.floor(Date.now() / 1000 / STEP) * STEP

    // A day of data through the relay: each metric onto two of the three nodes.
    let relay = await startRelay(t, oldConfig, relayPort)
    const day: [number, number, number][] = []
    for (let i = 0; i < METRICS; i++)
      for (let k = DAY_SLOTS; k >= 1; k--) day.push([i, i * 1000 + k, now - k * STEP])
    await sendLines(relayPort, lines(day))
    await waitUntil('the relay to deliver a day of data to three nodes, twice', async () => {
      const lists = await Promise.all(nodes.map(listNode))
      return lists.every((list, i) => list.length === oldPlacement.get(members[i]!)!.size)
    })
    await waitForWrites(new Map(nodes.slice(0, 3).map((n) => [n, [...oldPlacement.get(n.member)!]])))

    phase('a day of data written')
    // The fourth node joins: the relay restarts with the new ring; senders keep going through it.
    await relay.stop()
    relay = await startRelay(t, newConfig, relayPort)
    const senders = keepSending(
      relayPort,
      { sent, lines },
      METRICS,
      { now, step: STEP, slots: DAY_SLOTS },
      250,
    )

    // The plan: every holder outside the new homes copies to them (and goes), and a home that
    // does not hold the metric yet while no such holder feeds it gets it from a home that does.
    const common = rebalanceArgs(newConfig, oldConfig, token, nodes)
    const state = path.join(root, 'rebalance.state')
    let expectedMoves = 0
    let misplaced = 0
    for (const name of names) {
      const homes = new Set(newRing(name))
      const held = new Set(oldRing(name))
      const away = [...held].filter((h) => !homes.has(h)).length
      misplaced += away
      expectedMoves += away > 0 ? away : [...homes].some((h) => !held.has(h)) ? 1 : 0
    }
    assert.ok(misplaced > 30, `only ${misplaced} misplaced copies`)
    const dry = run('carbon', [...common, '--dry-run', '--json', '--state', state])
    assert.equal(dry.status, 0, dry.stderr)
    const plan = (JSON.parse(dry.stdout) as { plan: { moves: { misplaced: boolean }[] } }).plan
    assert.equal(plan.moves.length, expectedMoves)
    assert.equal(plan.moves.filter((m) => m.misplaced).length, misplaced)

    // Let the senders run a few rounds on the new ring first: the new homes have files of their own.
    await waitUntil('a few rounds on the new ring', () => senders.rounds() >= 3)
    phase('senders running')
    // At a bounded rate, so that the move lasts several of the senders' rounds however fast the
    // nodes are (without it the move can end within one round and nothing is sent during it).
    const applied = await runAsync(
      'carbon',
      [...common, '--delete-source', '--state', state, '--rate', '100', '--json'],
      { timeoutMs: 600_000 },
    )
    assert.equal(applied.status, 0, applied.stderr)
    const result = JSON.parse(applied.stdout) as {
      verified: number
      deleted: number
      failed: unknown[]
      droppedCachedPoints: number
    }
    assert.deepEqual(result.failed, [])
    assert.equal(result.verified, expectedMoves)
    assert.equal(result.deleted, misplaced)
    assert.equal(result.droppedCachedPoints, 0)

    phase('rebalance done')
    // Senders stop; the relay flushes; the nodes write everything out and stop.
    const round = await senders.stop()
    assert.ok(round > 3, `only ${round} rounds were sent`)
    await relay.stop()
    await waitUntil('the last rounds to arrive', async () => {
      const lists = await Promise.all(nodes.map(listNode))
      return lists.every((list, i) => list.length === newPlacement.get(members[i]!)!.size)
    })
    // The relay has exited; each node has read and logged what it sent once it closed its side.
    await waitForAcknowledged(nodes)
    // Every node killed (SIGKILL) and started again on its data: what it acknowledged comes back
    // from its write-ahead log, and the metrics the rebalance deleted from it (whose points that log
    // still holds: it is one segment, never full) do not.
    await Promise.all(nodes.map((n) => n.serve.stop('SIGKILL')))
    const again = await Promise.all(
      nodes.map((n, i) =>
        startServe(t, [
          '--config',
          path.join(root, `r${i + 1}`, 'conf', 'carbon.conf'),
          '--admin-token-file',
          token,
        ]),
      ),
    )
    for (const serve of again) assert.deepEqual(await serve.stop(), { status: 0, signal: null })

    phase('nodes stopped')
    // Every metric on exactly its two homes, each copy with every point sent, point by point.
    const checkedPoints = assertPlacedAsSent(nodes, newPlacement, sent, fileOf)
    assert.ok(checkedPoints >= METRICS * REPLICATION * DAY_SLOTS)

    phase('points checked')
    // carbon sieve on each node finds nothing misplaced.
    await assertSieveFindsNothing(nodes, newConfig)
    phase('sieve')
  },
)
