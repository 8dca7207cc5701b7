// Issue 18, differential: target expressions with functions rendered by carbon serve and by
// Debian's graphite-web 1.1.8 over the same whisper files with the same `now`, compared series by
// series (targets, order, timestamps, values to a relative 1e-9). The fixture has gaps, a late
// start, an early stop, counter resets, zeros, negatives, two steps and sparse data. Plus a seeded
// fuzz of malformed expressions: never a 500.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startGraphiteWeb } from '../../helpers/graphite-web.js'
import { request } from '../../helpers/http.js'
import { NOW, ZONE_NOW, serveFixture, serveZoneFixture } from '../../helpers/render-fixture.js'
import { createRandom } from '../../helpers/random.js'
import { needsReference } from '../../helpers/reference.js'

const graphiteWeb = needsReference('graphite.intervals')

/** The corpus: each function and its argument forms, Grafana's own requests among them. */
function corpus(): string[] {
  const cpu = 'fx.web.*.cpu'
  const req = 'fx.web.*.requests'
  const lat = 'fx.db.*.latency'
  const one = 'fx.web.host1.cpu'
  const all = [
    cpu,
    req,
    lat,
    one,
    'fx.sparse.x',
    'fx.zero.z',
    'fx.web.{host1,host3}.cpu',
    'fx.web.host[12].requests',
  ]
  const targets: string[] = []
  for (const t of all) {
    targets.push(
      t,
      `alias(${t}, 'renamed')`,
      `aliasByNode(${t}, 2)`,
      `aliasByNode(${t}, 1, -1)`,
      `aliasByMetric(${t})`,
      `aliasSub(${t}, "(^.*$)", "\\1 A")`,
      `sumSeries(${t})`,
      `averageSeries(${t})`,
      `maxSeries(${t})`,
      `minSeries(${t})`,
      `diffSeries(${t})`,
      `asPercent(${t})`,
      `summarize(${t}, "5min")`,
      `summarize(${t}, "1h", "max")`,
      `summarize(${t}, "10min", "avg", true)`,
      `transformNull(${t})`,
      `transformNull(${t}, -1)`,
      `keepLastValue(${t})`,
      `keepLastValue(${t}, 2)`,
      `scale(${t}, 0.5)`,
      `movingAverage(${t}, 5)`,
      `movingAverage(${t}, '5min')`,
      `perSecond(${t})`,
      `nonNegativeDerivative(${t})`,
      `derivative(${t})`,
      `consolidateBy(${t}, 'max')`,
      `groupByNode(${t}, 2)`,
      `groupByNode(${t}, 1, 'sum')`,
    )
  }
  // Argument forms: every aggregation and consolidation name, the optional arguments left at default elsewhere.
  for (const func of [
    'average',
    'avg',
    'avg_zero',
    'median',
    'sum',
    'total',
    'min',
    'max',
    'diff',
    'stddev',
    'count',
    'range',
    'multiply',
    'last',
    'current',
    'first',
  ])
    targets.push(`aggregate(fx.web.*.cpu, '${func}')`, `summarize(fx.web.host1.requests, '10min', '${func}')`)
  for (const func of ['sum', 'average', 'avg', 'min', 'max', 'first', 'last', 'avg_zero'])
    targets.push(`consolidateBy(fx.web.*.cpu, '${func}')`)
  for (const func of [
    'average',
    'current',
    'max',
    'min',
    'sum',
    'diff',
    'stddev',
    'range',
    'median',
    'multiply',
    'last',
  ])
    targets.push(`sortBy(fx.web.*.cpu, '${func}')`, `sortBy(fx.web.*.cpu, '${func}', true)`)
  targets.push(
    "lowest(fx.web.*.cpu, 2, 'max')",
    "highest(fx.web.*.requests, 1, 'sum')",
    'movingSum(fx.sparse.x, 5, 0.5)',
    'movingMin(fx.sparse.x, 5, 0.5)',
    'movingMax(fx.sparse.x, "1min", 0.5)',
    'movingMedian(fx.sparse.x, 5, 0.8)',
    "timeShift(fx.web.host1.cpu, '1h', true, true)",
    "timeShift(fx.web.host1.cpu, '+30min', false)",
  )
  targets.push(
    'constantLine(100)',
    'constantLine(-2.5)',
    'sum(fx.web.*.cpu)',
    'avg(fx.web.*.cpu, fx.db.*.latency)',
    'sumSeries(fx.web.host1.cpu, fx.db.a.latency)',
    'sumSeries(fx.web.*.cpu, fx.web.host1.cpu)',
    'diffSeries(fx.web.host1.cpu, fx.web.host2.cpu)',
    'asPercent(fx.web.*.cpu, fx.web.host1.cpu)',
    'asPercent(fx.web.*.cpu, 200)',
    'asPercent(fx.web.*.cpu, fx.web.*.cpu)',
    'asPercent(fx.web.*.cpu, None, 1)',
    'asPercent(fx.web.*.*, fx.web.*.cpu, 2)',
    'summarize(fx.web.host1.cpu, "1d")',
    'summarize(fx.web.host1.cpu, "7min", "last")',
    'summarize(fx.web.host1.cpu, "90s", "count", true)',
    'summarize(fx.db.a.latency, "30s")',
    'transformNull(fx.web.*.cpu, 0, fx.web.host3.cpu)',
    'scale(fx.web.*.cpu, 100)',
    'scale(fx.web.*.cpu, -1)',
    'movingAverage(fx.web.host1.cpu, 10, 0.5)',
    'movingAverage(fx.db.*.latency, "1h")',
    'movingAverage(sumSeries(fx.web.*.cpu), 3)',
    'perSecond(fx.web.*.requests, 100000)',
    'perSecond(fx.web.host1.requests, None, 0)',
    'nonNegativeDerivative(fx.zero.z)',
    'groupByNode(fx.web.*.*, 3, "max")',
    'groupByNode(fx.web.*.*, 2, "sumSeries")',
    'groupByNode(sumSeries(fx.web.*.cpu), 1)',
    'aliasByNode(sumSeries(fx.web.*.cpu), 1)',
    'aliasByNode(scale(fx.web.*.cpu, 2), 2)',
    'aliasByMetric(scale(fx.web.host1.cpu, 2))',
    'aliasSub(fx.web.*.cpu, "host(\\d)", "h\\1")',
    'aliasSub(fx.web.*.cpu, "^fx\\.", "")',
    'fx.web.*.cpu|sumSeries()|alias("piped")',
    'fx.web.*.cpu | scale(2) | aliasByNode(2)',
    'consolidateBy(fx.web.*.cpu, "sum")',
    'consolidateBy(fx.web.*.cpu, "min")',
    'consolidateBy(keepLastValue(fx.web.host2.cpu), "last")',
    'alias(sumSeries(fx.web.*.cpu), "total")',
    'aliasSub(sumSeries(fx.web.*.cpu), "(^.*$)", "\\1 B")',
    'aliasSub(aliasByNode(fx.web.*.cpu, 2), "(^.*$)", "\\1 C")',
    'sortByMaxima(fx.web.*.cpu)',
    'sortByMinima(fx.web.*.cpu)',
    'sortByName(fx.web.*.*)',
    'sortByName(fx.web.*.*, true, true)',
    'sortBy(fx.web.*.cpu, "max", true)',
    'sortByTotal(fx.web.*.cpu)',
    'aggregate(fx.web.*.cpu, "median")',
    'aggregate(fx.web.*.cpu, "stddev")',
    'aggregate(fx.web.*.cpu, "count")',
    'aggregate(fx.web.*.cpu, "range")',
    'aggregate(fx.web.*.cpu, "multiply")',
    'aggregate(fx.web.*.cpu, "last")',
    'aggregate(fx.web.*.cpu, "avg_zero")',
    'aggregate(fx.web.*.cpu, "sum", 0.7)',
    'countSeries(fx.web.*.cpu)',
    'countSeries()',
    'multiplySeries(fx.web.host1.cpu, fx.web.host2.cpu)',
    'stddevSeries(fx.web.*.cpu)',
    'rangeOfSeries(fx.web.*.cpu)',
    'group(fx.web.*.cpu, fx.db.*.latency)',
    'limit(fx.web.*.*, 2)',
    'exclude(fx.web.*.*, "host2")',
    'grep(fx.web.*.*, "req")',
    'offset(fx.web.*.cpu, 10)',
    'absolute(fx.web.host1.cpu)',
    'scaleToSeconds(fx.web.*.requests, 1)',
    'integral(fx.web.host2.cpu)',
    'delay(fx.web.host1.cpu, 3)',
    'currentAbove(fx.web.*.cpu, 5)',
    'currentBelow(fx.web.*.cpu, 50)',
    'maximumAbove(fx.web.*.cpu, 70)',
    'maximumBelow(fx.web.*.cpu, 70)',
    'minimumAbove(fx.web.*.cpu, 0)',
    'minimumBelow(fx.web.*.cpu, 0)',
    'averageAbove(fx.web.*.cpu, 20)',
    'averageBelow(fx.web.*.cpu, 20)',
    'highestCurrent(fx.web.*.cpu, 2)',
    'highestMax(fx.web.*.cpu, 1)',
    'highestAverage(fx.web.*.cpu, 2)',
    'lowestCurrent(fx.web.*.cpu, 1)',
    'lowestAverage(fx.web.*.cpu, 2)',
    'highest(fx.web.*.cpu, 2, "max")',
    'lowest(fx.web.*.cpu)',
    'removeAboveValue(fx.web.*.cpu, 40)',
    'removeBelowValue(fx.web.*.cpu, 10)',
    'removeAbovePercentile(fx.web.host1.cpu, 90)',
    'removeBelowPercentile(fx.web.host2.cpu, 10)',
    'removeEmptySeries(fx.web.*.cpu)',
    'removeEmptySeries(fx.sparse.x, 0.5)',
    'divideSeries(fx.web.*.cpu, fx.web.host3.cpu)',
    'divideSeries(fx.web.*.cpu, fx.none.x)',
    'divideSeries(fx.web.host1.cpu, fx.db.a.latency)',
    'divideSeriesLists(fx.web.*.requests, fx.web.host[12].cpu)',
    'movingSum(fx.web.host1.cpu, 4)',
    'movingMin(fx.web.host1.cpu, "2min")',
    'movingMax(fx.web.host2.cpu, 6)',
    'movingMedian(fx.web.host1.cpu, 5)',
    'groupByNodes(fx.web.*.*, "sum", 2)',
    'groupByNodes(fx.web.*.*, "max", 1, 3)',
    'sumSeriesWithWildcards(fx.web.*.cpu, 2)',
    'averageSeriesWithWildcards(fx.web.*.*, 2)',
    'timeShift(fx.web.host1.cpu, "1h")',
    'timeShift(fx.web.*.cpu, "-30min")',
    'timeShift(fx.web.host1.cpu, "+5min", false)',
    'percentileOfSeries(fx.web.*.cpu, 50)',
    'percentileOfSeries(fx.web.*.cpu, 90, true)',
    'invert(fx.web.host2.cpu)',
    'squareRoot(fx.web.host1.cpu)',
    'isNonNull(fx.web.*.cpu)',
    'setXFilesFactor(fx.sparse.x, 0.5)',
    'xFilesFactor(fx.sparse.x, 0.5)',
    'substr(fx.web.host1.cpu, 1, 3)',
    'template(fx.web.$host.cpu, host="host1")',
    'template(fx.web.$1.cpu, "host2")',
    'sumSeries(fx.none.*)',
    'alias(fx.none.*, "x")',
    'asPercent(fx.none.*)',
    'fx.web.host1.cpu)garbage',
    'seriesByTag("name=fx.web.host1.cpu")',
    'nonNegativeDerivative(fx.web.host2.requests, 100000)',
    'perSecond(fx.counter.wrap, 1000)',
    'perSecond(fx.counter.wrap, 2000, 10)',
    'nonNegativeDerivative(fx.counter.wrap)',
    'nonNegativeDerivative(fx.counter.wrap, 999)',
    'nonNegativeDerivative(fx.counter.wrap, None, 5)',
    'smartSummarize(fx.web.*.cpu, "5min")',
    'smartSummarize(fx.web.host1.cpu, "1h", "max")',
    'smartSummarize(fx.web.host1.cpu, "1h", "sum", "hours")',
    'smartSummarize(fx.web.host2.cpu, "1d", "avg", "days")',
    'smartSummarize(fx.web.*.cpu, "10min", "last", "minutes")',
    'smartSummarize(fx.db.*.latency, "1w", "sum", "weeks")',
    'smartSummarize(fx.db.a.latency, "1w", "sum", "weeks3")',
    'smartSummarize(fx.sparse.x, "15min", "count", "minutes")',
    'hitcount(fx.web.host1.cpu, "5min")',
    'hitcount(fx.web.*.requests, "1h", true)',
    'hitcount(fx.db.a.latency, "90s")',
    'hitcount(fx.sparse.x, "1min", true)',
    'hitcount(fx.web.host3.cpu, "1d", true)',
    'pow(fx.web.host1.cpu, 2)',
    'pow(fx.web.host1.cpu, 0.5)',
    'add(fx.web.*.cpu, 1.5)',
    'changed(fx.web.host2.cpu)',
    'cumulative(fx.web.*.cpu)',
    'minMax(fx.web.*.cpu)',
    'offsetToZero(fx.web.*.cpu)',
    'unique(fx.web.*.cpu, fx.web.host1.cpu, fx.db.*.latency)',
    'nPercentile(fx.web.*.cpu, 95)',
    'integralByInterval(fx.web.host1.cpu, "10min")',
    'integralByInterval(fx.db.a.latency, "1h")',
    'interpolate(fx.web.*.cpu)',
    'interpolate(fx.sparse.x, 2)',
    'sumSeriesLists(fx.web.host[12].cpu, fx.web.host[12].requests)',
    'diffSeriesLists(fx.web.host[12].cpu, fx.web.host[12].requests)',
    'multiplySeriesLists(fx.web.host[12].cpu, fx.db.*.latency)',
    'aggregateSeriesLists(fx.web.host[12].cpu, fx.db.*.latency, "max")',
    'aggregateWithWildcards(fx.web.*.*, "max", 2)',
    'multiplySeriesWithWildcards(fx.web.*.cpu, 2)',
    'exponentialMovingAverage(fx.web.host1.cpu, 5)',
    'exponentialMovingAverage(fx.db.*.latency, "10min")',
    // The cheap siblings of tier 2 and the pure transforms of tier 3.
    'weightedAverage(fx.web.host[12].cpu, fx.web.*.requests, 2)',
    'weightedAverage(fx.web.*.cpu, fx.web.*.requests, 2)',
    'weightedAverage(fx.web.host[12].cpu, fx.web.host[12].requests)',
    'weightedAverage(fx.db.*.latency, fx.web.host[12].cpu, 2)',
    'mostDeviant(fx.web.*.cpu, 2)',
    'mostDeviant(fx.web.*.*, 10)',
    'filterSeries(fx.web.*.cpu, "max", ">", 40)',
    'filterSeries(fx.web.*.cpu, "last", "<", 12)',
    'filterSeries(fx.web.*.cpu, "sum", "!=", 0)',
    'filterSeries(fx.web.*.cpu, "avg", ">=", 10)',
    'filterSeries(fx.web.*.cpu, "count", "<=", 300)',
    'filterSeries(fx.zero.z, "max", "=", 0)',
    'legendValue(fx.web.*.cpu, "avg")',
    'legendValue(fx.web.*.cpu, "last", "max", "count")',
    'legendValue(fx.web.*.requests, "total", "si")',
    'legendValue(fx.web.*.requests, "max", "min", "binary")',
    'legendValue(fx.web.host1.cpu, "bogus")',
    'cactiStyle(fx.web.*.cpu)',
    'cactiStyle(fx.web.*.requests, "si")',
    'cactiStyle(fx.web.*.requests, "binary", "b")',
    'cactiStyle(fx.db.*.latency, units="s")',
    'exp(fx.db.*.latency)',
    'log(fx.web.*.cpu)',
    'log(fx.web.host2.cpu, 2)',
    'log(fx.db.*.latency, 3)',
    'logit(scale(fx.db.a.latency, 0.5))',
    'sigmoid(fx.db.*.latency)',
    'round(fx.db.*.latency)',
    'round(scale(fx.web.host1.cpu, 0.0123), 2)',
    'round(fx.web.host2.cpu, -1)',
    'powSeries(fx.db.a.latency, fx.db.b.latency)',
    'powSeries(fx.web.host2.cpu, fx.db.a.latency)',
    'stdev(fx.web.host1.cpu, 5)',
    'stdev(fx.web.*.cpu, 10, 0.5)',
    'movingWindow(fx.web.host1.cpu, 5)',
    'movingWindow(fx.web.*.cpu, "5min", "median")',
    'movingWindow(fx.db.*.latency, 3, "max", 0.5)',
    'movingWindow(fx.web.host2.cpu, "2min", "sum")',
    'aggregateLine(fx.web.*.cpu)',
    'aggregateLine(fx.web.host1.cpu, "max")',
    'aggregateLine(fx.web.*.cpu, "sum", true)',
    'aggregateLine(fx.none.x)',
    'averageOutsidePercentile(fx.web.*.*, 30)',
    'averageOutsidePercentile(fx.web.*.*, 95)',
    'removeBetweenPercentile(fx.zero.z, 30)',
    'fallbackSeries(fx.none.x, fx.web.host1.cpu)',
    'fallbackSeries(fx.web.*.cpu, constantLine(1))',
    'identity("ident")',
    'time("t")',
    'time("t", 120)',
    'timeFunction("tf", 300)',
    'sin("s")',
    'sinFunction("s", 3, 90)',
    'threshold(42)',
    'threshold(1.5, "limit", "red")',
    'alpha(fx.web.*.cpu, 0.5)',
    'color(fx.web.*.cpu, "red")',
    'lineWidth(fx.web.host1.cpu, 2)',
    'dashed(fx.web.*.cpu)',
    'dashed(fx.web.host1.cpu, 3)',
    'secondYAxis(fx.web.*.cpu)',
    'drawAsInfinite(fx.web.host1.cpu)',
    'areaBetween(fx.web.host[12].cpu)',
    'stacked(fx.web.*.cpu)',
    'stacked(fx.web.*.cpu, "s1")',
    'aliasByTags(fx.web.*.cpu, 2, "name")',
    'reduceSeries(mapSeries(fx.web.host[12].*, 2), "asPercent", 3, "cpu", "requests")',
    'reduceSeries(map(fx.web.host[12].*, 2), "divideSeries", 3, "requests", "cpu")',
    'reduce(mapSeries(fx.web.host[12].*, 2), "sumSeries", 3, "cpu", "requests")',
    'timeStack(fx.web.host1.cpu, "10min", 0, 3)',
    'timeStack(fx.db.a.latency, "1h", 1, 2)',
    'useSeriesAbove(fx.counter.wrap, 500, "counter.wrap", "zero.z")',
    'useSeriesAbove(fx.counter.wrap, 5000, "counter.wrap", "zero.z")',
    'useSeriesAbove(fx.zero.z, 5, "z", "x")',
    'applyByNode(fx.web.*.cpu, 2, "sumSeries(%.*)")',
    'applyByNode(fx.web.*.requests, 2, "divideSeries(%.requests, %.cpu)", "%.ratio")',
    'applyByNode(fx.db.*.latency, 1, "scale(%.*.latency, 2)")',
    'aliasQuery(fx.web.host[12].cpu, "cpu", "requests", "%d requests")',
    'aliasQuery(fx.web.*.cpu, "fx\\.web\\.(\\w+)\\.cpu", "fx.counter.wrap", "\\1 at %.2f")',
    'aliasQuery(fx.db.*.latency, "db", "web", "%s")',
    'aliasQuery(fx.zero.z, "z$", "z", "zero %5.1f%%")',
  )
  // The functions with date arguments, in forms the oracle's wall clock does not move: absolute
  // dates (HH:MM_YYYYMMDD, YYYYMMDD, epoch seconds) and linearRegression over the request's window.
  targets.push(
    'linearRegression(fx.web.*.cpu)',
    'linearRegression(fx.db.*.latency)',
    'linearRegression(sumSeries(fx.web.*.requests))',
    'linearRegression(fx.sparse.x)',
    'linearRegression(fx.zero.z)',
    'linearRegression(fx.none.x)',
    'fx.web.host2.cpu|linearRegression()',
    `linearRegression(fx.web.*.cpu, "${at(NOW - 3600)}", "${at(NOW - 1800)}")`,
    // The source from the 60 s archive, the result at the window's step; one value: no fit, no series.
    `linearRegression(fx.web.host[13].cpu, "${NOW - 86400}", "${NOW}")`,
    `linearRegression(fx.web.host1.cpu, "${NOW - 15}", "${NOW}")`,
    `linearRegression(timeShift(fx.web.host1.requests, "1h"), "${day(NOW - 86400)}", "${at(NOW - 43200)}")`,
    `timeSlice(fx.web.*.cpu, "${at(NOW - 1800)}", "${at(NOW - 600)}")`,
    `timeSlice(fx.db.*.latency, "${day(NOW - 86400)}", "${NOW - 3600}")`,
    `timeSlice(nonNegativeDerivative(fx.web.*.requests), "${NOW - 7200}", "${at(NOW)}")`,
    `verticalLine("${at(NOW - 600)}")`,
    `verticalLine("${NOW - 1200}", "deploy", "blue")`,
    `verticalLine("${at(NOW - 43200)}", "noon")`,
  )
  return targets
}

