import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pathExpressions } from '../../../../src/core/functions/evaluate.js'
import { evaluateTargets } from '../../../../src/core/functions/render.js'
import type { Context } from '../../../../src/core/functions/render.js'
import { TimeSeries } from '../../../../src/core/functions/series.js'

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
