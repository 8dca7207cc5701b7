// A deep integrity check of one whisper file: everything whisper's header check covers, the archive
// layout against the file's length, and every slot of every archive. find-corrupt-whisper-files reads
// only the header, so it misses truncated data, garbage data and shifted rings; this does not.

import fs from 'node:fs'
import { CorruptFileError, fromSystemError } from '../errors.js'
import type { ArchiveInfo, Header } from './codec.js'
import { decodePointTimestamp, decodePointValue } from './codec.js'
import { readHeader } from './file.js'
import { POINT_SIZE, headerSizeFor, mod } from './format.js'
import { plural } from '../format/plural.js'

export const Severity = { CORRUPT: 'corrupt', WARNING: 'warning' } as const
export type Severity = (typeof Severity)[keyof typeof Severity]

export interface Problem {
  severity: Severity
  /** A stable name: header, layout, misaligned, misplaced, orphaned, future, trailing, unreadable. */
  kind: string
  message: string
}

export interface CheckStats {
  /** Slots holding a point. */
  points: number
  nan: number
  infinite: number
  misaligned: number
  misplaced: number
  future: number
}

export interface CheckResult {
  path: string
  /** False when any problem is corrupt. */
  ok: boolean
  sizeBytes: number
  problems: Problem[]
  stats: CheckStats
}

export interface CheckOptions {
  now?: number
}

const CHUNK_POINTS = 5461

function layoutProblems(header: Header, sizeBytes: number): Problem[] {
  const problems: Problem[] = []
  const corrupt = (kind: string, message: string): void =>
    void problems.push({ severity: 'corrupt', kind, message })
  const { archives } = header
  let expectedOffset = headerSizeFor(archives.length)
  archives.forEach((archive, i) => {
    if (archive.offset !== expectedOffset) {
      corrupt('layout', `archive ${i} starts at byte ${archive.offset}, expected ${expectedOffset}`)
    }
    expectedOffset = archive.offset + archive.size
    const next = archives[i + 1]
    if (!next) return
    if (!(next.secondsPerPoint > archive.secondsPerPoint)) {
      corrupt(
        'layout',
        `archive ${i + 1} (${next.secondsPerPoint}s) is not coarser than archive ${i} (${archive.secondsPerPoint}s)`,
      )
    } else if (next.secondsPerPoint % archive.secondsPerPoint !== 0) {
      corrupt(
        'layout',
        `archive ${i} (${archive.secondsPerPoint}s) does not divide archive ${i + 1} (${next.secondsPerPoint}s)`,
      )
    }
    if (!(next.retention > archive.retention)) {
      corrupt(
        'layout',
        `archive ${i + 1} retains ${next.retention}s, not more than archive ${i} (${archive.retention}s)`,
      )
    }
  })
  const maxRetention = Math.max(...archives.map((a) => a.retention))
  if (header.maxRetention !== maxRetention) {
    corrupt('layout', `maxRetention is ${header.maxRetention}, the archives retain ${maxRetention}`)
  }
  if (sizeBytes > expectedOffset) {
    problems.push({
      severity: 'warning',
      kind: 'trailing',
      message: `${sizeBytes - expectedOffset} bytes after the last archive`,
    })
  }
  return problems
}

