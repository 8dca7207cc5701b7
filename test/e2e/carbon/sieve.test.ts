// issue 17.3: `carbon sieve` as an operator runs it on one node of a carbon-c-relay cluster. The tree
// holds metrics placed by the real relay (Debian carbon-c-relay 3.7, its test mode `-t` run on each
// name's routing key, so the expectation does not come from carbonkit's ring), some misplaced, the
// node's self-metrics, tagged series (`_tagged/` paths, readable and hashed) and nothing else.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'
import { HOUR } from '../../helpers/whisper-tree.js'

const NODE = '127.0.0.1:2101=a'
const RELAY = [
  'cluster main carbon_ch 127.0.0.1:2101=a 127.0.0.1:2102=b 127.0.0.1:2103=c;',
  'match * send to main;',
  '',
].join('\n')

const PLAIN = Array.from({ length: 40 }, (_, i) => `app.web${i % 7}.requests.m${i}`)
const TAGGED = Array.from({ length: 12 }, (_, i) => `disk.used${i};dc=eu;host=web${i}`)
const SELF = ['carbon.agents.node1-a.cpuUsage', 'carbon.agents.node1-a.cache.size']
const HASHED = `_tagged/abc/def/${'0123456789abcdef'.repeat(4)}.wsp`

const hasRelay = spawnSync('carbon-c-relay', ['-v']).status === 0
const needsRelay = hasRelay ? {} : { skip: 'needs carbon-c-relay 3.7 (apt-get install carbon-c-relay)' }

/** The file carbon writes a metric to (TaggedSeries.encode, TAG_HASH_FILENAMES = False). */
function fileOf(metric: string): string {
  if (!metric.includes(';')) return metric.replaceAll('.', '/') + '.wsp'
  const hash = createHash('sha256').update(metric, 'utf8').digest('hex')
  return `_tagged/${hash.slice(0, 3)}/${hash.slice(3, 6)}/${metric.replaceAll('.', '_DOT_')}.wsp`
}

/** Where the real relay's test mode sends each key (`ip:port`, its output has no instance). */
function relayPlacement(configFile: string, keys: readonly string[]): Map<string, string[]> {
  const result = spawnSync('carbon-c-relay', ['-t', '-f', configFile], {
    input: keys.join('\n') + '\n',
    encoding: 'utf8',
  })
  assert.equal(result.status, 0, result.stderr)
  const out = new Map<string, string[]>()
  let current: string[] | null = null
  for (const line of result.stdout.split('\n')) {
    const named = /^ {4}(?:\S.*? )?-> (.*)$/.exec(line)
    if (named) {
      current = []
      out.set(named[1]!, current)
    } else if (current && /^ {8}\S/.test(line)) current.push(line.trim())
  }
  return out
}

interface Node {
  dir: string
  relay: string
  work: string
  /** Relative paths of the files the relay places elsewhere, sorted. */
  misplaced: string[]
  held: string[]
  fileBytes: number
}

function makeNode(t: Parameters<typeof tempDir>[0]): Node {
  const work = tempDir(t, 'carbonkit-sieve-')
  const relay = path.join(work, 'relay.conf')
  fs.writeFileSync(relay, RELAY)
  const dir = path.join(work, 'storage', 'whisper')
  const names = [...PLAIN, ...TAGGED]
  // The running relay routes on the part before `;` (these names need no cleansing).
  const placement = relayPlacement(
    relay,
    names.map((n) => n.split(';')[0]!),
  )
  const misplaced: string[] = []
  const held: string[] = []
  for (const name of [...names, ...SELF]) {
    const file = path.join(dir, fileOf(name))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, HOUR, { sparse: true })
    if (SELF.includes(name)) continue
    const to = placement.get(name.split(';')[0]!)
    assert.ok(to && to.length === 1, `relay placement of ${name}`)
    ;(to[0] === NODE.split('=')[0] ? held : misplaced).push(fileOf(name))
  }
  fs.mkdirSync(path.join(dir, path.dirname(HASHED)), { recursive: true })
  create(path.join(dir, HASHED), HOUR, { sparse: true })
  const fileBytes = fs.statSync(path.join(dir, HASHED)).size
  // The tree must exercise both outcomes for plain and tagged names.
  for (const list of [held, misplaced]) {
    assert.ok(list.some((f) => f.startsWith('_tagged/')))
    assert.ok(list.some((f) => f.startsWith('app/')))
  }
  return { dir, relay, work, misplaced: misplaced.sort(), held: held.sort(), fileBytes }
}

/** `carbon sieve` over a node's tree, as the member NODE of its relay's ring. */
function sieveOn(node: Node, ...args: string[]): ReturnType<typeof run> {
  return run('carbon', ['sieve', node.dir, '--relay-config', node.relay, '--node', NODE, ...args])
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.wsp'))
    .map((f) => f.split(path.sep).join('/'))
    .sort()
}

