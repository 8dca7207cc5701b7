// Issue 16, differential: the same find and render requests to a carbon serve node and to a real
// graphite-web 1.1.8 backend reading the same whisper files (and the same cache over CarbonLink)
// give the same nodes, windows and values, in pickle and in JSON.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { startGraphiteWeb } from '../../helpers/graphite-web.js'
import type { PickledSeries } from '../../helpers/http.js'
import { request } from '../../helpers/http.js'
import { REFERENCE_PYTHON, needsReference } from '../../helpers/reference.js'
import { sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const graphiteWeb = needsReference('graphite.intervals')

const NOW = Math.floor(Date.now() / 1000)
const T0 = NOW - (NOW % 60) - 1200

/** Either side's pickle as the reference Python reads it; graphite-web's IntervalSet as pairs. */
function unpickle(bytes: Buffer): unknown {
  const script = [
    'import json, pickle, sys',
    'from graphite.intervals import IntervalSet',
    'def plain(o):',
    '    if isinstance(o, IntervalSet): return [[i.start, i.end] for i in o.intervals]',
    '    if isinstance(o, dict): return {k: plain(v) for k, v in o.items()}',
    '    if isinstance(o, (list, tuple)): return [plain(x) for x in o]',
    '    return o',
    'print(json.dumps(plain(pickle.loads(sys.stdin.buffer.read()))))',
  ].join('\n')
  const result = spawnSync(REFERENCE_PYTHON, ['-c', script], { input: bytes, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(result.stderr)
  return JSON.parse(result.stdout) as unknown
}

/** A node of the cluster: 10s:2h,60s:1d for acc.*, fresh points held in the cache for 5 minutes. */
function nodeConfig(root: string): string {
  return writeServeConfig(root, {
    settings: { CARBON_METRIC_INTERVAL: '0', CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '300' },
    schemas: '[acc]\npattern = ^acc\\.\nretentions = 10s:2h,60s:1d\n',
    aggregation: '[sum]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n',
  })
}

test(
  'issue 16 differential: find and render answer as a graphite-web backend on the same files and cache',
  graphiteWeb,
  async (t) => {
    const root = tempDir(t)
    const serve = await startServe(t, ['--config', nodeConfig(root), '--http-port', '0'])
    const lines: string[] = []
    for (const node of [1, 2, 3]) {
      for (let i = 0; i < 12; i++) {
        lines.push(`acc.web.node${node}.cpu ${node * 10 + i * 0.5} ${T0 + i * 10}`)
        if (i % 3 === 0) lines.push(`acc.web.node${node}.mem ${node * 100 + i} ${T0 + i * 10}`)
      }
    }
    // Three hours ago: straight into the 60 s archive.
    for (let i = 0; i < 5; i++) lines.push(`acc.db.requests.count ${i + 1} ${T0 - 3 * 3600 + i * 60}`)
    await sendTcp(serve.ports.line!, lines.join('\n') + '\n')
    for (const metric of ['acc.web.node3.cpu', 'acc.web.node3.mem', 'acc.db.requests.count'])
      await serve.waitFor((e) => e.type === 'created' && e.metric === metric)
    // Held by the cache (MIN_TIMESTAMP_LAG): both sides must show them.
    const fresh = NOW - (NOW % 10) - 30
    await sendTcp(serve.ports.line!, `acc.web.node1.cpu 99 ${fresh}\nacc.web.node1.cpu 98 ${fresh + 10}\n`)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, {
      whisperDir: path.join(root, 'storage', 'whisper'),
      carbonlinkPort: serve.ports.query!,
    })

    const both = async (url: string): Promise<[unknown, unknown]> => {
      const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
      assert.equal(ours.status, 200, `${url}: ${ours.text}`)
      assert.equal(theirs.status, 200, `${url} (graphite-web): ${theirs.text.slice(0, 500)}`)
      return url.includes('format=pickle')
        ? [unpickle(ours.body), unpickle(theirs.body)]
        : [JSON.parse(ours.text), JSON.parse(theirs.text)]
    }

    for (const query of [
      'acc.*',
      'acc.web.*',
      'acc.web.node1.*',
      'acc.*.node[13].cpu',
      'acc.web.{node2,node3}.me?',
      'x.*',
    ]) {
      const [ours, theirs] = (await both(
        `/metrics/find/?local=1&format=pickle&query=${encodeURIComponent(query)}`,
      )) as {
        path: string
        is_leaf: boolean
        intervals?: [number, number][]
      }[][]
      const shape = (nodes: NonNullable<typeof ours>): unknown =>
        nodes.map((n) => [n.path, n.is_leaf, n.intervals?.length]).sort()
      assert.deepEqual(shape(ours!), shape(theirs!), query)
      for (const [i, n] of ours!.entries()) {
        if (!n.is_leaf) continue
        const other = theirs!.find((m) => m.path === n.path)!
        // [now - maxRetention, mtime]: the same file, the same clock to a few seconds.
        assert.ok(Math.abs(n.intervals![0]![1] - other.intervals![0]![1]) < 0.01, `${query} ${i} end`)
        assert.ok(Math.abs(n.intervals![0]![0] - other.intervals![0]![0]) < 5, `${query} ${i} start`)
      }
    }

    // xFilesFactor and consolidationFunc are not compared: graphite-web sends its settings'
    // DEFAULT_XFILES_FACTOR, the node the file's (no frontend reads either).
    const pick = (series: PickledSeries[]): unknown =>
      series
        .map((s) => ({
          name: s.name,
          pathExpression: s.pathExpression,
          start: s.start,
          end: s.end,
          step: s.step,
          values: s.values,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
    const windows = [
      `from=${T0 - 10}&until=${NOW}&now=${NOW}`, // the finest archive, the cached points in it
      `from=${T0 + 15}&until=${T0 + 45}&now=${NOW}`, // unaligned ends
      `from=${T0}&until=${T0 + 1}&now=${NOW}`, // a one-second window: one slot
      `from=${NOW - 4 * 3600}&until=${NOW}&now=${NOW}`, // the 60 s archive
      `from=${NOW - 3 * 86400}&until=${NOW - 2 * 86400}&now=${NOW}`, // beyond the retention: nothing
      `from=${T0 - 60}&until=${T0 + 60}&now=${T0 + 3 * 3600}`, // now given: the 60 s archive
    ]
    const targets = [
      'acc.web.*.cpu',
      'acc.web.node?.mem',
      'acc.db.requests.count',
      'acc.web.node[12].cpu',
      'none.*',
    ]
    for (const window of windows) {
      for (const target of targets) {
        const url = `/render/?format=pickle&local=1&noCache=1&${window}&target=${encodeURIComponent(target)}`
        const [ours, theirs] = (await both(url)) as PickledSeries[][]
        // The coarse slot holding cached points is a deliberate difference (README): graphite-web
        // averages the two cached points alone (98.5); whisper will store nothing there once they
        // are written (2 of 6 points, under the xFilesFactor of 0.5), and that is what the node says.
        if (window.startsWith(`from=${NOW - 4 * 3600}`) && target.includes('cpu')) {
          const cached: [number, number][] = [
            [fresh, 99],
            [fresh + 10, 98],
          ]
          const node1 = (series: PickledSeries[]): PickledSeries =>
            series.find((x) => x.name === 'acc.web.node1.cpu')!
          const slots = [...new Set(cached.map(([ts]) => ts - (ts % 60)))]
          const at = (series: PickledSeries, slot: number): number | null =>
            series.values[(slot - series.start) / 60]!
          for (const slot of slots) {
            const inSlot = cached.filter(([ts]) => ts - (ts % 60) === slot).map(([, v]) => v)
            assert.equal(at(node1(ours!), slot), null)
            assert.equal(at(node1(theirs!), slot), inSlot.reduce((x, y) => x + y, 0) / inSlot.length)
          }
          const strip = (series: PickledSeries[]): PickledSeries[] =>
            series.map((s) => (s.name === 'acc.web.node1.cpu' ? { ...s, values: s.values.slice(0, -2) } : s))
          assert.deepEqual(pick(strip(ours!)), pick(strip(theirs!)), url)
        } else {
          assert.deepEqual(pick(ours!), pick(theirs!), url)
        }
      }
    }
    const fine = (await both(
      `/render/?format=pickle&from=${fresh - 20}&until=${NOW}&now=${NOW}&target=acc.web.node1.cpu`,
    )) as PickledSeries[][]
    assert.deepEqual(fine[0]![0]!.values.slice(0, 3), [null, 99, 98], 'cached points')
    assert.deepEqual(pick(fine[0]!), pick(fine[1]!))

    const [ours, theirs] = await both(
      `/render/?format=json&from=${T0 - 10}&until=${T0 + 120}&now=${NOW}&target=acc.web.*.mem`,
    )
    const byTarget = (x: unknown): unknown =>
      (x as { target: string }[]).sort((a, b) => (a.target < b.target ? -1 : 1))
    assert.deepEqual(byTarget(ours), byTarget(theirs))
  },
)
