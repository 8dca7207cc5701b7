// carbon serve --admin-token-file (issue 17, the admin part of the HTTP API): a real `carbon serve`,
// real HTTP on 127.0.0.1, real files; fills compared point by point with what the reference
// whisper-fill (python3-whisper) makes of copies of the same files.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { describe, test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import type { HttpAnswer } from '../../helpers/http.js'
import { request } from '../../helpers/http.js'
import { REFERENCE_PYTHON, needsReference, runReferenceScript } from '../../helpers/reference.js'
import type { Serve } from '../../helpers/serve.js'
import { sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'
import { decodeFrames, encodeFrames } from '../../../src/core/protocol/file-frames.js'

const TOKEN = 'k3y-for-tests'
const AUTH = { authorization: `Bearer ${TOKEN}` }

interface Node {
  serve: Serve
  port: number
  root: string
  dataDir: string
}

/** A node with the admin API on; `files` are placed in its data directory before it starts. */
async function startNode(
  t: TestContext,
  options: {
    settings?: Record<string, string>
    args?: readonly string[]
    files?: Record<string, string>
    token?: string
  } = {},
): Promise<Node> {
  const root = tempDir(t)
  const config = writeServeConfig(root, { settings: { CARBON_METRIC_INTERVAL: '0', ...options.settings } })
  const dataDir = path.join(root, 'storage', 'whisper')
  for (const [relative, source] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dataDir, relative)), { recursive: true })
    fs.copyFileSync(source, path.join(dataDir, relative))
  }
  const tokenFile = path.join(root, 'token')
  fs.writeFileSync(tokenFile, `  ${options.token ?? TOKEN}\n`)
  const serve = await startServe(t, [
    '--config',
    config,
    '--http-port',
    '0',
    '--admin-token-file',
    tokenFile,
    ...(options.args ?? []),
  ])
  return { serve, port: serve.ports.http!, root, dataDir }
}

function admin(
  node: Node,
  method: string,
  url: string,
  options: { body?: Buffer | string; headers?: Record<string, string | number> } = {},
): Promise<HttpAnswer> {
  return request(node.port, url, { method, body: options.body, headers: { ...AUTH, ...options.headers } })
}

/**
 * A whisper file (1m:6h,1h:7d, average, xFilesFactor 0.5) written by the reference library: hourly
 * points for the older days, minute points for the last 6 hours. Values are (t / 60) % 500 + 1, plus
 * `bump` except right after a gap (there whisper-fill overwrites the destination's point with the
 * source's: the same value keeps both tools' results comparable). `gaps`: [archive, from, count]
 * slots counted back from the newest point.
 */
function makeFile(file: string, bump: number, gaps: [number, number, number][] = []): void {
  const script = `
import sys, time, json, whisper
path, bump, gaps = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
whisper.create(path, [(60, 360), (3600, 168)], 0.5, 'average')
now = int(time.time())
hours = list(range(now - now % 3600 - 167 * 3600, now - now % 3600 - 7 * 3600, 3600))
minutes = list(range(now - now % 60 - 359 * 60, now - now % 60 - 60, 60))
def series(times, archive):
    out, skip, after = [], set(), set()
    newest = len(times) - 1
    for a, start, count in gaps:
        if a != archive: continue
        for k in range(start, start + count): skip.add(newest - k)
        after.add(newest - start + 1)
    for i, t in enumerate(times):
        if i in skip: continue
        out.append((t, float((t // 60) % 500 + 1) + (0 if i in after else bump)))
    return out
whisper.update_many(path, series(hours, 1))
whisper.update_many(path, series(minutes, 0))
`
  const result = spawnSync(REFERENCE_PYTHON, ['-c', script, file, String(bump), JSON.stringify(gaps)], {
    encoding: 'utf8',
  })
  assert.equal(result.status, 0, result.stderr)
}

/** Two files made by whisper: `one` full, `two` other values with 20 minutes missing. */
function twoFiles(t: TestContext): { one: string; two: string } {
  const dir = tempDir(t)
  const one = path.join(dir, 'one.wsp')
  const two = path.join(dir, 'two.wsp')
  makeFile(one, 0)
  makeFile(two, 3, [[0, 5, 20]])
  return { one, two }
}

/**
 * Every point of `before` is in `after`, at its timestamp, in the same archive, with its value: in
 * every archive, or in those of `archives` (a fill that fills gaps of the first archive recomputes the
 * aggregates of the coarser ones over the minutes filled, as whisper-fill's update_many does).
 */
function assertKept(
  before: ReturnType<typeof points>,
  after: ReturnType<typeof points>,
  archives?: readonly number[],
): void {
  for (const [a, archive] of before.archives.entries()) {
    if (archives !== undefined && !archives.includes(a)) continue
    for (const [ts, value] of archive)
      assert.ok(
        after.archives[a]!.some(([t2, v2]) => t2 === ts && v2 === value),
        `archive ${a} at ${ts}: ${value} lost`,
      )
  }
}

/**
 * The minute of the wall clock. makeFile and the reference's whisper-fill each take the time of day
 * as their `now`, and so does the node's fill: the files' oldest points sit at the edge of each
 * archive's retention, inside one's window and outside the other's when a minute begins between
 * them. A fill into an absent file then differs at that point: the test runs again when it did (on
 * a loaded machine a run takes seconds).
 */
const minuteNow = (): number => Math.floor(Date.now() / 60_000)

/** The header and every archive's points (timestamp != 0), as the reference library reads them. */
function points(file: string): { info: unknown; archives: [number, number][][] } {
  const script = `
import sys, json, struct, whisper
path = sys.argv[1]
info = whisper.info(path)
out = []
with open(path, 'rb') as fh:
    for a in info['archives']:
        fh.seek(a['offset'])
        raw = fh.read(a['size'])
        pts = [struct.unpack('!Ld', raw[i:i + 12]) for i in range(0, len(raw), 12)]
        out.append(sorted([t, v] for t, v in pts if t != 0))
for a in info['archives']:
    a.pop('offset', None)
print(json.dumps({'info': {k: info[k] for k in ('aggregationMethod', 'xFilesFactor', 'archives')}, 'archives': out}))
`
  const result = spawnSync(REFERENCE_PYTHON, ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 28 })
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as { info: unknown; archives: [number, number][][] }
}