/** `HH:MM_YYYYMMDD` of an epoch, UTC. */
function at(t: number): string {
  const iso = new Date(t * 1000).toISOString()
  return `${iso.slice(11, 16)}_${day(t)}`
}

/** `YYYYMMDD` of an epoch, UTC. */
function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10).replaceAll('-', '')
}

/** `HH:MM_YYYYMMDD` of an epoch on the wall clock of `timeZone`. */
function atIn(t: number, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  const part = Object.fromEntries(format.formatToParts(new Date(t * 1000)).map((p) => [p.type, p.value]))
  return `${part.hour}:${part.minute}_${part.year}${part.month}${part.day}`
}

test(
  "issue 18: linearRegression, timeSlice and verticalLine read the request's now and tz, not the wall clock as graphite-web 1.1.8 does",
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveFixture(t)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, { whisperDir: whisper, carbonlinkPort: serve.ports.query! })
    const url = (target: string, extra = '') =>
      `/render/?format=json&now=${NOW}&from=-3h&until=now${extra}&target=${encodeURIComponent(target)}`
    const midnight = NOW - (NOW % 86400)
    // Ours with relative dates (or in a zone) against graphite-web with the dates they mean, written
    // absolute so that its wall clock cannot move them: identical answers.
    const berlin = '&tz=Europe/Berlin'
    const pairs: [string, string, string?][] = [
      ['timeSlice(fx.web.*.cpu, "-30min", "now")', `timeSlice(fx.web.*.cpu, "${NOW - 1800}", "${NOW}")`],
      ['timeSlice(fx.web.host1.cpu, "-45min")', `timeSlice(fx.web.host1.cpu, "${NOW - 2700}", "${NOW}")`],
      [
        'timeSlice(fx.web.*.cpu, "midnight-20min", "now-1min")',
        `timeSlice(fx.web.*.cpu, "${midnight - 1200}", "${NOW - 60}")`,
      ],
      [
        `timeSlice(fx.web.host1.cpu, ${NOW - 1800}, ${NOW})`,
        `timeSlice(fx.web.host1.cpu, "${NOW - 1800}", "${NOW}")`,
      ],
      [
        `timeSlice(fx.web.host1.cpu, "${atIn(NOW - 1800, 'Europe/Berlin')}", "${atIn(NOW - 600, 'Europe/Berlin')}")`,
        `timeSlice(fx.web.host1.cpu, "${atIn(NOW - 1800, 'UTC')}", "${atIn(NOW - 600, 'UTC')}")`,
        berlin,
      ],
      [
        'linearRegression(fx.web.*.cpu, "-2h", "-1h")',
        `linearRegression(fx.web.*.cpu, "${NOW - 7200}", "${NOW - 3600}")`,
      ],
      ['linearRegression(fx.db.a.latency, "-1d")', `linearRegression(fx.db.a.latency, "${NOW - 86400}")`],
      [
        `linearRegression(fx.web.host2.cpu, "${atIn(NOW - 5400, 'America/New_York')}")`,
        `linearRegression(fx.web.host2.cpu, "${atIn(NOW - 5400, 'UTC')}")`,
        '&tz=America/New_York',
      ],
      ['verticalLine("-10min", "v")', `verticalLine("${NOW - 600}", "v")`],
      ['verticalLine("now")', `verticalLine("${NOW}")`],
      ['verticalLine("midnight", "m", "red")', `verticalLine("${midnight}", "m", "red")`],
    ]
    for (const [ours, theirs, zone] of pairs) {
      const [mine, oracle] = await Promise.all([
        request(node, url(ours, zone)),
        request(reference, url(theirs)),
      ])
      assert.equal(oracle.status, 200, `${theirs} (graphite-web): ${oracle.text.slice(0, 300)}`)
      assert.equal(mine.status, 200, `${ours}: ${mine.text}`)
      const series = JSON.parse(mine.text) as JsonSeries[]
      assert.ok(series.length > 0 && series.some((s) => s.datapoints.some(([v]) => v !== null)), ours)
      assert.equal(
        compare(`${ours} vs ${theirs}`, series, JSON.parse(oracle.text) as JsonSeries[]),
        undefined,
      )
    }
    // The difference itself: graphite-web ends the slice at its wall clock, carbonkit at `now`.
    const target = 'timeSlice(fx.web.host1.cpu, "-30min", "now")'
    const [mine, oracle] = await Promise.all([request(node, url(target)), request(reference, url(target))])
    const end = (text: string) => Number(/, (\d+)\)$/.exec((JSON.parse(text) as JsonSeries[])[0]!.target)![1])
    assert.equal(end(mine.text), NOW)
    assert.ok(Math.abs(end(oracle.text) - Date.now() / 1000) < 600, `graphite-web: ${end(oracle.text)}`)

    // Bad arguments: a 400 of one line (graphite-web answers 400 or, on a bad date, 500).
    for (const [bad, message] of [
      [
        'timeSlice(fx.web.host1.cpu, "bogus")',
        /^Invalid parameters for function "timeSlice": invalid time 'bogus'/,
      ],
      [
        'timeSlice(fx.web.host1.cpu, 1.5)',
        /^Invalid "date" value specified for function "timeSlice" parameter "startSliceAt": 1.5$/,
      ],
      ['timeSlice(fx.web.host1.cpu)', /^Missing required parameter "startSliceAt" for function "timeSlice"$/],
      [
        'linearRegression(fx.web.host1.cpu, "-1x")',
        /^Invalid parameters for function "linearRegression": invalid time '-1x'/,
      ],
      [
        'verticalLine("-4h")',
        /^Invalid parameters for function "verticalLine": verticalLine\(\): timestamp \d+ exists before start of range$/,
      ],
      [
        'verticalLine("+1h", "x")',
        /^Invalid parameters for function "verticalLine": verticalLine\(\): timestamp \d+ exists after end of range$/,
      ],
      ['verticalLine()', /^Missing required parameter "ts" for function "verticalLine"$/],
    ] as const) {
      const [answer, theirs] = await Promise.all([request(node, url(bad)), request(reference, url(bad))])
      assert.equal(answer.status, 400, `${bad}: ${answer.text}`)
      assert.match(answer.text.trim(), message)
      assert.equal(answer.text.trim().includes('\n'), false, bad)
      assert.ok(theirs.status === 400 || theirs.status === 500, `${bad} (graphite-web): ${theirs.status}`)
    }
  },
)

