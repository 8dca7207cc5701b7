import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pathExpressions } from '../../../../src/core/functions/evaluate.js'
import { evaluateTargets, renderJson } from '../../../../src/core/functions/render.js'
import type { Context } from '../../../../src/core/functions/render.js'
import { TimeSeries } from '../../../../src/core/functions/series.js'

/** A context over the minute [0, 60) with no template, series from `fetch`. */
function minuteContext(fetch: Context['fetch']): Context {
  return { startTime: 0, endTime: 60, now: 60, xFilesFactor: 0, template: new Map(), fetch }
}

test('issue 18: the path expressions of targets are listed before evaluation (pipes, kwargs, templates), each once', () => {
  const template = new Map([['env', 'prod']])
  assert.deepEqual(
    pathExpressions(
      [
        'aliasSub(sumSeries(a.*.b, c.{x,y}), "(^.*$)", "\\1 A")',
        'a.*.b | movingAverage(5) | alias("z")',
        'asPercent(d.e, total=f.g)',
        'template(h.$host.$env, host="web1", env="dev")',
        'template(i.$1, "two")',
        'scale(j.k, $n)',
        'seriesByTag("name=x")',
        '',
      ],
      template,
    ),
    ['a.*.b', 'c.{x,y}', 'd.e', 'f.g', 'h.web1.prod', 'i.two', 'j.k', '$n'],
  )
})

test('issue 18: what the evaluator fetches is what pathExpressions listed', async () => {
  const targets = [
    'template(sumSeries(h.$host.$env), host="web1")',
    'template(scale(i.$1, 2), "two")',
    'timeShift(movingAverage(a.b, 3), "1h")',
  ]
  const template = new Map([['env', 'prod']])
  const fetched: string[] = []
  const ctx: Context = {
    startTime: 0,
    endTime: 600,
    now: 600,
    xFilesFactor: 0,
    template,
    fetch: async (path, c) => {
      fetched.push(path)
      return [new TimeSeries(path, c.startTime, c.endTime, 60, [1, 2, 3])]
    },
  }
  await evaluateTargets(ctx, targets)
  assert.deepEqual([...new Set(fetched)].sort(), pathExpressions(targets, template).sort())
})

test('issue 18: a stored NaN is a value and None is not, as in graphite-web (typed columns keep them apart)', async () => {
  // Expected lists: graphite-web 1.1.8's functions (render/functions.py, datalib.TimeSeries) run on
  // the same two lists with Debian's python3.
  const nan = NaN
  const lists: Record<string, (number | null)[]> = {
    a: [nan, 1, null, 4, nan, null],
    b: [1, null, null, 2, 3, null],
  }
  const ctx = minuteContext(async (path) =>
    path === 'ab' ? ['a', 'b'].map((name) => new TimeSeries(name, 0, 60, 10, [...lists[name]!])) : [],
  )
  const first = async (target: string): Promise<(number | null)[]> =>
    (await evaluateTargets(ctx, [target]))[0]!.read()
  assert.deepEqual(await first('sumSeries(ab)'), [nan, 1, null, 6, nan, null])
  assert.deepEqual(await first('maxSeries(ab)'), [nan, 1, null, 4, nan, null])
  assert.deepEqual(await first('minSeries(ab)'), [nan, 1, null, 2, nan, null])
  assert.deepEqual(await first('transformNull(ab, 0)'), [nan, 1, 0, 4, nan, 0])
  assert.deepEqual(await first('keepLastValue(ab)'), [nan, 1, 1, 4, nan, nan])
  assert.deepEqual(await first('perSecond(ab)'), [null, null, null, null, null, null])
  const consolidated = (func: string): (number | null)[] => {
    const series = new TimeSeries('c', 0, 60, 10, [1, nan, nan, 2, null, nan], { consolidate: func })
    series.consolidate(2)
    return series.read()
  }
  assert.deepEqual(consolidated('max'), [1, nan, nan])
  assert.deepEqual(consolidated('min'), [1, nan, nan])
  assert.deepEqual(consolidated('average'), [nan, nan, nan])
})

test('issue 18 (dashboard speed): countSeries asks for its series without their values; every other fetch reads them', async () => {
  const asked: [string, boolean][] = []
  const ctx = minuteContext(async (path, c, options) => {
    asked.push([path, options?.lengthsOnly === true])
    return [new TimeSeries(path, c.startTime, c.endTime, 10, [1, 2, 3, 4, 5, 6])]
  })
  const [count] = await evaluateTargets(ctx, ['countSeries(a.*, b.*)'])
  assert.deepEqual(count!.read(), [2, 2, 2, 2, 2, 2])
  await evaluateTargets(ctx, ['countSeries(scale(c.*, 2))', 'sumSeries(d.*)'])
  assert.deepEqual(asked, [
    ['a.*', true],
    ['b.*', true],
    ['c.*', false],
    ['d.*', false],
  ])
})

test('issue 18 (dashboard speed): the JSON writes each value as String() does, None and NaN as null', () => {
  const values = [0, -0, 1, -17, 2 ** 53 - 1, 2 ** 53, 1e21, 0.1, -1.5e-7, 1 / 3, Infinity, -Infinity, NaN, 3]
  const series = new TimeSeries('a.b', 100, 100 + 10 * (values.length + 1), 10, [...values, null])
  const expected = [...values, null].map((v, i) => [
    v === null || Number.isNaN(v)
      ? 'null'
      : v === Infinity
        ? '1e9999'
        : v === -Infinity
          ? '-1e9999'
          : String(v),
    100 + 10 * i,
  ])
  assert.equal(
    renderJson([series]),
    `[{"target": "a.b", "tags": {"name":"a.b"}, "datapoints": [${expected.map(([v, t]) => `[${v}, ${t}]`).join(', ')}]}]`,
  )
  assert.equal(renderJson([series], { noNullPoints: true }).includes('null'), false)
  assert.equal(renderJson([new TimeSeries('x', 0, 60, 10, [null])], { noNullPoints: true }), '[]')
})