/** Every entry under the directories: type, and for files their size, mtime and sha256. */
function snapshot(...dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isSymbolicLink()) out[full] = `link ${fs.readlinkSync(full)}`
      else if (entry.isDirectory()) {
        out[full] = 'dir'
        walk(full)
      } else {
        const stat = fs.statSync(full)
        const hash = createHash('sha256').update(fs.readFileSync(full)).digest('hex')
        out[full] = `file ${stat.size} ${stat.mtimeMs} ${hash}`
      }
    }
  }
  for (const dir of dirs) walk(dir)
  return out
}

/** The cached points of a metric the daemon reports (X-Carbonkit-Cached-Points). */
async function cachedPoints(node: Node, name: string): Promise<number> {
  const answer = await admin(node, 'GET', `/admin/file?name=${encodeURIComponent(name)}`)
  return Number(answer.headers['x-carbonkit-cached-points'])
}

describe('admin API: the endpoints', () => {
  test('issue 17.admin: GET /admin/metrics right after start lists the whole tree, not what the first walk has reached', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const files: Record<string, string> = {}
    for (let d = 0; d < 40; d++) for (let m = 0; m < 100; m++) files[`d${d}/s/m${m}.wsp`] = file
    const node = await startNode(t, { files })
    const all = await admin(node, 'GET', '/admin/metrics')
    assert.equal(all.status, 200)
    assert.equal(all.text.trim().split('\n').length, 4000)
  })

  test('issue 17.admin: GET /admin/metrics lists every metric with its size and mtime; ?glob= filters', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, { files: { 'a/b/c.wsp': file, 'a/b/d.wsp': file, 'x/y.wsp': file } })
    const all = await admin(node, 'GET', '/admin/metrics')
    assert.equal(all.status, 200)
    assert.equal(all.headers['content-type'], 'application/x-ndjson')
    const lines = all.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; bytes: number; mtime: number })
    assert.deepEqual(
      lines.map((l) => l.name),
      ['a.b.c', 'a.b.d', 'x.y'],
    )
    for (const line of lines) {
      const stat = fs.statSync(path.join(node.dataDir, ...line.name.split('.')) + '.wsp')
      assert.equal(line.bytes, stat.size)
      assert.equal(line.mtime, Math.floor(stat.mtimeMs / 1000))
    }
    const some = await admin(node, 'GET', '/admin/metrics?glob=a.*.{c,x}')
    assert.deepEqual(
      some.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string }).name),
      ['a.b.c'],
    )
    const info = await admin(node, 'GET', '/admin/info')
    assert.equal(info.status, 200)
    const body = JSON.parse(info.text) as { dataDir: string; instance: string; version: string }
    assert.equal(body.dataDir, node.dataDir)
    assert.equal(body.instance, 'a')
    assert.match(body.version, /^\d+\.\d+\.\d+/)
    assert.doesNotMatch(info.text, new RegExp(TOKEN))
  })

  test('issue 17.admin: GET /admin/file is byte-identical to the file on disk, with the cached points counted', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0, [[0, 5, 10]])
    const node = await startNode(t, {
      files: { 'a/b/c.wsp': file },
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '3600' },
    })
    const now = Math.floor(Date.now() / 1000)
    await sendTcp(
      node.serve.ports.line!,
      `a.b.c 1 ${now - (now % 60) - 600}\na.b.c 2 ${now - (now % 60) - 540}\n`,
    )
    const answer = await admin(node, 'GET', '/admin/file?name=a.b.c')
    assert.equal(answer.status, 200)
    assert.equal(answer.headers['content-type'], 'application/octet-stream')
    assert.equal(answer.headers['x-carbonkit-cached-points'], '2')
    assert.ok(answer.body.equals(fs.readFileSync(path.join(node.dataDir, 'a/b/c.wsp'))))
    assert.ok(answer.body.equals(fs.readFileSync(file)))
    const missing = await admin(node, 'GET', '/admin/file?name=a.b.nope')
    assert.equal(missing.status, 404)
    assert.deepEqual(JSON.parse(missing.text), { error: 'no such metric: a.b.nope' })
    assert.equal(missing.headers['content-type'], 'application/json')
  })

  test(
    "issue 17.admin: POST /admin/fill into a present file: the node keeps its points, the gaps take the upload's, as whisper-fill does",
    needsReference(),
    async (t) => {
      const dir = tempDir(t)
      const source = path.join(dir, 'source.wsp')
      const local = path.join(dir, 'local.wsp')
      makeFile(source, 0)
      // The node's own values differ from the upload's (bump), with minute and hourly gaps.
      const gaps: [number, number, number][] = [
        [0, 30, 10],
        [0, 120, 25],
        [1, 10, 3],
        [1, 50, 5],
      ]
      makeFile(local, 1000, gaps)
      const theirs = path.join(dir, 'theirs.wsp')
      fs.copyFileSync(local, theirs)
      const node = await startNode(t, { files: { 'a/b/c.wsp': local } })
      const answer = await admin(node, 'POST', '/admin/fill?name=a.b.c', { body: fs.readFileSync(source) })
      assert.equal(answer.status, 200, answer.text)
      assert.equal(runReferenceScript('whisper-fill', [source, theirs]).status, 0)
      const ours = points(path.join(node.dataDir, 'a/b/c.wsp'))
      assert.deepEqual(ours, points(theirs))
      // Every gap point came from the upload; every point the node had is still its own.
      const before = points(local)
      const had = new Map(before.archives[0]!.map(([ts, v]) => [ts, v]))
      const filledMinutes = ours.archives[0]!.filter(([ts]) => !had.has(ts))
      assert.equal(filledMinutes.length, 35)
      for (const [ts, v] of ours.archives[0]!) if (had.has(ts)) assert.equal(v, had.get(ts))
      const upload = new Map(points(source).archives[0]!.map(([ts, v]) => [ts, v]))
      for (const [ts, v] of filledMinutes) assert.equal(v, upload.get(ts))
      assert.deepEqual(JSON.parse(answer.text), { name: 'a.b.c', created: false, filled: 35 + 8 })
    },
  )

  test(
    "issue 17.admin: POST /admin/fill into an absent file creates it with the upload's layout and points, as whisper-fill into an empty one",
    needsReference(),
    async (t) => {
      const dir = tempDir(t)
      const source = path.join(dir, 'source.wsp')
      const theirs = path.join(dir, 'theirs.wsp')
      let node: Node
      let answer: HttpAnswer
      for (let attempt = 1; ; attempt++) {
        node = await startNode(t)
        const minute = minuteNow()
        for (const file of [source, theirs]) fs.rmSync(file, { force: true })
        makeFile(source, 0, [[0, 40, 7]])
        const created = spawnSync(REFERENCE_PYTHON, [
          '-c',
          "import sys, whisper; whisper.create(sys.argv[1], [(60, 360), (3600, 168)], 0.5, 'average')",
          theirs,
        ])
        assert.equal(created.status, 0, created.stderr.toString())
        answer = await admin(node, 'POST', '/admin/fill?name=new.metric.here', {
          body: fs.readFileSync(source),
        })
        assert.equal(answer.status, 200, answer.text)
        assert.equal(runReferenceScript('whisper-fill', [source, theirs]).status, 0)
        if (minuteNow() === minute || attempt === 4) break
        t.diagnostic(`a minute began during attempt ${attempt}: again`)
        await node.serve.stop()
      }
      const reply = JSON.parse(answer.text) as { name: string; created: boolean; filled: number }
      assert.equal(reply.created, true)
      assert.ok(reply.filled > 300, String(reply.filled))
      const file = path.join(node.dataDir, 'new/metric/here.wsp')
      const ours = points(file)
      const reference = points(theirs)
      const uploaded = points(source)
      assert.deepEqual(ours.info, reference.info)
      // Equal but for whisper-fill's bug (README, Differences): it fetches the leading gap from the
      // source's hourly archive and writes the first whole hour's average as a minute point, which
      // then skews that hour's roll-up. carbonkit keeps the source's minute value and hour.
      const differing = ours.archives.map((archive, a) => {
        const theirsAt = new Map(reference.archives[a]!.map(([ts, v]) => [ts, v]))
        return archive.filter(([ts, v]) => theirsAt.get(ts) !== v).map(([ts]) => ts)
      })
      const hour = differing[1]![0]!
      assert.deepEqual(differing, [[hour], [hour]])
      assert.equal(hour % 3600, 0)
      for (const a of [0, 1]) {
        const at = (p: { archives: [number, number][][] }): number | undefined =>
          p.archives[a]!.find(([ts]) => ts === hour)?.[1]
        assert.equal(at(ours), at(uploaded))
      }
      assert.equal(reference.archives[0]!.length, ours.archives[0]!.length)
      // The upload's layout, header byte for byte.
      assert.ok(fs.readFileSync(file).subarray(0, 40).equals(fs.readFileSync(source).subarray(0, 40)))
      // No temporary file left; the new metric is found by the read API at once.
      assert.deepEqual(fs.readdirSync(node.dataDir).sort(), ['new'])
      assert.deepEqual(fs.readdirSync(path.join(node.dataDir, 'new/metric')), ['here.wsp'])
      const find = await request(node.port, '/metrics/find?query=new.metric.*&format=json')
      assert.match(find.text, /"new\.metric\.here"/)
    },
  )

  test('issue 17.admin: POST /admin/fill while the cache holds points for the metric: the cached points win', async (t) => {
    const dir = tempDir(t)
    const source = path.join(dir, 'source.wsp')
    const local = path.join(dir, 'local.wsp')
    makeFile(source, 0)
    // A 10-minute gap 20 to 30 minutes ago, in which the node holds three points in its cache.
    makeFile(local, 1000, [[0, 20, 10]])
    const node = await startNode(t, {
      files: { 'a/b/c.wsp': local },
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '3600' },
    })
    const gap = points(local).archives[0]!
    const newest = gap[gap.length - 1]![0]
    const held = [newest - 20 * 60, newest - 25 * 60, newest - 29 * 60]
    await sendTcp(node.serve.ports.line!, held.map((ts) => `a.b.c 7777 ${ts}\n`).join(''))
    assert.equal(await cachedPoints(node, 'a.b.c'), 3)
    const answer = await admin(node, 'POST', '/admin/fill?name=a.b.c', { body: fs.readFileSync(source) })
    assert.equal(answer.status, 200, answer.text)
    assert.deepEqual(JSON.parse(answer.text), { name: 'a.b.c', created: false, filled: 10 - 3 })
    // The fill left the cached points' slots to them: the file has nothing there yet...
    const file = path.join(node.dataDir, 'a/b/c.wsp')
    const filled = new Map(points(file).archives[0]!.map(([ts, v]) => [ts, v]))
    for (const ts of held) assert.equal(filled.has(ts), false)
    // ...and once the cache is written (a stop writes it), they hold the node's values.
    assert.equal((await node.serve.stop()).status, 0)
    const after = new Map(points(file).archives[0]!.map(([ts, v]) => [ts, v]))
    for (const ts of held) assert.equal(after.get(ts), 7777)
    const upload = new Map(points(source).archives[0]!.map(([ts, v]) => [ts, v]))
    for (let k = 20; k < 30; k++) {
      const ts = newest - k * 60
      if (!held.includes(ts)) assert.equal(after.get(ts), upload.get(ts))
    }
  })

  test('issue 17.admin: DELETE /admin/metric removes the file, its empty directories, its index entry and its cached points', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, {
      // A file a killed daemon left on its way out (renamed, not yet unlinked): removed at start.
      files: { 'a/b/c.wsp': file, 'a/d.wsp': file, '.carbonkit-admin-deleted-0-0': file },
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '3600' },
    })
    const now = Math.floor(Date.now() / 1000)
    await sendTcp(node.serve.ports.line!, `a.b.c 1 ${now - 100}\na.b.c 2 ${now - 200}\na.d 3 ${now - 100}\n`)
    assert.equal(await cachedPoints(node, 'a.b.c'), 2)
    const leftovers = (): string[] =>
      fs.readdirSync(node.dataDir).filter((e) => e.startsWith('.carbonkit-admin-deleted-'))
    for (let waited = 0; leftovers().length > 0 && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(leftovers(), [])
    const answer = await admin(node, 'DELETE', '/admin/metric?name=a.b.c')
    assert.equal(answer.status, 200, answer.text)
    assert.deepEqual(JSON.parse(answer.text), { name: 'a.b.c', deleted: true, droppedCachedPoints: 2 })
    assert.deepEqual(fs.readdirSync(path.join(node.dataDir, 'a')), ['d.wsp'])
    // Renamed out of the tree in the delete's turn, unlinked before the answer: nothing left.
    assert.deepEqual(leftovers(), [])
    const find = await request(node.port, '/metrics/find?query=a.*&format=json')
    assert.doesNotMatch(find.text, /"a\.b"/)
    const list = await admin(node, 'GET', '/admin/metrics')
    assert.deepEqual(
      list.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string }).name),
      ['a.d'],
    )
    const again = await admin(node, 'DELETE', '/admin/metric?name=a.b.c')
    assert.equal(again.status, 404)
    // The dropped points are not written by the stop; the other metric's are.
    assert.equal((await node.serve.stop()).status, 0)
    assert.equal(fs.existsSync(path.join(node.dataDir, 'a/b')), false)
    assert.ok(points(path.join(node.dataDir, 'a/d.wsp')).archives[0]!.some(([, v]) => v === 3))
  })
})

