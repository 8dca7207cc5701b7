// The newest point a whisper file holds, as graphite-web would see it: the last stored value in the
// finest archive's window (now - retention, now]. `carbon query` shows it next to the cache, because
// a point carbon has written is no longer in the cache.

import { archiveFetch } from './fetch.js'
import { withWhisperFile } from './file.js'

export interface LatestPoint {
  timestamp: number
  value: number
}

/**
 * The newest stored point of the finest archive, or null when its window holds none.
 * @throws NotFoundError, CorruptFileError
 */
export function readLatestPoint(path: string, now: number): LatestPoint | null {
  return withWhisperFile(path, { write: false, lock: false }, (file) => {
    const archive = file.header.archives[0]!
    const columns = archiveFetch(file, archive, now - archive.retention, now)
    const { fromInterval, step } = columns.timeInfo
    for (let i = columns.known.length - 1; i >= 0; i--) {
      if (columns.known[i] === 1) return { timestamp: fromInterval + i * step, value: columns.values[i]! }
    }
    return null
  })
}
