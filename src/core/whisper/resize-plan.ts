// The pure part of a resize: from the old archives' windows to the new file's bytes and the count of
// what the new layout keeps, merges and loses. No clock and no file system: `now` and the windows
// come from resize.ts, which reads the old file and writes the new one.
//
// Each new archive is built from the finest old archive that has data for an interval at the same or
// a finer step: copied when the steps match, aggregated over the aligned bucket with the new method
// and xFilesFactor when the new step is coarser. Old data never goes into a finer new archive.

import { aggregate } from './aggregate.js'
import type { ArchiveInfo, Header } from './codec.js'
import { encodeHeader, encodePoint } from './codec.js'
import { POINT_SIZE, alignTimestamp, mod } from './format.js'
import type { ArchiveSpec } from './retention.js'

export interface ResizeArchiveReport {
  secondsPerPoint: number
  points: number
  /** Intervals copied from an old archive with the same step. */
  copied: number
  /** Intervals aggregated from a finer old archive. */
  aggregated: number
}

/**
 * Old points that no new archive holds, by cause: outside every new archive's window (too old for the
 * new retention, or in the future); coarser than every new archive whose window covers them (hourly
 * data where the new file keeps minutes only); or in the window of a new archive that could hold them
 * but whose roll-up of their bucket the xFilesFactor refused (too few old points in the bucket: sparse
 * data, which a lower xFilesFactor keeps).
 */
export interface LostPoints {
  points: number
  oldest?: number
  newest?: number
  byCause: { retention: number; resolution: number; xFilesFactor: number }
}

export interface OldWindow {
  archive: ArchiveInfo
  fromInterval: number
  values: Float64Array
  known: Uint8Array
  /** The indices of `known` that hold a point, ascending: old files are mostly empty. */
  knownIndices: number[]
}

interface NewArchive {
  spec: ArchiveSpec
  fromInterval: number
  values: Float64Array
  known: Uint8Array
  report: ResizeArchiveReport
}

/** Each old archive's window, read from its data extents only (a resized file is mostly hole). */
/** Fill one new archive from the old windows (finest first). */
function buildArchive(
  spec: ArchiveSpec,
  old: readonly OldWindow[],
  now: number,
  method: string,
  xFilesFactor: number,
): NewArchive {
  const [step, points] = spec
  const fromInterval = alignTimestamp(now, step) - (points - 1) * step
  const values = new Float64Array(points)
  const known = new Uint8Array(points)
  const report: ResizeArchiveReport = { secondsPerPoint: step, points, copied: 0, aggregated: 0 }
  const candidates = old.filter(
    (w) => w.archive.secondsPerPoint <= step && step % w.archive.secondsPerPoint === 0,
  )
  const xff = Math.fround(xFilesFactor)
  // Finest candidate first; each one visits only its stored points, bucket by bucket, and fills the
  // new intervals still empty: a 1y archive built from a mostly empty 7d one costs a few points' work.
  for (const w of candidates) {
    const oldStep = w.archive.secondsPerPoint
    const size = step / oldStep
    let bucket = -1
    let firstOld = 0
    let count = 0
    const scratch = new Float64Array(size)
    const offsets = new Int32Array(size)
    const finish = (): void => {
      if (bucket < 0 || count === 0) return
      if (size === 1) {
        values[bucket] = scratch[0]!
        known[bucket] = 1
        report.copied++
        return
      }
      if (!(count / size >= xff)) return
      let neighbors: (number | null)[] | undefined
      if (method === 'avg_zero') {
        neighbors = new Array<number | null>(size).fill(null)
        for (let k = 0; k < count; k++) neighbors[offsets[k]!] = scratch[k]!
      }
      values[bucket] = aggregate(method, scratch.subarray(0, count), neighbors)
      known[bucket] = 1
      report.aggregated++
    }
    // The indices ascend, so a bucket is recomputed only when a point passes its end.
    let b = Number.NaN
    let bucketEnd = -Infinity
    for (const index of w.knownIndices) {
      const t = w.fromInterval + index * oldStep
      if (t >= bucketEnd || t < bucketEnd - step) {
        b = Math.floor((t - fromInterval) / step)
        bucketEnd = fromInterval + (b + 1) * step
        finish()
        bucket = b < 0 || b >= points || known[b] === 1 ? -1 : b
        firstOld = (fromInterval + b * step - w.fromInterval) / oldStep
        count = 0
      }
      if (bucket < 0) continue
      scratch[count] = w.values[index]!
      offsets[count] = index - firstOld
      count++
    }
    finish()
  }
  return { spec, fromInterval, values, known, report }
}

/**
 * What becomes of each old point: kept (a new archive of its step holds it, or one of a finer step
 * holds the finer points it was rolled up from), merged (only a coarser new archive holds its
 * interval, as an aggregate: its own value is gone), or lost (no new archive holds anything for it).
 * A lost point in the window of a coarser new archive that could hold it was refused by the
 * xFilesFactor: buildArchive visits every old point of a candidate archive, so an empty bucket there
 * has no other cause; the causes are exact, not guesses.
 */