/**
 * Another process (the reference Python) takes the file's flock, writes `first` bytes at `at`, waits
 * `holdMs`, writes `second` bytes right after, and lets go: a torn write, unless readers wait.
 * Resolves once the lock is held; `done` when it is released.
 */
async function tornWrite(
  file: string,
  at: number,
  holdMs: number,
): Promise<{ done: Promise<void>; lockedAt: number }> {
  const script = `
import fcntl, sys, time
path, at, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
with open(path, 'r+b') as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    print('locked', flush=True)
    f.seek(at); f.write(b'\\x11' * 1200); f.flush()
    time.sleep(hold)
    f.seek(at + 1200); f.write(b'\\x22' * 1200); f.flush()
    fcntl.flock(f, fcntl.LOCK_UN)
`
  const child = spawn(REFERENCE_PYTHON, ['-c', script, file, String(at), String(holdMs / 1000)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  return { done, lockedAt: Date.now() }
}

describe('admin API: consistency', () => {
  test('issue 17.admin: GET /admin/file and POST /admin/fill wait for the flock of another writer: never a torn file', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0, [[0, 100, 50]])
    const node = await startNode(t, { files: { 'a/b/c.wsp': file } })
    const local = path.join(node.dataDir, 'a/b/c.wsp')
    const writer = await tornWrite(local, 2000, 1500)
    const answer = await admin(node, 'GET', '/admin/file?name=a.b.c')
    assert.ok(Date.now() - writer.lockedAt >= 1200, 'the read did not wait for the lock')
    await writer.done
    assert.equal(answer.status, 200)
    assert.equal(answer.body[2000 + 1200], 0x22)
    assert.ok(answer.body.equals(fs.readFileSync(local)))
    // A fill waits too, and fills what the other writer left.
    const source = path.join(dir, 'source.wsp')
    makeFile(source, 0)
    fs.copyFileSync(file, local)
    const again = await tornWrite(local, 40_000, 1500)
    const filled = await admin(node, 'POST', '/admin/fill?name=a.b.c', { body: fs.readFileSync(source) })
    assert.ok(Date.now() - again.lockedAt >= 1200, 'the fill did not wait for the lock')
    await again.done
    assert.equal(filled.status, 200, filled.text)
    assert.equal(fs.readFileSync(local)[40_000 + 1200], 0x22)
  })

  test('issue 17.admin: a metric created in a directory the admin API removed is still written (one writer)', async (t) => {
    const node = await startNode(t, { args: ['--writers', '1'] })
    const now = Math.floor(Date.now() / 1000)
    await sendTcp(node.serve.ports.line!, `d.e.one 1 ${now - 60}\n`)
    await node.serve.waitFor((e) => e.type === 'created' && e.metric === 'd.e.one')
    const deleted = await admin(node, 'DELETE', '/admin/metric?name=d.e.one')
    assert.deepEqual(JSON.parse(deleted.text), { name: 'd.e.one', deleted: true, droppedCachedPoints: 0 })
    assert.equal(fs.existsSync(path.join(node.dataDir, 'd')), false)
    // The writer made d/e before: it makes it again rather than failing the create.
    await sendTcp(node.serve.ports.line!, `d.e.two 2 ${now - 60}\n`)
    await node.serve.waitFor((e) => e.type === 'created' && e.metric === 'd.e.two')
    assert.equal(node.serve.events.filter((e) => e.type === 'write-error').length, 0)
    // A tagged name is a metric like any other: filled into its _tagged file, listed, deleted.
    const file = path.join(node.dataDir, 'd/e/two.wsp')
    const tagged = await admin(node, 'POST', '/admin/fill?name=cpu%3Bhost%3Dweb1', {
      body: fs.readFileSync(file),
    })
    assert.equal(tagged.status, 200, tagged.text)
    assert.equal(fs.readdirSync(path.join(node.dataDir, '_tagged')).length, 1)
    const listed = await admin(node, 'GET', '/admin/metrics?glob=_tagged.*.*.*')
    assert.equal(listed.text.trim().split('\n').length, 1)
    const gone = await admin(node, 'DELETE', '/admin/metric?name=cpu%3Bhost%3Dweb1')
    assert.equal(JSON.parse(gone.text).deleted, true)
    assert.equal(fs.existsSync(path.join(node.dataDir, '_tagged')), false)
  })
})

