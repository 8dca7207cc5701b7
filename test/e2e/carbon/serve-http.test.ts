// carbon serve --http-port (issue 16): the storage-node read API on a real `carbon serve`, real
// HTTP on 127.0.0.1, pickles read back by the reference Python, protobuf by the .proto definitions.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { test } from 'node:test'
import { decodeMessage, encodeMessage } from '../../../src/core/http/proto.js'
import type { PickledSeries } from '../../helpers/http.js'
import { request, unpickle } from '../../helpers/http.js'
import type { Serve } from '../../helpers/serve.js'
import { sendTcp, startServe, writeServeConfig } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'

function configDir(root: string, settings: Record<string, string> = {}): string {
  return writeServeConfig(root, {
    settings: { CARBON_METRIC_INTERVAL: '0', ...settings },
    schemas:
      '[acc]\npattern = ^acc\\.\nretentions = 10s:2h,60s:1d\n[default]\npattern = .*\nretentions = 60s:1d\n',
    // One 10 s point is enough for a 60 s slot of acc.db (whisper's default xFilesFactor wants half).
    aggregation: '[db]\npattern = ^acc\\.db\\.\nxFilesFactor = 0\naggregationMethod = average\n',
  })
}

const NOW = Math.floor(Date.now() / 1000)
/** A 60-aligned time 20 minutes ago: old enough to be written at once with a 5-minute lag. */
const T0 = NOW - (NOW % 60) - 1200

interface Node {
  serve: Serve
  port: number
  root: string
}

/** A node with acc.web.node{1,2,3}.cpu and .mem written, and fresh points held in its cache. */
async function startNode(t: Parameters<typeof tempDir>[0], extra: readonly string[] = []): Promise<Node> {
  const root = tempDir(t)
  const config = configDir(root, { CACHE_WRITE_STRATEGY: 'timesorted', MIN_TIMESTAMP_LAG: '300' })
  const serve = await startServe(t, ['--config', config, '--http-port', '0', ...extra])
  const lines: string[] = []
  for (const node of [1, 2, 3])
    for (const [i, metric] of ['cpu', 'mem'].entries())
      lines.push(`acc.web.node${node}.${metric} ${node * 10 + i} ${T0}`)
  lines.push(`acc.db.main.disk.sda 1.5 ${T0}`, `acc.db.main.disk.sdb 2.5 ${T0}`)
  await sendTcp(serve.ports.line!, lines.join('\n') + '\n')
  for (const metric of ['acc.web.node1.cpu', 'acc.db.main.disk.sdb'])
    await serve.waitFor((e) => e.type === 'created' && e.metric === metric)
  return { serve, port: serve.ports.http!, root }
}

test('issue 16.1: --http-port 0 listens on 127.0.0.1 and the start-up line names it; -1 turns it off', async (t) => {
  const root = tempDir(t)
  const serve = await startServe(t, ['--config', configDir(root), '--http-port', '0'])
  const listening = serve.events.find((e) => e.type === 'listening')!
  const httpAddress = (listening.addresses as { protocol: string; address: string; port: number }[]).find(
    (a) => a.protocol === 'http',
  )
  assert.equal(httpAddress?.address, '127.0.0.1')
  assert.ok(httpAddress.port > 0)
  assert.equal((await request(httpAddress.port, '/version')).text, '1.1.8\n')
  const off = await startServe(t, ['--config', configDir(tempDir(t)), '--http-port', '-1'])
  assert.equal(off.ports.http, undefined)
})

