// The part of a find or render that touches the files: leaf facts for intervals (a header read, a
// stat, once per leaf: the index keeps them), the series themselves (render.ts), and the encoding
// of big answers. The main thread expands the globs (the index is there) and takes the cache's
// points; this runs on a read thread (worker.ts) so that file I/O, decoding and formatting never
// hold up the receivers, or in-process when there is none. Jobs are plain data: they cross the
// thread boundary by structured clone.

import fs from 'node:fs'
import { InvalidArgumentError } from '../errors.js'
import { evaluateTargets, renderCsv, renderJsonBytes, renderRaw, timeSeriesOf } from '../functions/render.js'
import type { Context, TimeSeries } from '../functions/render.js'
import type { Alloc, Encoded, FindAnswer, FindFormat, RenderFormat, Series } from './formats.js'
import { CONTENT_TYPES, RenderPickleWriter, encodeFind, encodeRender } from './formats.js'
import type { CachedPoints, SeriesRequest } from './render.js'
import { readSeries, withSeriesSlots } from './render.js'

/** A request the node refuses with this status (400 unless said otherwise). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** A job stopped before its end: its deadline passed or its client went away. */
export class ReadStopped extends Error {}

/** A find's answer to sort (graphite-web's order) and encode: too big to encode in one slice. */
export interface FindJob {
  kind: 'find'
  format: FindFormat
  answers: FindAnswer[]
}

/**
 * [maxRetention, mtime] of each file (NaN, NaN when it cannot be read), as a Float64Array's bytes:
 * what the index keeps for a leaf's intervals.
 */
export interface StatJob {
  kind: 'stat'
  files: string[]
}

export interface RenderJob {
  kind: 'render'
  format: RenderFormat
  maxPoints: number
  series: { request: SeriesRequest; cached: CachedPoints }[]
}

/** A leaf a path expression names: read on the read thread, with the cache's points taken before. */
export interface ExpressionLeaf {
  name: string
  file: string
  cached: CachedPoints
}

/** A request's targets to evaluate; plain data (it crosses to a read thread by structured clone). */
export interface ExpressionJob {
  kind: 'expressions'
  targets: string[]
  from: number
  until: number
  now: number
  /** graphite-web's json (the default), csv or raw. */
  format: 'json' | 'csv' | 'raw'
  /** The request's time zone (csv's times), when a known one was given. */
  tz?: string
  xFilesFactor: number
  /** template[name]=value request parameters. */
  template: Map<string, string>
  maxDataPoints: number | undefined
  noNullPoints: boolean
  /** Values fetched in all (series × points, every window a function asks counted). */
  maxPoints: number
  /** Each path expression of the targets: its leaves, sorted by name. */
  leaves: Map<string, ExpressionLeaf[]>
}

export type ReadJob = FindJob | RenderJob | StatJob | ExpressionJob

/**
 * Between two files: may throw (deadline, client gone) and, in-process, yields to the event loop.
 * A read thread passes a synchronous check.
 */
export type Tick = () => void | Promise<void>

/** maxRetention by file: read once (a header), kept while the file's inode is the same. */
export type RetentionCache = Map<string, { ino: number; maxRetention: number }>

const RETENTION_CACHE_ENTRIES = 1_000_000

/** maxRetention and mtime (epoch seconds) of a whisper file; undefined if it cannot be read. */
function leafStat(file: string, cache: RetentionCache): [number, number] | undefined {
  try {
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    if (stat === undefined) return undefined
    let maxRetention = cache.get(file)?.ino === stat.ino ? cache.get(file)!.maxRetention : undefined
    if (maxRetention === undefined) {
      const fd = fs.openSync(file, 'r')
      try {
        const head = Buffer.alloc(8)
        if (fs.readSync(fd, head, 0, 8, 0) < 8) return undefined
        maxRetention = head.readUInt32BE(4)
      } finally {
        fs.closeSync(fd)
      }
      if (cache.size >= RETENTION_CACHE_ENTRIES) cache.clear()
      cache.set(file, { ino: stat.ino, maxRetention })
    }
    return [maxRetention, stat.mtimeMs / 1000]
  } catch {
    return undefined
  }
}

async function statAnswer(job: StatJob, tick: Tick, cache: RetentionCache): Promise<Encoded> {
  const out = new Float64Array(2 * job.files.length).fill(NaN)
  for (let i = 0; i < job.files.length; i++) {
    const stat = leafStat(job.files[i]!, cache)
    if (stat !== undefined) out.set(stat, 2 * i)
    if (i % 64 === 63) await tick()
  }
  return { contentType: '', body: new Uint8Array(out.buffer) }
}

/** a.slice(i) compared with b.slice(j), without the slices. */
function compareFrom(a: string, i: number, b: string, j: number): number {
  for (; i < a.length && j < b.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j)
    if (d !== 0) return d
  }
  return a.length - i - (b.length - j)
}

/** graphite-web's order: by the last component, then by path (stable: a branch before its leaf). */
export function sortMatches<T extends { path: string }>(matches: readonly T[]): T[] {
  // The last components compared as strings (V8 compares them natively), the path on a tie.
  const keyed = matches.map((m) => ({ m, last: m.path.slice(m.path.lastIndexOf('.') + 1) }))
  keyed.sort((a, b) => (a.last < b.last ? -1 : a.last > b.last ? 1 : compareFrom(a.m.path, 0, b.m.path, 0)))
  return keyed.map((k) => k.m)
}

