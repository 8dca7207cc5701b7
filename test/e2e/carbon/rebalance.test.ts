// issue 17.5: adding a node to a running cluster. Three `carbon serve` nodes behind a real
// carbon-c-relay 3.7 (carbon_ch) hold a day of data for 2,000 metrics; a fourth node
// joins the relay's ring (the relay restarted); `carbon rebalance --delete-source` runs while senders
// keep sending through the relay, and is stopped twice on the way: Ctrl-C on a terminal (exit 130),
// then SIGKILL; the third run finishes. Afterwards every metric is on exactly the nodes the new ring
// names, and each copy holds, point by point, what was sent (the latest value sent for each
// timestamp): nothing lost, nothing doubled, nothing stale. `carbon sieve` then finds nothing.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
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
  waitForWrites,
  waitUntil,
  writeTokenFile,
} from '../../helpers/cluster.js'
import { BIN } from '../../helpers/paths.js'
import { tempDir } from '../../helpers/tmp.js'

const METRICS = 2000
const STEP = 300
const RETENTIONS = '5m:1d'
/** A day of data, short of the window's edge so that nothing rotates out while the test runs. */
const DAY_SLOTS = 280
const REPLICATION = 1

const names = Array.from({ length: METRICS }, (_, i) => `dc${i % 3}.host${Math.floor(i / 10)}.cpu.m${i % 10}`)
const fileOf = (metric: string): string => metric.replaceAll('.', '/') + '.wsp'

/**
 * Run carbon rebalance and stop it once `ready(output so far)` holds: ^C typed on a terminal, or
 * SIGKILL.
 */
function runAndStop(
  args: readonly string[],
  how: 'ctrl-c' | 'kill',
  ready: (output: string) => boolean,
): Promise<{ status: number | null; output: string }> {
  const argv = [process.execPath, path.join(BIN, 'carbon.cjs'), ...args].map((a) => `'${a}'`).join(' ')
  const child =
    how === 'ctrl-c'
      ? spawn('script', ['-qec', `bash -c "stty cols 100 rows 24; ${argv}; echo exit=\\$?"`, '/dev/null'], {
          // Without CI: ora shows no spinner (one plain line, no counts) when CI is set.
          env: { ...process.env, NO_COLOR: '1', CI: undefined },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [path.join(BIN, 'carbon.cjs'), ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  let sent = false
  const poll = setInterval(() => {
    if (sent || !ready(output)) return
    sent = true
    if (how === 'ctrl-c') child.stdin!.write('\x03')
    else child.kill('SIGKILL')
  }, 20)
  const killer = setTimeout(() => child.kill('SIGKILL'), 600_000)
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearInterval(poll)
      clearTimeout(killer)
      const exit = /exit=(\d+)/.exec(output)
      resolve({ status: how === 'ctrl-c' ? (exit ? Number(exit[1]) : null) : status, output })
    })
  })
}

/** The events of each kind in the job state file. */
function stateEvents(file: string): Record<string, number> {
  const counts: Record<string, number> = {}
  let text = ''
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return counts
  }
  for (const match of text.matchAll(/"e":"(\w+)"/g)) counts[match[1]!] = (counts[match[1]!] ?? 0) + 1
  // The copies the destination read from the source itself (/admin/pull), the bytes never relayed.
  counts.pulled = [...text.matchAll(/"e":"filled"[^\n]*"pulled":true/g)].length
  return counts
}

