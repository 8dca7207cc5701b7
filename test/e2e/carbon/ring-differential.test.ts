// issue 17.1: `carbon ring` against the real routers, on 5,000 seeded random names per ring
// (test/helpers/ring-names.ts: tagged, unicode, very long, odd characters, odd dots):
// - the running carbon-c-relay 3.7 (Debian): its members are TCP listeners on 127.0.x.y that record
//   what they receive; every name is sent through the relay with its index as the value, and who
//   received each index must be exactly who `carbon ring --relay-config` names;
// - its test mode (`carbon-c-relay -t`) against `carbon ring --raw`, destinations in order;
// - carbon-relay's own router classes (Debian graphite-carbon) against `carbon ring --config`.
// The seed is printed; CARBONKIT_SEED=<seed> replays a run.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { describe, test } from 'node:test'
import { createRandom, runSeed } from '../../helpers/random.js'
import { REFERENCE_PYTHON, needsReference } from '../../helpers/reference.js'
import { BIN, ROOT } from '../../helpers/paths.js'
import { listensOn, unassignedPort } from '../../helpers/ports.js'
import { randomMetricNames } from '../../helpers/ring-names.js'
import { tempDir } from '../../helpers/tmp.js'

const COUNT = 5000
const SEED = runSeed()
process.stderr.write(`carbon ring differential: seed ${SEED} (replay with CARBONKIT_SEED=${SEED})\n`)
const NAMES = randomMetricNames(createRandom(SEED), COUNT)
const TIMESTAMP = 1700000000

let relayProbe: { skip?: string } | undefined

function needsRelay(): { skip?: string } {
  relayProbe ??= probeRelay()
  return relayProbe
}

function probeRelay(): { skip?: string } {
  const probe = spawnSync('carbon-c-relay', ['-v'], { encoding: 'utf8' })
  if (!probe.error && /v3\.7/.test(probe.stdout + probe.stderr)) return {}
  if (process.env.CARBONKIT_REQUIRE_REFERENCE === '1') return {}
  const message = 'SKIPPED: needs carbon-c-relay 3.7 (apt-get install carbon-c-relay)'
  process.stderr.write(`\n*** ${message} ***\n\n`)
  return { skip: message }
}

interface MemberSpec {
  host: string
  instance?: string
}

interface RingSpec {
  title: string
  members: MemberSpec[]
  /** The cluster and match statements, given each member as `host:port[=instance]`. */
  config: (m: string[]) => string
}

const on = (host: string, instance?: string): MemberSpec => ({ host, instance })
const range = (n: number, make: (i: number) => MemberSpec): MemberSpec[] =>
  Array.from({ length: n }, (_, i) => make(i))

