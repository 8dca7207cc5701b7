// `carbon query` end to end: the built binary asks the reference carbon-cache (Debian's
// graphite-carbon 1.1.7) over CarbonLink for points it still holds in memory. The cache runs with
// CACHE_WRITE_STRATEGY = timesorted and a huge MIN_TIMESTAMP_LAG, so nothing is ever written: every
// point the query shows came from the cache.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { runAsync, shell } from '../../helpers/cli.js'
import { ROOT } from '../../helpers/paths.js'
import { startServe } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'
import type { CarbonCache } from '../../helpers/carbon-cache.js'
import { startCarbonCache } from '../../helpers/carbon-cache.js'
import { needsReference } from '../../helpers/reference.js'

const POINTS = `q.one 1.5 1700000060\nq.one -2 1700000000\nq.one 1e300 1700000120\nq.two 7 1700000000\n`

describe('carbon query against carbon-cache 1.1.7', needsReference('carbon'), () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-query-'))
  const stops: (() => Promise<void>)[] = []
  let cache: CarbonCache
  let port: string

  before(async () => {
    // A metric whose whisper file exists, for get-metadata.
    const withFile = path.join(root, 'storage', 'whisper', 'q', 'withfile.wsp')
    fs.mkdirSync(path.dirname(withFile), { recursive: true })
    create(withFile, [[60, 10]], { aggregationMethod: 'max' })
    cache = await startCarbonCache({
      root,
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '1000000000' },
      after: (stop) => stops.push(stop),
    })
    port = String(cache.queryPort)
    const sent = await runAsync('carbon', ['send', '-p', String(cache.linePort)], { input: POINTS })
    assert.equal(sent.status, 0, sent.stderr)
    // The points reach the cache asynchronously: wait until all four are there.
    const deadline = Date.now() + 120_000
    for (;;) {
      const result = await runAsync('carbon', ['query', '-p', port, '--json', 'q.one', 'q.two'])
      if (result.status === 0) {
        const data = JSON.parse(result.stdout) as { metrics: { datapoints: unknown[] }[] }
        if (data.metrics[0]!.datapoints.length === 3 && data.metrics[1]!.datapoints.length === 1) break
      }
      if (Date.now() > deadline)
        assert.fail(`the points never reached the cache:\n${cache.log().slice(-3000)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  after(async () => {
    for (const stop of stops) await stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  test('one metric (cache-query): its points, sorted, as aligned columns', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, 'q.one'])
    assert.deepEqual(result, {
      status: 0,
      stderr: '',
      stdout: [
        'metric  timestamp   time (UTC)            value',
        'q.one   1700000000  2023-11-14T22:13:20Z  -2.0',
        'q.one   1700000060  2023-11-14T22:14:20Z  1.5',
        'q.one   1700000120  2023-11-14T22:15:20Z  1e+300',
        '',
      ].join('\n'),
    })
    // Nothing was written: these came from memory.
    assert.equal(fs.existsSync(path.join(cache.dataDir, 'q', 'one.wsp')), false)
  })

  test('several metrics (cache-query-bulk), --json: the same data as an object', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, '--json', 'q.one', 'q.two', 'q.missing'])
    assert.equal(result.status, 0)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      schemaVersion: 1,
      server: `127.0.0.1:${port}`,
      metrics: [
        {
          metric: 'q.one',
          datapoints: [
            [1700000000, -2],
            [1700000060, 1.5],
            [1700000120, 1e300],
          ],
        },
        { metric: 'q.two', datapoints: [[1700000000, 7]] },
        { metric: 'q.missing', datapoints: [] },
      ],
    })
  })

  test('--metadata asks each aggregationMethod: from the file, or the error carbon gives', async () => {
    const result = await runAsync('carbon', [
      'query',
      '-p',
      port,
      '--metadata',
      '--json',
      'q.two',
      'q.withfile',
    ])
    assert.equal(result.status, 0)
    const data = JSON.parse(result.stdout) as {
      metrics: { metric: string; aggregationMethod: string | null; metadataError?: string }[]
    }
    assert.equal(data.metrics[0]!.aggregationMethod, null)
    // carbon 1.1.7 with whisper 1.1.4 on a missing file (the last line of its traceback).
    assert.equal(data.metrics[0]!.metadataError, "TypeError: 'NoneType' object is not subscriptable")
    assert.equal(data.metrics[1]!.aggregationMethod, 'max')
    const text = await runAsync('carbon', ['query', '-p', port, '--metadata', 'q.withfile'])
    assert.equal(
      text.stdout,
      'metric      timestamp  time (UTC)  value           aggregationMethod\nq.withfile  -          -           (not in cache)  max\n',
    )
    assert.equal(text.status, 1)
  })

  test('nothing cached: the table says so, exit 1 with one line', async () => {
    const result = await runAsync('carbon', ['query', '-p', port, 'q.missing'])
    assert.deepEqual(result, {
      status: 1,
      stdout: 'metric     timestamp  time (UTC)  value\nq.missing  -          -           (not in cache)\n',
      stderr:
        'carbon: no points in cache for q.missing (points already written are on disk: add --storage-dir or --config)\n',
    })
  })
})

describe('carbon query without a server', () => {
  test('a refused connection exits 6 with one line', async () => {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as net.AddressInfo).port
    await new Promise((resolve) => server.close(resolve))
    const result = await runAsync('carbon', ['query', '-p', String(port), 'a.b'])
    assert.deepEqual(result, {
      status: 6,
      stdout: '',
      stderr: `carbon: 127.0.0.1:${port}: connection refused\n`,
    })
  })

  test('a server that is not CarbonLink: exit 6 when it closes, exit 4 when it answers garbage', async (t) => {
    const closer = net.createServer((socket) => socket.on('data', () => socket.destroy()))
    const garbage = net.createServer((socket) =>
      socket.on('data', () => socket.end(Buffer.from([0, 0, 0, 2, 0x4e, 0x2e]))),
    )
    for (const server of [closer, garbage]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.after(() => new Promise((resolve) => server.close(resolve)))
    }
    const closed = await runAsync('carbon', [
      'query',
      '-p',
      String((closer.address() as net.AddressInfo).port),
      'a.b',
    ])
    assert.equal(closed.status, 6)
    assert.match(closed.stderr, /^carbon: 127\.0\.0\.1:\d+: connection closed after 0 of 1 replies/)
    const bad = await runAsync('carbon', [
      'query',
      '-p',
      String((garbage.address() as net.AddressInfo).port),
      'a.b',
    ])
    assert.equal(bad.status, 4)
    assert.match(
      bad.stderr,
      /^carbon: 127\.0\.0\.1:\d+: invalid CarbonLink reply: the reply is None, not a dict\n$/,
    )
  })
})

/** The shell lines of the README's quick start: the daemon's (`npm start`), then the others. */
function quickStart(): { serve: string; commands: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const block = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)![1]!
  const lines = block.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
  const [serve, ...rest] = lines.filter((line) => !line.startsWith(' '))
  return { serve: serve!, commands: rest }
}

describe('issue 13.11: carbon query right after carbon send', () => {
  test('issue 13.11: the README quick start works as written, against a real carbon serve', async (t) => {
    // Run where `npm start` would: a directory with bin/ (the built binaries) and package.json's
    // start script; the quick start's own ports (2003, 2004, 7002).
    const dir = tempDir(t, 'carbonkit-quick-start-')
    fs.symlinkSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'))
    const { serve, commands } = quickStart()
    assert.match(serve, /^npm start\s/)
    const start = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: { start: string }
      }
    ).scripts.start
    const daemon = spawn('bash', ['-c', start.startsWith('exec ') ? start : `exec ${start}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    t.after(() => {
      if (daemon.exitCode === null) daemon.kill('SIGKILL')
    })
    let log = ''
    await new Promise<void>((resolve, reject) => {
      daemon.stderr.on('data', (d: Buffer) => {
        log += d.toString()
        if (log.includes('listening')) resolve()
      })
      daemon.on('exit', () => reject(new Error(`carbon serve exited:\n${log}`)))
    })
    assert.equal(commands.length, 3)
    const outputs = []
    for (const command of commands) {
      const result = await shell(`cd ${dir} && ${command}`)
      assert.equal(result.status, 0, `${command}\n${result.stdout}${result.stderr}`)
      outputs.push(result.stdout)
    }
    // query: the point, from the cache or from the file.
    assert.match(outputs[1]!, /^hello\.graphite +\d+ +\S+ +3\.5 +(cache|disk)$/m)
    assert.match(outputs[2]!, /\t3\.500000$/m)
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.on('exit', resolve))
    assert.equal(daemon.exitCode, 0, log)
  })

  test('issue 13.11: with --storage-dir, a point already written shows as on disk, exit 0', async (t) => {
    const dir = tempDir(t)
    const server = await startServe(t, ['--storage-dir', dir])
    const sent = await runAsync('carbon', [
      'send',
      '-p',
      String(server.ports.line),
      'a.b',
      '2.5',
      '1796539980',
    ])
    assert.equal(sent.status, 0, sent.stderr)
    await server.waitFor((e) => e.type === 'created')
    // Wait until carbon has written it (it leaves the cache then).
    const port = String(server.ports.query)
    for (const deadline = Date.now() + 120_000; ;) {
      const cached = await runAsync('carbon', ['query', '-p', port, 'a.b'])
      if (cached.status === 1) break
      assert.ok(Date.now() < deadline, 'the point never left the cache')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const now = { CARBONKIT_NOW: '1796540030' }
    const result = await runAsync('carbon', ['query', '-p', port, 'a.b', 'no.such', '--storage-dir', dir], {
      env: now,
    })
    assert.deepEqual(result, {
      status: 0,
      stderr: '',
      stdout: [
        'metric   timestamp   time (UTC)            value           where',
        'a.b      -           -                     (not in cache)  cache',
        'a.b      1796539980  2026-12-06T06:53:00Z  2.5             disk',
        'no.such  -           -                     (not in cache)  cache',
        'no.such  -           -                     (no such file)  disk',
        '',
      ].join('\n'),
    })
    const json = await runAsync('carbon', ['query', '-p', port, 'a.b', '--storage-dir', dir, '--json'], {
      env: now,
    })
    assert.deepEqual(JSON.parse(json.stdout), {
      schemaVersion: 1,
      server: `127.0.0.1:${port}`,
      dataDir: path.join(dir, 'whisper'),
      metrics: [
        {
          metric: 'a.b',
          datapoints: [],
          onDisk: { file: path.join(dir, 'whisper', 'a', 'b.wsp'), latest: [1796539980, 2.5] },
        },
      ],
    })
    const none = await runAsync('carbon', ['query', '-p', port, 'no.such', '--storage-dir', dir])
    assert.equal(none.status, 1)
    assert.equal(none.stderr, 'carbon: no points in cache or on disk for no.such\n')
  })

  test('issue 13.11: --metadata with nothing cached exits 1 like the plain query', async (t) => {
    const server = await startServe(t, ['--storage-dir', tempDir(t)])
    const port = String(server.ports.query)
    const plain = await runAsync('carbon', ['query', '-p', port, 'x.y'])
    const metadata = await runAsync('carbon', ['query', '-p', port, 'x.y', '--metadata'])
    assert.equal(plain.status, 1)
    assert.equal(metadata.status, 1)
    assert.equal(metadata.stderr, plain.stderr)
    assert.match(metadata.stdout, /^x\.y +- +- +\(not in cache\) +\(.*no such file/m)
  })
})
