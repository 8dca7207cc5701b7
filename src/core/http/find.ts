// The answer of /metrics/find once the globs are expanded: nodes from the in-memory index, their
// intervals ([now - maxRetention, mtime], graphite-web's) from what the index keeps of each leaf.
// A leaf's facts are read from its file once (a stat and a header, on a read thread) and kept until
// the daemon writes the file again or the index is walked again, so a find of 1,000 leaves asked
// twice touches no file the second time. A leaf whose file has gone since the walk is listed with
// no interval (the render path skips it). Small answers are encoded here, in one short slice; big
// ones on a read thread.
//
// Small answers are also kept, exactly: an answer is reused only while the index names the same
// nodes (its generation: no metric added or removed, no walk that found other names since) and
// every leaf's facts are the ones it was made from (a leaf written since, or every leaf after a
// walk, is read again and its interval rewritten). The
// intervals' start moves with `now` (whole seconds, as render's): the bytes last sent are sent again
// while the second and every leaf's facts are the same; in the next second a kept pickle has its
// floats rewritten in a copy, json and msgpack are encoded again from the kept sorted nodes. Unlike
// go-carbon's find cache (5 minutes, whatever happened meanwhile), a kept answer is never stale.

import type { Encoded, FindAnswer, FindFormat, FindMatch } from './formats.js'
import { encodeFind, findPickle, CONTENT_TYPES } from './formats.js'
import type { FoundNode, IndexNode, LeafStat, MetricIndex } from './index.js'
import { leafFile } from './index.js'
import type { ReadPool } from './pool.js'
import { sortMatches } from './reads.js'

/** Answers with at most this many nodes are sorted and encoded on the main thread (< 1 ms). */
const INLINE_NODES = 2_000
/** Bytes of encoded answers kept (the oldest used go first). */
const CACHE_BYTES = 32 << 20

export interface FindContext {
  index: MetricIndex
  dataDir: string
  reads: ReadPool
}

/** One kept answer. */
interface Kept {
  generation: number
  format: FindFormat
  withIntervals: boolean
  /** Each glob's nodes in the answer's order. */
  answers: { query: string; found: FoundNode[] }[]
  /** The leaves with an interval, in the answer's order, and the facts each was made from. */
  leaves: IndexNode[]
  stats: LeafStat[]
  /** The encoded answer (pickle: with the intervals of the `now` it was made at). */
  encoded?: Encoded
  /** Pickle: where each leaf's interval start is (findPickle's slots). */
  slots?: Int32Array
  /** index.writes when every leaf's facts were last seen to be the ones in `stats`. */
  writes: number
  /** The answer last made, for the second `now` and the leaves' facts in `stats`. */
  last?: { now: number; encoded: Encoded }
  bytes: number
  /** Its leaves' facts are being read again in the background (relearn). */
  relearning?: boolean
}

interface Cache {
  generation: number
  bytes: number
  kept: Map<string, Kept>
  /** The answer last moved to the end of `kept` (asked again, it is already there). */
  newest?: Kept
}

const caches = new WeakMap<MetricIndex, Cache>()

function cacheOf(index: MetricIndex): Cache {
  let cache = caches.get(index)
  if (cache === undefined) {
    cache = { generation: index.generation, bytes: 0, kept: new Map() }
    caches.set(index, cache)
  }
  if (cache.generation !== index.generation) {
    cache.kept.clear()
    cache.bytes = 0
    cache.generation = index.generation
  }
  return cache
}

/** What identifies a find's answer, whatever the time: its format, globs and leavesOnly. */
export function findKey(format: FindFormat, leavesOnly: boolean, queries: readonly string[]): string {
  return `${format}${leavesOnly ? '!' : ' '}${queries.length === 1 ? queries[0]! : JSON.stringify(queries)}`
}

/**
 * Read the facts of the leaves the index does not know yet, on a read thread, and keep them; the
 * facts read, for this answer.
 */
