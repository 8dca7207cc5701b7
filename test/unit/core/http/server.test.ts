import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import type { HttpApi, HttpApiOptions } from '../../../../src/core/http/server.js'
import { startHttpApi } from '../../../../src/core/http/server.js'
import { create } from '../../../../src/core/whisper/create.js'
import { request } from '../../../helpers/http.js'
import { tempDir } from '../../../helpers/tmp.js'

/** The API on 127.0.0.1 (a free port) over `dir`, no periodic walk, closed when the test ends. */
async function startApi(
  t: TestContext,
  dir: string,
  options: Partial<HttpApiOptions> = {},
): Promise<HttpApi> {
  const api = await startHttpApi({
    interface: '127.0.0.1',
    port: 0,
    dataDir: dir,
    refreshSeconds: 0,
    ...options,
  })
  t.after(() => api.close())
  return api
}

/** Resolves with the milliseconds until the server closes the socket. */
function closedAfter(socket: net.Socket): Promise<number> {
  const started = performance.now()
  return new Promise((resolve) => {
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(performance.now() - started))
    socket.resume()
  })
}

/** `closed`'s milliseconds, or a failure once `boundMs` have passed without a close. */
function within(closed: Promise<number>, boundMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<number>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not cut within ${boundMs} ms`)), boundMs)
  })
  return Promise.race([closed, bound]).finally(() => clearTimeout(timer))
}

test('issue 16.5 slowloris: clients that trickle their headers or body are cut; others are answered meanwhile', async (t) => {
  const dir = tempDir(t)
  create(path.join(dir, 'a.wsp'), [[60, 10]])
  const api = await startApi(t, dir, { limits: { headersTimeoutMs: 500, deadlineMs: 1_000 } })
  const port = api.address.port
  const connect = async (): Promise<net.Socket> => {
    const socket = net.connect({ host: '127.0.0.1', port })
    await new Promise((resolve) => socket.once('connect', resolve))
    return socket
  }
  const slowHeaders = await connect()
  const headersCut = closedAfter(slowHeaders)
  slowHeaders.write('GET /metrics/find/?query=* HTTP/1.1\r\nHost: x\r\n')
  const slowBody = await connect()
  const bodyCut = closedAfter(slowBody)
  slowBody.write('POST /render/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n')
  slowBody.write('Content-Length: 1000\r\n\r\ntarget=a')
  const answer = await request(port, '/metrics/find?format=json&query=a')
  assert.equal(answer.status, 200)
  assert.equal((JSON.parse(answer.text) as unknown[]).length, 1)
  // Cut by the limits (500 ms for the headers, 1.5 s for the whole request, checked every 500 ms),
  // not left open, nor cut by Node's own limits (60 s for the headers, 300 s for a request). A cut
  // takes about 1 and 2 s; the bound (a third of Node's) leaves room for an event loop that waits
  // for a CPU on a loaded machine.
  await Promise.all([within(headersCut, 20_000), within(bodyCut, 20_000)])
})

test('issue 16.5 exploding requests: too many nodes, series or points are a one-line 400, on read threads and in-process', async (t) => {
  const dir = tempDir(t)
  for (let i = 0; i < 30; i++) create(path.join(dir, `m${i}.wsp`), [[60, 100]])
  for (const readThreads of [2, 0]) {
    const api = await startApi(t, dir, { readThreads, limits: { maxSeries: 20, maxPoints: 500 } })
    const port = api.address.port
    const cases: [string, RegExp][] = [
      ['/metrics/find/?format=json&query=*', /'\*' matches more than 20 nodes/],
      ['/render/?format=json&target=*&from=-1h', /matches more than 20 nodes/],
      // 11 series of 100 points: under the series limit, over the points limit (counted on a read thread).
      ['/render/?format=json&target=m1*&from=-2h', /more than 500 points in one response/],
    ]
    for (const [url, pattern] of cases) {
      const answer = await request(port, url)
      assert.equal(answer.status, 400, `${readThreads} ${url}`)
      assert.match(answer.text, pattern)
      assert.equal(answer.text.trim().split('\n').length, 1)
    }
    // Under the limits: answered.
    const ok = await request(port, '/render/?format=json&target={m2,m3}&from=-1h')
    assert.equal(ok.status, 200)
    assert.equal((JSON.parse(ok.text) as unknown[]).length, 2)
  }
})

test('issue 18.4 limits: function targets count every path expression and re-read against the series and points limits; calls nest at most 64 deep', async (t) => {
  const dir = tempDir(t)
  for (let i = 0; i < 30; i++) create(path.join(dir, `m${i}.wsp`), [[60, 100]])
  const api = await startApi(t, dir, { readThreads: 2, limits: { maxSeries: 20, maxPoints: 500 } })
  const port = api.address.port
  const target = (expression: string) => encodeURIComponent(expression)
  const cases: [string, RegExp][] = [
    // 11 + 11 series, each under the limit alone: together over it.
    [
      `/render/?format=json&from=-10min&target=${target('sumSeries(m1*, m2*)')}`,
      /more than 20 series in one request/,
    ],
    // Two targets of one request count together too.
    [
      `/render/?format=json&from=-10min&target=${target('scale(m1*, 2)')}&target=${target('m2*|sumSeries()')}`,
      /more than 20 series/,
    ],
    // 11 series of 100 points.
    [
      `/render/?format=json&from=-2h&target=${target('sumSeries(m1*)')}`,
      /more than 500 points in one response/,
    ],
    [`/render/?format=csv&from=-2h&target=m1*`, /more than 500 points in one response/],
    // movingAverage reads its series again over a longer window: that read counts as well.
    [
      `/render/?format=json&from=-10min&target=${target('movingAverage(group(m1, m2, m3, m4, m5), 90)')}`,
      /more than 500 points/,
    ],
    [
      `/render/?format=json&from=-10min&target=${target('scale('.repeat(65) + 'm1' + ', 1)'.repeat(65))}`,
      /nested deeper than 64 calls/,
    ],
  ]
  for (const [url, pattern] of cases) {
    const answer = await request(port, url)
    assert.equal(answer.status, 400, `${url}: ${answer.text}`)
    assert.match(answer.text, pattern)
    assert.equal(answer.text.trim().split('\n').length, 1)
  }
  // Under the limits: answered.
  for (const expression of [
    'sumSeries(m1*)',
    'movingAverage(group(m1, m2, m3, m4), 90)',
    'scale('.repeat(63) + 'm1' + ', 1)'.repeat(63),
  ]) {
    const ok = await request(port, `/render/?format=json&from=-10min&target=${target(expression)}`)
    assert.equal(ok.status, 200, `${expression}: ${ok.text}`)
  }
})

test('issue 14 memory: onWalked is called each time a walk has replaced the index, never after close', async (t) => {
  const dir = tempDir(t)
  create(path.join(dir, 'a.wsp'), [[60, 10]])
  let walks = 0
  let metricsSeen = -1
  const started: { api?: Awaited<ReturnType<typeof startHttpApi>> } = {}
  const api = await startHttpApi({
    interface: '127.0.0.1',
    port: 0,
    dataDir: dir,
    refreshSeconds: 1,
    readThreads: 0,
    onWalked: () => {
      walks++
      if (started.api) metricsSeen = started.api.index.stats().metrics
    },
  })
  started.api = api
  await api.index.ready
  // Only a hang bounds the wait: a walk a second apart can take many on a loaded machine.
  const deadline = Date.now() + 120_000
  while (walks < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  // Called once the walk's tree is the index's (its metric counted), then again at the next walk.
  assert.ok(walks >= 2, `${walks} walks`)
  assert.equal(metricsSeen, 1)
  await api.close()
  const closedAt = walks
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  assert.equal(walks, closedAt)
})

test('issue 16: many requests in flight at once add no listener warning (one abort listener each on the closing signal)', async (t) => {
  const dir = tempDir(t)
  for (let i = 0; i < 30; i++) create(path.join(dir, `m${i}.wsp`), [[60, 1440]])
  const api = await startApi(t, dir, { readThreads: 1 })
  const warnings: string[] = []
  const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const answers = await Promise.all(
    Array.from({ length: 24 }, () => request(api.address.port, '/render/?format=json&target=*&from=-1d')),
  )
  for (const answer of answers) assert.equal(answer.status, 200)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings, [])
})

test('issue 16 find speed: a find asked again by its raw URL is answered from its kept answer, as fresh as a new one (new metric, written leaf, Accept header, noCache)', async (t) => {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'a'))
  for (let i = 0; i < 3; i++) create(path.join(dir, 'a', `m${i}.wsp`), [[60, 1440]], { sparse: true })
  let now = 1_800_000_000.5
  const api = await startApi(t, dir, { readThreads: 1, clock: () => now })
  const port = api.address.port
  const url = '/metrics/find/?format=json&query=a.*'
  const names = async (u = url, headers?: Record<string, string>): Promise<string[]> => {
    const answer = await request(port, u, { headers })
    assert.equal(answer.status, 200, answer.text)
    assert.equal(answer.headers['content-length'], String(answer.body.byteLength))
    assert.equal(answer.headers['cache-control'], 'no-cache')
    return (JSON.parse(answer.text) as { path: string }[]).map((n) => n.path)
  }
  const fresh = (): Promise<Buffer> => request(port, `${url}&noCache=1`).then((a) => a.body)
  const first = await names()
  assert.deepEqual(first, ['a.m0', 'a.m1', 'a.m2'])
  // Asked again (the raw URL known now): the same answer, byte for byte the one made afresh.
  assert.deepEqual(await names(), first)
  assert.deepEqual((await request(port, url)).body, await fresh())
  // A metric the daemon creates is in the very next find.
  create(path.join(dir, 'a', 'm3.wsp'), [[60, 1440]], { sparse: true })
  api.addMetric('a.m3')
  assert.deepEqual(await names(), [...first, 'a.m3'])
  // A leaf written since: its interval read again; the next second moves every interval's start.
  assert.deepEqual(await names(), [...first, 'a.m3'])
  fs.utimesSync(path.join(dir, 'a', 'm1.wsp'), 1_799_999_000, 1_799_999_990)
  api.metricWritten('a.m1')
  const written = (await request(port, url)).body
  assert.match(written.toString(), /1799999990/)
  assert.deepEqual(written, await fresh())
  now += 1
  const next = (await request(port, url)).body
  assert.notDeepEqual(next, written)
  assert.deepEqual(next, await fresh())
  // The same URL with carbonapi's Accept header is another answer (protobuf), not the json kept.
  const v3 = await request(port, url, { headers: { accept: 'application/x-carbonapi-v3-pb' } })
  assert.equal(v3.status, 200)
  assert.equal(v3.headers['content-type'], 'application/x-carbonapi-v3-pb')
  const v3Again = await request(port, url, { headers: { accept: 'application/x-carbonapi-v3-pb' } })
  assert.deepEqual(v3Again.body, v3.body)
  assert.deepEqual(await names(), [...first, 'a.m3'])
  // HEAD of a kept find: the headers without the body.
  const head = await request(port, url, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.body.byteLength, 0)
})
