// The endpoints: from a parsed request to a status and a body. Globs are answered from the
// in-memory index (a fully literal name not yet indexed is checked on disk once and added); series
// are read from their files with the cache merged in. Globs are expanded here, cut in slices with a
// turn of the event loop between them; the files are read and the answer encoded on a read thread
// (pool.ts), so that a big find or render never holds up the receivers. The AbortSignal (deadline,
// client gone) stops both.

import { InvalidArgumentError } from '../errors.js'
import { readInfo } from '../whisper/info.js'
import { isKnownZone, parseATTime } from './attime.js'
import type { Encoded, FindFormat, RenderFormat } from './formats.js'
import { CONTENT_TYPES, FIND_FORMATS, FORMAT_ALIASES, RENDER_FORMATS } from './formats.js'
import type { GlobLimits } from './glob.js'
import { GLOB_LIMITS, compileGlob, isPattern } from './glob.js'
import type { FoundNode, MetricIndex } from './index.js'
import { isFileInside, leafFile } from './index.js'
import { expressionJob, isExpression } from './expressions.js'
import { answerFind, findKey, keptFind, keptFindNow } from './find.js'
import { decodeMessage, encodeMessage } from './proto.js'
import type { ReadPool } from './pool.js'
import type { ExpressionLeaf, RenderJob } from './reads.js'
import { HttpError, NEED_PATHS } from './reads.js'
import type { CachedPoints } from './render.js'
import type { ParsedRequest } from './request.js'

export interface HttpLimits {
  /** Largest request body accepted. */
  maxBodyBytes: number
  /** Series one render answers, and nodes one find answers. */
  maxSeries: number
  /** Values one render answers (series × points). */
  maxPoints: number
  /** Milliseconds a request may take before it is answered 503. */
  deadlineMs: number
  /** Milliseconds a client may take to send its headers (slowloris): then it is cut. */
  headersTimeoutMs: number
  glob: GlobLimits
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxBodyBytes: 4 << 20,
  maxSeries: 100_000,
  maxPoints: 20_000_000,
  deadlineMs: 30_000,
  headersTimeoutMs: 10_000,
  glob: GLOB_LIMITS,
}

/** The API level served: Grafana picks its function list by the graphite-web version it sees. */
export const GRAPHITE_VERSION = '1.1.8'

export const V3_CONTENT_TYPE = CONTENT_TYPES.v3

export interface ApiContext {
  index: MetricIndex
  dataDir: string
  cacheQuery: (name: string) => CachedPoints
  /** Epoch seconds (fractional allowed). */
  clock: () => number
  limits: HttpLimits
  hostname: string
  /** Where the files are read and answers encoded: read threads, or in-process. */
  reads: ReadPool
}

export interface Answer {
  status: number
  contentType: string
  body: Uint8Array | string
}

export { HttpError } from './reads.js'

export const ok = (encoded: Encoded): Answer => ({ status: 200, ...encoded })
const json = (value: unknown): Answer => ({
  status: 200,
  contentType: CONTENT_TYPES.json,
  body: JSON.stringify(value),
})

function first(request: ParsedRequest, key: string): string | undefined {
  return request.params.get(key)?.[0]
}

function wantsV3(request: ParsedRequest): boolean {
  return request.accept.split(',').some((t) => t.trim().split(';')[0] === V3_CONTENT_TYPE)
}

function formatOf<T extends string>(request: ParsedRequest, allowed: readonly T[], fallback: T): T {
  if (wantsV3(request)) return 'carbonapi_v3_pb' as T
  const given = first(request, 'format')
  if (given === undefined || given === '') return fallback
  const name = FORMAT_ALIASES[given] ?? given
  if (!(allowed as readonly string[]).includes(name))
    throw new HttpError(400, `unsupported format '${given}'`)
  return name as T
}

function decodeBody(request: ParsedRequest, message: string): Record<string, unknown> | undefined {
  if (request.body.length === 0) return undefined
  try {
    return decodeMessage('v3', message, request.body)
  } catch (error) {
    throw new HttpError(400, `request body is not a carbonapi_v3_pb ${message}: ${(error as Error).message}`)
  }
}

function checkText(what: string, value: string): string {
  if (value.includes('\0')) throw new HttpError(400, `NUL in ${what}`)
  return value
}