const RINGS: RingSpec[] = [
  {
    title: 'carbon_ch, three hosts without instances, replication 1',
    members: range(3, (i) => on(`127.0.1.${i + 1}`)),
    config: (m) => `cluster r carbon_ch ${m.join(' ')};\nmatch * send to r;\n`,
  },
  {
    title: 'carbon_ch with instances (two on one host), replication 2',
    members: [on('127.0.2.1', 'a'), on('127.0.2.1', 'b'), on('127.0.2.2', 'c')],
    config: (m) => `cluster r carbon_ch replication 2\n  ${m.join('\n  ')}\n  ;\nmatch * send to r;\n`,
  },
  {
    title: 'carbon_ch, five instances on one host (shared ring positions), replication 2',
    members: range(5, (i) => on('127.0.7.1', `cache${i}`)),
    config: (m) => `cluster r carbon_ch replication 2 ${m.join(' ')};\nmatch * send to r;\n`,
  },
  {
    title: 'fnv1a_ch, four instances, replication 2',
    members: range(4, (i) => on(`127.0.3.${i + 1}`, String.fromCharCode(0x61 + i))),
    config: (m) => `cluster r fnv1a_ch replication 2 ${m.join(' ')};\nmatch * send to r;\n`,
  },
  {
    title: 'fnv1a_ch without instances, replication 1',
    members: range(3, (i) => on(`127.0.4.${i + 1}`)),
    config: (m) => `cluster r fnv1a_ch ${m.join(' ')};\nmatch * send to r;\n`,
  },
  ...[1, 2].map((replication) => ({
    title: `jump_fnv1a_ch, instances 3 1 10 2 and one without, replication ${replication}`,
    members: [
      on('127.0.5.1', '3'),
      on('127.0.5.1', '1'),
      on('127.0.5.2', '10'),
      on('127.0.5.2', '2'),
      on('127.0.5.3'),
    ],
    config: (m: string[]) =>
      `cluster r jump_fnv1a_ch replication ${replication} ${m.join(' ')};\nmatch * send to r;\n`,
  })),
  {
    title: 'several clusters and match rules',
    members: [
      ...range(3, (i) => on(`127.0.6.${i + 1}`, `w${i}`)),
      ...range(3, () => on('127.0.6.10')),
      ...range(3, (i) => on('127.0.6.20', String(i + 1))),
      on('127.0.6.30'),
      on('127.0.6.31'),
      ...range(3, () => on('127.0.6.40')),
      on('127.0.6.50'),
      on('127.0.6.51'),
    ],
    config: (m) =>
      [
        '# carbonkit ring differential: several clusters',
        `cluster web carbon_ch replication 2 ${m.slice(0, 3).join(' ')};`,
        `cluster infra fnv1a_ch ${m.slice(3, 6).join(' ')} ;`,
        `cluster jmp jump_fnv1a_ch replication 2 ${m.slice(6, 9).join(' ')};`,
        `cluster all forward ${m[9]} ${m[10]};`,
        `cluster some any_of ${m.slice(11, 14).join(' ')};`,
        `cluster fo failover ${m[14]} ${m[15]};`,
        'match \\.latency$ send to web;',
        'match ^stats(d)?\\. send to infra stop;',
        'match ^test\\. send to blackhole;',
        'match ^(servers|collectd)\\. ^nginx send to jmp some stop;',
        'match [[:digit:]]x send to all fo;',
        'match "^car(bon)?\\." send to web infra;',
        'match _ send to some;',
        'match * send to web;',
        '',
      ].join('\n'),
  },
]

interface Listener {
  label: string
  server: net.Server
}

async function listen(host: string, onLine: (line: string) => void): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let rest = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop()!
      for (const line of lines) onLine(line)
    })
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  return server
}

/** Connect to 127.0.0.1:`port`. */
function connect(port: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Run a process to its end without blocking the event loop (the listeners keep receiving); stdout as bytes. */
async function runProcess(
  command: string,
  args: readonly string[],
  input: Buffer,
): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  const chunks: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => chunks.push(d))
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  child.stdin.on('error', () => undefined)
  child.stdin.end(input)
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { status, stdout: Buffer.concat(chunks), stderr }
}

const namesInput = (names: readonly string[]): Buffer => Buffer.from(names.join('\n') + '\n', 'utf8')

async function carbonRing(args: string[], names: readonly string[]): Promise<string[][]> {
  const result = await runProcess(
    process.execPath,
    [path.join(BIN, 'carbon.cjs'), 'ring', ...args, '--json'],
    namesInput(names),
  )
  assert.equal(result.status, 0, result.stderr)
  const lines = result.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
  assert.equal(lines.length, names.length)
  return lines.map((line, i) => {
    const answer = JSON.parse(line) as { metric: string; destinations: string[] }
    assert.equal(answer.metric, names[i])
    return answer.destinations
  })
}

const withoutInstance = (label: string): string => label.replace(/=.*$/, '')

/** `carbon-c-relay -t`'s destinations per input name (test mode prints `ip:port`, no instance). */
async function relayTestMode(configFile: string, names: readonly string[]): Promise<Map<string, string[]>> {
  const result = await runProcess('carbon-c-relay', ['-t', '-f', configFile], namesInput(names))
  assert.equal(result.status, 0, result.stderr)
  const stdout = result.stdout.toString('latin1')
  const routes = new Map<string, string[]>()
  let current: string[] | null = null
  for (const line of stdout.split('\n')) {
    // `    -> name`, or `    EXPR (regex) -> name` on one line; no expression of ours holds `-> `.
    const named = /^ {4}(?:\S.*? )?-> (.*)$/.exec(line)
    if (named) {
      const name = Buffer.from(named[1]!, 'latin1').toString('utf8')
      current = routes.get(name) ?? []
      routes.set(name, current)
    } else if (current && /^ {8}\S/.test(line)) {
      current.push(line.trim())
    }
  }
  return routes
}