interface JsonSeries {
  target: string
  datapoints: [number | null, number][]
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b
  if (a === b) return true
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))
}

function compare(url: string, ours: JsonSeries[], theirs: JsonSeries[]): string | undefined {
  const names = (x: JsonSeries[]) => x.map((s) => s.target)
  if (JSON.stringify(names(ours)) !== JSON.stringify(names(theirs)))
    return `${url}\n  targets: ${JSON.stringify(names(ours))}\n  oracle:  ${JSON.stringify(names(theirs))}`
  for (const [i, s] of ours.entries()) {
    const o = theirs[i]!
    if (s.datapoints.length !== o.datapoints.length)
      return `${url}\n  ${s.target}: ${s.datapoints.length} points, oracle ${o.datapoints.length} (first ${JSON.stringify(s.datapoints[0])} vs ${JSON.stringify(o.datapoints[0])}, last ${JSON.stringify(s.datapoints.at(-1))} vs ${JSON.stringify(o.datapoints.at(-1))})`
    for (const [j, [v, ts]] of s.datapoints.entries()) {
      const [ov, ots] = o.datapoints[j]!
      if (ts !== ots || !close(v, ov))
        return `${url}\n  ${s.target} point ${j}: [${v}, ${ts}], oracle [${ov}, ${ots}]`
    }
  }
  return undefined
}