test('issue 16.2: find in pickle, msgpack, json, treejson, completer; both paths; GET, urlencoded and multipart', async (t) => {
  const { port } = await startNode(t)
  const slash = await request(port, '/metrics/find/?local=1&format=pickle&query=acc.web.*')
  assert.equal(slash.status, 200)
  assert.equal(slash.headers['content-type'], 'application/pickle')
  const nodes = unpickle(slash.body) as { path: string; is_leaf: boolean; intervals?: number[][] }[]
  assert.deepEqual(
    nodes.map((n) => [n.path, n.is_leaf]),
    [
      ['acc.web.node1', false],
      ['acc.web.node2', false],
      ['acc.web.node3', false],
    ],
  )
  const leaves = unpickle(
    (await request(port, '/metrics/find?format=pickle&query=acc.web.node1.*')).body,
  ) as {
    path: string
    intervals: number[][]
  }[]
  assert.deepEqual(
    leaves.map((n) => n.path),
    ['acc.web.node1.cpu', 'acc.web.node1.mem'],
  )
  const [start, end] = leaves[0]!.intervals[0]!
  assert.ok(Math.abs(start! - (NOW - 86400)) < 60 && end! >= start!, String(leaves[0]!.intervals))

  const json = JSON.parse(
    (await request(port, '/metrics/find?format=json&query=acc.*.node[13].cpu')).text,
  ) as {
    path: string
    is_leaf: boolean
  }[]
  assert.deepEqual(
    json.map((n) => [n.path, n.is_leaf]),
    [
      ['acc.web.node1.cpu', true],
      ['acc.web.node3.cpu', true],
    ],
  )
  // Grafana: POST /metrics/find (no slash) with a form, default treejson.
  const tree = await request(port, '/metrics/find', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'query=acc.%2A',
  })
  assert.equal(tree.status, 200)
  assert.deepEqual(JSON.parse(tree.text), [
    { text: 'db', id: 'acc.db', allowChildren: 1, expandable: 1, leaf: 0 },
    { text: 'web', id: 'acc.web', allowChildren: 1, expandable: 1, leaf: 0 },
  ])
  // graphite-web with REMOTE_STORE_USE_POST: multipart, one part per field.
  const boundary = 'e0f1d2c3b4a5'
  const fields = [
    ['local', '1'],
    ['format', 'pickle'],
    ['query', 'acc.db.main.disk.sd[a-b]'],
  ]
  const body = fields
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('')
  const multipart = await request(port, '/metrics/find/', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: `${body}--${boundary}--\r\n`,
  })
  assert.deepEqual(
    (unpickle(multipart.body) as { path: string }[]).map((n) => n.path),
    ['acc.db.main.disk.sda', 'acc.db.main.disk.sdb'],
  )
  const msgpack = await request(port, '/metrics/find/?format=msgpack&query=acc.web.{node2,node3}.mem')
  assert.equal(msgpack.headers['content-type'], 'application/x-msgpack')
  assert.equal(msgpack.body[0], 0x92)
  const completer = JSON.parse(
    (await request(port, '/metrics/find?format=completer&query=acc.w*')).text,
  ) as unknown
  assert.deepEqual(completer, { metrics: [{ path: 'acc.web.', name: 'web', is_leaf: '0' }] })
  const expand = JSON.parse(
    (await request(port, '/metrics/expand?query=acc.web.node?.cpu&leavesOnly=1')).text,
  ) as unknown
  assert.deepEqual(expand, { results: ['acc.web.node1.cpu', 'acc.web.node2.cpu', 'acc.web.node3.cpu'] })
  const index = JSON.parse((await request(port, '/metrics/index.json?local=1')).text) as string[]
  assert.equal(index.length, 8)
  assert.ok(index.includes('acc.db.main.disk.sdb'))
})