/** Leaves and branches of one glob, as the index has them. */
async function expand(ctx: ApiContext, query: string, signal: AbortSignal): Promise<FoundNode[]> {
  let matchers
  try {
    matchers = compileGlob(checkText('query', query), ctx.limits.glob)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new HttpError(400, error.message)
    throw error
  }
  const found = await ctx.index.find(matchers, {
    signal,
    onMatch: (count) => {
      if (count > ctx.limits.maxSeries)
        throw new HttpError(400, `'${query}' matches more than ${ctx.limits.maxSeries} nodes`)
    },
  })
  // A literal name written by another process since the last walk: one stat, then indexed.
  if (found.length === 0 && !query.split('.').some(isPattern)) {
    const file = leafFile(ctx.dataDir, query)
    if (file !== undefined && isFileInside(ctx.dataDir, file)) {
      ctx.index.addMetric(query)
      found.push({ path: query, isLeaf: true, node: ctx.index.lookup(query) })
    }
  }
  return found
}

interface FindParams {
  format: FindFormat
  queries: string[]
  leavesOnly: boolean
  /** Where its answer is kept (find.ts); undefined with noCache=1. */
  key: string | undefined
}

function findParams(request: ParsedRequest): FindParams {
  const format = formatOf<FindFormat>(request, FIND_FORMATS, 'treejson')
  let queries: string[]
  const body = format === 'carbonapi_v3_pb' ? decodeBody(request, 'MultiGlobRequest') : undefined
  if (body) queries = body.metrics as string[]
  else {
    const query = first(request, 'query')
    if (query === undefined) throw new HttpError(400, "missing required parameter 'query'")
    if (query === '') throw new HttpError(400, "required parameter 'query' is empty")
    queries = format === 'carbonapi_v3_pb' ? (request.params.get('query') ?? []) : [query]
  }
  const leavesOnly = first(request, 'leavesOnly') === '1'
  // The same find again is answered from the kept answer while it holds (find.ts); noCache=1 (as
  // render's) asks for it to be made afresh.
  const key = first(request, 'noCache') === '1' ? undefined : findKey(format, leavesOnly, queries)
  return { format, queries, leavesOnly, key }
}

/**
 * The key of a find's kept answer (find.ts), as find() makes it; undefined for noCache=1 and for a
 * request find() refuses.
 */
export function findKeyOf(request: ParsedRequest): string | undefined {
  try {
    return findParams(request).key
  } catch {
    return undefined
  }
}

/**
 * A find whose kept answer holds without reading a file (find.ts's keptFindNow), answered at once;
 * undefined for every other request (bad ones included: find() answers those).
 */
export function keptFindAnswer(ctx: ApiContext, request: ParsedRequest): Answer | undefined {
  const key = findKeyOf(request)
  const kept = key === undefined ? undefined : keptFindNow(ctx, key, Math.floor(ctx.clock()))
  return kept && ok(kept)
}

export async function find(ctx: ApiContext, request: ParsedRequest, signal: AbortSignal): Promise<Answer> {
  const { format, queries, leavesOnly, key } = findParams(request)
  // Whole seconds: the kept bytes are sent again within the same second (find.ts).
  const now = Math.floor(ctx.clock())
  const kept = key === undefined ? undefined : await keptFind(ctx, key, now, signal)
  if (kept !== undefined) return ok(kept)
  const generation = ctx.index.generation
  const expanded = []
  let keep = key !== undefined
  for (const query of queries) {
    const found = await expand(ctx, query, signal)
    // A literal name found nowhere is looked for on disk again next time (expand).
    if (found.length === 0 && !query.split('.').some(isPattern)) keep = false
    expanded.push({ query, found: leavesOnly ? found.filter((m) => m.isLeaf) : found })
  }
  const withIntervals = format === 'pickle' || format === 'msgpack' || format === 'json'
  return ok(
    await answerFind(
      ctx,
      format,
      withIntervals,
      now,
      expanded,
      signal,
      keep ? { key: key!, generation } : undefined,
    ),
  )
}

export async function expandView(
  ctx: ApiContext,
  request: ParsedRequest,
  signal: AbortSignal,
): Promise<Answer> {
  const leavesOnly = first(request, 'leavesOnly') === '1'
  const groupByExpr = first(request, 'groupByExpr') === '1'
  const grouped: Record<string, string[]> = {}
  for (const query of request.params.get('query') ?? []) {
    const matches = await expand(ctx, query, signal)
    grouped[query] = [...new Set(matches.filter((m) => m.isLeaf || !leavesOnly).map((m) => m.path))].sort()
  }
  if (groupByExpr) return json({ results: grouped })
  return json({ results: [...new Set(Object.values(grouped).flat())].sort() })
}