test(
  'issue 18 differential: render functions answer as graphite-web 1.1.8 on the same files',
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveFixture(t)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, { whisperDir: whisper, carbonlinkPort: serve.ports.query! })
    const windows = [
      `from=-1h&until=now`,
      `from=-24h&until=-30min`,
      `from=${NOW - 3 * 3600}&until=${NOW}&maxDataPoints=100`,
      `from=-6h&until=now&maxDataPoints=300&xFilesFactor=0.5`,
    ]
    const failures: string[] = []
    const oracleFailed: string[] = []
    let compared = 0
    let points = 0
    // Each function name of the corpus, and whether some answer of it had points on both sides.
    const withData = new Map<string, boolean>()
    // RENDER_TARGETS=<regex> compares only the targets it matches (while working on a function).
    const only = process.env.RENDER_TARGETS === undefined ? undefined : new RegExp(process.env.RENDER_TARGETS)
    const targets = corpus().filter((target) => only === undefined || only.test(target))
    const jobs = windows.flatMap((window) => targets.map((target) => ({ window, target })))
    const one = async ({ window, target }: { window: string; target: string }): Promise<void> => {
      const url = `/render/?format=json&now=${NOW}&${window}&target=${encodeURIComponent(target)}`
      const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
      const names = [...target.matchAll(/([A-Za-z]+)\(/g)].map((m) => m[1]!)
      for (const name of names) if (!withData.has(name)) withData.set(name, false)
      if (theirs.status !== 200) {
        // The oracle's crashes are not compared; carbonkit answers them (README: Differences).
        oracleFailed.push(`${theirs.status} ${target}`)
        assert.notEqual(ours.status, 500, `${url}: ${ours.text}`)
        // A refusal (graphite-web's 400) is a refusal here too.
        if (theirs.status === 400) assert.equal(ours.status, 400, `${url}: ${ours.text}`)
        return
      }
      assert.equal(ours.status, 200, `${url}: ${ours.text}`)
      const mine = JSON.parse(ours.text) as JsonSeries[]
      const problem = compare(url, mine, JSON.parse(theirs.text) as JsonSeries[])
      if (problem) failures.push(problem)
      compared++
      const count = mine.reduce((n, s) => n + s.datapoints.filter(([v]) => v !== null).length, 0)
      points += count
      if (count > 0) for (const name of names) withData.set(name, true)
    }
    // A few at a time: Django's runserver answers each request on a thread of its own.
    for (let i = 0; i < jobs.length; i += 6) await Promise.all(jobs.slice(i, i + 6).map(one))
    // noNullPoints (empty series dropped) and maxDataPoints=1 (one bucket per series).
    const extras = [
      'fx.web.*.cpu',
      'sumSeries(fx.web.*.cpu)',
      'fx.sparse.x',
      'asPercent(fx.web.*.cpu)',
      'fx.none.x',
    ]
    for (const option of ['noNullPoints=1&maxDataPoints=40', 'maxDataPoints=1', 'noNullPoints=1']) {
      for (const target of extras) {
        const url = `/render/?format=json&now=${NOW}&from=-2h&until=-1h&${option}&target=${encodeURIComponent(target)}`
        const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
        assert.equal(theirs.status, 200, `${url} (graphite-web): ${theirs.text.slice(0, 300)}`)
        assert.equal(ours.status, 200, `${url}: ${ours.text}`)
        const problem = compare(
          url,
          JSON.parse(ours.text) as JsonSeries[],
          JSON.parse(theirs.text) as JsonSeries[],
        )
        if (problem) failures.push(problem)
      }
    }
    // Grafana's requests, POST forms as it sends them: a panel's targets in its aliasSub wrapping
    // with maxDataPoints from the panel's width, the datasource health check, and a dashboard
    // variable passed as template[name] (graphite-web applies it inside template(), over its defaults).
    const forms: [string, string][][] = [
      [
        ['target', 'aliasSub(sumSeries(fx.web.*.cpu), "(^.*$)", "\\1 A")'],
        ['from', '-6h'],
        ['until', 'now'],
        ['maxDataPoints', '1234'],
      ],
      [
        ['target', 'aliasSub(fx.web.*.cpu, "(^.*$)", "\\1 A")'],
        ['target', 'aliasSub(movingAverage(fx.web.host1.requests, 5), "(^.*$)", "\\1 B")'],
        ['from', '-12h'],
        ['until', 'now'],
        ['maxDataPoints', '960'],
      ],
      [
        ['target', 'constantLine(100)'],
        ['from', '-1h'],
        ['until', 'now'],
        ['maxDataPoints', '100'],
      ],
      [
        ['target', 'template(sumSeries(fx.web.$host.cpu), host="host2")'],
        ['target', 'template(aliasByNode(fx.web.$host.requests, 2))'],
        ['template[host]', 'host1'],
        ['from', '-3h'],
        ['until', 'now'],
      ],
    ]
    for (const fields of forms) {
      const form = new URLSearchParams([...fields, ['now', String(NOW)], ['format', 'json']]).toString()
      const post = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      }
      const [ours, theirs] = await Promise.all([
        request(node, '/render', post),
        request(reference, '/render', post),
      ])
      assert.equal(theirs.status, 200, `${form} (graphite-web): ${theirs.text.slice(0, 300)}`)
      assert.equal(ours.status, 200, `${form}: ${ours.text}`)
      const theirSeries = JSON.parse(theirs.text) as JsonSeries[]
      assert.ok(theirSeries.length > 0, `${form}: graphite-web answers some series`)
      const problem = compare(`POST /render ${form}`, JSON.parse(ours.text) as JsonSeries[], theirSeries)
      if (problem) failures.push(problem)
    }
    t.diagnostic(
      `${targets.length} expressions calling ${withData.size} function names, ${windows.length} windows`,
    )
    t.diagnostic(
      `${compared} of ${jobs.length} requests compared (${points} non-null values); ${failures.length} differ`,
    )
    t.diagnostic(`oracle errors, not compared: ${[...new Set(oracleFailed)].join('; ')}`)
    const neverData = [...withData].filter(([, seen]) => !seen).map(([name]) => name)
    t.diagnostic(`functions never compared on data: ${neverData.join(', ') || 'none'}`)
    assert.deepEqual(failures, [])
    assert.ok(compared > jobs.length * 0.95 || only !== undefined, 'the oracle answered nearly every request')
  },
)