function countLost(
  old: readonly OldWindow[],
  built: readonly NewArchive[],
): { lost: LostPoints; merged: number } {
  const lost: LostPoints = { points: 0, byCause: { retention: 0, resolution: 0, xFilesFactor: 0 } }
  let merged = 0
  const indexOf = (a: NewArchive, t: number): number => {
    const step = a.spec[0]
    const index = (t - mod(t, step) - a.fromInterval) / step
    return index >= 0 && index < a.values.length ? index : -1
  }
  for (const w of old) {
    const oldStep = w.archive.secondsPerPoint
    const same = built.filter((a) => a.spec[0] === oldStep)
    const finer = built.filter((a) => a.spec[0] < oldStep && oldStep % a.spec[0] === 0)
    const coarser = built.filter((a) => a.spec[0] > oldStep && a.spec[0] % oldStep === 0)
    for (const i of w.knownIndices) {
      const t = w.fromInterval + i * oldStep
      const kept =
        same.some((a) => a.known[indexOf(a, t)] === 1) ||
        finer.some((a) => {
          for (let u = t; u < t + oldStep; u += a.spec[0]) if (a.known[indexOf(a, u)] === 1) return true
          return false
        })
      if (kept) continue
      let refused = false
      let held = false
      for (const a of coarser) {
        const index = indexOf(a, t)
        if (index < 0) continue
        if (a.known[index] === 1) {
          held = true
          break
        }
        refused = true
      }
      if (held) {
        merged++
        continue
      }
      lost.points++
      lost.oldest = Math.min(lost.oldest ?? t, t)
      lost.newest = Math.max(lost.newest ?? t, t)
      if (refused) lost.byCause.xFilesFactor++
      else if (built.some((a) => indexOf(a, t) >= 0)) lost.byCause.resolution++
      else lost.byCause.retention++
    }
  }
  return { lost, merged }
}

/** A new file as the regions that hold something; the rest of its `size` bytes are zeros. */
export interface EncodedFile {
  size: number
  regions: { position: number; bytes: Buffer }[]
}

/** The new file: header, then each ring with its oldest point in slot 0 (as whisper's first write puts it). */
function encodeFile(built: readonly NewArchive[], xFilesFactor: number, method: string): EncodedFile {
  const specs = built.map((a) => a.spec)
  const header = encodeHeader(specs, xFilesFactor, method)
  const regions = [{ position: 0, bytes: header }]
  let offset = header.byteLength
  for (const archive of built) {
    const [step, points] = archive.spec
    const first = archive.known.indexOf(1)
    if (first >= 0) {
      const last = archive.known.lastIndexOf(1)
      const bytes = Buffer.alloc((last - first + 1) * POINT_SIZE)
      for (let i = first; i <= last; i++) {
        if (archive.known[i] === 1) {
          encodePoint(bytes, (i - first) * POINT_SIZE, archive.fromInterval + i * step, archive.values[i]!)
        }
      }
      regions.push({ position: offset, bytes })
    }
    offset += points * POINT_SIZE
  }
  return { size: offset, regions }
}

/** Write the new file at `path` (created exclusively): holes between the regions, or every block allocated with fallocate. */
function sameHeader(
  header: Header,
  specs: readonly ArchiveSpec[],
  xFilesFactor: number,
  method: string,
): boolean {
  return (
    header.aggregationMethod === method &&
    header.xFilesFactor === Math.fround(xFilesFactor) &&
    header.archives.length === specs.length &&
    header.archives.every((a, i) => a.secondsPerPoint === specs[i]![0] && a.points === specs[i]![1])
  )
}

export interface ResizePlan {
  /** The new file's size and the regions that hold something. */
  encoded: EncodedFile
  /** Whether the new layout is the old one (same archives, xFilesFactor and method). */
  unchanged: boolean
  archives: ResizeArchiveReport[]
  lost: LostPoints
  merged: number
}

/**
 * The new file for `specs`, built from the old file's windows (any order), with what it keeps and
 * loses. Pure.
 */
export function planResize(
  header: Header,
  windows: readonly OldWindow[],
  specs: readonly ArchiveSpec[],
  now: number,
  method: string,
  xFilesFactor: number,
): ResizePlan {
  const finestFirst = [...windows].sort((a, b) => a.archive.secondsPerPoint - b.archive.secondsPerPoint)
  const built = specs.map((spec) => buildArchive(spec, finestFirst, now, method, xFilesFactor))
  return {
    encoded: encodeFile(built, xFilesFactor, method),
    unchanged: sameHeader(header, specs, xFilesFactor, method),
    archives: built.map((a) => a.report),
    ...countLost(windows, built),
  }
}
