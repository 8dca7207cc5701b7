// carbon serve end to end: the real binary, real sockets on 127.0.0.1 (port 0), real files read back
// with the reference whisper library, real senders (Python's pickle, graphite-web's CarbonLink bytes,
// Etsy statsd).

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { metricPoints, writeDump } from '../../helpers/legacy-dump.js'
import { run } from '../../helpers/cli.js'
import { ROOT } from '../../helpers/paths.js'
import { unassignedPort } from '../../helpers/ports.js'
import type { ServeEvent } from '../../helpers/serve.js'
import { REFERENCE_PYTHON, needsReference } from '../../helpers/reference.js'
import {
  frame,
  pythonPickle,
  readTreeWithReference,
  sendTcp,
  sendUdp,
  startServe,
  writeServeConfig,
} from '../../helpers/serve.js'
import { mountTmpfs, resizeTmpfs } from '../../helpers/tmpfs.js'
import { tempDir } from '../../helpers/tmp.js'
import { fetch } from '../../../src/core/whisper/fetch.js'

const reference = needsReference()

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const aligned = (step: number): number => nowSeconds() - (nowSeconds() % step) - 10 * step

function created(metric: string) {
  return (e: { type: string; metric?: unknown }): boolean => e.type === 'created' && e.metric === metric
}

test(
  'points sent over plaintext TCP, UDP and pickle land in files the reference reads with the configured rules',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, {
      schemas:
        '[proto]\npattern = ^proto\\.\nretentions = 10s:1h,1m:1d\n\n[default]\npattern = .*\nretentions = 60s:1d\n',
      aggregation: '[max]\npattern = \\.max$\nxFilesFactor = 0.1\naggregationMethod = max\n',
    })
    const serve = await startServe(t, ['--config', config, '--udp'])
    const t0 = aligned(10)
    await sendTcp(
      serve.ports.line!,
      `proto.line.a 1.5 ${t0}\n`,
      `proto.line.a 2.5 ${t0 + 10}\nproto.line.a -3 ${t0 + 20}\n`,
    )
    await sendUdp(serve.ports.udp!, `proto.udp.a 4 ${t0}\nproto.udp.a 5 ${t0 + 10}\n`)
    const batch = pythonPickle(
      `[('proto.pickle.a', (${t0}, 6.0)), ('proto.pickle.max', (${t0 + 10}, 7)), ('proto.pickle.a', (${t0 + 10}.0, 8.25))]`,
      2,
    )
    await sendTcp(serve.ports.pickle!, frame(batch))
    for (const metric of ['proto.line.a', 'proto.udp.a', 'proto.pickle.a', 'proto.pickle.max'])
      await serve.waitFor(created(metric))
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })

    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    const proto = [
      [10, 360],
      [60, 1440],
    ]
    assert.deepEqual(tree['proto/line/a.wsp']?.archives, proto)
    assert.deepEqual(tree['proto/line/a.wsp']?.points, [
      [t0, 1.5],
      [t0 + 10, 2.5],
      [t0 + 20, -3],
    ])
    assert.deepEqual(tree['proto/udp/a.wsp']?.points, [
      [t0, 4],
      [t0 + 10, 5],
    ])
    assert.deepEqual(tree['proto/pickle/a.wsp']?.points, [
      [t0, 6],
      [t0 + 10, 8.25],
    ])
    const max = tree['proto/pickle/max.wsp']!
    assert.deepEqual(
      [max.archives, max.aggregationMethod, max.xFilesFactor],
      [proto, 'max', 0.10000000149011612],
    )
    assert.equal(tree['proto/pickle/a.wsp']?.aggregationMethod, 'average')
    // The self-metrics go under carbon.agents.<host>-a, with the default rule.
    assert.ok(
      Object.keys(tree).every((f) => f.startsWith('proto/') || f.startsWith('carbon/agents/')),
      Object.keys(tree).join(' '),
    )
  },
)