test(
  "issue 18: hitcount and smartSummarize align in the request's tz as graphite-web does (half-hour zones, DST)",
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveZoneFixture(t)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, { whisperDir: whisper, carbonlinkPort: serve.ports.query! })
    const s = 'tz.*'
    const targets = [
      `hitcount(${s}, "30s", true)`,
      `hitcount(${s}, "90s", true)`,
      `hitcount(${s}, "5min", true)`,
      `hitcount(${s}, "1h", true)`,
      `hitcount(${s}, "3h", true)`,
      `hitcount(${s}, "1d", true)`,
      `hitcount(${s}, "2d", true)`,
      `hitcount(${s}, "1w", true)`,
      `hitcount(${s}, "1mon", true)`,
      `hitcount(${s}, "1h")`,
      `smartSummarize(${s}, "10min", "sum", "seconds")`,
      `smartSummarize(${s}, "30min", "avg", "minutes")`,
      `smartSummarize(${s}, "1h", "sum", "hours")`,
      `smartSummarize(${s}, "1d", "max", "days")`,
      `smartSummarize(${s}, "1w", "sum", "weeks")`,
      `smartSummarize(${s}, "1w", "count", "weeks3")`,
      `smartSummarize(${s}, "1d", "last", "weeks7")`,
      `smartSummarize(${s}, "1mon", "sum", "months")`,
      `smartSummarize(${s}, "1d", "avg", "years")`,
      `smartSummarize(${s}, "1y", "sum", "years")`,
      `summarize(${s}, "1d")`,
      `summarize(${s}, "1h", "sum", true)`,
    ]
    // The start an hour after a change whose zone's midnight was on its other side (Berlin -7d,
    // New York -28d, Adelaide and Lord Howe -10h): graphite-web keeps the start's offset.
    const windows = ['from=-10h', 'from=-7d', 'from=-28d&until=-26d', 'from=-8d&until=-6d']
    const zones = [
      '',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'America/New_York',
      'Europe/Berlin',
      'Australia/Adelaide',
      'Australia/Lord_Howe',
    ]
    const jobs = zones.flatMap((tz) =>
      windows.flatMap((window) => targets.map((target) => ({ tz, window, target }))),
    )
    const failures: string[] = []
    let points = 0
    const one = async ({ tz, window, target }: (typeof jobs)[number]): Promise<void> => {
      const url = `/render/?format=json&now=${ZONE_NOW}&${window}${tz ? `&tz=${tz}` : ''}&target=${encodeURIComponent(target)}`
      const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
      assert.equal(theirs.status, 200, `${url} (graphite-web): ${theirs.text.slice(0, 300)}`)
      assert.equal(ours.status, 200, `${url}: ${ours.text}`)
      const mine = JSON.parse(ours.text) as JsonSeries[]
      const problem = compare(url, mine, JSON.parse(theirs.text) as JsonSeries[])
      if (problem) failures.push(problem)
      points += mine.reduce((n, x) => n + x.datapoints.filter(([v]) => v !== null).length, 0)
    }
    for (let i = 0; i < jobs.length; i += 6) await Promise.all(jobs.slice(i, i + 6).map(one))
    t.diagnostic(`${jobs.length} requests compared (${points} non-null values); ${failures.length} differ`)
    assert.deepEqual(failures, [])
  },
)