function scanArchive(
  fd: number,
  path: string,
  archive: ArchiveInfo,
  index: number,
  now: number,
  stats: CheckStats,
  problems: Problem[],
): void {
  const { secondsPerPoint: step, points } = archive
  const buffer = Buffer.allocUnsafe(Math.min(points, CHUNK_POINTS) * POINT_SIZE)
  let base = 0
  let orphans = 0
  let firstMisaligned: number | undefined
  let firstMisplaced: number | undefined
  let firstFuture: number | undefined
  for (let first = 0; first < points; first += CHUNK_POINTS) {
    const count = Math.min(CHUNK_POINTS, points - first)
    const bytes = buffer.subarray(0, count * POINT_SIZE)
    let done = 0
    while (done < bytes.byteLength) {
      const n = fs.readSync(
        fd,
        bytes,
        done,
        bytes.byteLength - done,
        archive.offset + first * POINT_SIZE + done,
      )
      if (n === 0) throw new CorruptFileError(path, `archive ${index} is truncated`)
      done += n
    }
    for (let i = 0; i < count; i++) {
      const slot = first + i
      const timestamp = decodePointTimestamp(bytes, i * POINT_SIZE)
      if (slot === 0) base = timestamp
      if (timestamp === 0) continue
      stats.points++
      const value = decodePointValue(bytes, i * POINT_SIZE)
      if (Number.isNaN(value)) stats.nan++
      else if (!Number.isFinite(value)) stats.infinite++
      if (timestamp % step !== 0) {
        stats.misaligned++
        firstMisaligned ??= slot
        continue
      }
      if (base === 0) {
        orphans++
        continue
      }
      if (mod((timestamp - base) / step, points) !== slot) {
        stats.misplaced++
        firstMisplaced ??= slot
      }
      if (timestamp > now + step) {
        stats.future++
        firstFuture ??= timestamp
      }
    }
  }
  if (firstMisaligned !== undefined) {
    problems.push({
      severity: 'corrupt',
      kind: 'misaligned',
      message: `archive ${index} has timestamps not aligned to its ${step}s step (first in slot ${firstMisaligned})`,
    })
  }
  if (orphans > 0) {
    problems.push({
      severity: 'corrupt',
      kind: 'orphaned',
      message: `archive ${index} has an empty slot 0 but ${plural(orphans, 'point')} whisper cannot read`,
    })
  }
  if (firstMisplaced !== undefined) {
    problems.push({
      severity: 'corrupt',
      kind: 'misplaced',
      message: `archive ${index} has points in slots that do not match their timestamps (first in slot ${firstMisplaced})`,
    })
  }
  if (firstFuture !== undefined) {
    problems.push({
      severity: 'warning',
      kind: 'future',
      message: `archive ${index} has points in the future (first at ${firstFuture})`,
    })
  }
}

/**
 * Check one file. Never throws for what the file contains: every problem is in the result, and a file
 * that cannot be opened (missing, a directory, unreadable) is reported as unreadable.
 */
export function checkFile(path: string, options: CheckOptions = {}): CheckResult {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const stats: CheckStats = { points: 0, nan: 0, infinite: 0, misaligned: 0, misplaced: 0, future: 0 }
  const problems: Problem[] = []
  let sizeBytes = 0
  let fd: number | undefined
  try {
    fd = fs.openSync(path, 'r')
    const stat = fs.fstatSync(fd)
    if (stat.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' })
    sizeBytes = stat.size
    if (sizeBytes === 0) {
      problems.push({ severity: 'corrupt', kind: 'header', message: 'the file is empty (0 bytes)' })
    } else {
      const { header } = readHeader(fd, path, sizeBytes)
      problems.push(...layoutProblems(header, sizeBytes))
      header.archives.forEach((archive, index) =>
        scanArchive(fd!, path, archive, index, now, stats, problems),
      )
    }
  } catch (error) {
    if (error instanceof CorruptFileError) {
      problems.push({ severity: 'corrupt', kind: 'header', message: error.reason })
    } else {
      const mapped = fromSystemError(error, path, false)
      if (mapped === error) throw error
      problems.push({
        severity: 'corrupt',
        kind: 'unreadable',
        message: (mapped as Error).message.replace(`${path}: `, ''),
      })
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
  return { path, ok: !problems.some((p) => p.severity === 'corrupt'), sizeBytes, problems, stats }
}

/** The one-line reason a file is bad: its first corrupt problem. */
export function checkReason(result: Pick<CheckResult, 'problems'>): string | undefined {
  return result.problems.find((p) => p.severity === 'corrupt')?.message
}