test('issue 16.2: nothing found is 200 and a valid empty list in each format; tags answer []', async (t) => {
  const { port } = await startNode(t)
  const empty: Record<string, string> = {
    pickle: '80025d71002e',
    msgpack: '90',
    json: Buffer.from('[]').toString('hex'),
    treejson: Buffer.from('[]').toString('hex'),
  }
  for (const [format, hex] of Object.entries(empty)) {
    const find = await request(port, `/metrics/find/?format=${format}&query=nothing.here.*`)
    assert.equal(find.status, 200, format)
    assert.equal(find.body.toString('hex'), hex, format)
    if (format === 'treejson') continue
    const render = await request(port, `/render/?format=${format}&target=nothing.*&from=-1h`)
    assert.equal(render.status, 200, format)
    assert.equal(render.body.toString('hex'), hex, format)
  }
  const tagged = await request(
    port,
    `/render/?format=pickle&target=${encodeURIComponent("seriesByTag('name=a')")}`,
  )
  assert.equal(tagged.body.toString('hex'), '80025d71002e')
  for (const url of ['/tags/autoComplete/tags?tagPrefix=a', '/tags/autoComplete/values/?tag=name']) {
    const answer = await request(port, url)
    assert.equal(answer.status, 200)
    assert.equal(answer.text, '[]')
  }
})

test('issue 16.3: render values, windows and cached points in pickle, json and msgpack', async (t) => {
  const { serve, port } = await startNode(t)
  // Fresh points wait in the cache (timesorted, MIN_TIMESTAMP_LAG = 300 s).
  const fresh = NOW - (NOW % 10) - 20
  await sendTcp(serve.ports.line!, `acc.web.node1.cpu 42 ${fresh}\nacc.web.node1.cpu 43 ${fresh + 10}\n`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const from = T0 - 10
  const url = `/render/?format=pickle&local=1&noCache=1&from=${from}&until=${NOW}&target=acc.web.%2A.cpu&now=${NOW}`
  const series = unpickle((await request(port, url)).body) as PickledSeries[]
  assert.deepEqual(
    series.map((s) => [s.name, s.pathExpression]),
    [
      ['acc.web.node1.cpu', 'acc.web.*.cpu'],
      ['acc.web.node2.cpu', 'acc.web.*.cpu'],
      ['acc.web.node3.cpu', 'acc.web.*.cpu'],
    ],
  )
  const one = series[0]!
  assert.deepEqual([one.start, one.step], [T0, 10])
  assert.equal(one.end, NOW - (NOW % 10) + 10)
  assert.equal(one.values.length, (one.end - one.start) / one.step)
  assert.equal(one.values[0], 10)
  assert.equal(one.values[(fresh - T0) / 10], 42, 'cached point included')
  assert.equal(one.values[(fresh + 10 - T0) / 10], 43, 'cached point included')
  assert.equal(one.values.filter((v) => v !== null).length, 3)
  assert.equal(series[2]!.values[0], 30)
  // Function targets (issue 18) read through the same path: the cached points are in their input.
  const functions = JSON.parse(
    (
      await request(
        port,
        `/render?format=json&from=${from}&until=${NOW}&now=${NOW}&target=sumSeries(acc.web.*.cpu)&target=scale(acc.web.node1.cpu,2)`,
      )
    ).text,
  ) as { target: string; datapoints: [number | null, number][] }[]
  const at = (k: number, time: number): number | null | undefined =>
    functions[k]!.datapoints.find(([, ts]) => ts === time)?.[0]
  assert.deepEqual(
    functions.map((f) => f.target),
    ['sumSeries(acc.web.*.cpu)', 'scale(acc.web.node1.cpu,2)'],
  )
  assert.deepEqual([at(0, T0), at(0, fresh), at(0, fresh + 10)], [60, 42, 43], 'sumSeries over cached points')
  assert.deepEqual([at(1, T0), at(1, fresh), at(1, fresh + 10)], [20, 84, 86], 'scale over cached points')

  const json = JSON.parse(
    (
      await request(
        port,
        `/render?format=json&target=acc.web.node2.mem&from=${from}&until=${T0 + 20}&now=${NOW}`,
      )
    ).text,
  ) as unknown
  assert.deepEqual(json, [
    {
      target: 'acc.web.node2.mem',
      tags: { name: 'acc.web.node2.mem' },
      datapoints: [
        [21, T0],
        [null, T0 + 10],
        [null, T0 + 20],
      ],
    },
  ])
  // Grafana: POST /render with a form and relative times.
  const post = await request(port, '/render', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'target=acc.db.main.disk.sda&from=-3h&until=now&format=json',
  })
  const coarse = JSON.parse(post.text) as { datapoints: [number | null, number][] }[]
  assert.equal(coarse[0]!.datapoints[1]![1] - coarse[0]!.datapoints[0]![1], 60, '60 s archive beyond 2 h')
  assert.deepEqual(
    coarse[0]!.datapoints.filter(([v]) => v !== null),
    [[1.5, T0]],
  )
  const msgpack = await request(
    port,
    `/render/?format=msgpack&target=acc.web.node3.mem&from=${from}&until=${T0 + 10}`,
  )
  assert.equal(msgpack.status, 200)
  assert.equal(msgpack.body[0], 0x91)
  assert.ok(msgpack.body.includes(Buffer.from('\xaepathExpression', 'latin1')))
})