async function findAnswer(job: FindJob): Promise<Encoded> {
  return encodeFind(
    job.format,
    job.answers.map((a) => ({ query: a.query, matches: sortMatches(a.matches) })),
  )
}

async function renderAnswer(job: RenderJob, tick: Tick, alloc?: Alloc): Promise<Encoded> {
  if (job.format === 'pickle') return renderPickleAnswer(job, tick, alloc)
  const series: Series[] = []
  let points = 0
  for (const { request, cached } of job.series) {
    const one = readSeries(request, cached)
    if (one === undefined) continue
    series.push(one)
    points += one.values.length
    if (points > job.maxPoints) throw new HttpError(400, `more than ${job.maxPoints} points in one response`)
    await tick()
  }
  return encodeRender(job.format, series, alloc)
}

/**
 * The pickle of a render written as the files are read: a series with no cached points has its
 * values copied from the file's bytes (whisper's big-endian doubles are pickle's BINFLOATs), with
 * no columns made for them; one with cached points is read in columns and merged (render.ts).
 */
async function renderPickleAnswer(job: RenderJob, tick: Tick, alloc?: Alloc): Promise<Encoded> {
  let hint = 64
  for (const { request } of job.series)
    hint += 256 + (request.name.length + request.pathExpression.length) * 3
  const out = new RenderPickleWriter(hint, alloc)
  let points = 0
  let left = job.series.length
  const counted = (count: number): void => {
    if (points === 0) out.reserve(9 * count * left)
    points += count
    if (points > job.maxPoints) throw new HttpError(400, `more than ${job.maxPoints} points in one response`)
  }
  for (const { request, cached } of job.series) {
    if (cached.length > 0) {
      const one = readSeries(request, cached)
      if (one !== undefined) {
        counted(one.values.length)
        out.add(one)
      }
    } else {
      withSeriesSlots(request, (one) => {
        counted(one.count)
        out.addSlots(request.name, request.pathExpression, one)
      })
    }
    left--
    await tick()
  }
  return { contentType: CONTENT_TYPES.pickle, body: out.finish() }
}

/**
 * The content type of an expression job's answer that is not an answer: its body is the JSON list of
 * path expressions the evaluation met that the main thread had not expanded.
 */
export const NEED_PATHS = 'application/x-carbonkit-need-paths'

/** graphite-web's JSON for the job's targets; `tick` runs between two files (deadline, client gone). */
async function expressionAnswer(job: ExpressionJob, tick: Tick): Promise<Encoded> {
  let points = 0
  const unexpanded = new Set<string>()
  const ctx: Context = {
    startTime: job.from,
    endTime: job.until,
    now: job.now,
    tz: job.tz,
    xFilesFactor: job.xFilesFactor,
    template: job.template,
    fetch: async (pathExpression, c, options): Promise<TimeSeries[]> => {
      // A path only known while evaluating (aliasQuery's, applyByNode's): the main thread has the
      // index, so it is asked for it (NEED_PATHS) and the job runs again with its leaves.
      const leaves = job.leaves.get(pathExpression)
      if (leaves === undefined) unexpanded.add(pathExpression)
      const out: TimeSeries[] = []
      for (const leaf of leaves ?? []) {
        await tick()
        const request = {
          name: leaf.name,
          file: leaf.file,
          pathExpression,
          from: c.startTime,
          until: c.endTime,
          now: c.now,
        }
        const one = readSeries(request, leaf.cached, options)
        if (one === undefined) continue
        points += one.values.length
        if (points > job.maxPoints)
          throw new HttpError(400, `more than ${job.maxPoints} points in one response`)
        out.push(timeSeriesOf({ ...one, xFilesFactor: c.xFilesFactor }))
      }
      return out
    },
  }
  try {
    const series = await evaluateTargets(ctx, job.targets)
    await tick()
    if (unexpanded.size > 0) return { contentType: NEED_PATHS, body: JSON.stringify([...unexpanded]) }
    if (job.format === 'csv') return { contentType: 'text/csv', body: Buffer.from(renderCsv(series, job.tz)) }
    if (job.format === 'raw') return { contentType: 'text/plain', body: Buffer.from(renderRaw(series)) }
    const body = renderJsonBytes(series, { maxDataPoints: job.maxDataPoints, noNullPoints: job.noNullPoints })
    // Bytes, not a string: moved to the main thread, not copied there.
    return { contentType: CONTENT_TYPES.json, body }
  } catch (error) {
    // The error may be the missing series' (aliasQuery: "no series found"): asked again with them.
    if (unexpanded.size > 0 && !(error instanceof ReadStopped))
      return { contentType: NEED_PATHS, body: JSON.stringify([...unexpanded]) }
    if (error instanceof InvalidArgumentError) throw new HttpError(400, error.message)
    throw error
  }
}

/** `alloc`: where a render's answer is written (a read thread's spare buffer), if anywhere. */
export function runReadJob(job: ReadJob, tick: Tick, cache: RetentionCache, alloc?: Alloc): Promise<Encoded> {
  if (job.kind === 'find') return findAnswer(job)
  if (job.kind === 'stat') return statAnswer(job, tick, cache)
  if (job.kind === 'render') return renderAnswer(job, tick, alloc)
  return expressionAnswer(job, tick)
}