test('issue 18: malformed expressions never answer 500 (seeded fuzz)', async (t) => {
  const { serve } = await serveFixture(t)
  // The known refusals first: each a 400 with graphite-web's kind of message.
  for (const [target, message] of [
    ['nosuch(fx.zero.z)', /Received request for unknown function: nosuch/],
    ['(fx.zero.z)', /invalid target expression/],
    ['scale(fx.zero.z, "x")', /Invalid "float" value specified for function "scale" parameter "factor": 'x'/],
    ['summarize(fx.zero.z, "5m")', /Invalid "interval" value/],
    ['summarize(fx.zero.z, "1h", "bogus")', /Invalid "aggFunc" value/],
    ['alias(fx.zero.z)', /Missing required parameter "newName" for function "alias"/],
    ['scale(fx.zero.z, 1, 2)', /Too many parameters specified for function "scale"/],
    ['scale('.repeat(100) + 'fx.zero.z' + ',1)'.repeat(100), /nested deeper than 64 calls/],
  ] as const) {
    const answer = await request(
      serve.ports.http!,
      `/render/?format=json&from=-1h&now=${NOW}&target=${encodeURIComponent(target)}`,
    )
    assert.equal(answer.status, 400, `${target}: ${answer.text}`)
    assert.match(answer.text, message)
  }
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
  t.diagnostic(`seed ${seed} (FUZZ_SEED=${seed} replays it)`)
  const random = createRandom(seed)
  const pieces = [
    'sumSeries(',
    'alias(',
    'aliasSub(',
    'summarize(',
    'movingAverage(',
    'asPercent(',
    'groupByNode(',
    'scale(',
    'keepLastValue(',
    'perSecond(',
    'consolidateBy(',
    'constantLine(',
    'template(',
    'timeShift(',
    'linearRegression(',
    'timeSlice(',
    'verticalLine(',
    'fx.web.*.cpu',
    'fx.db.*.latency',
    'fx.{a,b',
    ')',
    '(',
    ',',
    '"',
    "'",
    '|',
    '=',
    '\\',
    '1',
    '-1',
    '1e5',
    '0.5',
    '"1h"',
    '"-5min"',
    '"x"',
    'true',
    'None',
    'inf',
    ' ',
    'x=',
    '"(^.*$)"',
    '"\\1 A"',
    '"["',
    '{',
    '}',
    '..',
    '*',
    '[',
    ']',
    '$1',
    'seriesByTag(',
    'nosuch(',
    'legendValue(',
    'cactiStyle(',
    'mapSeries(',
    'reduceSeries(',
    'stacked(',
    'timeStack(',
    'useSeriesAbove(',
    'filterSeries(',
    'weightedAverage(',
    'round(',
    'log(',
    'stdev(',
    '"<"',
    '"si"',
    '"max"',
    '"bogus"',
    '1000000000',
    '-0',
  ]
  const statuses = new Map<number, number>()
  for (let i = 0; i < 400; i++) {
    let target = ''
    const n = random.int(1, 12)
    for (let j = 0; j < n; j++) target += random.pick(pieces)
    if (random.chance(0.05)) target = 'scale('.repeat(random.int(50, 200)) + 'fx.zero.z' + ',1)'.repeat(50)
    const format = random.pick(['json', 'json', 'json', 'csv', 'raw'])
    const url = `/render/?format=${format}&from=-2h&now=${NOW}&target=${encodeURIComponent(target)}${random.chance(0.3) ? '&maxDataPoints=' + random.int(0, 50) : ''}`
    const answer = await request(serve.ports.http!, url)
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
    assert.ok(
      answer.status === 200 || answer.status === 400,
      `seed ${seed}, ${target}: ${answer.status} ${answer.text}`,
    )
  }
  // Some of them get through the parser to the functions, and some of those get an answer.
  t.diagnostic(`answers: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')}`)
  assert.ok((statuses.get(200) ?? 0) >= 20, 'the fuzz reaches the functions')
})