test('issue 16.4: carbonapi v3 (protobuf body on GET, Accept header) and v2 protobuf; capabilities', async (t) => {
  const { port } = await startNode(t)
  const accept = { accept: 'application/x-carbonapi-v3-pb', 'content-type': 'application/x-protobuf' }
  const find = await request(port, '/metrics/find/', {
    headers: accept,
    body: Buffer.from(encodeMessage('v3', 'MultiGlobRequest', { metrics: ['acc.web.node1.*', 'none.*'] })),
  })
  assert.equal(find.headers['content-type'], 'application/x-carbonapi-v3-pb')
  assert.deepEqual(decodeMessage('v3', 'MultiGlobResponse', find.body), {
    metrics: [
      {
        name: 'acc.web.node1.*',
        matches: [
          { path: 'acc.web.node1.cpu', isLeaf: true },
          { path: 'acc.web.node1.mem', isLeaf: true },
        ],
      },
      { name: 'none.*', matches: [] },
    ],
  })
  const render = await request(port, '/render/', {
    headers: accept,
    body: Buffer.from(
      encodeMessage('v3', 'MultiFetchRequest', {
        metrics: [
          {
            name: 'acc.web.node2.cpu',
            startTime: T0 - 10,
            stopTime: T0 + 10,
            pathExpression: 'acc.web.*.cpu',
          },
        ],
      }),
    ),
  })
  const fetched = decodeMessage('v3', 'MultiFetchResponse', render.body) as {
    metrics: Record<string, unknown>[]
  }
  assert.equal(fetched.metrics.length, 1)
  const m = fetched.metrics[0]!
  assert.deepEqual(
    [m.name, m.pathExpression, m.startTime, m.stopTime, m.stepTime, m.requestStartTime, m.consolidationFunc],
    ['acc.web.node2.cpu', 'acc.web.*.cpu', T0, T0 + 20, 10, T0 - 10, 'Average'],
  )
  assert.deepEqual([(m.values as number[])[0], Number.isNaN((m.values as number[])[1])], [20, true])
  const v2 = await request(
    port,
    `/render/?format=protobuf&target=acc.web.node3.cpu&from=${T0 - 10}&until=${T0 + 10}`,
  )
  assert.equal(v2.headers['content-type'], 'application/x-protobuf')
  assert.deepEqual(decodeMessage('v2', 'MultiFetchResponse', v2.body), {
    metrics: [
      {
        name: 'acc.web.node3.cpu',
        startTime: T0,
        stopTime: T0 + 20,
        stepTime: 10,
        values: [30, 0],
        isAbsent: [false, true],
      },
    ],
  })
  const v2find = await request(port, '/metrics/find/?format=protobuf&query=acc.db')
  assert.deepEqual(decodeMessage('v2', 'GlobResponse', v2find.body), {
    name: 'acc.db',
    matches: [{ path: 'acc.db', isLeaf: false }],
  })
  const caps = await request(port, '/_internal/capabilities/', {
    headers: accept,
    body: Buffer.from(encodeMessage('v3', 'CapabilityRequest', {})),
  })
  const capabilities = decodeMessage('v3', 'CapabilityResponse', caps.body)
  assert.equal((capabilities.supportedProtocols as string[])[0], 'carbonapi_v3_pb')
  const info = await request(port, '/info/?format=protobuf&target=acc.web.node1.cpu')
  assert.deepEqual(decodeMessage('v2', 'InfoResponse', info.body).retentions, [
    { secondsPerPoint: 10, numberOfPoints: 720 },
    { secondsPerPoint: 60, numberOfPoints: 1440 },
  ])
  const list = JSON.parse((await request(port, '/metrics/list/')).text) as { Metrics: string[] }
  assert.equal(list.Metrics.length, 8)
})