async function learnLeaves(
  ctx: FindContext,
  found: Iterable<FoundNode>,
  learned: Map<IndexNode, LeafStat>,
  signal: AbortSignal,
): Promise<void> {
  const unknown: IndexNode[] = []
  const files: string[] = []
  for (const m of found) {
    if (!m.isLeaf || m.node === undefined || m.node.stat !== undefined) continue
    const file = leafFile(ctx.dataDir, m.path)
    if (file === undefined) continue
    unknown.push(m.node)
    files.push(file)
  }
  if (files.length === 0) return
  const writes = ctx.index.writes
  const { body } = await ctx.reads.run({ kind: 'stat', files }, signal)
  const bytes = body as Uint8Array
  const facts = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
  // A file written while it was read: its facts may predate the write, so they are not kept.
  const keep = ctx.index.writes === writes
  for (let i = 0; i < unknown.length; i++) {
    const maxRetention = facts[2 * i]!
    if (Number.isNaN(maxRetention)) continue
    const stat = { maxRetention, mtime: facts[2 * i + 1]! }
    learned.set(unknown[i]!, stat)
    if (keep) unknown[i]!.stat = stat
  }
}

function matchOf(m: FoundNode, withIntervals: boolean, now: number, stat: LeafStat | undefined): FindMatch {
  if (!withIntervals || !m.isLeaf || m.node === undefined) return { path: m.path, isLeaf: m.isLeaf }
  if (stat === undefined) return { path: m.path, isLeaf: true }
  const start = now - stat.maxRetention
  return { path: m.path, isLeaf: true, interval: [start, Math.max(stat.mtime, start)] }
}

function bytesOf(encoded: Encoded): number {
  return typeof encoded.body === 'string' ? 2 * encoded.body.length : encoded.body.byteLength
}

/** The kept answer for `now` (whole seconds): the bytes last made again when they still hold. */
function encodeKept(cache: Cache, kept: Kept, now: number): Encoded {
  if (kept.encoded !== undefined && kept.slots === undefined) return kept.encoded
  if (kept.last?.now === now) return kept.last.encoded
  const encoded = encodeAt(kept, now)
  cache.bytes += bytesOf(encoded) - (kept.last ? bytesOf(kept.last.encoded) : 0)
  kept.bytes += bytesOf(encoded) - (kept.last ? bytesOf(kept.last.encoded) : 0)
  kept.last = { now, encoded }
  return encoded
}

function encodeAt(kept: Kept, now: number): Encoded {
  if (kept.encoded !== undefined && kept.slots !== undefined) {
    // A copy with its intervals rewritten (the kept bytes stay as they are: they may still be in a
    // socket's queue).
    const source = kept.encoded.body as Uint8Array
    const body = Buffer.allocUnsafe(source.byteLength)
    body.set(source)
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
    for (let i = 0; i < kept.slots.length; i++) {
      const stat = kept.stats[i]!
      const start = now - stat.maxRetention
      view.setFloat64(kept.slots[i]!, start)
      view.setFloat64(kept.slots[i]! + 9, Math.max(stat.mtime, start))
    }
    return { contentType: kept.encoded.contentType, body }
  }
  let i = 0
  return encodeFind(
    kept.format,
    kept.answers.map(({ query, found }) => ({
      query,
      matches: found.map((m) =>
        matchOf(m, kept.withIntervals, now, m.isLeaf && m.node !== undefined ? kept.stats[i++] : undefined),
      ),
    })),
  )
}

/** The bytes last made for a kept answer no longer hold (a leaf's facts changed). */
function forgetLast(cache: Cache, kept: Kept): void {
  if (kept.last === undefined) return
  cache.bytes -= bytesOf(kept.last.encoded)
  kept.bytes -= bytesOf(kept.last.encoded)
  kept.last = undefined
}

/**
 * Whether every leaf of a kept answer has facts in memory: those learned since it was made are
 * taken in; false when one must be read again (written by the daemon since).
 */