/** Every way in, with the answer's status; the tree checked untouched afterwards. */
async function assertRefused(
  node: Node,
  tries: {
    method: string
    url: string
    body?: Buffer
    headers?: Record<string, string | number>
    status: number
  }[],
  watched: string[],
): Promise<void> {
  const before = snapshot(...watched)
  for (const attempt of tries) {
    const answer = await request(node.port, attempt.url, {
      method: attempt.method,
      body: attempt.body,
      headers: attempt.headers ?? AUTH,
    })
    assert.equal(
      answer.status,
      attempt.status,
      `${attempt.method} ${attempt.url}: ${answer.status} ${answer.text}`,
    )
    assert.equal(answer.headers['content-type'], 'application/json')
    assert.match((JSON.parse(answer.text) as { error: string }).error, /^[^\n]+$/)
  }
  assert.deepEqual(snapshot(...watched), before)
}

/** A POST sent whole on a raw socket: its answer's status line, and any error (a reset) until it closes. */
function sendWhole(
  port: number,
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const seen: { status?: number; error?: string } = {}
    const head = [`POST ${url} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${body.length}`]
    for (const [key, value] of Object.entries(headers)) head.push(`${key}: ${value}`)
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n`)
      socket.end(body)
    })
    let answer = ''
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
      const status = /^HTTP\/1\.1 (\d+)/.exec(answer)
      if (status) seen.status = Number(status[1])
      // The whole answer was read: the socket is ours to close.
      const end = answer.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: (\d+)/i.exec(answer)
      if (end >= 0 && length && answer.length >= end + 4 + Number(length[1])) socket.destroy()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => (seen.error = error.code ?? error.message))
    socket.on('close', () => resolve(seen))
  })
}

describe('admin API: security (refused, nothing touched)', () => {
  test('issue 17.admin: no token is 401, a wrong token 403, on every endpoint', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, { files: { 'a/b/c.wsp': file } })
    const upload = fs.readFileSync(file)
    const endpoints = [
      { method: 'GET', url: '/admin/metrics' },
      { method: 'GET', url: '/admin/info' },
      { method: 'GET', url: '/admin/file?name=a.b.c' },
      { method: 'POST', url: '/admin/fill?name=a.b.c', body: upload },
      { method: 'POST', url: '/admin/fill?name=new.one', body: upload },
      { method: 'DELETE', url: '/admin/metric?name=a.b.c' },
    ]
    await assertRefused(
      node,
      [
        ...endpoints.map((e) => ({ ...e, headers: {}, status: 401 })),
        ...endpoints.map((e) => ({ ...e, headers: { authorization: 'Basic Zm9vOmJhcg==' }, status: 401 })),
        ...endpoints.map((e) => ({ ...e, headers: { authorization: `Bearer ${TOKEN}x` }, status: 403 })),
        ...endpoints.map((e) => ({ ...e, headers: { authorization: 'Bearer k3y' }, status: 403 })),
      ],
      [node.dataDir],
    )
  })

  test('issue 17.admin: traversal (.., absolute paths, symbolic links out) and NUL in names are 400', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const outside = tempDir(t)
    fs.copyFileSync(file, path.join(outside, 'victim.wsp'))
    fs.mkdirSync(path.join(outside, 'empty'))
    const node = await startNode(t, { files: { 'a/b/c.wsp': file } })
    fs.symlinkSync(outside, path.join(node.dataDir, 'out'))
    fs.symlinkSync(path.join(outside, 'victim.wsp'), path.join(node.dataDir, 'link.wsp'))
    fs.symlinkSync(path.join(outside, 'empty', 'new.wsp'), path.join(node.dataDir, 'dangling.wsp'))
    const upload = fs.readFileSync(file)
    const names = [
      '..',
      '..%2F..%2Fetc%2Fpasswd',
      'a...b',
      '.a.b',
      'a.b.',
      'a.b..c',
      'a.%2E%2E.c',
      '%2Fetc%2Fpasswd',
      `${encodeURIComponent(outside)}.victim`,
      'a.b%2F..%2F..%2Fx',
      'out.victim',
      'out.empty.new',
      'link',
      'dangling',
      'a.b%00.c',
      'a%00',
      '',
    ]
    const tries = names.flatMap((name) => [
      { method: 'GET', url: `/admin/file?name=${name}`, status: 400 },
      { method: 'POST', url: `/admin/fill?name=${name}`, body: upload, status: 400 },
      { method: 'DELETE', url: `/admin/metric?name=${name}`, status: 400 },
    ])
    tries.push(
      { method: 'GET', url: '/admin/file', status: 400 },
      { method: 'GET', url: '/admin/metrics?glob=a%00', status: 400 },
    )
    await assertRefused(node, tries, [node.dataDir, outside])
  })

  test('issue 17.admin: uploads over --admin-max-upload are 413 (declared or streamed), corrupt ones 400', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, { files: { 'a/b/c.wsp': file }, args: ['--admin-max-upload', '1M'] })
    const big = Buffer.concat([fs.readFileSync(file), Buffer.alloc((1 << 20) + 1 - fs.statSync(file).size)])
    await assertRefused(
      node,
      [
        { method: 'POST', url: '/admin/fill?name=a.b.c', body: big, status: 413 },
        { method: 'POST', url: '/admin/fill?name=new.one', body: big, status: 413 },
        {
          method: 'POST',
          url: '/admin/fill?name=a.b.c',
          body: Buffer.from('not whisper at all'),
          status: 400,
        },
        {
          method: 'POST',
          url: '/admin/fill?name=new.one',
          body: fs.readFileSync(file).subarray(0, 1000),
          status: 400,
        },
        { method: 'POST', url: '/admin/fill?name=new.one', body: Buffer.alloc(0), status: 400 },
      ],
      [node.dataDir],
    )
    // A client still sending a large refused body gets the answer, not a reset (read and dropped).
    const huge = Buffer.alloc(16 << 20)
    for (const [url, headers, status] of [
      ['/admin/fill?name=a.b.c', AUTH, 413],
      ['/admin/fills', AUTH, 413],
      ['/admin/fills', {}, 401],
      ['/render', {}, 413],
    ] as const) {
      const seen = await sendWhole(node.port, url, huge, headers)
      assert.deepEqual([seen.status, seen.error], [status, undefined], url)
    }
    // Streamed (chunked, no length): cut when it passes the limit.
    const before = snapshot(node.dataDir)
    let status: number | undefined
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: node.port,
          method: 'POST',
          path: '/admin/fill?name=new.two',
          headers: AUTH,
        },
        (res) => {
          res.resume()
          status = res.statusCode!
          resolve(status)
        },
      )
      // The server may close while we still send: the answer is what counts.
      req.on('error', (error) => (status === undefined ? reject(error) : undefined))
      const chunk = Buffer.alloc(64 << 10)
      let sent = 0
      const more = (): void => {
        while (sent < 4 << 20) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', more)
        }
        req.end()
      }
      more()
    })
    assert.equal(streamed, 413)
    assert.deepEqual(snapshot(node.dataDir), before)
    // The node is still there, and a file at the limit is taken.
    const ok = await admin(node, 'POST', '/admin/fill?name=a.b.c', { body: fs.readFileSync(file) })
    assert.equal(ok.status, 200)
  })

  test('issue 17.admin: without --admin-token-file every /admin/ path is 404 and the read API is unaffected', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const root = tempDir(t)
    const dataDir = path.join(root, 'storage', 'whisper')
    fs.mkdirSync(path.join(dataDir, 'a', 'b'), { recursive: true })
    fs.copyFileSync(file, path.join(dataDir, 'a', 'b', 'c.wsp'))
    const plain = await startServe(t, ['--config', writeServeConfig(root), '--http-port', '0'])
    for (const [method, url] of [
      ['GET', '/admin/metrics'],
      ['GET', '/admin/file?name=a.b.c'],
      ['POST', '/admin/fill?name=a.b.c'],
      ['DELETE', '/admin/metric?name=a.b.c'],
      ['GET', '/admin'],
    ] as const) {
      const answer = await request(plain.ports.http!, url, { method, headers: AUTH })
      assert.equal(answer.status, 404)
      assert.deepEqual(JSON.parse(answer.text), { error: 'admin API disabled' })
    }
    // The same read answers with and without the admin API, and no token is asked for.
    const withAdmin = await startNode(t, { files: { 'a/b/c.wsp': file } })
    const now = Math.floor(Date.now() / 1000)
    // A find's intervals end at the moment of the answer: compared without them.
    const timeless = (text: string): string =>
      text.replace(/"end":[0-9.]+/g, '').replace(/"start":[0-9.]+/g, '')
    for (const url of [
      '/metrics/find?query=a.*.*&format=json',
      '/metrics/find?query=*',
      '/metrics/index.json',
      `/render?target=a.b.c&format=json&from=${now - 7200}&until=${now - 60}`,
    ]) {
      const a = await request(plain.ports.http!, url)
      const b = await request(withAdmin.port, url)
      assert.equal(a.status, 200)
      assert.equal(b.status, 200)
      assert.equal(timeless(b.text), timeless(a.text))
      assert.ok(a.text.length > 2)
    }
  })

  test('issue 17.admin: an empty or unreadable token file stops the start (exit 5); without the HTTP API, exit 2', (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root)
    const empty = path.join(root, 'empty')
    fs.writeFileSync(empty, ' \n')
    const ports = ['--line-port', '0', '--pickle-port', '0', '--query-port', '0']
    assertOneLineError(
      run('carbon', ['serve', '--config', config, ...ports, '--http-port', '0', '--admin-token-file', empty]),
      5,
      /admin token file is empty/,
    )
    assertOneLineError(
      run('carbon', [
        'serve',
        '--config',
        config,
        ...ports,
        '--http-port',
        '0',
        '--admin-token-file',
        path.join(root, 'nope'),
      ]),
      5,
      /cannot read the admin token/,
    )
    fs.writeFileSync(empty, 'x\n')
    assertOneLineError(
      run('carbon', ['serve', '--config', config, ...ports, '--admin-token-file', empty]),
      2,
      /--admin-token-file needs the HTTP API/,
    )
    assert.equal(fs.existsSync(path.join(root, 'storage', 'whisper')), false)
  })
})

describe('admin API: batch endpoints (issue 17, rebalance speed)', () => {
  const frames = (entries: [string, Buffer][]): Buffer =>
    Buffer.concat(encodeFrames(entries.map(([name, body]) => ({ header: { name }, body }))))

  test('issue 17.admin: batch reads, fills and deletes refuse a bad token, a bad name anywhere in the batch, an oversized batch; nothing touched', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, { files: { 'a/b/c.wsp': file }, args: ['--admin-max-upload', '1M'] })
    const upload = fs.readFileSync(file)
    const good = frames([['new.one', upload]])
    const names = (list: string[]): Buffer => Buffer.from(JSON.stringify({ names: list }))
    const deletes = (list: string[]): Buffer =>
      Buffer.from(JSON.stringify({ metrics: list.map((name) => ({ name })) }))
    const endpoints = [
      { method: 'POST', url: '/admin/files', body: names(['a.b.c']) },
      { method: 'POST', url: '/admin/fills', body: good },
      { method: 'POST', url: '/admin/delete', body: deletes(['a.b.c']) },
    ]
    const big = frames([
      ['x.one', upload],
      ['x.two', Buffer.concat([upload, Buffer.alloc(1 << 20)])],
    ])
    await assertRefused(
      node,
      [
        ...endpoints.map((e) => ({ ...e, headers: {}, status: 401 })),
        ...endpoints.map((e) => ({ ...e, headers: { authorization: `Bearer ${TOKEN}x` }, status: 403 })),
        ...['..', 'a..b', 'a.b%00', 'a/../../x', ''].flatMap((bad) => [
          {
            method: 'POST',
            url: '/admin/files',
            body: names(['a.b.c', decodeURIComponent(bad)]),
            status: 400,
          },
          {
            method: 'POST',
            url: '/admin/fills',
            body: frames([
              ['new.one', upload],
              [decodeURIComponent(bad), upload],
            ]),
            status: 400,
          },
          {
            method: 'POST',
            url: '/admin/delete',
            body: deletes(['a.b.c', decodeURIComponent(bad)]),
            status: 400,
          },
        ]),
        { method: 'POST', url: '/admin/fills', body: big, status: 413 },
        { method: 'POST', url: '/admin/fills', body: Buffer.from([0, 0, 0, 200, 1, 2]), status: 400 },
        { method: 'POST', url: '/admin/files', body: Buffer.from('not json'), status: 400 },
      ],
      [node.dataDir],
    )
  })

  test('issue 17.5: a batch moves files between two nodes: read in one answer, filled with each check answered, deleted only when unchanged', async (t) => {
    const { one, two } = twoFiles(t)
    const source = await startNode(t, { files: { 'm/one.wsp': one, 'm/two.wsp': two } })
    const destination = await startNode(t, { files: { 'm/two.wsp': one } })
    const read = await admin(source, 'POST', '/admin/files', {
      body: JSON.stringify({ names: ['m.one', 'm.two', 'm.absent'] }),
    })
    assert.equal(read.status, 200)
    const got = decodeFrames(Buffer.from(read.body))
    assert.deepEqual(
      got.map((f) => [f.header.name, f.header.status]),
      [
        ['m.one', 200],
        ['m.two', 200],
        ['m.absent', 404],
      ],
    )
    assert.ok(got[0]!.body.equals(fs.readFileSync(path.join(source.dataDir, 'm', 'one.wsp'))))
    assert.ok(got[1]!.body.equals(fs.readFileSync(path.join(source.dataDir, 'm', 'two.wsp'))))
    const before = points(path.join(destination.dataDir, 'm', 'two.wsp'))
    const fill = await admin(destination, 'POST', '/admin/fills', {
      body: frames([
        ['m.one', got[0]!.body],
        ['m.two', got[1]!.body],
      ]),
    })
    assert.equal(fill.status, 200, fill.text)
    const results = (JSON.parse(fill.text) as { results: Record<string, unknown>[] }).results
    assert.equal(results[0]!.created, true)
    assert.equal(results[1]!.created, false)
    for (const result of results) {
      assert.equal(result.missing, 0, JSON.stringify(result))
      assert.ok((result.checked as number) > 100, JSON.stringify(result))
    }
    // A copy into an absent file is the file; an existing file keeps its own points.
    assert.ok(fs.readFileSync(path.join(destination.dataDir, 'm', 'one.wsp')).equals(got[0]!.body))
    const after = points(path.join(destination.dataDir, 'm', 'two.wsp'))
    assertKept(before, after)
    const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
    const wrong = await admin(source, 'POST', '/admin/delete', {
      body: JSON.stringify({ metrics: [{ name: 'm.one', sha256: sha(Buffer.from('other')) }] }),
    })
    assert.deepEqual((JSON.parse(wrong.text) as { results: unknown[] }).results, [
      { name: 'm.one', deleted: false, changed: true, cachedPoints: 0 },
    ])
    assert.ok(fs.existsSync(path.join(source.dataDir, 'm', 'one.wsp')))
    const right = await admin(source, 'POST', '/admin/delete', {
      body: JSON.stringify({
        metrics: [
          { name: 'm.one', sha256: sha(got[0]!.body) },
          { name: 'm.two', sha256: sha(got[1]!.body) },
        ],
      }),
    })
    assert.deepEqual((JSON.parse(right.text) as { results: unknown[] }).results, [
      { name: 'm.one', deleted: true, droppedCachedPoints: 0 },
      { name: 'm.two', deleted: true, droppedCachedPoints: 0 },
    ])
    assert.ok(!fs.existsSync(path.join(source.dataDir, 'm')))
  })

  test('issue 17.5: /admin/files names each file by a version, and a delete with it goes only while the file is unchanged (its status once settled, else its sha256)', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const node = await startNode(t, { files: { 'm/settled.wsp': file, 'm/again.wsp': file } })
    const settled = path.join(node.dataDir, 'm', 'settled.wsp')
    const hot = path.join(node.dataDir, 'm', 'hot.wsp')
    const again = path.join(node.dataDir, 'm', 'again.wsp')
    // Settled: last changed over 2 s before the read.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const read = async (): Promise<{ answeredMs: number; versions: Map<string, string> }> => {
      const answer = await admin(node, 'POST', '/admin/files', {
        body: JSON.stringify({ names: ['m.settled', 'm.hot', 'm.again'] }),
      })
      assert.equal(answer.status, 200, answer.text)
      const versions = new Map<string, string>()
      for (const frame of decodeFrames(Buffer.from(answer.body))) {
        if (frame.header.status !== 200) continue
        assert.equal(typeof frame.header.version, 'string', JSON.stringify(frame.header))
        versions.set(frame.header.name, frame.header.version as string)
        if ((frame.header.version as string).startsWith('sha256:'))
          assert.equal(
            frame.header.version,
            `sha256:${createHash('sha256').update(frame.body).digest('hex')}`,
          )
      }
      return { answeredMs: Date.now(), versions }
    }
    const hotWrittenMs = Date.now()
    fs.copyFileSync(file, hot)
    const first = await read()
    assert.match(first.versions.get('m.settled')!, /^stat:/)
    assert.match(first.versions.get('m.again')!, /^stat:/)
    // Written moments before the read (unless this machine took 2 s to answer): named by its digest.
    if (first.answeredMs - hotWrittenMs < 2000) assert.match(first.versions.get('m.hot')!, /^sha256:/)
    // A point rewritten in place, even with the same bytes, changes the status: not deleted.
    const rewrite = (target: string, byte: number): void => {
      const fd = fs.openSync(target, 'r+')
      fs.writeSync(fd, Buffer.from([byte]), 0, 1, fs.statSync(target).size - 1)
      fs.closeSync(fd)
    }
    const last = fs.readFileSync(settled).at(-1)!
    rewrite(settled, last)
    rewrite(hot, 0x55)
    const remove = (versions: Map<string, string>, names: string[]): Promise<HttpAnswer> =>
      admin(node, 'POST', '/admin/delete', {
        body: JSON.stringify({ metrics: names.map((name) => ({ name, version: versions.get(name) })) }),
      })
    const refused = await remove(first.versions, ['m.settled', 'm.hot', 'm.again'])
    assert.deepEqual((JSON.parse(refused.text) as { results: unknown[] }).results, [
      { name: 'm.settled', deleted: false, changed: true, cachedPoints: 0 },
      { name: 'm.hot', deleted: false, changed: true, cachedPoints: 0 },
      { name: 'm.again', deleted: true, droppedCachedPoints: 0 },
    ])
    assert.ok(fs.existsSync(settled) && fs.existsSync(hot) && !fs.existsSync(again))
    // Read again, the versions are of the files as they are: deleted.
    const second = await read()
    const deleted = await remove(second.versions, ['m.settled', 'm.hot'])
    assert.deepEqual((JSON.parse(deleted.text) as { results: unknown[] }).results, [
      { name: 'm.settled', deleted: true, droppedCachedPoints: 0 },
      { name: 'm.hot', deleted: true, droppedCachedPoints: 0 },
    ])
    assert.ok(!fs.existsSync(path.join(node.dataDir, 'm')))
    const bad = await admin(node, 'POST', '/admin/delete', {
      body: JSON.stringify({ metrics: [{ name: 'm.x', version: 'mtime:1' }] }),
    })
    assert.equal(bad.status, 400, bad.text)
  })
})

describe('admin API: node to node (/admin/pull, --admin-peer)', () => {
  test('issue 17.5: POST /admin/pull fills a batch straight from a configured peer: created as the copy, own points kept, absent said, each with the version the source deletes by', async (t) => {
    const { one, two } = twoFiles(t)
    // The destination's m.two has gaps (20 minutes) the source's has points for.
    const source = await startNode(t, { files: { 'm/one.wsp': one, 'm/two.wsp': one } })
    const destination = await startNode(t, {
      files: { 'm/two.wsp': two },
      args: ['--admin-peer', `http://127.0.0.1:${source.port}/`],
    })
    const sourceBytes = fs.readFileSync(path.join(source.dataDir, 'm', 'one.wsp'))
    const before = points(path.join(destination.dataDir, 'm', 'two.wsp'))
    const pull = await admin(destination, 'POST', '/admin/pull', {
      body: JSON.stringify({
        from: `http://127.0.0.1:${source.port}`,
        names: ['m.one', 'm.two', 'm.absent'],
      }),
    })
    assert.equal(pull.status, 200, pull.text)
    const results = (JSON.parse(pull.text) as { results: Record<string, unknown>[] }).results
    assert.deepEqual(
      results.map((r) => [r.name, r.created, r.missing, r.bytes, r.absent]),
      [
        ['m.one', true, 0, sourceBytes.length, undefined],
        ['m.two', false, 0, fs.statSync(path.join(source.dataDir, 'm', 'two.wsp')).size, undefined],
        ['m.absent', undefined, undefined, undefined, true],
      ],
    )
    for (const result of results.slice(0, 2)) {
      assert.ok((result.checked as number) > 100, JSON.stringify(result))
      assert.equal(result.cachedPoints, 0)
      assert.match(String(result.version), /^(stat|sha256):/)
    }
    assert.ok(fs.readFileSync(path.join(destination.dataDir, 'm', 'one.wsp')).equals(sourceBytes))
    const after = points(path.join(destination.dataDir, 'm', 'two.wsp'))
    // Its own minutes are kept; the hour that holds the filled minutes is their new average.
    assertKept(before, after, [0])
    // The source's points filled the gaps the destination had.
    assert.ok(after.archives[0]!.length > before.archives[0]!.length)
    // The versions the pull answered delete the sources (their files unchanged).
    const removed = await admin(source, 'POST', '/admin/delete', {
      body: JSON.stringify({
        metrics: results.slice(0, 2).map((r) => ({ name: r.name, version: r.version })),
      }),
    })
    assert.deepEqual((JSON.parse(removed.text) as { results: unknown[] }).results, [
      { name: 'm.one', deleted: true, droppedCachedPoints: 0 },
      { name: 'm.two', deleted: true, droppedCachedPoints: 0 },
    ])
  })

  test('issue 17.admin: /admin/pull refuses no token, a wrong token, bad names, a node that is not a configured peer; nothing touched, the token never shown', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'f.wsp')
    makeFile(file, 0)
    const source = await startNode(t, { files: { 'a/b/c.wsp': file } })
    // A peer with another token: it refuses the pull's read.
    const stranger = await startNode(t, { files: { 'a/b/c.wsp': file }, token: 'another-token' })
    const destination = await startNode(t, {
      args: [
        '--admin-peer',
        `http://127.0.0.1:${source.port}`,
        '--admin-peer',
        `http://127.0.0.1:${stranger.port}`,
      ],
    })
    const lone = await startNode(t)
    const body = (from: string, names: string[] = ['a.b.c']): Buffer =>
      Buffer.from(JSON.stringify({ from, names }))
    const from = `http://127.0.0.1:${source.port}`
    const watched = [destination.dataDir, source.dataDir]
    await assertRefused(
      destination,
      [
        { method: 'POST', url: '/admin/pull', body: body(from), headers: {}, status: 401 },
        {
          method: 'POST',
          url: '/admin/pull',
          body: body(from),
          headers: { authorization: `Bearer ${TOKEN}x` },
          status: 403,
        },
        ...['..', 'a..b', 'a.b\0', 'a/../../x', ''].map((bad) => ({
          method: 'POST',
          url: '/admin/pull',
          body: body(from, ['a.b.c', bad]),
          status: 400,
        })),
        // Not a peer: another port, another host name for it, credentials, another scheme, no URL.
        ...[
          `http://127.0.0.1:${lone.port}`,
          `http://localhost:${source.port}`,
          `http://user:pw@127.0.0.1:${source.port}`,
          `file:///etc/passwd`,
          'not a url',
        ].map((other) => ({ method: 'POST', url: '/admin/pull', body: body(other), status: 403 })),
        { method: 'POST', url: '/admin/pull', body: Buffer.from('{"names":["a.b.c"]}'), status: 400 },
        { method: 'POST', url: '/admin/pull', body: Buffer.from('not json'), status: 400 },
        { method: 'GET', url: '/admin/pull', status: 405 },
      ],
      watched,
    )
    const notPeer = await admin(destination, 'POST', '/admin/pull', {
      body: body(`http://127.0.0.1:${lone.port}`),
    })
    assert.equal((JSON.parse(notPeer.text) as { peer?: unknown }).peer, false)
    // A node without --admin-peer pulls from nowhere.
    await assertRefused(
      lone,
      [{ method: 'POST', url: '/admin/pull', body: body(from), status: 403 }],
      [lone.dataDir, source.dataDir],
    )
    // The peer refuses this node's token: the metric's answer says so, in one line, without the token.
    const refusedByPeer = await admin(destination, 'POST', '/admin/pull', {
      body: body(`http://127.0.0.1:${stranger.port}`),
    })
    assert.equal(refusedByPeer.status, 502, refusedByPeer.text)
    assert.match((JSON.parse(refusedByPeer.text) as { error: string }).error, /refused the token/)
    assert.deepEqual(
      fs.readdirSync(destination.dataDir).filter((e) => !e.startsWith('.')),
      [],
    )
    for (const node of [destination, lone, source, stranger]) {
      assert.ok(!node.serve.stderr().includes(TOKEN), 'the token is in a log')
      assert.ok(!node.serve.stderr().includes('another-token'), 'the token is in a log')
    }
    assert.ok(!refusedByPeer.text.includes(TOKEN))
    // --admin-peer: an http URL, and only with the admin API.
    const root = tempDir(t)
    const config = writeServeConfig(root)
    const ports = ['--line-port', '0', '--pickle-port', '0', '--query-port', '0', '--http-port', '0']
    assertOneLineError(
      run('carbon', ['serve', '--config', config, ...ports, '--admin-peer', 'http://127.0.0.1:1']),
      2,
      /--admin-peer needs --admin-token-file/,
    )
    assertOneLineError(
      run('carbon', [
        'serve',
        '--config',
        config,
        ...ports,
        '--admin-token-file',
        file,
        '--admin-peer',
        'ftp://x',
      ]),
      2,
      /not an http URL/,
    )
  })
})