function carbonLink(port: number, protocol: number, requests: unknown[]): unknown[] {
  const script = path.join(ROOT, 'test', 'helpers', 'carbonlink_client.py')
  const result = spawnSync(
    REFERENCE_PYTHON,
    [script, String(port), String(protocol), JSON.stringify(requests)],
    { encoding: 'utf8' },
  )
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as unknown[]
}

test(
  "graphite-web's CarbonLink requests (pickle protocols 2 and 5) read the cache, in bulk and pipelined; a malformed one gets an error",
  reference,
  async (t) => {
    const root = tempDir(t)
    // timesorted with a long lag keeps every point in the cache.
    const config = writeServeConfig(root, {
      settings: { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '100000' },
    })
    const serve = await startServe(t, ['--config', config])
    const t0 = aligned(60)
    await sendTcp(serve.ports.line!, `cl.a 1 ${t0}\ncl.a 2 ${t0 + 60}\ncl.b 3.5 ${t0}\ncl.a 2.5 ${t0 + 60}\n`)
    const meta = path.join(root, 'storage', 'whisper', 'cl', 'meta.wsp')
    fs.mkdirSync(path.dirname(meta), { recursive: true })
    assert.equal(run('wsp', ['create', meta, '60:10', '--aggregation-method', 'max']).status, 0)
    // The points are in once a query sees them.
    for (let i = 0; i < 100; i++) {
      const [reply] = carbonLink(serve.ports.query!, 2, [{ type: 'cache-query', metric: 'cl.b' }]) as {
        datapoints: unknown[]
      }[]
      if (reply!.datapoints.length > 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    for (const protocol of [2, 5]) {
      const replies = carbonLink(serve.ports.query!, protocol, [
        { type: 'cache-query', metric: 'cl.a' },
        { type: 'cache-query-bulk', metrics: ['cl.a', 'cl.b', 'cl.none'] },
        { raw_hex: Buffer.from('not a pickle').toString('hex') },
        { type: 'cache-query', metric: 'cl.none' },
        { type: 'get-metadata', metric: 'cl.meta', key: 'aggregationMethod' },
        { type: 'get-metadata', metric: 'cl.meta', key: 'colour' },
      ])
      assert.deepEqual(replies[0], {
        datapoints: [
          [t0, 1],
          [t0 + 60, 2.5],
        ],
      })
      assert.deepEqual(replies[1], {
        datapointsByMetric: {
          'cl.a': [
            [t0, 1],
            [t0 + 60, 2.5],
          ],
          'cl.b': [[t0, 3.5]],
          'cl.none': [],
        },
      })
      assert.equal(typeof (replies[2] as { error?: unknown }).error, 'string')
      assert.deepEqual(replies[3], { datapoints: [] })
      assert.deepEqual(replies[4], { value: 'max' })
      assert.match((replies[5] as { error: string }).error, /Unsupported metadata key/)
    }
    const [set] = carbonLink(serve.ports.query!, 5, [
      { type: 'set-metadata', metric: 'cl.meta', key: 'aggregationMethod', value: 'sum' },
    ])
    assert.deepEqual(set, { old_value: 'max', new_value: 'sum' })
    assert.match(run('wsp', ['info', meta]).stdout, /aggregationMethod +sum/)
    assert.equal(
      fs.existsSync(path.join(root, 'storage', 'whisper', 'cl', 'a.wsp')),
      false,
      'held by the lag',
    )
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    // On stop the lag no longer holds points back: everything is written.
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.deepEqual(tree['cl/a.wsp']?.points, [
      [t0, 1],
      [t0 + 60, 2.5],
    ])
    assert.deepEqual(tree['cl/b.wsp']?.points, [[t0, 3.5]])
  },
)

test(
  'Etsy statsd, as a real sender through its graphite backend: counters, gauges and timers land',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, {
      schemas:
        '[stats]\npattern = ^stats\nretentions = 1s:1h\n\n[default]\npattern = .*\nretentions = 60s:1d\n',
    })
    const serve = await startServe(t, ['--config', config])
    // statsd takes its ports from its config: ports no socket of a test beside this one can take
    // before it binds them (its UDP port; its management port, 8126 on every address by default).
    const statsdPort = await unassignedPort({ udp: true })
    const managementPort = await unassignedPort()
    const statsdConfig = path.join(root, 'statsd.js')
    fs.writeFileSync(
      statsdConfig,
      `(${JSON.stringify({
        graphiteHost: '127.0.0.1',
        graphitePort: serve.ports.line,
        address: '127.0.0.1',
        port: statsdPort,
        mgmt_address: '127.0.0.1',
        mgmt_port: managementPort,
        flushInterval: 500,
        deleteIdleStats: true,
        backends: ['./backends/graphite'],
      })})\n`,
    )
    const statsdDir = path.join(ROOT, 'node_modules', 'statsd')
    const statsd = spawn(process.execPath, ['stats.js', statsdConfig], {
      cwd: statsdDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    t.after(() => void statsd.kill('SIGKILL'))
    let statsdLog = ''
    statsd.stdout.on('data', (d: Buffer) => (statsdLog += d.toString()))
    statsd.stderr.on('data', (d: Buffer) => (statsdLog += d.toString()))
    // statsd is up once it answers on its UDP port; keep sending until the metrics reach carbon.
    const wanted = ['stats_counts.ck.requests', 'stats.gauges.ck.queue', 'stats.timers.ck.latency.mean']
    const deadline = Date.now() + 120_000
    while (!wanted.every((m) => serve.events.some(created(m)))) {
      assert.ok(
        Date.now() < deadline,
        `statsd's metrics did not arrive; statsd said:\n${statsdLog}\ncarbon serve said:\n${serve.stderr()}`,
      )
      await sendUdp(statsdPort, 'ck.requests:5|c', 'ck.queue:42|g', 'ck.latency:100|ms\nck.latency:300|ms')
      await new Promise((r) => setTimeout(r, 600))
    }
    statsd.kill('SIGTERM')
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    const values = (file: string): number[] => (tree[file]?.points ?? []).map(([, v]) => v)
    assert.ok(
      values('stats_counts/ck/requests.wsp').length > 0 &&
        values('stats_counts/ck/requests.wsp').every((v) => v % 5 === 0 && v > 0),
    )
    assert.ok(values('stats/gauges/ck/queue.wsp').includes(42))
    assert.ok(values('stats/timers/ck/latency/mean.wsp').includes(200))
    assert.ok(values('stats/timers/ck/latency/upper.wsp').includes(300))
  },
)

/** Many lines, one connection: `metrics` metrics, `perMetric` minutely points each. */
function bulkLines(metrics: number, perMetric: number, t0: number): string {
  const lines: string[] = []
  for (let p = 0; p < perMetric; p++)
    for (let m = 0; m < metrics; m++) lines.push(`bulk.m${m} ${m + p / 8} ${t0 + 60 * p}`)
  return lines.join('\n') + '\n'
}

const sum = (points: [number, number][]): number => points.reduce((total, [, v]) => total + v, 0)

function countPoints(tree: ReturnType<typeof readTreeWithReference>, prefix: string): number {
  let n = 0
  for (const [file, f] of Object.entries(tree)) if (file.startsWith(prefix)) n += f.points.length
  return n
}

test(
  'SIGTERM right after the last of 100,000 points: all of them are on disk and the exit status is 0',
  reference,
  async (t) => {
    const root = tempDir(t)
    const serve = await startServe(t, [], { cwd: root })
    const t0 = aligned(60) - 60 * 100
    const payload = bulkLines(1000, 100, t0)
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: serve.ports.line! }, () => {
        socket.end(payload, () => {
          // The last byte is with the kernel: stop now.
          serve.child.kill('SIGTERM')
          resolve()
        })
      })
      socket.on('error', reject)
    })
    assert.deepEqual(await serve.exited, { status: 0, signal: null })
    const stopped = serve.events.find((e) => e.type === 'stopped')!
    assert.equal(stopped.left, 0)
    assert.deepEqual(fs.readdirSync(path.join(root, 'storage')), ['whisper'], 'no log is left')
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.equal(countPoints(tree, 'bulk/'), 100_000)
    assert.deepEqual(tree['bulk/m7.wsp']?.points.slice(0, 2), [
      [t0, 7],
      [t0 + 60, 7.125],
    ])
  },
)

