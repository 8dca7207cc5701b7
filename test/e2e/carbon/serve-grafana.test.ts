// Issue 18.2 and 18.3: what Grafana's Graphite datasource asks carbon serve besides /render JSON.
// /functions against graphite-web 1.1.8's own function definitions (its python imported: its
// /functions answers 500 on Python 3.11), each listed function evaluated; the tag endpoints
// against graphite-web answering with its empty tag database.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { FUNCTIONS } from '../../../src/core/functions/library.js'
import { startGraphiteWeb } from '../../helpers/graphite-web.js'
import { request } from '../../helpers/http.js'
import { NOW, serveFixture } from '../../helpers/render-fixture.js'
import { REFERENCE_PYTHON, needsReference } from '../../helpers/reference.js'

const graphiteWeb = needsReference('graphite.intervals')

interface Param {
  name: string
  type: string
  required?: boolean
  default?: unknown
  multiple?: boolean
  options?: unknown[]
  suggestions?: unknown[]
}
interface Info {
  name: string
  function: string
  description: string
  module: string
  group: string
  params: Param[] | null
}

/** graphite-web's functionInfo for every series function, from its own python. */
function referenceFunctions(): Record<string, Info> {
  const script = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../../../test/helpers/functions_catalog.py',
  )
  const run = spawnSync(REFERENCE_PYTHON, [script], { encoding: 'utf8', maxBuffer: 16 << 20 })
  assert.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout) as Record<string, Info>
}

/** A call of `name` built from graphite-web's params: the required ones, with plausible values. */
function sampleCall(info: Info): string {
  const special: Record<string, string> = {
    divideSeries: 'divideSeries(fx.web.*.cpu, fx.web.host1.cpu)',
    areaBetween: 'areaBetween(fx.web.host[12].cpu)',
    reduceSeries: 'reduceSeries(mapSeries(fx.web.host[12].*, 2), "sumSeries", 3, "cpu", "requests")',
    reduce: 'reduce(map(fx.web.host[12].*, 2), "sumSeries", 3, "cpu", "requests")',
    seriesByTag: 'seriesByTag("name=fx.web.host1.cpu")',
    weightedAverage: 'weightedAverage(fx.web.host[12].cpu, fx.web.host[12].requests, 2)',
    divideSeriesLists: 'divideSeriesLists(fx.web.host[12].cpu, fx.web.host[12].requests)',
    aliasQuery: 'aliasQuery(fx.web.host[12].cpu, "cpu", "requests", "%d requests")',
    applyByNode: 'applyByNode(fx.web.*.cpu, 2, "sumSeries(%.*)")',
  }
  if (special[info.name]) return special[info.name]!
  const value = (p: Param): string => {
    if (/interval/i.test(p.name)) return '"5min"'
    const hint = p.options?.[0] ?? p.suggestions?.[0]
    switch (p.type) {
      case 'seriesList':
      case 'seriesLists':
        return 'fx.web.host[12].cpu'
      case 'node':
      case 'nodeOrTag':
        return '2'
      case 'tag':
        return '"name"'
      case 'interval':
        return '"5min"'
      case 'intOrInterval':
        return '3'
      case 'date':
        return '"-1h"'
      case 'boolean':
        return 'false'
      case 'aggFunc':
      case 'aggOrSeriesFunc':
        return '"sum"'
      case 'string':
        return typeof hint === 'string' ? JSON.stringify(hint) : '"x"'
      default:
        return typeof hint === 'number' ? String(hint) : '2'
    }
  }
  const args = (info.params ?? []).filter((p) => p.required).map(value)
  return `${info.name}(${args.join(', ')})`
}