function mismatches(names: readonly string[], want: readonly string[][], got: readonly string[][]): string[] {
  const out: string[] = []
  names.forEach((name, i) => {
    if (JSON.stringify(want[i]) !== JSON.stringify(got[i])) {
      out.push(
        `${JSON.stringify(name)}: carbon ring ${JSON.stringify(want[i])}, reference ${JSON.stringify(got[i])}`,
      )
    }
  })
  return out
}

function assertAgree(title: string, names: readonly string[], ours: string[][], theirs: string[][]): void {
  const bad = mismatches(names, ours, theirs)
  assert.equal(
    bad.length,
    0,
    `${title}: ${bad.length} of ${names.length} names disagree (seed ${SEED}):\n${bad.slice(0, 8).join('\n')}`,
  )
}

// Concurrent: each ring has addresses of its own, and the time goes into waiting on processes.
describe('issue 17.1: carbon ring against carbon-c-relay 3.7', { concurrency: 4 }, () => {
  for (const ring of RINGS) {
    test(
      `issue 17.1: carbon ring agrees with a running carbon-c-relay: ${ring.title}`,
      needsRelay(),
      async (t) => {
        const dir = tempDir(t, 'carbonkit-ring-')
        const received: string[][] = NAMES.map(() => [])
        let total = 0
        const listeners: Listener[] = []
        t.after(() => Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve)))))
        for (const member of ring.members) {
          const listener: Listener = { label: '', server: null as unknown as net.Server }
          listener.server = await listen(member.host, (line) => {
            const fields = line.split(' ')
            if (fields.length < 3 || fields[fields.length - 1] !== String(TIMESTAMP)) return
            const index = Number(fields[fields.length - 2])
            if (!Number.isInteger(index) || index < 0 || index >= NAMES.length) return
            received[index]!.push(listener.label)
            total++
          })
          const port = (listener.server.address() as net.AddressInfo).port
          listener.label = `${member.host}:${port}`
          listeners.push(listener)
        }
        const labels = ring.members.map(
          (m, i) => listeners[i]!.label + (m.instance === undefined ? '' : `=${m.instance}`),
        )
        const relayPort = await unassignedPort()
        const configFile = path.join(dir, 'relay.conf')
        fs.writeFileSync(
          configFile,
          `listen type linemode 127.0.0.1:${relayPort} proto tcp ;\n` + ring.config(labels),
        )

        // Ours and the test mode run while the relay starts and delivers.
        const answers = Promise.all([
          carbonRing(['--relay-config', configFile], NAMES),
          carbonRing(['--relay-config', configFile, '--raw'], NAMES),
          relayTestMode(configFile, NAMES),
        ])
        answers.catch(() => undefined)

        const relay = spawn('carbon-c-relay', ['-s', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
        let relayLog = ''
        relay.stdout.on('data', (d: Buffer) => (relayLog = (relayLog + d.toString()).slice(-4000)))
        relay.stderr.on('data', (d: Buffer) => (relayLog = (relayLog + d.toString()).slice(-4000)))
        let relayExited = false
        const exited = new Promise((resolve) => relay.once('exit', resolve))
        void exited.then(() => (relayExited = true))
        t.after(async () => {
          relay.kill('SIGTERM')
          await exited
        })
        // Once the relay itself listens (a connection alone could reach another socket on the port);
        // only a hang bounds the wait: its start-up can take seconds on a loaded machine.
        const listenBy = Date.now() + 180_000
        while (!listensOn(relay.pid!, relayPort)) {
          if (relayExited || Date.now() > listenBy)
            throw new Error(`carbon-c-relay did not start listening on ${relayPort}: ${relayLog}`)
          await sleep(25)
        }
        const socket = await connect(relayPort)
        await new Promise<void>((resolve) => {
          socket.end(NAMES.map((name, i) => `${name} ${i} ${TIMESTAMP}\n`).join(''), resolve)
        })
        const [live, raw, testMode] = await answers
        const expected = live.reduce((n, d) => n + d.length, 0)
        // Until every expected line arrived and nothing more comes for 300 ms. The relay flushes
        // within moments on an idle machine; on a loaded one it can pause for seconds, so only a
        // hang ends the wait early (a line sent twice or to the wrong member fails below).
        const deadline = Date.now() + 180_000
        let last = -1
        let stableSince = Date.now()
        while (Date.now() < deadline && !relayExited) {
          await sleep(100)
          if (total !== last) {
            last = total
            stableSince = Date.now()
          } else if (total >= expected && Date.now() - stableSince > 300) {
            break
          }
        }
        assert.ok(total > 0, `the relay delivered nothing: ${relayLog}`)
        const want = live.map((d) => d.map(withoutInstance).sort())
        const got = received.map((d) => [...d].sort())
        assertAgree(ring.title, NAMES, want, got)
        assert.equal(total, expected)

        // Test mode: the name as given, destinations in the relay's order.
        assertAgree(
          `${ring.title} (-t)`,
          NAMES,
          raw.map((d) => d.map(withoutInstance)),
          NAMES.map((n) => testMode.get(n) ?? []),
        )
        // The two semantics differ for tagged and non-ASCII names: the test exercises both.
        assert.ok(mismatches(NAMES, live, raw).length > 500)
      },
    )
  }
})