for (const flags of [[], ['--no-wal']]) {
  test(
    `a tiny --shutdown-timeout${flags.length ? ` with ${flags.join(' ')}` : ''} leaves the rest in the write-ahead log; the next start replays it and nothing is lost`,
    reference,
    async (t) => {
      const root = tempDir(t)
      // 3 writes a second: the cache cannot be written in the time given.
      const config = writeServeConfig(root, { settings: { MAX_UPDATES_PER_SECOND: '3' } })
      const first = await startServe(t, ['--config', config, '--shutdown-timeout', '1', ...flags])
      const t0 = aligned(60) - 60 * 10
      await sendTcp(first.ports.line!, bulkLines(200, 5, t0))
      await first.waitFor((e) => e.type === 'created')
      assert.deepEqual(await first.stop(), { status: 0, signal: null })
      const stopped = first.events.find((e) => e.type === 'stopped')!
      const walDir = path.join(root, 'storage', 'wal')
      assert.equal(stopped.wal, walDir)
      assert.ok((stopped.left as number) > 0 && fs.readdirSync(walDir).length > 0)
      const onDisk = countPoints(readTreeWithReference(path.join(root, 'storage', 'whisper')), 'bulk/')
      assert.ok(onDisk + (stopped.left as number) >= 1000, `${onDisk} + ${String(stopped.left)}`)

      writeServeConfig(root, { settings: { MAX_UPDATES_PER_SECOND: '100000' } })
      const second = await startServe(t, ['--config', config, ...flags])
      const replayed = await second.waitFor((e) => e.type === 'wal-replayed')
      assert.ok((replayed.points as number) >= (stopped.left as number))
      assert.deepEqual(await second.stop(), { status: 0, signal: null })
      const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
      assert.equal(countPoints(tree, 'bulk/'), 1000)
      assert.deepEqual(tree['bulk/m7.wsp']?.points.slice(0, 2), [
        [t0, 7],
        [t0 + 60, 7.125],
      ])
      assert.deepEqual(
        fs.readdirSync(path.join(root, 'storage')),
        ['whisper'],
        'the log is gone once written',
      )
    },
  )
}