function leavesKnown(index: MetricIndex, cache: Cache, kept: Kept): boolean {
  // A leaf's facts change only when the daemon writes its file (index.writes) or are read again
  // after that: no write since the last look, nothing to look at.
  const writes = index.writes
  if (kept.writes === writes) return true
  let known = true
  for (let i = 0; i < kept.leaves.length; i++) {
    const stat = kept.leaves[i]!.stat
    if (stat === kept.stats[i]) continue
    if (stat === undefined) {
      // Not known now: the bytes last made (from kept.stats) still say what was known.
      known = false
      continue
    }
    forgetLast(cache, kept)
    kept.stats[i] = stat
  }
  if (known) kept.writes = writes
  return known
}

function keptOf(ctx: FindContext, key: string): { cache: Cache; kept: Kept } | undefined {
  const cache = cacheOf(ctx.index)
  const kept = cache.kept.get(key)
  if (kept === undefined) return undefined
  // Most recently used last: the oldest go first. A dashboard's refresh asks the same find several
  // times in a row: moved once (a delete and a set, 2.5% of the main thread's busy time under wrk).
  if (cache.newest !== kept) {
    cache.kept.delete(key)
    cache.kept.set(key, kept)
    cache.newest = kept
  }
  return { cache, kept }
}

/** Never aborted: a background read of facts is not any request's. */
const BACKGROUND = new AbortController().signal

/**
 * Read the facts of a kept answer's leaves again after a walk dropped them, for the requests that
 * come next; one whose file is gone meanwhile drops the answer (the next request makes it afresh).
 */
function relearn(ctx: FindContext, cache: Cache, key: string, kept: Kept): void {
  if (kept.relearning) return
  kept.relearning = true
  const writes = ctx.index.writes
  learnLeaves(
    ctx,
    kept.answers.flatMap((a) => a.found),
    new Map(),
    BACKGROUND,
  ).then(
    () => {
      kept.relearning = false
      // Written meanwhile: the facts were not kept, and the next request reads them itself.
      if (ctx.index.writes !== writes || cache.kept.get(key) !== kept) return
      if (kept.leaves.some((node) => node.stat === undefined)) {
        cache.kept.delete(key)
        cache.bytes -= kept.bytes
      }
    },
    () => (kept.relearning = false),
  )
}

/**
 * The kept answer of `key` for `now` (whole seconds) when it holds without reading a file: the
 * server answers it at once, before setting up a request's deadline and the like.
 *
 * A walk that found the same names drops every leaf's facts, to read them again (a file another
 * process wrote). Until they are read (on a read thread, niced: up to hundreds of milliseconds when
 * the CPUs are busy, a stall of every client of a dashboard's find, once a walk), the facts known
 * before the walk are sent, as they were up to the walk, and the leaves are read in the background
 * once. Only the walk's drop is bridged: a file the daemon wrote since is read before answering.
 */
export function keptFindNow(ctx: FindContext, key: string, now: number): Encoded | undefined {
  const found = keptOf(ctx, key)
  if (found === undefined) return undefined
  const { cache, kept } = found
  if (kept.withIntervals && !leavesKnown(ctx.index, cache, kept)) {
    if (ctx.index.writes !== ctx.index.walkedWrites) return undefined
    relearn(ctx, cache, key, kept)
  }
  return encodeKept(cache, kept, now)
}

/**
 * The kept answer of `key`, made again for `now` (whole seconds), if it still holds: undefined
 * when none is kept, the index names other nodes since, or a leaf's file is gone.
 */
export async function keptFind(
  ctx: FindContext,
  key: string,
  now: number,
  signal: AbortSignal,
): Promise<Encoded | undefined> {
  const found = keptOf(ctx, key)
  if (found === undefined) return undefined
  const { cache, kept } = found
  if (kept.withIntervals && !leavesKnown(ctx.index, cache, kept)) {
    // Leaves written since (metricWritten): their facts are read again.
    const learned = new Map<IndexNode, LeafStat>()
    await learnLeaves(
      ctx,
      kept.answers.flatMap((a) => a.found),
      learned,
      signal,
    )
    if (cache.kept.get(key) !== kept || kept.generation !== ctx.index.generation) return undefined
    for (let i = 0; i < kept.leaves.length; i++) {
      const node = kept.leaves[i]!
      if (node.stat === kept.stats[i]) continue
      const stat = node.stat ?? learned.get(node)
      if (stat === undefined) {
        // Gone: the answer has one interval less; made again from the index.
        cache.kept.delete(key)
        cache.bytes -= kept.bytes
        return undefined
      }
      forgetLast(cache, kept)
      kept.stats[i] = stat
    }
  }
  return encodeKept(cache, kept, now)
}

