// The answer of /metrics/find once the globs are expanded: nodes from the in-memory index, their
// intervals ([now - maxRetention, mtime], graphite-web's) from what the index keeps of each leaf.
// A leaf's facts are read from its file once (a stat and a header, on a read thread) and kept until
// the daemon writes the file again or the index is walked again, so a find of 1,000 leaves asked
// twice touches no file the second time. A leaf whose file has gone since the walk is listed with
// no interval (the render path skips it). Small answers are encoded here, in one short slice; big
// ones on a read thread.

import type { Encoded, FindAnswer, FindFormat, FindMatch } from './formats.js'
import { encodeFind } from './formats.js'
import type { FoundNode, IndexNode, LeafStat, MetricIndex } from './index.js'
import { leafFile } from './index.js'
import type { ReadPool } from './pool.js'
import { sortMatches } from './reads.js'

/** Answers with at most this many nodes are sorted and encoded on the main thread (< 1 ms). */
const INLINE_NODES = 2_000

export interface FindContext {
  index: MetricIndex
  dataDir: string
  reads: ReadPool
}

/**
 * Read the facts of the leaves the index does not know yet, on a read thread, and keep them; the
 * facts read, for this answer.
 */
async function learnLeaves(
  ctx: FindContext,
  found: readonly FoundNode[],
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

export async function answerFind(
  ctx: FindContext,
  format: FindFormat,
  /** Leaves in pickle, msgpack and json carry [now - maxRetention, mtime]. */
  withIntervals: boolean,
  now: number,
  expanded: readonly { query: string; found: readonly FoundNode[] }[],
  signal: AbortSignal,
): Promise<Encoded> {
  const learned = new Map<IndexNode, LeafStat>()
  if (withIntervals) for (const { found } of expanded) await learnLeaves(ctx, found, learned, signal)
  let nodes = 0
  const answers: FindAnswer[] = expanded.map(({ query, found }) => {
    nodes += found.length
    return {
      query,
      matches: found.map((m): FindMatch => {
        if (!withIntervals || !m.isLeaf || m.node === undefined) return { path: m.path, isLeaf: m.isLeaf }
        const stat = m.node.stat ?? learned.get(m.node)
        if (stat === undefined) return { path: m.path, isLeaf: true }
        const start = now - stat.maxRetention
        return { path: m.path, isLeaf: true, interval: [start, Math.max(stat.mtime, start)] }
      }),
    }
  })
  if (nodes > INLINE_NODES) return ctx.reads.run({ kind: 'find', format, answers }, signal)
  return encodeFind(
    format,
    answers.map((a) => ({ query: a.query, matches: sortMatches(a.matches) })),
  )
}
