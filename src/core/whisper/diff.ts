// whisper's diff: compare two files with the same archives, archive by archive, each over the range
// its finer archives do not cover. Pure apart from reading the two files.

import { archiveFetch } from './fetch.js'
import { withWhisperFile } from './file.js'
import { checkSameArchives } from './merge.js'

export interface DiffPoint {
  timestamp: number
  a: number | null
  b: number | null
}

export interface ArchiveDiff {
  archive: number
  /** Points whose values differ (NaN always differs, as in Python). */
  differences: DiffPoint[]
  /** Points compared (both present with ignoreEmpty; either present otherwise). */
  total: number
}

export interface DiffResult {
  pathA: string
  pathB: string
  archives: ArchiveDiff[]
  /** True when any archive has a difference. */
  differ: boolean
}

export interface DiffOptions {
  /** Compare only points present in both files. */
  ignoreEmpty?: boolean
  /** End of the comparison (whisper: 0 or unset means now). */
  until?: number
  now?: number
}

/**
 * Compare two whisper files (whisper's diff).
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (unalike files)
 */
export function diff(pathA: string, pathB: string, options: DiffOptions = {}): DiffResult {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  return withWhisperFile(pathA, { write: false, lock: false }, (a) =>
    withWhisperFile(pathB, { write: false, lock: false }, (b) => {
      checkSameArchives(a, b, 'diffing')
      const archives = a.header.archives
        .map((archive, i) => ({ archive, i }))
        .sort((x, y) => x.archive.retention - y.archive.retention)
      let until = options.until ? options.until : now
      const result: ArchiveDiff[] = []
      archives.forEach(({ archive }, number) => {
        const start = now - archive.retention
        const ours = archiveFetch(a, archive, start, until)
        const theirs = archiveFetch(b, archive, start, until)
        const step = ours.timeInfo.step
        const differences: DiffPoint[] = []
        let total = 0
        for (let k = 0; k < ours.values.length; k++) {
          const x = ours.known[k] === 1 ? ours.values[k]! : null
          const y = theirs.known[k] === 1 ? theirs.values[k]! : null
          if (options.ignoreEmpty ? x === null || y === null : x === null && y === null) continue
          total++
          if (x !== y) differences.push({ timestamp: ours.timeInfo.fromInterval + k * step, a: x, b: y })
        }
        result.push({ archive: number, differences, total })
        until = Math.min(start, until)
      })
      return { pathA, pathB, archives: result, differ: result.some((r) => r.differences.length > 0) }
    }),
  )
}