test('issue 16.5: bad input is a one-line 400/413, `..`, NUL and links out read nothing outside, the daemon keeps ingesting', async (t) => {
  const { serve, port, root } = await startNode(t)
  fs.writeFileSync(path.join(root, 'outside.wsp'), 'not for readers')
  const bad: [string, number, RegExp][] = [
    ['/render/?target=acc.web.node1.cpu&format=csvx', 400, /unsupported format 'csvx'/],
    ['/metrics/find/', 400, /missing required parameter 'query'/],
    ['/metrics/find/?query=', 400, /'query' is empty/],
    ['/render/?target=a&from=banana', 400, /invalid value for 'from'/],
    ['/render/?target=a&from=-5m', 400, /unknown unit 'm'/],
    ['/render/?target=a&from=100&until=100', 400, /empty time range/],
    ['/metrics/find/?query=a%00b', 400, /NUL in query/],
    [`/metrics/find/?query=${'{a,b}'.repeat(12)}`, 400, /expands to more than/],
    ['/nope', 404, /no such endpoint/],
  ]
  for (const [url, status, pattern] of bad) {
    const answer = await request(port, url)
    assert.equal(answer.status, status, url)
    assert.match(answer.text, pattern, url)
    assert.equal(answer.text.trim().split('\n').length, 1, url)
  }
  for (const query of ['..', '...outside', 'acc..web', '../outside', 'acc.web.node1.cpu/../../../outside']) {
    for (const endpoint of ['/metrics/find/?format=json&query=', '/render/?format=json&from=-1d&target=']) {
      const answer = await request(port, endpoint + encodeURIComponent(query))
      assert.equal(answer.status, 200, query)
      assert.equal(answer.text, '[]', `${endpoint}${query}`)
    }
  }
  // Links out of the data directory: a directory and a file, asked for by literal names (which the
  // index has not seen and checks on disk) and by globs.
  const dataDir = path.join(root, 'storage', 'whisper')
  fs.mkdirSync(path.join(root, 'elsewhere'))
  fs.copyFileSync(
    path.join(dataDir, 'acc', 'web', 'node1', 'cpu.wsp'),
    path.join(root, 'elsewhere', 'secret.wsp'),
  )
  fs.symlinkSync(path.join(root, 'elsewhere'), path.join(dataDir, 'linkdir'))
  fs.symlinkSync(path.join(root, 'elsewhere', 'secret.wsp'), path.join(dataDir, 'linkfile.wsp'))
  for (const query of ['linkdir.secret', 'linkfile', 'linkdir.*', 'link*']) {
    for (const endpoint of ['/metrics/find/?format=json&query=', '/render/?format=json&from=-1d&target=']) {
      const answer = await request(port, endpoint + encodeURIComponent(query))
      assert.equal(answer.status, 200, query)
      assert.equal(answer.text, '[]', `${endpoint}${query}`)
    }
  }
  // Function targets reach files through the same expansion: what they name outside reads nothing.
  const expressions = [
    'sumSeries(linkdir.secret)',
    'sumSeries(link*.*, linkfile)',
    'template(sumSeries(link$d.*), d="dir")',
    'applyByNode(acc.web.node1.cpu, 0, "sumSeries(link%.secret, linkdir.secret)")',
    'group(acc..web, ...outside, acc.web.node1.cpu/../../../outside)',
  ]
  for (const target of expressions) {
    const answer = await request(port, `/render/?format=json&from=-1d&target=${encodeURIComponent(target)}`)
    assert.equal(answer.status, 200, `${target}: ${answer.text}`)
    assert.equal(answer.text, '[]', target)
  }
  // The same shapes over names inside do read (the answers above are not empty for another reason).
  for (const target of [
    'template(sumSeries(acc.$d.node1.cpu), d="web")',
    'applyByNode(acc.web.node1.cpu, 0, "sumSeries(%.web.node1.cpu)")',
  ]) {
    const answer = await request(port, `/render/?format=json&from=-1d&target=${encodeURIComponent(target)}`)
    assert.equal(answer.status, 200, `${target}: ${answer.text}`)
    assert.equal((JSON.parse(answer.text) as unknown[]).length, 1, target)
  }
  const malformed = await request(port, '/render/', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=zz' },
    body: '--zz\r\nContent-Disposition: form-data; name="target"\r\n\r\nacc.web.node1.cpu',
  })
  assert.equal(malformed.status, 400)
  const pb = await request(port, '/render/', {
    headers: { accept: 'application/x-carbonapi-v3-pb' },
    body: Buffer.from([0x0a, 0xff, 0xff, 0xff]),
  })
  assert.equal(pb.status, 400)
  assert.match(pb.text, /not a carbonapi_v3_pb MultiFetchRequest/)
  const huge = await request(port, '/render/', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=zz' },
    body: Buffer.alloc(5 << 20, 0x61),
  }).catch((error: Error) => ({ status: 0, text: error.message }))
  assert.ok(huge.status === 413 || /ECONNRESET|EPIPE/.test(huge.text), `${huge.status} ${huge.text}`)
  // Still ingesting and answering.
  await sendTcp(serve.ports.line!, `acc.after.bad 7 ${T0}\n`)
  await serve.waitFor((e) => e.type === 'created' && e.metric === 'acc.after.bad')
  const after = JSON.parse(
    (await request(port, '/metrics/find?format=json&query=acc.after.*')).text,
  ) as unknown[]
  assert.equal(after.length, 1)
})

