// /render targets that call functions (and any JSON render with maxDataPoints or noNullPoints):
// evaluated by the target-expression engine (../functions/) on the read path of a plain target.
// The main thread parses the targets, lists their path expressions (graphite-web's
// extractPathExpressions), expands each from the index and takes the cache's points (api.ts); a
// read thread then reads the files over whatever window a function asks (moving*, timeShift),
// runs the functions as pure transforms and writes graphite-web's JSON (reads.ts's
// expressionAnswer).

import { InvalidArgumentError } from '../errors.js'
import { pathExpressions } from '../functions/evaluate.js'
import { isPlainPath } from '../functions/grammar.js'
import type { ExpressionJob } from './reads.js'
import { HttpError } from './reads.js'
import type { ParsedRequest } from './request.js'

/**
 * True when a target needs the engine: a call, a pipe, a template, or a path with text after it
 * that graphite-web ignores. A plain glob, even one that matches nothing (`..`), keeps the direct
 * path and its empty answer.
 */
export function isExpression(target: string): boolean {
  return /[()|'"\\\s]/.test(target) && !isPlainPath(target)
}

function first(request: ParsedRequest, key: string): string | undefined {
  return request.params.get(key)?.[0]
}

/**
 * The job of a request's targets, its leaves not yet expanded, and the path expressions to expand.
 * @throws HttpError 400 for a target that does not parse
 */
export function expressionJob(
  request: ParsedRequest,
  window: {
    targets: string[]
    from: number
    until: number
    now: number
    maxPoints: number
    format: 'json' | 'csv' | 'raw'
    tz: string | undefined
  },
): { job: ExpressionJob; paths: string[] } {
  const xffText = first(request, 'xFilesFactor')
  const xFilesFactor =
    xffText === undefined || xffText.trim() === '' || !Number.isFinite(Number(xffText)) ? 0 : Number(xffText)
  const template = new Map<string, string>()
  for (const [key, values] of request.params) {
    const m = /^template\[(.+)\]$/.exec(key)
    if (m && values[0] !== undefined) template.set(m[1]!, values[0])
  }
  const mdp = first(request, 'maxDataPoints')
  const job: ExpressionJob = {
    kind: 'expressions',
    ...window,
    xFilesFactor,
    template,
    maxDataPoints: mdp !== undefined && /^[0-9]+$/.test(mdp) && Number(mdp) > 0 ? Number(mdp) : undefined,
    noNullPoints: request.params.has('noNullPoints'),
    leaves: new Map(),
  }
  try {
    return { job, paths: pathExpressions(job.targets, template) }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new HttpError(400, error.message)
    throw error
  }
}