interface Target {
  /** What is sent back as pathExpression. */
  expression: string
  /** What is expanded (carbonapi's FetchRequest name), when not the expression. */
  name?: string
  from: number
  until: number
  now: number
}

/** The request's `tz` when it names a known zone (graphite-web ignores an unknown one). */
function zoneOf(request: ParsedRequest): string | undefined {
  const tz = first(request, 'tz')
  return tz !== undefined && isKnownZone(tz) ? tz : undefined
}

function timeParam(request: ParsedRequest, key: string, fallback: number, now: number): number {
  const value = first(request, key)
  // An empty value is parseATTime's: now (graphite-web reads `from=` as now, not as the default).
  if (value === undefined) return fallback
  try {
    return parseATTime(value, now, zoneOf(request))
  } catch (error) {
    throw new HttpError(400, `invalid value for '${key}': ${(error as Error).message}`)
  }
}

function renderTargets(ctx: ApiContext, request: ParsedRequest, format: RenderFormat): Target[] {
  const clockNow = Math.floor(ctx.clock())
  const body = format === 'carbonapi_v3_pb' ? decodeBody(request, 'MultiFetchRequest') : undefined
  if (body) {
    return (
      body.metrics as { name: string; startTime: number; stopTime: number; pathExpression: string }[]
    ).map((m) => {
      if (m.startTime > m.stopTime) throw new HttpError(400, `startTime after stopTime for '${m.name}'`)
      return {
        expression: m.pathExpression || m.name,
        from: m.startTime,
        until: m.stopTime,
        now: clockNow,
        name: m.name,
      }
    })
  }
  const now = timeParam(request, 'now', clockNow, clockNow)
  let from = timeParam(request, 'from', now - 86400, now)
  let until = timeParam(request, 'until', now, now)
  if (from > until) [from, until] = [until, from]
  if (from === until) throw new HttpError(400, 'invalid empty time range')
  return (request.params.get('target') ?? []).map((expression) => ({ expression, from, until, now }))
}

export async function render(ctx: ApiContext, request: ParsedRequest, signal: AbortSignal): Promise<Answer> {
  // graphite-web's text formats: every target through the engine, which writes them.
  const text = first(request, 'format')
  if ((text === 'csv' || text === 'raw') && !wantsV3(request))
    return renderWithFunctions(ctx, request, renderTargets(ctx, request, 'json'), signal, text)
  const format = formatOf<RenderFormat>(request, RENDER_FORMATS, 'json')
  const targets = renderTargets(ctx, request, format)
  const engine =
    format === 'json' &&
    (targets.some((t) => isExpression(t.expression)) ||
      request.params.has('maxDataPoints') ||
      request.params.has('noNullPoints'))
  if (engine && targets.length > 0) return renderWithFunctions(ctx, request, targets, signal)
  const series: RenderJob['series'] = []
  for (const target of targets) {
    const glob = target.name ?? target.expression
    // Tagged series, and function calls in other formats than JSON: no function engine there.
    if (glob.includes('(')) continue
    for (const match of await expand(ctx, glob, signal)) {
      if (!match.isLeaf) continue
      const file = leafFile(ctx.dataDir, match.path)
      if (file === undefined) continue
      const request = {
        name: match.path,
        file,
        pathExpression: target.expression,
        from: target.from,
        until: target.until,
        now: target.now,
      }
      // The cache's points now, with the series list: the files are read on a read thread.
      series.push({ request, cached: ctx.cacheQuery(match.path) })
      if (series.length > ctx.limits.maxSeries)
        throw new HttpError(400, `more than ${ctx.limits.maxSeries} series in one request`)
    }
  }
  const job: RenderJob = { kind: 'render', format, maxPoints: ctx.limits.maxPoints, series }
  return ok(await ctx.reads.run(job, signal))
}

/** Rounds of expansion of paths met while evaluating (aliasQuery inside applyByNode, ...). */
const MAX_EXPANSION_ROUNDS = 8

/**
 * Targets with function calls (and JSON asking for maxDataPoints or noNullPoints): their path
 * expressions expanded here as a plain target's glob is, with the cache's points; the files read,
 * the functions evaluated and the JSON written on a read thread, as a plain render's are.
 */
