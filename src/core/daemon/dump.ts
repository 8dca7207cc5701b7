// The shutdown dump: what could not be written before --shutdown-timeout, saved so that the next start
// replays it. Binary, exact (values may be infinities, names may hold any character):
//   Dump  = "CKDUMP1\n" Entry*
//   Entry = nameLength:u32 name:utf8 count:u32 (timestamp:f64 value:f64){count}      big-endian

import fs from 'node:fs'
import { CorruptFileError } from '../errors.js'
import type { MetricPoints } from './cache.js'

/** The first bytes of a dump (test/helpers/cache-dump.ts writes dumps for the tests). */
export const DUMP_MAGIC = Buffer.from('CKDUMP1\n')
export const DUMP_FILE = 'carbonkit-cache.dump'

/**
 * Read a dump.
 * @throws CorruptFileError when it is not one (or is cut short)
 */
export function readDump(file: string): [string, MetricPoints][] {
  const bytes = fs.readFileSync(file)
  if (bytes.subarray(0, DUMP_MAGIC.byteLength).compare(DUMP_MAGIC) !== 0)
    throw new CorruptFileError(file, 'not a carbonkit cache dump')
  const out: [string, MetricPoints][] = []
  let at = DUMP_MAGIC.byteLength
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