test(
  'issue 18.2: /functions lists what the engine implements, as graphite-web describes it, and each evaluates',
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveFixture(t)
    const port = serve.ports.http!
    const reference = referenceFunctions()
    const expected = Object.keys(reference)
      .filter((name) => FUNCTIONS.has(name) || name === 'seriesByTag')
      .sort()
    t.diagnostic(`${expected.length} of graphite-web's ${Object.keys(reference).length} functions listed`)
    assert.ok(expected.length >= 130, `${expected.length} functions`)

    const listed = await request(port, '/functions')
    assert.equal(listed.status, 200, listed.text)
    assert.match(String(listed.headers['content-type']), /application\/json/)
    const index = JSON.parse(listed.text) as Record<string, Info>
    assert.deepEqual(Object.keys(index).sort(), expected)
    for (const name of expected) assert.deepEqual(index[name], reference[name], name)
    // The functions with date arguments are listed (graphite-web 1.1.8 reads the wall clock in them).
    for (const name of ['linearRegression', 'timeSlice', 'verticalLine'])
      assert.deepEqual(index[name], reference[name], name)
    // Not implemented: neither listed nor described.
    assert.equal(index.holtWintersForecast, undefined)
    const missing = await request(port, '/functions/holtWintersForecast')
    assert.equal(missing.status, 404)
    assert.deepEqual(JSON.parse(missing.text), { error: 'Function not found: holtWintersForecast' })

    // One function, grouped, one group, pretty (graphite-web's query parameters).
    const one = await request(port, '/functions/aliasByNode/')
    assert.equal(one.status, 200)
    assert.deepEqual(JSON.parse(one.text), reference.aliasByNode)
    const grouped = JSON.parse((await request(port, '/functions?grouped=true')).text) as Record<
      string,
      Record<string, Info>
    >
    assert.deepEqual(
      Object.keys(grouped.Alias!).sort(),
      expected.filter((n) => reference[n]!.group === 'Alias'),
    )
    const alias = JSON.parse((await request(port, '/functions?group=Alias')).text) as Record<string, Info>
    assert.deepEqual(Object.keys(alias).sort(), Object.keys(grouped.Alias!).sort())
    const pretty = await request(port, '/functions/keepLastValue?pretty=1')
    assert.match(pretty.text, /\n {2}"description": /)
    // graphite-web's encoder means an infinite default as 1e9999 (JSON has no Infinity).
    assert.match(pretty.text, /"default": 1e9999/)
    assert.equal((JSON.parse(pretty.text) as Info).params![1]!.default, Infinity)
    assert.deepEqual(JSON.parse((await request(port, '/functions?type=pie')).text), {})

    // Every listed function evaluates: a call built from its required params answers 200 with JSON.
    const failures: string[] = []
    for (const name of expected) {
      const target = sampleCall(reference[name]!)
      const answer = await request(
        port,
        `/render?format=json&from=-2h&now=${NOW}&target=${encodeURIComponent(target)}`,
      )
      if (answer.status !== 200 || !Array.isArray(JSON.parse(answer.text)))
        failures.push(`${target}: ${answer.status} ${answer.text}`)
    }
    assert.deepEqual(failures, [])

    // graphite-web 1.1.8 itself answers 500 on this Python: the difference README lists.
    const oracle = await startGraphiteWeb(t, { whisperDir: whisper })
    const theirs = await request(oracle, '/functions')
    assert.equal(theirs.status, 500)
    assert.match(theirs.text, /getargspec/)
  },
)

test('issue 18.3: the tag endpoints answer as graphite-web answers without tags', graphiteWeb, async (t) => {
  const { serve, whisper } = await serveFixture(t)
  const oracle = await startGraphiteWeb(t, { whisperDir: whisper })
  const urls = [
    '/tags',
    '/tags/',
    '/tags?filter=a&limit=5',
    '/tags/name',
    '/tags/server/',
    '/tags/autoComplete/tags',
    '/tags/autoComplete/tags?tagPrefix=na',
    '/tags/autoComplete/tags?expr=name%3Dfx.web.host1.cpu&tagPrefix=a',
    '/tags/autoComplete/tags?expr=a',
    '/tags/autoComplete/tags?expr=name%3D',
    '/tags/autoComplete/tags?limit=x',
    '/tags/autoComplete/values',
    '/tags/autoComplete/values?tag=',
    '/tags/autoComplete/values?tag=name',
    '/tags/autoComplete/values?tag=name&valuePrefix=fx&limit=10',
    '/tags/autoComplete/values?tag=name&expr=name%3D',
    '/tags/autoComplete/values?tag=name&expr=a',
    '/tags/findSeries',
    '/tags/findSeries?expr=name%3Dfx.web.host1.cpu',
    '/tags/findSeries?expr[]=name%3Dx',
    '/tags/findSeries?expr=name%3D~x&expr=dc!%3Dy',
    '/tags/findSeries?expr=name%3D~.*',
    '/tags/findSeries?expr=name!%3Dx',
    '/tags/findSeries?expr=name!%3D~x',
    '/tags/findSeries?expr=name%3D',
    '/tags/findSeries?expr=a',
    '/tags/findSeries?expr=%3Dx',
    '/tags/findSeries?expr=name%3Dx%3By',
    '/tags/findSeries?expr=name%3D~%5E%5Ba-z%5D',
  ]
  for (const url of urls) {
    const [ours, theirs] = await Promise.all([request(serve.ports.http!, url), request(oracle, url)])
    assert.equal(ours.status, theirs.status, `${url}: ${ours.text} vs ${theirs.text}`)
    assert.deepEqual(JSON.parse(ours.text), JSON.parse(theirs.text), url)
  }
  // A bad regular expression: graphite-web lets re.error through (a 500); carbon serve refuses it.
  const url = '/tags/findSeries?expr=name%3D~%5B'
  const [ours, theirs] = await Promise.all([request(serve.ports.http!, url), request(oracle, url)])
  assert.equal(theirs.status, 500)
  assert.equal(ours.status, 400)
  assert.deepEqual(JSON.parse(ours.text), JSON.parse(theirs.text))
})