export async function answerFind(
  ctx: FindContext,
  format: FindFormat,
  /** Leaves in pickle, msgpack and json carry [now - maxRetention, mtime]. */
  withIntervals: boolean,
  /** Whole seconds: the answer is sent again as it is within the same second. */
  now: number,
  expanded: readonly { query: string; found: readonly FoundNode[] }[],
  signal: AbortSignal,
  /** Keep the answer under this key (findKey), made from the index at `generation`. */
  keep?: { key: string; generation: number },
): Promise<Encoded> {
  const learned = new Map<IndexNode, LeafStat>()
  if (withIntervals) for (const { found } of expanded) await learnLeaves(ctx, found, learned, signal)
  let nodes = 0
  for (const { found } of expanded) nodes += found.length
  if (nodes > INLINE_NODES) {
    const answers: FindAnswer[] = expanded.map(({ query, found }) => ({
      query,
      matches: found.map((m) => matchOf(m, withIntervals, now, m.node?.stat ?? learned.get(m.node!))),
    }))
    return ctx.reads.run({ kind: 'find', format, answers }, signal)
  }
  const sorted = expanded.map(({ query, found }) => ({ query, found: sortMatches(found) }))
  const leaves: IndexNode[] = []
  const stats: LeafStat[] = []
  let complete = true
  const answers: FindAnswer[] = sorted.map(({ query, found }) => ({
    query,
    matches: found.map((m) => {
      const stat = withIntervals && m.isLeaf && m.node ? (m.node.stat ?? learned.get(m.node)) : undefined
      if (withIntervals && m.isLeaf && m.node !== undefined) {
        if (stat === undefined) complete = false
        else {
          leaves.push(m.node)
          stats.push(stat)
        }
      }
      return matchOf(m, withIntervals, now, stat)
    }),
  }))
  const slots: number[] | undefined = format === 'pickle' && withIntervals ? [] : undefined
  const encoded: Encoded =
    format === 'pickle'
      ? {
          contentType: CONTENT_TYPES.pickle,
          body: findPickle(
            answers.flatMap((a) => a.matches),
            slots,
          ),
        }
      : encodeFind(format, answers)
  // Kept when every leaf has its facts (one whose file is gone is looked for again next time) and
  // the index has not changed while the answer was made.
  if (keep !== undefined && complete && ctx.index.complete && keep.generation === ctx.index.generation) {
    const cache = cacheOf(ctx.index)
    const reencoded = format === 'json' || format === 'msgpack'
    // The answer made for `now` is also the one sent again within the same second (last).
    const bytes = (reencoded ? 0 : bytesOf(encoded)) + (withIntervals ? bytesOf(encoded) : 0) + 64 * nodes
    const kept: Kept = {
      generation: keep.generation,
      format,
      withIntervals,
      answers: sorted,
      leaves,
      stats,
      encoded: reencoded ? undefined : encoded,
      slots: slots && Int32Array.from(slots),
      last: withIntervals ? { now, encoded } : undefined,
      // Looked at on first use (a leaf may have been written while this answer was made).
      writes: -1,
      bytes,
    }
    const old = cache.kept.get(keep.key)
    if (old !== undefined) {
      cache.kept.delete(keep.key)
      cache.bytes -= old.bytes
    }
    cache.kept.set(keep.key, kept)
    cache.newest = kept
    cache.bytes += bytes
    for (const [key, oldest] of cache.kept) {
      if (cache.bytes <= CACHE_BYTES) break
      cache.kept.delete(key)
      cache.bytes -= oldest.bytes
    }
  }
  return encoded
}