test(
  'issue 14.5: a shutdown dump left by an earlier version is replayed once, through the write-ahead log',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, {})
    const t0 = aligned(60)
    const dumpFile = path.join(root, 'storage', 'carbonkit-cache.dump')
    writeDump(dumpFile, [
      ['dumped.a', metricPoints([t0, t0 + 60], [1.25, -2])],
      ['dumped.b', metricPoints([t0], [1e308])],
    ])
    const serve = await startServe(t, ['--config', config])
    const replayed = await serve.waitFor((e) => e.type === 'replayed')
    assert.equal(replayed.points, 3)
    // Once in the log, the dump is gone: a crash now replays the log, not the dump again.
    assert.deepEqual(fs.readdirSync(path.join(root, 'storage')).sort(), ['wal', 'whisper'])
    await serve.waitFor(created('dumped.b'))
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.deepEqual(tree['dumped/a.wsp']?.points, [
      [t0, 1.25],
      [t0 + 60, -2],
    ])
    assert.deepEqual(tree['dumped/b.wsp']?.points, [[t0, 1e308]])
    assert.deepEqual(fs.readdirSync(path.join(root, 'storage')), ['whisper'])
  },
)

test(
  'bad input does not stop the daemon: the good lines after it are stored, nothing runs, nothing escapes',
  reference,
  async (t) => {
    const root = tempDir(t)
    const serve = await startServe(t, ['--udp'], { cwd: root })
    const t0 = aligned(60)
    const marker = path.join(root, 'pwned')
    const evil = (protocol: number): Buffer => {
      const hex = spawnSync(
        REFERENCE_PYTHON,
        [
          '-c',
          `import os, pickle\nclass E:\n  def __reduce__(self): return (os.system, (${JSON.stringify(`touch ${marker}`)},))\nprint(pickle.dumps([E()], protocol=${protocol}).hex())`,
        ],
        { encoding: 'utf8' },
      ).stdout.trim()
      return Buffer.from(hex, 'hex')
    }
    const bad = Buffer.concat([
      Buffer.from('garbage\n\n   \nonly.two 1\n'),
      Buffer.from(`x.${'y'.repeat(20_000)} 1 ${t0}\n`),
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x75, 0x74, 0x66, 0x38, 0x20, 0x31, 0x20]),
      Buffer.from(`${t0}\n`),
      Buffer.from(`inf.ts 1 inf\nnan.ts 1 nan\nnan.value nan ${t0}\n`),
      Buffer.from(`a\0b 1 ${t0}\n/etc/carbonkit-test 1 ${t0}\n..${'.'.repeat(3)}..x 1 ${t0}\n`),
      Buffer.from(`good.after.line 42 ${t0}\n`),
    ])
    await sendTcp(serve.ports.line!, bad)
    await sendUdp(serve.ports.udp!, Buffer.from([0xff, 0x0a]), `good.after.udp 43 ${t0}\n`)
    const pickles = Buffer.concat([
      frame(evil(2)),
      frame(evil(5)),
      frame(Buffer.from('definitely not a pickle')),
      frame(pythonPickle(`[('good.after.pickle', (${t0}, 44.0))]`, 2)),
    ])
    await sendTcp(serve.ports.pickle!, pickles)
    // A 4 GiB length prefix holds its connection (the body is skipped as it comes); others go on.
    const huge = net.connect({ host: '127.0.0.1', port: serve.ports.pickle! })
    huge.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]))
    t.after(() => void huge.destroy())
    await sendTcp(serve.ports.pickle!, frame(pythonPickle(`[('good.after.huge', (${t0}, 45))]`, 5)))
    for (const metric of ['good.after.line', 'good.after.udp', 'good.after.pickle', 'good.after.huge'])
      await serve.waitFor(created(metric))
    huge.destroy()
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })

    assert.equal(fs.existsSync(marker), false, 'the pickle ran code')
    assert.equal(fs.existsSync('/etc/carbonkit-test.wsp'), false)
    const rejected = new Set(serve.events.filter((e) => e.type === 'rejected').map((e) => e.reason))
    for (const reason of ['bad-pickle', 'bad-name'])
      assert.ok(rejected.has(reason), `${reason} in ${[...rejected].join(', ')}`)
    const dataDir = path.join(root, 'storage', 'whisper')
    const tree = readTreeWithReference(dataDir)
    for (const [file, value] of [
      ['good/after/line.wsp', 42],
      ['good/after/udp.wsp', 43],
      ['good/after/pickle.wsp', 44],
      ['good/after/huge.wsp', 45],
    ] as const) {
      assert.deepEqual(tree[file]?.points, [[t0, value]], file)
    }
    // Everything written is under the data directory: the root holds storage/ and nothing else.
    assert.deepEqual(fs.readdirSync(root), ['storage'])
    assert.deepEqual(fs.readdirSync(path.join(root, 'storage')), ['whisper'])
    // carbon strips the leading separator: /etc/carbonkit-test is a file inside.
    assert.ok(tree['etc/carbonkit-test.wsp'])
  },
)