test(
  'issue 17.3: carbon sieve dry run lists the metrics the relay places elsewhere, exits 1, removes nothing',
  needsRelay,
  (t) => {
    const node = makeNode(t)
    const before = filesUnder(node.dir)
    const result = sieveOn(node)
    assert.equal(result.status, 1, result.stderr)
    assert.equal(result.stderr, '')
    const lines = result.stdout.trimEnd().split('\n')
    const listed = lines.filter((l) => l.includes(' -> ')).map((l) => l.split('  ')[1]!)
    assert.deepEqual(listed.sort(), node.misplaced)
    // Tagged series are named as they were sent, and say where they belong.
    const tagged = lines.find((l) => l.startsWith('disk.used') && l.includes(' -> '))!
    assert.match(tagged, /^disk\.used\d+;dc=eu;host=web\d+ {2}_tagged\/.* -> 127\.0\.0\.1:210[23]=[bc]$/)
    assert.ok(lines.includes(`kept (hashed tagged file, name unknown): ${HASHED}`))
    const total = PLAIN.length + TAGGED.length + SELF.length + 1
    const bytes = node.misplaced.length * node.fileBytes
    assert.equal(
      lines.at(-2),
      `${total} files under ${node.dir}: ${node.held.length} held by ${NODE}, 2 self-metrics, 1 unnamed, ` +
        `${node.misplaced.length} misplaced (${bytes.toLocaleString('en-US')} bytes (${(bytes / 1024).toFixed(1)} KiB))`,
    )
    assert.equal(
      lines.at(-1),
      'dry run: nothing removed; --delete or --quarantine DIR removes the misplaced files',
    )
    assert.deepEqual(filesUnder(node.dir), before)

    const json = sieveOn(node, '--json')
    assert.equal(json.status, 1, json.stderr)
    const data = JSON.parse(json.stdout) as {
      misplaced: { path: string; metric: string; bytes: number; destinations: string[] }[]
      held: number
      selfMetrics: number
      unnamed: string[]
      misplacedBytes: number
      action: string
      disposedFiles: number
    }
    assert.deepEqual(data.misplaced.map((m) => m.path).sort(), node.misplaced)
    assert.equal(data.held, node.held.length)
    assert.equal(data.selfMetrics, 2)
    assert.deepEqual(data.unnamed, [HASHED])
    assert.equal(data.misplacedBytes, bytes)
    assert.equal(data.action, 'none')
    assert.equal(data.disposedFiles, 0)
    for (const m of data.misplaced) assert.equal(fileOf(m.metric), m.path)
  },
)

test(
  'issue 17.3: carbon sieve --delete removes exactly the misplaced files and the directories they leave empty',
  needsRelay,
  (t) => {
    const node = makeNode(t)
    const result = sieveOn(node, '--delete')
    assert.equal(result.status, 0, result.stderr)
    const bytes = node.misplaced.length * node.fileBytes
    assert.match(
      result.stdout,
      new RegExp(
        `\\ndeleted ${node.misplaced.length} files \\(${bytes.toLocaleString('en-US')} bytes .*\\), \\d+ empty directories removed\\n$`,
      ),
    )
    const kept = [...node.held, ...SELF.map(fileOf), HASHED].sort()
    assert.deepEqual(filesUnder(node.dir), kept)
    // No empty directory is left behind, and the data directory itself stays.
    for (const entry of fs.readdirSync(node.dir, { recursive: true }) as string[]) {
      const full = path.join(node.dir, entry)
      if (fs.statSync(full).isDirectory())
        assert.notDeepEqual(fs.readdirSync(full), [], `${entry} left empty`)
    }
    const again = sieveOn(node, '--json')
    assert.equal(again.status, 0, again.stderr)
    assert.deepEqual((JSON.parse(again.stdout) as { misplaced: unknown[] }).misplaced, [])

    // A tree of misplaced files only: all removed, the data directory kept (empty).
    const lone = path.join(node.work, 'lone')
    fs.mkdirSync(path.join(lone, 'x'), { recursive: true })
    create(path.join(lone, 'x', 'y.wsp'), HOUR, { sparse: true })
    const other = run('carbon', [
      'sieve',
      lone,
      '--relay-config',
      node.relay,
      '--node',
      '127.0.0.1:2103=c',
      '--delete',
    ])
    const onlyOther = run('carbon', ['ring', '--relay-config', node.relay, 'x.y']).stdout.includes('2103=c')
    assert.equal(other.status, 0, other.stderr)
    assert.deepEqual(fs.readdirSync(lone), onlyOther ? ['x'] : [])
  },
)

