// A carbon cluster for end-to-end tests: `carbon serve` nodes with their admin API on (one token), a
// real carbon-c-relay in front of them (Debian 3.7), restartable with another ring, and line senders.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Serve } from './serve.js'
import { runAsync } from './cli.js'
import { listensOn, tcpSockets, unassignedPort } from './ports.js'
import { readTreeWithReference, startServe, writeServeConfig } from './serve.js'

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789'

export interface ClusterNode {
  serve: Serve
  /** Its whisper data directory. */
  dir: string
  /** As the relay's ring names it: 127.0.0.1:<line port>=<instance>. */
  member: string
  /** Its HTTP listener (read API and admin API). */
  url: string
}

/** The admin token file, written once under `root`. */
export function writeTokenFile(root: string): string {
  const file = path.join(root, 'admin.token')
  fs.writeFileSync(file, ADMIN_TOKEN + '\n')
  return file
}

/** Start one node under `root/<instance>` with `retentions` for every metric. */
export async function startNode(
  t: Pick<TestContext, 'after'>,
  root: string,
  instance: string,
  retentions: string,
  /** More flags for carbon serve (--admin-peer). */
  args: readonly string[] = [],
): Promise<ClusterNode> {
  const home = path.join(root, instance)
  const config = writeServeConfig(home, {
    settings: { MAX_CREATES_PER_MINUTE: 'inf', MAX_CACHE_SIZE: 'inf' },
    schemas: `[default]\npattern = .*\nretentions = ${retentions}\n`,
  })
  const serve = await startServe(t, ['--config', config, '--admin-token-file', writeTokenFile(root), ...args])
  return {
    serve,
    dir: path.join(home, 'storage', 'whisper'),
    member: `127.0.0.1:${serve.ports.line}=${instance}`,
    url: `http://127.0.0.1:${serve.ports.http}`,
  }
}

export const hasRelay = (): boolean => {
  const probe = spawnSync('carbon-c-relay', ['-v'], { encoding: 'utf8' })
  return !probe.error && /v3\.7/.test(probe.stdout + probe.stderr)
}

export const needsRelay = (): { skip?: string } =>
  hasRelay() || process.env.CARBONKIT_REQUIRE_REFERENCE === '1'
    ? {}
    : { skip: 'needs carbon-c-relay 3.7 (apt-get install carbon-c-relay)' }

/**
 * A port for a relay (carbon-c-relay takes no port 0): outside the kernel's ephemeral range, so that
 * no other socket takes it between this pick and the relay's bind, nor while the relay restarts.
 */
export async function freePort(): Promise<number> {
  return unassignedPort()
}

/** A relay configuration: one carbon_ch cluster of `members`, everything sent to it. */
export function relayConfig(port: number, members: readonly string[], replication: number): string {
  return (
    `listen type linemode 127.0.0.1:${port} proto tcp ;\n` +
    `cluster nodes carbon_ch replication ${replication} ${members.join(' ')} ;\n` +
    `match * send to nodes ;\n`
  )
}

export interface Relay {
  child: ChildProcess
  port: number
  stop(): Promise<void>
}