test(
  'SIGHUP: new metrics get a changed schema; a broken one is refused, logged, and the old rules stay',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, {})
    const serve = await startServe(t, ['--config', config])
    const t0 = aligned(60)
    await sendTcp(serve.ports.line!, `hup.first 1 ${t0}\n`)
    await serve.waitFor(created('hup.first'))

    fs.writeFileSync(
      path.join(root, 'conf', 'storage-schemas.conf'),
      '[default]\npattern = .*\nretentions = 10s:1h\n',
    )
    serve.child.kill('SIGHUP')
    await serve.waitFor((e) => e.type === 'reloaded')
    await sendTcp(serve.ports.line!, `hup.second 2 ${t0}\n`)
    await serve.waitFor(created('hup.second'))

    fs.writeFileSync(
      path.join(root, 'conf', 'storage-schemas.conf'),
      '[default]\npattern = .*\nretentions = 10s:banana\n',
    )
    serve.child.kill('SIGHUP')
    const failed = await serve.waitFor((e) => e.type === 'reload-failed')
    assert.match(failed.message as string, /storage-schemas\.conf/)
    await sendTcp(serve.ports.line!, `hup.third 3 ${t0}\n`)
    await serve.waitFor(created('hup.third'))
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })

    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.deepEqual(tree['hup/first.wsp']?.archives, [[60, 1440]])
    assert.deepEqual(tree['hup/second.wsp']?.archives, [[10, 360]])
    assert.deepEqual(tree['hup/third.wsp']?.archives, [[10, 360]])
  },
)