test('issue 16.5: a client that sends its headers slowly holds up nobody; a literal new file is found at once', async (t) => {
  const { port, root } = await startNode(t)
  const slow = net.connect({ host: '127.0.0.1', port })
  await new Promise((resolve) => slow.once('connect', resolve))
  slow.write('GET /metrics/find/?query=acc.* HTTP/1.1\r\nHost: x\r\n')
  t.after(() => void slow.destroy())
  const answer = await request(port, '/metrics/find?format=json&query=acc.web.node1.cpu')
  assert.equal(answer.status, 200)
  assert.equal((JSON.parse(answer.text) as unknown[]).length, 1)
  // A file another process created after the index was built: a literal name finds it at once.
  const other = path.join(root, 'storage', 'whisper', 'acc', 'other', 'metric.wsp')
  fs.mkdirSync(path.dirname(other), { recursive: true })
  fs.copyFileSync(path.join(root, 'storage', 'whisper', 'acc', 'web', 'node1', 'cpu.wsp'), other)
  const found = JSON.parse(
    (await request(port, '/metrics/find?format=json&query=acc.other.metric')).text,
  ) as {
    path: string
  }[]
  assert.deepEqual(
    found.map((n) => n.path),
    ['acc.other.metric'],
  )
  // ...and from then on by globs too.
  const globbed = JSON.parse(
    (await request(port, '/metrics/find?format=json&query=acc.o*.*')).text,
  ) as unknown[]
  assert.equal(globbed.length, 1)
})
