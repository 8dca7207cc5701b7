// Shutdown dumps as an earlier carbonkit wrote them (src/core/daemon/dump.ts only reads them now):
// the tests write one to check that `carbon serve` replays it.

import fs from 'node:fs'
import path from 'node:path'
import type { MetricPoints } from '../../src/core/daemon/cache.js'
import { DUMP_MAGIC } from '../../src/core/daemon/dump.js'

/** Points from separate lists. */
export function metricPoints(timestamps: readonly number[], values: readonly number[]): MetricPoints {
  const pairs = new Float64Array(2 * timestamps.length)
  for (let i = 0; i < timestamps.length; i++) {
    pairs[2 * i] = timestamps[i]!
    pairs[2 * i + 1] = values[i]!
  }
  return { pairs, count: timestamps.length }
}

/** Write entries to `file` (its folder created) in the dump format. Returns the points written. */
export function writeDump(file: string, entries: Iterable<[string, MetricPoints]>): number {
  const parts: Buffer[] = [DUMP_MAGIC]
  let points = 0
  for (const [metric, p] of entries) {
    const name = Buffer.from(metric, 'utf8')
    const head = Buffer.alloc(8 + name.byteLength)
    head.writeUInt32BE(name.byteLength, 0)
    name.copy(head, 4)
    head.writeUInt32BE(p.count, 4 + name.byteLength)
    const body = Buffer.alloc(16 * p.count)
    for (let i = 0; i < 2 * p.count; i++) body.writeDoubleBE(p.pairs[i]!, 8 * i)
    parts.push(head, body)
    points += p.count
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, Buffer.concat(parts))
  return points
}
