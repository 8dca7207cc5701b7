// The legacy shutdown dump's writer, for tests of its one-time replay: carbonkit itself no longer
// writes one (the write-ahead log keeps what a stop leaves), it only reads one an earlier version left.

import fs from 'node:fs'
import path from 'node:path'
import type { MetricPoints } from '../../src/core/daemon/cache.js'
import { DUMP_MAGIC } from '../../src/core/daemon/legacy-dump.js'

/** Points from separate lists. */
export function metricPoints(timestamps: readonly number[], values: readonly number[]): MetricPoints {
  const pairs = new Float64Array(2 * timestamps.length)
  for (let i = 0; i < timestamps.length; i++) {
    pairs[2 * i] = timestamps[i]!
    pairs[2 * i + 1] = values[i]!
  }
  return { pairs, count: timestamps.length }
}

/** Write entries to `file` atomically (temporary name, fsync, rename). Returns the points written. */
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
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`)
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const fd = fs.openSync(temporary, 'w', 0o600)
    try {
      fs.writeSync(fd, Buffer.concat(parts))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
  return points
}