test(
  'issue 17.5: a fourth node joins a relay-fed cluster; carbon rebalance, stopped by ^C and SIGKILL, moves every point while senders keep sending',
  { ...needsRelay(), timeout: 900_000 },
  async (t) => {
    // How long each part took, in the test's diagnostics (where a slow CI spends its time).
    let mark = Date.now()
    const phase = (what: string): void => {
      t.diagnostic(`${what}: ${((Date.now() - mark) / 1000).toFixed(1)} s`)
      mark = Date.now()
    }
    const root = tempDir(t, 'carbonkit-rebalance-')
    const token = writeTokenFile(root)
    const three: ClusterNode[] = await Promise.all(
      ['n1', 'n2', 'n3'].map((instance) => startNode(t, root, instance, RETENTIONS)),
    )
    // The new node pulls its metrics from the others itself (/admin/pull): the bytes go node to node.
    const nodes = [
      ...three,
      await startNode(
        t,
        root,
        'n4',
        RETENTIONS,
        three.flatMap((n) => ['--admin-peer', n.url]),
      ),
    ]
    phase('nodes started')
    const relayPort = await freePort()
    const oldConfig = path.join(root, 'relay-old.conf')
    const newConfig = path.join(root, 'relay-new.conf')
    fs.writeFileSync(
      oldConfig,
      relayConfig(
        relayPort,
        nodes.slice(0, 3).map((n) => n.member),
        REPLICATION,
      ),
    )
    fs.writeFileSync(
      newConfig,
      relayConfig(
        relayPort,
        nodes.map((n) => n.member),
        REPLICATION,
      ),
    )
    const oldRing = createRelayLookup(parseRelayConfig(fs.readFileSync(oldConfig, 'utf8'), oldConfig))
    const newRing = createRelayLookup(parseRelayConfig(fs.readFileSync(newConfig, 'utf8'), newConfig))

    // What was sent: per metric, the latest value per timestamp.
    const { sent, lines } = sentLog(names)
    const now = Math.floor(Date.now() / 1000 / STEP) * STEP

    // A day of data through the relay onto three nodes.
    let relay = await startRelay(t, oldConfig, relayPort)
    const day: [number, number, number][] = []
    // Metric by metric, as a backfill sends it (each node writes a file in a few writes).
    for (let i = 0; i < METRICS; i++)
      for (let k = DAY_SLOTS; k >= 1; k--) day.push([i, i * 1000 + k, now - k * STEP])
    await sendLines(relayPort, lines(day))
    const byNode = (ring: (name: string) => string[]): Map<string, Set<string>> => {
      const out = new Map(nodes.map((n) => [n.member, new Set<string>()]))
      for (const name of names) for (const member of new Set(ring(name))) out.get(member)!.add(name)
      return out
    }
    const oldPlacement = byNode(oldRing)
    await waitUntil('the relay to deliver a day of data to three nodes', async () => {
      const lists = await Promise.all(nodes.map(listNode))
      return lists.every((list, i) => list.length === oldPlacement.get(nodes[i]!.member)!.size)
    })

    const sample = (list: Set<string>): string[] => [...list].filter((_, i) => i % 20 === 0)
    await waitForWrites(new Map(nodes.slice(0, 3).map((n) => [n, sample(oldPlacement.get(n.member)!)])))

    phase('a day of data written')
    // The fourth node joins: the relay restarts with the new ring; senders keep going through it.
    await relay.stop()
    relay = await startRelay(t, newConfig, relayPort)
    const senders = keepSending(
      relayPort,
      { sent, lines },
      METRICS,
      { now, step: STEP, slots: DAY_SLOTS },
      1000,
    )

    const common = rebalanceArgs(newConfig, oldConfig, token, nodes)
    const state = path.join(root, 'rebalance.state')

    // The plan, as a dry run prints it: the moves the new ring implies.
    const dry = run('carbon', [...common, '--dry-run', '--json', '--state', state])
    assert.equal(dry.status, 0, dry.stderr)
    const plan = (
      JSON.parse(dry.stdout) as { plan: { moves: { metric: string; from: string; to: string[] }[] } }
    ).plan
    let expectedMoves = 0
    for (const name of names) {
      const homes = new Set(newRing(name))
      for (const holder of new Set(oldRing(name))) if (!homes.has(holder)) expectedMoves++
      if ([...new Set(oldRing(name))].every((h) => homes.has(h)) && homes.size > new Set(oldRing(name)).size)
        expectedMoves++
    }
    assert.equal(plan.moves.length, expectedMoves)
    assert.ok(expectedMoves > 300, `only ${expectedMoves} moves`)
    assert.equal(fs.existsSync(state), false, 'a dry run wrote a job state')
    const dryText = run('carbon', [...common, '--dry-run', '--state', state])
    assert.match(dryText.stdout, new RegExp(`${plural(expectedMoves)}: `))
    assert.match(dryText.stdout, /dry run: nothing copied/)

    phase('dry runs')
    const apply = [...common, '--delete-source', '--state', state]
    // 1. ^C on a terminal once a tenth of the sources are deleted and the progress shows a count
    // (on an idle machine a tenth can be done before the spinner's first frame with one): exit 130.
    const first = await runAndStop(
      [...apply, '--rate', '400'],
      'ctrl-c',
      (output) =>
        /rebalance \d+\/\d+/.test(output) && (stateEvents(state).deleted ?? 0) >= expectedMoves / 10,
    )
    assert.equal(first.status, 130, first.output)
    assert.match(first.output, /rebalance \d+\/\d+/)
    assert.match(first.output, /interrupted: .*run the same command again to resume/)
    const afterFirst = stateEvents(state)
    assert.ok((afterFirst.deleted ?? 0) < expectedMoves, 'the first run finished before ^C')
    phase('first run (^C)')
    // 2. SIGKILL in the middle of the rest. At 100 metrics/s a batch (up to 128 moves) waits over a
    // second for its share of the rate, so batches end apart and the kill lands between them: at 400,
    // the last ones could end within one 20 ms poll of each other, before the kill.
    const second = await runAndStop(
      [...apply, '--rate', '100'],
      'kill',
      () => (stateEvents(state).deleted ?? 0) >= expectedMoves / 2,
    )
    assert.equal(second.status, null, second.output)
    assert.ok((stateEvents(state).deleted ?? 0) < expectedMoves, 'the second run finished before SIGKILL')
    phase('second run (SIGKILL)')
    // 3. The run that finishes.
    const third = await runAsync('carbon', [...apply, '--json'], { timeoutMs: 600_000 })
    assert.equal(third.status, 0, third.stderr)
    const result = JSON.parse(third.stdout) as {
      verified: number
      deleted: number
      failed: unknown[]
      resumedSteps: number
      droppedCachedPoints: number
      pulled: number
    }
    assert.deepEqual(result.failed, [])
    assert.ok(result.resumedSteps > 0)
    assert.equal(result.verified, expectedMoves)
    assert.equal(result.droppedCachedPoints, 0)
    const events = stateEvents(state)
    assert.equal(events.finished, 1)
    // Node to node: the fourth node (the only new home, with the others as its --admin-peer) read
    // every copy from its source itself, in whichever of the three runs made it. The third run's own
    // count (result.pulled) may be 0: the runs before it can have copied everything, leaving deletes.
    assert.ok((events.pulled ?? 0) > 0, 'nothing was pulled node to node')
    assert.equal(events.pulled, events.filled, 'copies relayed though their new home could pull them')
    assert.ok(
      (events.filled ?? 0) >= expectedMoves,
      `only ${events.filled} of ${expectedMoves} copies recorded`,
    )

    phase('third run')
    // Senders stop; the relay flushes; the nodes write everything out and stop.
    const round = await senders.stop()
    assert.ok(round > 1, `only ${round} rounds were sent during the move`)
    await relay.stop()
    const newPlacement = byNode(newRing)
    await waitUntil('the last rounds to arrive', async () => {
      const lists = await Promise.all(nodes.map(listNode))
      return lists.every((list, i) => list.length === newPlacement.get(nodes[i]!.member)!.size)
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    await Promise.all(nodes.map((n) => n.serve.stop()))

    phase('nodes stopped')
    // Every metric exactly where the new ring says, with every point sent, point by point.
    const checkedPoints = assertPlacedAsSent(nodes, newPlacement, sent, fileOf)
    assert.ok(checkedPoints >= METRICS * REPLICATION * DAY_SLOTS)

    phase('points checked')
    // carbon sieve on each node finds nothing misplaced.
    await assertSieveFindsNothing(nodes, newConfig)
    phase('sieve')
  },
)

function plural(n: number): string {
  return n === 1 ? '1 move' : `${n} moves`
}
