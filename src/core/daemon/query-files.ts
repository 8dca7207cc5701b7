// `carbon query` with a data directory: the cache holds only the points carbon has not written yet
// (a point sent a moment ago is usually on disk already), so each metric's whisper file is read too,
// after the cache answered. In that order nothing falls between the two: a point that had left the
// cache when it answered was written before the file is read.

import { CoreError } from '../errors.js'
import type { OnDisk, QueryResult } from '../protocol/query.js'
import { readLatestPoint } from '../whisper/latest.js'
import { metricFile } from './names.js'

/** The newest point on disk of each queried metric, added to the cache's answer (`onDisk`). */
export function addPointsOnDisk(
  result: QueryResult,
  options: { dataDir: string; tagHashFilenames: boolean; now: number },
): QueryResult {
  const metrics = result.metrics.map((m) => {
    const name = metricFile(m.metric, options.dataDir, options.tagHashFilenames)
    if (!name.ok) return { ...m, onDisk: { file: null, latest: null, error: name.reason } }
    try {
      const point = readLatestPoint(name.path, options.now)
      const onDisk: OnDisk = { file: name.path, latest: point && [point.timestamp, point.value] }
      return { ...m, onDisk }
    } catch (error) {
      if (!(error instanceof CoreError)) throw error
      const reason = error.code === 'ERR_NOT_FOUND' ? 'no such file' : error.message
      return { ...m, onDisk: { file: name.path, latest: null, error: reason } }
    }
  })
  return { schemaVersion: result.schemaVersion, server: result.server, dataDir: options.dataDir, metrics }
}