test(
  'issue 18.3: format=csv and format=raw, and the tz parameter, as graphite-web writes them',
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveFixture(t)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, { whisperDir: whisper, carbonlinkPort: serve.ports.query! })
    const targets = [
      'fx.web.*.cpu',
      'fx.db.*.latency',
      'fx.none.x',
      'sumSeries(fx.web.*.cpu, fx.db.a.latency)',
      'summarize(fx.web.host1.cpu, "10min", "max")',
      'alias(fx.web.host1.cpu, \'a,"quoted" name\')',
      'scale(fx.web.host2.cpu, 0.1)',
      'perSecond(fx.web.*.requests)',
    ]
    const windows = [
      'from=-30min&until=now',
      // Dates read in the zone, times written in it; an unknown zone is UTC (graphite-web's TIME_ZONE).
      'from=midnight&until=now&tz=Europe/Berlin',
      'from=20251231&until=-23h&tz=America/New_York',
      'from=23:00_20251231&until=23:30_20251231&tz=Asia/Kolkata',
      'from=yesterday&until=-23h30min&tz=Nowhere/City',
      'from=-2h&until=-90min&tz=Australia/Adelaide',
    ]
    let compared = 0
    for (const format of ['csv', 'raw']) {
      for (const window of windows) {
        for (const target of [...targets, targets.slice(0, 3)]) {
          const list = Array.isArray(target) ? target : [target]
          const url = `/render?format=${format}&now=${NOW}&${window}&${list.map((x) => `target=${encodeURIComponent(x)}`).join('&')}`
          const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
          assert.equal(theirs.status, 200, `${url} (graphite-web): ${theirs.text.slice(0, 300)}`)
          assert.equal(ours.status, 200, `${url}: ${ours.text}`)
          assert.equal(ours.headers['content-type'], format === 'csv' ? 'text/csv' : 'text/plain')
          assert.equal(ours.text, theirs.text, url)
          compared++
        }
      }
    }
    t.diagnostic(`${compared} csv and raw answers byte-identical to graphite-web's`)
    // The zone also moves the JSON window: midnight in Berlin is 23:00 UTC.
    const json = async (port: number, tz: string) =>
      JSON.parse(
        (
          await request(
            port,
            `/render?format=json&now=${NOW}&from=midnight&until=now&tz=${tz}&target=fx.db.a.latency`,
          )
        ).text,
      ) as { datapoints: [number | null, number][] }[]
    for (const tz of ['Europe/Berlin', 'America/Los_Angeles']) {
      const [ours, theirs] = await Promise.all([json(node, tz), json(reference, tz)])
      assert.deepEqual(ours, theirs, tz)
    }
    assert.equal((await json(node, 'Europe/Berlin'))[0]!.datapoints[0]![1], NOW - 37 - 3600 + 60)
  },
)