test(
  'a full cache pauses TCP senders instead of dropping their points; UDP drops are counted',
  reference,
  async (t) => {
    const root = tempDir(t)
    // 100 points fill the cache; two writes a second drain it 50 points at a time.
    const config = writeServeConfig(root, {
      settings: { MAX_CACHE_SIZE: '100', MAX_UPDATES_PER_SECOND: '2' },
    })
    const serve = await startServe(t, ['--config', config, '--udp'])
    const t0 = aligned(60) - 60 * 60
    const lines: string[] = []
    for (let p = 0; p < 50; p++) for (let m = 0; m < 10; m++) lines.push(`full.m${m} ${p} ${t0 + 60 * p}`)
    const sent = sendTcp(serve.ports.line!, lines.join('\n') + '\n')
    await serve.waitFor((e) => e.type === 'cache-full')
    // While it is full, a datagram cannot wait: it is dropped and counted.
    const deadline = Date.now() + 120_000
    while (!serve.events.some((e) => e.type === 'rejected' && e.reason === 'cache-full')) {
      assert.ok(Date.now() < deadline, serve.stderr())
      await sendUdp(serve.ports.udp!, `full.udp 1 ${t0}\n`)
      await new Promise((r) => setTimeout(r, 20))
    }
    await serve.waitFor((e) => e.type === 'cache-resumed')
    await sent
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.equal(countPoints(tree, 'full/m'), 500)
  },
)