interface CarbonConfSpec {
  title: string
  relay: string
}

const CARBON_CONFS: CarbonConfSpec[] = [
  {
    title: 'carbon_ch, three hosts, replication 1',
    relay: 'DESTINATIONS = 127.0.1.1:2004, 127.0.1.2:2004, 127.0.1.3:2004',
  },
  {
    title: 'carbon_ch, a and b on one host, c on another, replication 2, DIVERSE_REPLICAS default',
    relay: 'DESTINATIONS = 127.0.2.1:2104:a, 127.0.2.1:2204:b, 127.0.2.2:2304:c\nREPLICATION_FACTOR = 2',
  },
  {
    title: 'the same with DIVERSE_REPLICAS = False',
    relay:
      'DESTINATIONS = 127.0.2.1:2104:a, 127.0.2.1:2204:b, 127.0.2.2:2304:c\nREPLICATION_FACTOR = 2\nDIVERSE_REPLICAS = False',
  },
  {
    title: 'carbon_ch, five caches on one host (collisions bumped), replication 2, not diverse',
    relay:
      'DESTINATIONS = ' +
      range(5, (i) => on('127.0.7.1', `cache${i}`))
        .map((m, i) => `${m.host}:${2004 + i}:${m.instance}`)
        .join(', ') +
      '\nREPLICATION_FACTOR = 2\nDIVERSE_REPLICAS = no',
  },
  {
    title: 'fnv1a_ch, four instances, replication 2',
    relay:
      'ROUTER_HASH_TYPE = fnv1a_ch\nREPLICATION_FACTOR = 2\nDESTINATIONS = 127.0.3.1:2004:a,127.0.3.2:2004:b,127.0.3.3:2004:c,127.0.3.4:2004:d',
  },
  {
    title: 'fnv1a_ch without instances',
    relay: 'ROUTER_HASH_TYPE = fnv1a_ch\nDESTINATIONS = 127.0.4.1:2004, 127.0.4.2:2004, 127.0.4.3:2004',
  },
  {
    title: 'TAG_RELAY_NORMALIZED = True, IPv6 and single-member edge',
    relay: 'TAG_RELAY_NORMALIZED = True\nDESTINATIONS = 127.0.1.1:2004, [::1]:2104:x, 127.0.1.3:2004',
  },
  {
    title: 'one destination, replication 2, not diverse (carbon yields it twice)',
    relay: 'DESTINATIONS = 127.0.1.1:2004\nREPLICATION_FACTOR = 2\nDIVERSE_REPLICAS = False',
  },
]

const CARBON_REFERENCE = needsReference('carbon.routers')

for (const conf of CARBON_CONFS) {
  test(
    `issue 17.1: carbon ring --config agrees with carbon-relay's router: ${conf.title}`,
    CARBON_REFERENCE,
    async (t) => {
      const dir = tempDir(t, 'carbonkit-ring-')
      const file = path.join(dir, 'carbon.conf')
      fs.writeFileSync(
        file,
        `[cache]\nDESTINATIONS = 10.0.0.1:2004\n\n[relay]\nRELAY_METHOD = consistent-hashing\n${conf.relay}\n\n[aggregator]\nDESTINATIONS = 10.0.0.2:2004\n`,
      )
      const [reference, ours] = await Promise.all([
        runProcess(
          REFERENCE_PYTHON,
          [path.join(ROOT, 'test', 'helpers', 'carbon_ring.py'), file],
          namesInput(NAMES),
        ),
        carbonRing(['--config', file], NAMES),
      ])
      assert.equal(reference.status, 0, reference.stderr)
      const theirs = reference.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as string[])
      assert.equal(theirs.length, NAMES.length)
      assertAgree(conf.title, NAMES, ours, theirs)
    },
  )
}