test(
  "issue 18: from and until in graphite-web's other time forms render as graphite-web renders them",
  graphiteWeb,
  async (t) => {
    const { serve, whisper } = await serveFixture(t)
    const node = serve.ports.http!
    const reference = await startGraphiteWeb(t, { whisperDir: whisper, carbonlinkPort: serve.ports.query! })
    // NOW is 2026-01-01 00:00:37 UTC, a Thursday; the fixture holds the 26 hours before it.
    const windows: [string, string, string?][] = [
      ['teatime yesterday', 'now'],
      ['noon yesterday', '6pm yesterday'],
      ['wednesday', 'midnight'],
      ['wednesday+20h', 'thursday'],
      ['dec31', 'jan1'],
      ['december 31', '11:30pm yesterday'],
      ['12/31/25', '01/01/2026'],
      ['12/31/2025+22h', '23:00_20251231'],
      ['9pm yesterday', 'midnight+1h'],
      ['11:15pm_20251231', 'now-5min'],
      ['6am yesterday', 'noon-1d'],
      ['teatime', 'now', 'America/New_York'],
      ['6pm yesterday', '9pm yesterday', 'Asia/Kolkata'],
      ['wednesday', 'now', 'Asia/Kathmandu'],
      ['noon', 'teatime', 'America/St_Johns'],
      ['12am', '12pm', 'Australia/Adelaide'],
      ['', '-2h'],
      ['-3h', ''],
    ]
    const targets = ['fx.web.host1.cpu', 'sumSeries(fx.web.*.cpu)', 'summarize(fx.db.*.latency, "1h", "max")']
    let points = 0
    for (const [from, until, tz] of windows) {
      for (const target of targets) {
        const query = `from=${encodeURIComponent(from)}&until=${encodeURIComponent(until)}${tz ? `&tz=${tz}` : ''}`
        const url = `/render?format=json&now=${NOW}&${query}&target=${encodeURIComponent(target)}`
        const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
        assert.equal(theirs.status, 200, `${url} (graphite-web): ${theirs.text.slice(0, 300)}`)
        assert.equal(ours.status, 200, `${url}: ${ours.text}`)
        const mine = JSON.parse(ours.text) as JsonSeries[]
        const problem = compare(url, mine, JSON.parse(theirs.text) as JsonSeries[])
        assert.equal(problem, undefined, problem)
        points += mine.reduce((n, s) => n + s.datapoints.filter(([v]) => v !== null).length, 0)
      }
    }
    t.diagnostic(`${windows.length * targets.length} answers identical to graphite-web's, ${points} points`)
    assert.ok(points > 1000, 'the windows hold data')
    // What graphite-web's parseATTime raises on is a 400 there and here, with one line here.
    for (const from of ['feb30', '25am', '13/1/26', 'jan', 'someday', '-5m', '99999999999999', '1/2/10000']) {
      const url = `/render?format=json&now=${NOW}&from=${encodeURIComponent(from)}&target=fx.web.host1.cpu`
      const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
      t.diagnostic(`${from}: graphite-web ${theirs.status} ${theirs.text.split('\n')[0]!.slice(0, 200)}`)
      assert.equal(theirs.status, 400, `${url} (graphite-web)`)
      assert.equal(ours.status, 400, `${url}: ${ours.text}`)
      assert.match(ours.text, new RegExp(`^invalid value for 'from': invalid time '${from}': [^\\n]+\\n?$`))
    }
    // from= is now (parseATTime('')), not the default -1d: an empty window, refused by both.
    for (const query of ['from=', 'from=&until=', 'from=now&until=now', 'from=noon&until=12pm%20yesterday']) {
      const url = `/render?format=json&now=${NOW}&${query}&target=fx.web.host1.cpu`
      const [ours, theirs] = await Promise.all([request(node, url), request(reference, url)])
      assert.equal(ours.status, theirs.status, `${url}: ${ours.text}`)
      if (theirs.status === 200) {
        const problem = compare(
          url,
          JSON.parse(ours.text) as JsonSeries[],
          JSON.parse(theirs.text) as JsonSeries[],
        )
        assert.equal(problem, undefined, problem)
      } else assert.equal(ours.text, 'invalid empty time range\n')
    }
  },
)