test(
  'MAX_CREATES_PER_MINUTE delays new files without dropping their points; sparse files; self-metrics of the instance',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, {
      settings: { MAX_CREATES_PER_MINUTE: '2', WHISPER_SPARSE_CREATE: 'True', CARBON_METRIC_INTERVAL: '1' },
      schemas:
        '[self]\npattern = ^selfie\\.\nretentions = 1s:1h\n\n[default]\npattern = .*\nretentions = 60s:1d\n',
    })
    fs.appendFileSync(config, '[cache:b]\nCARBON_METRIC_PREFIX = selfie\n')
    const spawnedMs = Date.now()
    const serve = await startServe(t, ['--config', config, '--instance', 'b'])
    const t0 = aligned(60)
    await sendTcp(
      serve.ports.line!,
      ['c.one', 'c.two', 'c.three', 'c.four', 'c.five'].map((m, i) => `${m} ${i} ${t0}\n`).join('') +
        'oneword\n',
    )
    // Two tokens, then one every 30 s: two files are created at once, and a third not for 30 s.
    const creates = (): ServeEvent[] => serve.events.filter((e) => e.type === 'created')
    await serve.waitFor(() => creates().length >= 2)
    await new Promise((r) => setTimeout(r, 1500))
    // The bucket starts after the spawn: a third file only 30 s after it (a loaded machine can take
    // that long to create the first two; then the third is on time, not early).
    const third = creates()[2]
    assert.ok(
      third === undefined || Date.parse(String(third.time)) - spawnedMs >= 29_000,
      `a third file ${Date.parse(String(third?.time)) - spawnedMs} ms after the start: ${serve.stderr()}`,
    )
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    const dataDir = path.join(root, 'storage', 'whisper')
    const tree = readTreeWithReference(dataDir)
    for (const [i, m] of ['one', 'two', 'three', 'four', 'five'].entries())
      assert.deepEqual(tree[`c/${m}.wsp`]?.points, [[t0, i]])
    const file = path.join(dataDir, 'c', 'one.wsp')
    assert.ok(
      fs.statSync(file).blocks * 512 < fs.statSync(file).size,
      'WHISPER_SPARSE_CREATE makes sparse files',
    )
    const agent = `selfie/agents/${os.hostname().replaceAll('.', '_')}-b/`
    for (const stat of [
      'metricsReceived',
      'committedPoints',
      'cache/size',
      'cpuUsage',
      'memUsage',
      'rejected/fields',
    ]) {
      assert.ok(tree[`${agent}${stat}.wsp`], `${agent}${stat}.wsp in ${Object.keys(tree).join(' ')}`)
    }
    assert.ok(sum(tree[`${agent}rejected/fields.wsp`]!.points) === 1)
    assert.ok(sum(tree[`${agent}metricsReceived.wsp`]!.points) === 5)
  },
)

