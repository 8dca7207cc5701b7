// Issue 16's acceptance: a real graphite-web 1.1.8 (Debian's, under Django's own server) as a
// cluster frontend (CLUSTER_SERVERS, no local storage) over two `carbon serve` nodes, real HTTP on
// 127.0.0.1. graphite-web asks the nodes in pickle, merges their answers and computes the functions;
// the values it shows must be exactly what the nodes hold, points still in a cache included.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startGraphiteWeb } from '../../helpers/graphite-web.js'
import { request } from '../../helpers/http.js'
import { needsReference } from '../../helpers/reference.js'
import type { Serve } from '../../helpers/serve.js'
import { sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

const graphiteWeb = needsReference('graphite.render')

const NOW = Math.floor(Date.now() / 1000)
/** 60-aligned, 20 minutes ago: written at once (the nodes hold points younger than 5 minutes). */
const T0 = NOW - (NOW % 60) - 1200

/** A node of the cluster: 10s:2h,60s:1d for acc.*, fresh points held in the cache for 5 minutes. */
function nodeConfig(root: string): string {
  return writeServeConfig(root, {
    settings: { CARBON_METRIC_INTERVAL: '0', CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '300' },
    schemas: '[acc]\npattern = ^acc\\.\nretentions = 10s:2h,60s:1d\n',
  })
}

async function startNode(t: Parameters<typeof tempDir>[0], lines: string[]): Promise<Serve> {
  const serve = await startServe(t, ['--config', nodeConfig(tempDir(t)), '--http-port', '0'])
  await sendTcp(serve.ports.line!, lines.join('\n') + '\n')
  const metrics = new Set(lines.map((l) => l.split(' ')[0]!))
  for (const metric of metrics) await serve.waitFor((e) => e.type === 'created' && e.metric === metric)
  return serve
}

interface JsonSeries {
  target: string
  datapoints: [number | null, number][]
}

test(
  'issue 16 acceptance: graphite-web 1.1.8 clusters over two carbon serve nodes (find, render, functions, cache, merge)',
  graphiteWeb,
  async (t) => {
    const a = await startNode(t, [
      `acc.web.node1.cpu 10 ${T0}`,
      `acc.web.node2.cpu 20 ${T0}`,
      `acc.web.node1.cpu 11 ${T0 + 10}`,
      `acc.shared.requests 100 ${T0}`,
    ])
    const b = await startNode(t, [`acc.web.node3.cpu 30 ${T0}`, `acc.shared.requests 200 ${T0 + 10}`])
    // Fresh points, held by node a's cache (MIN_TIMESTAMP_LAG): graphite-web must show them.
    const fresh = NOW - (NOW % 10) - 20
    await sendTcp(a.ports.line!, `acc.web.node1.cpu 42 ${fresh}\n`)
    const port = await startGraphiteWeb(t, { clusterServers: [a.ports.http!, b.ports.http!] })

    const find = JSON.parse((await request(port, '/metrics/find/?query=acc.web.*&format=json')).text) as {
      path: string
      is_leaf: boolean
    }[]
    assert.deepEqual(
      find.map((n) => [n.path, n.is_leaf]),
      [
        ['acc.web.node1', false],
        ['acc.web.node2', false],
        ['acc.web.node3', false],
      ],
    )
    const tree = JSON.parse((await request(port, '/metrics/find/?query=acc.*')).text) as {
      id: string
      leaf: number
    }[]
    assert.deepEqual(
      tree.map((n) => [n.id, n.leaf]),
      [
        ['acc.shared', 0],
        ['acc.web', 0],
      ],
    )

    const window = `from=${T0 - 10}&until=${T0 + 20}&now=${NOW}&format=json`
    const render = async (target: string): Promise<JsonSeries[]> => {
      const answer = await request(port, `/render/?target=${encodeURIComponent(target)}&${window}`)
      assert.equal(answer.status, 200, answer.text)
      return (JSON.parse(answer.text) as JsonSeries[]).sort((x, y) => (x.target < y.target ? -1 : 1))
    }
    const values = (series: JsonSeries[]): [string, (number | null)[]][] =>
      series.map((s) => [s.target, s.datapoints.map(([v]) => v)])

    assert.deepEqual(values(await render('acc.web.node1.cpu')), [['acc.web.node1.cpu', [10, 11, null]]])
    const all: [string, (number | null)[]][] = [
      ['acc.web.node1.cpu', [10, 11, null]],
      ['acc.web.node2.cpu', [20, null, null]],
      ['acc.web.node3.cpu', [30, null, null]],
    ]
    assert.deepEqual(values(await render('acc.web.*.cpu')), all)
    assert.deepEqual(values(await render('acc.web.node?.cpu')), all)
    assert.deepEqual(values(await render('acc.web.node[13].cpu')), [all[0]!, all[2]!])
    assert.deepEqual(values(await render('acc.web.{node2,node3}.cpu')), [all[1]!, all[2]!])
    assert.equal((await render('acc.web.node1.cpu'))[0]!.datapoints[0]![1], T0)

    const sum = await render('sumSeries(acc.web.*.cpu)')
    assert.deepEqual(
      sum.map((s) => s.datapoints.map(([v]) => v)),
      [[60, 11, null]],
    )
    assert.deepEqual(
      (await render('aliasByNode(acc.web.*.cpu, 2)')).map((s) => s.target),
      ['node1', 'node2', 'node3'],
    )
    const summarized = await render('summarize(acc.web.node1.cpu, "1min", "sum")')
    assert.deepEqual(summarized[0]!.datapoints[0], [21, T0])

    // One metric on both nodes, different times: graphite-web fills one's Nones from the other.
    assert.deepEqual(values(await render('acc.shared.requests')), [['acc.shared.requests', [100, 200, null]]])

    // The point in node a's cache, through the frontend.
    const recent = await request(
      port,
      `/render/?target=acc.web.node1.cpu&from=${fresh - 10}&until=${fresh}&now=${NOW}&format=json`,
    )
    assert.deepEqual((JSON.parse(recent.text) as JsonSeries[])[0]!.datapoints, [[42, fresh]])
  },
)