/** Start carbon-c-relay on `configFile` and wait until it accepts connections on `port`. */
export async function startRelay(
  t: Pick<TestContext, 'after'>,
  configFile: string,
  port: number,
): Promise<Relay> {
  const child = spawn('carbon-c-relay', ['-s', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  // Ready once the relay itself listens on the port (a connection alone could reach another socket
  // bound there); a relay that could not bind it exits. Only a hang bounds the wait (3 min).
  const deadline = Date.now() + 180_000
  while (!listensOn(child.pid!, port)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
      throw new Error(`carbon-c-relay did not start listening on ${port}: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    child,
    port,
    async stop() {
      // SIGTERM: the relay flushes its queues to the members before it exits.
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Send `text` over one TCP connection to 127.0.0.1:`port`; resolves once the peer closed too. */
export function sendLines(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text))
    socket.on('error', reject)
    socket.on('close', () => resolve())
    socket.resume()
  })
}

/** A node's metric names through its admin API. */
export async function listNode(node: ClusterNode): Promise<string[]> {
  const response = await fetch(`${node.url}/admin/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  if (!response.ok) throw new Error(`${node.member}: ${response.status} ${await response.text()}`)
  const text = await response.text()
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { name: string }).name)
    .filter((name) => !name.startsWith('carbon.agents.'))
}

/**
 * Wait until `done()` holds, polling every 100 ms; fail with `what` after `timeoutMs` (it only bounds
 * a hang: on a loaded machine a node's writer threads, which yield the CPU, can take minutes).
 */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean> | boolean,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** `carbon rebalance` from the old ring to the new one over `nodes` (each `{ member, url }`). */
export function rebalanceArgs(
  newConfig: string,
  oldConfig: string,
  tokenFile: string,
  nodes: readonly Pick<ClusterNode, 'member' | 'url'>[],
): string[] {
  return [
    'rebalance',
    '--relay-config',
    newConfig,
    '--old-relay-config',
    oldConfig,
    '--admin-token-file',
    tokenFile,
    ...nodes.flatMap((n) => ['--node', `${n.member}=${n.url}`]),
  ]
}

/**
 * Wait until every node has acknowledged every connection made to its line port: a node closes its
 * side only once all it read from the connection is in its write-ahead log, so none of them is still
 * open (ESTABLISHED, or CLOSE_WAIT once the client, such as a stopped relay, closed its side). After
 * this a SIGKILL loses nothing that was sent to the nodes. Reads the kernel's table of TCP sockets.
 */
export async function waitForAcknowledged(nodes: readonly ClusterNode[]): Promise<void> {
  const ports = new Set(nodes.map((n) => n.serve.ports.line!))
  // 01 ESTABLISHED, 08 CLOSE_WAIT: the node has not closed its side yet.
  const open = (): number =>
    tcpSockets().filter((s) => ports.has(s.localPort) && (s.state === '01' || s.state === '08')).length
  await waitUntil('the nodes to acknowledge every connection', () => open() === 0)
}

/** How many points of `metric` a node still holds in its cache (not yet in its file); null if absent. */
export async function cachedPoints(node: ClusterNode, metric: string): Promise<number | null> {
  const response = await fetch(`${node.url}/admin/file?name=${encodeURIComponent(metric)}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  await response.arrayBuffer()
  if (response.status === 404) return null
  return Number(response.headers.get('x-carbonkit-cached-points'))
}

/** Wait until each node has written every point of its `metrics` (a sample is enough) to its files. */
export async function waitForWrites(
  placement: ReadonlyMap<ClusterNode, readonly string[]>,
  timeoutMs = 180_000,
): Promise<void> {
  await waitUntil(
    'the nodes to write out their caches',
    async () => {
      const counts = await Promise.all(
        [...placement].flatMap(([node, metrics]) => metrics.map((m) => cachedPoints(node, m))),
      )
      return counts.every((n) => n === 0)
    },
    timeoutMs,
  )
}

/**
 * Each node holds exactly the metrics `placement` names for it (self-metrics aside), each with every
 * point `sent` (the latest value per timestamp), point by point, read with the reference reader.
 * Answers how many points were checked.
 */
export function assertPlacedAsSent(
  nodes: readonly ClusterNode[],
  placement: ReadonlyMap<string, ReadonlySet<string>>,
  sent: ReadonlyMap<string, ReadonlyMap<number, number>>,
  fileOf: (metric: string) => string,
): number {
  let checkedPoints = 0
  for (const node of nodes) {
    const tree = readTreeWithReference(node.dir)
    const held = Object.keys(tree).filter((f) => !f.startsWith('carbon/'))
    const want = placement.get(node.member)!
    assert.deepEqual(
      held.sort(),
      [...want].map(fileOf).sort(),
      `${node.member} holds other metrics than the ring says`,
    )
    for (const name of want) {
      const got = new Map(tree[fileOf(name)]!.points.map(([ts, v]) => [ts, v]))
      const expected = sent.get(name)!
      if (got.size !== expected.size || [...expected].some(([ts, v]) => got.get(ts) !== v)) {
        const wrong = [...expected].filter(([ts, v]) => got.get(ts) !== v).slice(0, 3)
        assert.fail(
          `${node.member} ${name}: ${got.size} points, ${expected.size} sent; e.g. ${JSON.stringify(wrong.map(([ts, v]) => [ts, v, got.get(ts)]))}`,
        )
      }
      checkedPoints += expected.size
    }
  }
  return checkedPoints
}

/** `carbon sieve` on every node finds nothing the ring of `relayConfigFile` places elsewhere. */
export async function assertSieveFindsNothing(
  nodes: readonly ClusterNode[],
  relayConfigFile: string,
): Promise<void> {
  const sieves = await Promise.all(
    nodes.map((node) =>
      runAsync('carbon', ['sieve', node.dir, '--relay-config', relayConfigFile, '--node', node.member]),
    ),
  )
  for (const sieve of sieves) assert.equal(sieve.status, 0, sieve.stdout + sieve.stderr)
}

/** What was sent to a cluster: per metric, the latest value per timestamp. */
export interface SentLog {
  sent: Map<string, Map<number, number>>
  /** Plaintext lines of points given as [metric index, value, timestamp], recorded as sent. */
  lines(points: readonly [number, number, number][]): string
}

export function sentLog(names: readonly string[]): SentLog {
  const sent = new Map(names.map((name) => [name, new Map<number, number>()]))
  return {
    sent,
    lines(points) {
      let text = ''
      for (const [i, value, timestamp] of points) {
        sent.get(names[i]!)!.set(timestamp, value)
        text += `${names[i]} ${value} ${timestamp}\n`
      }
      return text
    },
  }
}

/**
 * Senders that keep going through the relay while a move runs (at most 200 rounds): each round
 * overwrites an old slot of every metric with new values and writes the current slot again.
 * rounds() tells how many so far; stop() ends them and answers how many were sent.
 */
export function keepSending(
  port: number,
  log: SentLog,
  metrics: number,
  slot: { now: number; step: number; slots: number },
  pauseMs: number,
): { rounds(): number; stop(): Promise<number> } {
  let sending = true
  let round = 0
  const done = (async () => {
    while (sending && round < 200) {
      round++
      const points: [number, number, number][] = []
      for (let i = 0; i < metrics; i++) {
        points.push([i, 1e6 + round * 10_000 + i, slot.now - (1 + (round % slot.slots)) * slot.step])
        points.push([i, 2e6 + round * 10_000 + i, slot.now])
      }
      await sendLines(port, log.lines(points))
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  })()
  return {
    rounds: () => round,
    async stop() {
      sending = false
      await done
      return round
    },
  }
}