async function renderWithFunctions(
  ctx: ApiContext,
  request: ParsedRequest,
  targets: { expression: string; from: number; until: number; now: number }[],
  signal: AbortSignal,
  format: 'json' | 'csv' | 'raw' = 'json',
): Promise<Answer> {
  // No target: nothing is fetched, the window does not matter.
  const { from, until, now } = targets[0] ?? { from: 0, until: 0, now: 0 }
  const { job, paths } = expressionJob(request, {
    targets: targets.map((t) => t.expression),
    from,
    until,
    now,
    maxPoints: ctx.limits.maxPoints,
    format,
    tz: zoneOf(request),
  })
  let count = 0
  const expandInto = async (glob: string): Promise<void> => {
    const leaves = new Map<string, ExpressionLeaf>()
    for (const match of await expand(ctx, glob, signal)) {
      if (!match.isLeaf || leaves.has(match.path)) continue
      const file = leafFile(ctx.dataDir, match.path)
      if (file === undefined) continue
      leaves.set(match.path, { name: match.path, file, cached: ctx.cacheQuery(match.path) })
      if (++count > ctx.limits.maxSeries)
        throw new HttpError(400, `more than ${ctx.limits.maxSeries} series in one request`)
    }
    job.leaves.set(
      glob,
      [...leaves.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    )
  }
  for (const glob of paths) await expandInto(glob)
  // Paths met only while evaluating (aliasQuery, applyByNode): expanded and evaluated again, each
  // round adding at least one path; a nesting of such calls takes one round per level.
  for (let round = 0; ; round++) {
    const answer = await ctx.reads.run(job, signal)
    if (answer.contentType !== NEED_PATHS) return ok(answer)
    const more = (JSON.parse(String(answer.body)) as string[]).filter((glob) => !job.leaves.has(glob))
    if (more.length === 0 || round >= MAX_EXPANSION_ROUNDS)
      throw new HttpError(400, 'the expression keeps naming new series (too deeply nested)')
    for (const glob of more) await expandInto(glob)
  }
}

export async function info(ctx: ApiContext, request: ParsedRequest, signal: AbortSignal): Promise<Answer> {
  const format = formatOf(request, ['json', 'carbonapi_v2_pb'] as const, 'json')
  const target = first(request, 'target')
  if (target === undefined || target === '') throw new HttpError(400, "missing required parameter 'target'")
  const leaf = (await expand(ctx, target, signal)).find((m) => m.isLeaf)
  const file = leaf && leafFile(ctx.dataDir, leaf.path)
  let header
  try {
    header = file === undefined ? undefined : readInfo(file)
  } catch {
    header = undefined
  }
  if (header === undefined) {
    if (format === 'json') return json({})
    return ok({ contentType: CONTENT_TYPES.v2, body: encodeMessage('v2', 'InfoResponse', {}) })
  }
  const value = {
    name: leaf!.path,
    aggregationMethod: header.aggregationMethod,
    maxRetention: header.maxRetention,
    xFilesFactor: header.xFilesFactor,
    retentions: header.archives.map((a) => ({
      secondsPerPoint: a.secondsPerPoint,
      numberOfPoints: a.points,
    })),
  }
  if (format === 'json') return json(value)
  return ok({ contentType: CONTENT_TYPES.v2, body: encodeMessage('v2', 'InfoResponse', value) })
}

export async function metricList(
  ctx: ApiContext,
  request: ParsedRequest,
  signal: AbortSignal,
): Promise<Answer> {
  const format = formatOf(request, ['json', 'carbonapi_v3_pb', 'carbonapi_v2_pb'] as const, 'json')
  const metrics = await ctx.index.allMetrics(signal)
  if (format === 'json') return json({ Metrics: metrics })
  return ok({
    contentType: format === 'carbonapi_v3_pb' ? CONTENT_TYPES.v3 : CONTENT_TYPES.v2,
    body:
      format === 'carbonapi_v3_pb'
        ? encodeMessage('v3', 'ListMetricsResponse', { Metrics: metrics })
        : encodeMessage('v2', 'ListMetricsResponse', { metrics }),
  })
}

export async function metricIndex(
  ctx: ApiContext,
  _request: ParsedRequest,
  signal: AbortSignal,
): Promise<Answer> {
  return json(await ctx.index.allMetrics(signal))
}

export function capabilities(ctx: ApiContext, request: ParsedRequest): Answer {
  const value = {
    supportedProtocols: [
      'carbonapi_v3_pb',
      'carbonapi_v2_pb',
      'graphite-web-pickle',
      'graphite-web-pickle-1.1',
    ],
    name: ctx.hostname,
    highPrecisionTimestamps: false,
    supportFilteringFunctions: false,
    likeSplittedRequests: true,
    supportStreaming: false,
  }
  if (first(request, 'format') === 'json' && !wantsV3(request)) return json(value)
  return ok({ contentType: CONTENT_TYPES.v3, body: encodeMessage('v3', 'CapabilityResponse', value) })
}