test(
  'with no create budget, existing files are still written; new metrics wait in the cache until the stop',
  reference,
  async (t) => {
    const root = tempDir(t)
    const config = writeServeConfig(root, { settings: { MAX_CREATES_PER_MINUTE: '0' } })
    const existing = path.join(root, 'storage', 'whisper', 'old', 'metric.wsp')
    fs.mkdirSync(path.dirname(existing), { recursive: true })
    assert.equal(run('wsp', ['create', existing, '60:1440']).status, 0)
    const serve = await startServe(t, ['--config', config])
    const t0 = aligned(60)
    await sendTcp(serve.ports.line!, `old.metric 7 ${t0}\nnew.metric 8 ${t0}\n`)
    const deadline = Date.now() + 120_000
    while (
      readTreeWithReference(path.join(root, 'storage', 'whisper'))['old/metric.wsp']?.points.length !== 1
    ) {
      assert.ok(Date.now() < deadline, serve.stderr())
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.equal(fs.existsSync(path.join(root, 'storage', 'whisper', 'new', 'metric.wsp')), false)
    assert.deepEqual(await serve.stop(), { status: 0, signal: null })
    const tree = readTreeWithReference(path.join(root, 'storage', 'whisper'))
    assert.deepEqual(tree['old/metric.wsp']?.points, [[t0, 7]])
    assert.deepEqual(tree['new/metric.wsp']?.points, [[t0, 8]])
  },
)

test('a configuration carbon-cache would not start with, or a port in use, is a one-line error', async (t) => {
  const root = tempDir(t)
  const config = writeServeConfig(root, { schemas: '[default]\npattern = .*\nretentions = 60s:banana\n' })
  const broken = run('carbon', ['serve', '--config', config])
  assert.equal(broken.status, 5, broken.stderr)
  assert.match(broken.stderr, /storage-schemas\.conf.*carbon-cache would not start/)
  assert.equal(broken.stderr.trim().split('\n').length, 1)
  const missing = run('carbon', ['serve', '--config', path.join(root, 'nope', 'carbon.conf')])
  assert.equal(missing.status, 5, missing.stderr)

  const blocker = net.createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.after(() => void blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const busy = run(
    'carbon',
    ['serve', '--line-port', String(port), '--pickle-port', '0', '--query-port', '0', '--http-port', '0'],
    { cwd: root },
  )
  assert.equal(busy.status, 6, busy.stderr)
  assert.match(busy.stderr, /cannot listen for plaintext on 127\.0\.0\.1:\d+: EADDRINUSE/)
})

test('a full disk keeps the points in the cache; they are written once there is room', async (t) => {
  // Room for two files of 60s:1d (17 KiB each), not for six.
  const tmpfs = mountTmpfs(t, '40k')
  if ('why' in tmpfs) return t.skip(tmpfs.why)
  const storage = tmpfs.dir
  const root = tempDir(t)
  const serve = await startServe(t, [
    '--config',
    writeServeConfig(root, {
      settings: { STORAGE_DIR: storage, LOCAL_DATA_DIR: path.join(storage, 'whisper') },
    }),
  ])
  const t0 = aligned(60)
  const metrics = Array.from({ length: 6 }, (_, m) => `full.m${m}`)
  await sendTcp(serve.ports.line!, metrics.map((m, i) => `${m} ${i + 0.5} ${t0}\n`).join(''))
  const deferred = await serve.waitFor((e) => e.type === 'write-deferred')
  assert.match(String(deferred.message), /no space left on device/)
  resizeTmpfs(storage, '1m')
  for (const m of metrics) await serve.waitFor(created(m))
  assert.deepEqual(await serve.stop('SIGTERM'), { status: 0, signal: null })
  for (const [i, m] of metrics.entries()) {
    const file = path.join(storage, 'whisper', 'full', `${m.split('.')[1]}.wsp`)
    const got = fetch(file, t0 - 1, t0, { now: t0 + 60 })
    assert.deepEqual(got?.values, [i + 0.5], m)
  }
  // No temporary file left from the creates that failed.
  const left = fs.readdirSync(path.join(storage, 'whisper'), { recursive: true }).map(String)
  assert.deepEqual(
    left.filter((f) => f.endsWith('.wsp')).sort(),
    metrics.map((m) => `full/${m.split('.')[1]}.wsp`),
  )
  assert.deepEqual(
    left.filter((f) => !f.endsWith('.wsp')),
    ['full'],
  )
})

test('SIGHUP: a name seen before the reload is judged by the new lists', async (t) => {
  const root = tempDir(t)
  const config = writeServeConfig(root, { settings: { USE_WHITELIST: 'True' } })
  const blacklist = path.join(root, 'conf', 'blacklist.conf')
  fs.writeFileSync(blacklist, '^nothing\\.matches$\n')
  const serve = await startServe(t, ['--config', config])
  const t0 = aligned(60)
  await sendTcp(serve.ports.line!, `hup.kept 1 ${t0}\nhup.kept 1 ${t0}\n`)
  await serve.waitFor(created('hup.kept'))

  fs.writeFileSync(blacklist, '^hup\\.kept$\n')
  serve.child.kill('SIGHUP')
  await serve.waitFor((e) => e.type === 'reloaded')
  await sendTcp(serve.ports.line!, `hup.kept 2 ${t0 + 60}\n`)
  const rejected = await serve.waitFor((e) => e.type === 'rejected')
  assert.equal(rejected.reason, 'blacklisted')
  assert.deepEqual(await serve.stop(), { status: 0, signal: null })
  const got = fetch(path.join(root, 'storage', 'whisper', 'hup', 'kept.wsp'), t0 - 1, t0 + 60, {
    now: t0 + 120,
  })
  assert.deepEqual(got?.values, [1, null])
})