test(
  'issue 17.3: carbon sieve --quarantine moves the misplaced files keeping their paths, also to another filesystem',
  needsRelay,
  (t) => {
    const node = makeNode(t)
    const content = new Map(node.misplaced.map((f) => [f, fs.readFileSync(path.join(node.dir, f))]))
    const targets = [path.join(node.work, 'quarantine')]
    // /dev/shm is a tmpfs: a move there is a copy, an fsync and an unlink.
    if (fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').dev !== fs.statSync(node.work).dev) {
      const shm = fs.mkdtempSync('/dev/shm/carbonkit-sieve-')
      t.after(() => fs.rmSync(shm, { recursive: true, force: true }))
      targets.push(path.join(shm, 'q'))
    }
    for (const [i, quarantine] of targets.entries()) {
      if (i > 0) {
        // Put the files back for the second target.
        for (const [f, bytes] of content) {
          fs.mkdirSync(path.dirname(path.join(node.dir, f)), { recursive: true })
          fs.writeFileSync(path.join(node.dir, f), bytes)
        }
      }
      const result = sieveOn(node, '--quarantine', quarantine)
      assert.equal(result.status, 0, result.stderr)
      assert.match(
        result.stdout,
        new RegExp(`\\nquarantined ${node.misplaced.length} files to ${quarantine} \\(`),
      )
      assert.deepEqual(filesUnder(quarantine), node.misplaced)
      for (const [f, bytes] of content) assert.deepEqual(fs.readFileSync(path.join(quarantine, f)), bytes)
      assert.deepEqual(filesUnder(node.dir), [...node.held, ...SELF.map(fileOf), HASHED].sort())
    }
    // A file already in the quarantine is never overwritten.
    const [first] = node.misplaced
    fs.mkdirSync(path.dirname(path.join(node.dir, first!)), { recursive: true })
    fs.writeFileSync(path.join(node.dir, first!), content.get(first!)!)
    assertOneLineError(
      sieveOn(node, '--quarantine', targets[0]!),
      73,
      /already exists in the quarantine; sieve stopped: 0 of \d+ misplaced files \(0 bytes\) were already quarantined, the others were not touched$/,
    )
    assert.ok(fs.existsSync(path.join(node.dir, first!)))
  },
)

test(
  'issue 17.3: carbon sieve refuses a quarantine inside the data directory, touching nothing',
  needsRelay,
  (t) => {
    const node = makeNode(t)
    const before = filesUnder(node.dir)
    for (const inside of [path.join(node.dir, 'q'), node.dir, path.join(node.dir, 'app', 'new', 'q')]) {
      assertOneLineError(
        sieveOn(node, '--quarantine', inside),
        2,
        /--quarantine .*: inside the data directory/,
      )
    }
    assert.deepEqual(filesUnder(node.dir), before)
    assert.ok(!fs.existsSync(path.join(node.dir, 'q')))
  },
)

test('issue 17.3: carbon sieve refuses a node outside the ring, a bad or missing configuration, and conflicting flags', (t) => {
  const work = tempDir(t, 'carbonkit-sieve-')
  const dir = path.join(work, 'whisper')
  fs.mkdirSync(dir)
  const relay = path.join(work, 'relay.conf')
  fs.writeFileSync(relay, RELAY)
  const sieve = (...args: string[]) => run('carbon', ['sieve', dir, '--relay-config', relay, ...args])
  assertOneLineError(
    sieve('--node', '127.0.0.1:2101'),
    2,
    /--node 127\.0\.0\.1:2101: not a member .*\(did you mean 127\.0\.0\.1:2101=a\?/,
  )
  assertOneLineError(
    sieve('--node', '10.0.0.9:2003'),
    2,
    /not a member .*its members are 127\.0\.0\.1:2101=a, 127\.0\.0\.1:2102=b, 127\.0\.0\.1:2103=c/,
  )
  assertOneLineError(sieve('--node', NODE, '--cluster', 'nope'), 2, /--cluster nope: no such cluster/)
  assertOneLineError(
    sieve('--node', NODE, '--delete', '--quarantine', path.join(work, 'q')),
    2,
    /exclude each other/,
  )
  assertOneLineError(run('carbon', ['sieve', dir, '--node', NODE]), 2, /--relay-config/)
  assertOneLineError(run('carbon', ['sieve', dir, '--relay-config', relay]), 2, /--node/)
  assertOneLineError(
    run('carbon', ['sieve', dir, '--relay-config', path.join(work, 'absent.conf'), '--node', NODE]),
    3,
    /absent\.conf/,
  )
  const bad = path.join(work, 'bad.conf')
  fs.writeFileSync(bad, 'cluster main nosuch 127.0.0.1:2101=a;\nmatch * send to main;\n')
  assertOneLineError(
    run('carbon', ['sieve', dir, '--relay-config', bad, '--node', NODE]),
    5,
    /bad\.conf:1: unknown cluster type "nosuch"/,
  )
  assertOneLineError(
    run('carbon', ['sieve', path.join(work, 'absent'), '--relay-config', relay, '--node', NODE]),
    3,
    /absent/,
  )
  // An empty tree: nothing misplaced, exit 0.
  const empty = sieve('--node', NODE)
  assert.equal(empty.status, 0, empty.stderr)
  assert.match(
    empty.stdout,
    /^0 files under .*: 0 held by 127\.0\.0\.1:2101=a, 0 self-metrics, 0 unnamed, 0 misplaced \(0 bytes\)\n$/,
  )
})
