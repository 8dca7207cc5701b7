// /render targets that call functions (and any JSON render with maxDataPoints or noNullPoints):
// evaluated by the target-expression engine (../functions/), which fetches each path expression
// through `fetchSeries` (the same glob, whisper window and cache merge as a plain target) and
// answers in graphite-web's JSON. Plain targets of other requests keep api.ts's direct path.

import { isPlainPath } from '../functions/grammar.js'
import { evaluateTargets, renderCsv, renderJson, renderRaw, timeSeriesOf } from '../functions/render.js'
import type { Context, TimeSeries } from '../functions/render.js'
import type { Series } from './formats.js'
import type { ParsedRequest } from './request.js'

/**
 * True when a target needs the engine: a call, a pipe, a template, or a path with text after it
 * that graphite-web ignores. A plain glob, even one that matches nothing (`..`), keeps the direct
 * path and its empty answer.
 */
export function isExpression(target: string): boolean {
  return /[()|'"\\\s]/.test(target) && !isPlainPath(target)
}

export interface ExpressionRequest {
  targets: string[]
  from: number
  until: number
  now: number
  /** graphite-web's json (the default), csv or raw. */
  format?: 'json' | 'csv' | 'raw'
  /** The request's time zone (csv's times), when a known one was given. */
  tz?: string
  /** The series one path expression names over a window, with the cache merged in. */
  fetchSeries: (pathExpression: string, from: number, until: number, now: number) => Promise<Series[]>
}

function first(request: ParsedRequest, key: string): string | undefined {
  return request.params.get(key)?.[0]
}

/** graphite-web's JSON for the request's targets. @throws InvalidArgumentError for a bad expression */
export async function renderExpressions(request: ParsedRequest, input: ExpressionRequest): Promise<string> {
  const xffText = first(request, 'xFilesFactor')
  const xFilesFactor =
    xffText === undefined || xffText.trim() === '' || !Number.isFinite(Number(xffText)) ? 0 : Number(xffText)
  const template = new Map<string, string>()
  for (const [key, values] of request.params) {
    const m = /^template\[(.+)\]$/.exec(key)
    if (m && values[0] !== undefined) template.set(m[1]!, values[0])
  }
  const ctx: Context = {
    startTime: input.from,
    endTime: input.until,
    now: input.now,
    xFilesFactor,
    template,
    fetch: async (pathExpression, c): Promise<TimeSeries[]> => {
      const found = await input.fetchSeries(pathExpression, c.startTime, c.endTime, c.now)
      const byName = new Map<string, TimeSeries>()
      for (const s of found) byName.set(s.name, timeSeriesOf({ ...s, xFilesFactor: c.xFilesFactor }))
      return [...byName.keys()].sort().map((name) => byName.get(name)!)
    },
  }
  const series = await evaluateTargets(ctx, input.targets)
  if (input.format === 'csv') return renderCsv(series, input.tz)
  if (input.format === 'raw') return renderRaw(series)
  const mdp = first(request, 'maxDataPoints')
  return renderJson(series, {
    maxDataPoints: mdp !== undefined && /^[0-9]+$/.test(mdp) && Number(mdp) > 0 ? Number(mdp) : undefined,
    noNullPoints: request.params.has('noNullPoints'),
  })
}
