// The shutdown dump: what could not be written before --shutdown-timeout, saved so that the next start
// replays it. Binary, exact (values may be infinities, names may hold any character):
//   Dump  = "CKDUMP1\n" Entry*
//   Entry = nameLength:u32 name:utf8 count:u32 (timestamp:f64 value:f64){count}      big-endian

import fs from 'node:fs'
import path from 'node:path'
import { CorruptFileError, fromSystemError } from '../errors.js'
import type { MetricPoints } from './cache.js'

const MAGIC = Buffer.from('CKDUMP1\n')
export const DUMP_FILE = 'carbonkit-cache.dump'

/** Write entries to `file` atomically (temporary name, fsync, rename). Returns the points written. */
export function writeDump(file: string, entries: Iterable<[string, MetricPoints]>): number {
  const parts: Buffer[] = [MAGIC]
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
    throw fromSystemError(error, file, true)
  }
  return points
}

/**
 * Read a dump.
 * @throws CorruptFileError when it is not one (or is cut short)
 */
export function readDump(file: string): [string, MetricPoints][] {
  const bytes = fs.readFileSync(file)
  if (bytes.subarray(0, MAGIC.byteLength).compare(MAGIC) !== 0)
    throw new CorruptFileError(file, 'not a carbonkit cache dump')
  const out: [string, MetricPoints][] = []
  let at = MAGIC.byteLength
  const need = (n: number): void => {
    if (at + n > bytes.byteLength) throw new CorruptFileError(file, `dump cut short at byte ${at}`)
  }
  while (at < bytes.byteLength) {
    need(4)
    const nameLength = bytes.readUInt32BE(at)
    need(8 + nameLength)
    const metric = bytes.toString('utf8', at + 4, at + 4 + nameLength)
    const count = bytes.readUInt32BE(at + 4 + nameLength)
    at += 8 + nameLength
    need(16 * count)
    const pairs = new Float64Array(2 * count)
    for (let i = 0; i < 2 * count; i++) pairs[i] = bytes.readDoubleBE(at + 8 * i)
    const points: MetricPoints = { pairs, count }
    at += 16 * count
    out.push([metric, points])
  }
  return out
}
