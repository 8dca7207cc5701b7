// The part of a find or render that touches the files: leaf intervals (a header read, a stat), the
// series themselves (render.ts), and the encoding of the answer. The main thread expands the globs
// (the index is there) and takes the cache's points; this runs on a read thread (worker.ts) so that
// file I/O, decoding and formatting never hold up the receivers, or in-process when there is none.
// Jobs are plain data: they cross the thread boundary by structured clone.

import fs from 'node:fs'
import { InvalidArgumentError } from '../errors.js'
import { evaluateTargets, renderJson, timeSeriesOf } from '../functions/render.js'
import type { Context, TimeSeries } from '../functions/render.js'
import type { ExpressionJob } from './expressions.js'
import type { Encoded, FindFormat, FindMatch, RenderFormat, Series } from './formats.js'
import { CONTENT_TYPES, encodeFind, encodeRender } from './formats.js'
import type { CachedPoints, SeriesRequest } from './render.js'
import { readSeries } from './render.js'

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

export interface FindJob {
  kind: 'find'
  format: FindFormat
  /** Leaves in pickle, msgpack and json carry [now - maxRetention, mtime]. */
  withIntervals: boolean
  now: number
  answers: { query: string; matches: { path: string; isLeaf: boolean; file?: string }[] }[]
}

export interface RenderJob {
  kind: 'render'
  format: RenderFormat
  maxPoints: number
  series: { request: SeriesRequest; cached: CachedPoints }[]
}

export type ReadJob = FindJob | RenderJob | ExpressionJob

/**
 * Between two files: may throw (deadline, client gone) and, in-process, yields to the event loop.
 * A read thread passes a synchronous check.
 */
export type Tick = () => void | Promise<void>

/** maxRetention by file: read once (a header), kept while the file's inode is the same. */
export type RetentionCache = Map<string, { ino: number; maxRetention: number }>

const RETENTION_CACHE_ENTRIES = 1_000_000

/** [now - maxRetention, mtime] as graphite-web's whisper reader gives a leaf's intervals. */
function leafInterval(file: string, now: number, cache: RetentionCache): [number, number] | undefined {
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
    const start = now - maxRetention
    return [start, Math.max(stat.mtimeMs / 1000, start)]
  } catch {
    return undefined
  }
}

async function findAnswer(job: FindJob, tick: Tick, cache: RetentionCache): Promise<Encoded> {
  const answers = []
  for (const { query, matches: found } of job.answers) {
    const matches: FindMatch[] = []
    for (const m of found) {
      const interval =
        job.withIntervals && m.isLeaf && m.file !== undefined
          ? leafInterval(m.file, job.now, cache)
          : undefined
      matches.push({ path: m.path, isLeaf: m.isLeaf, interval })
      if (job.withIntervals && matches.length % 64 === 0) await tick()
    }
    // graphite-web sorts by the last component.
    matches.sort((a, b) => {
      const x = a.path.slice(a.path.lastIndexOf('.') + 1)
      const y = b.path.slice(b.path.lastIndexOf('.') + 1)
      return x < y ? -1 : x > y ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0
    })
    answers.push({ query, matches })
  }
  return encodeFind(job.format, answers)
}

async function renderAnswer(job: RenderJob, tick: Tick): Promise<Encoded> {
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
  return encodeRender(job.format, series)
}

/** graphite-web's JSON for the job's targets; `tick` runs between two files (deadline, client gone). */
async function expressionAnswer(job: ExpressionJob, tick: Tick): Promise<Encoded> {
  let points = 0
  const ctx: Context = {
    startTime: job.from,
    endTime: job.until,
    now: job.now,
    xFilesFactor: job.xFilesFactor,
    template: job.template,
    fetch: async (pathExpression, c): Promise<TimeSeries[]> => {
      // A path the main thread did not expand finds nothing, as graphite-web's fetchData finds
      // nothing that was not prefetched.
      const out: TimeSeries[] = []
      for (const leaf of job.leaves.get(pathExpression) ?? []) {
        await tick()
        const request = {
          name: leaf.name,
          file: leaf.file,
          pathExpression,
          from: c.startTime,
          until: c.endTime,
          now: c.now,
        }
        const one = readSeries(request, leaf.cached)
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
    const text = renderJson(series, { maxDataPoints: job.maxDataPoints, noNullPoints: job.noNullPoints })
    // Bytes, not a string: moved to the main thread, not copied there.
    return { contentType: CONTENT_TYPES.json, body: Buffer.from(text) }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new HttpError(400, error.message)
    throw error
  }
}

export function runReadJob(job: ReadJob, tick: Tick, cache: RetentionCache): Promise<Encoded> {
  if (job.kind === 'find') return findAnswer(job, tick, cache)
  if (job.kind === 'render') return renderAnswer(job, tick)
  return expressionAnswer(job, tick)
}
