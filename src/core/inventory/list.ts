// `wsp ls`: the metrics under a directory, with `long` their layout, sizes and last write.

import fs from 'node:fs'
import { CorruptFileError } from '../errors.js'
import { readInfo } from '../whisper/info.js'
import { walkMetrics } from './walk.js'

export interface ListedMetric {
  name: string
  path: string
  /** Present with `long`. */
  details?: MetricDetails
}

export interface MetricDetails {
  /** `secondsPerPoint:points` per archive, or null when the header cannot be read. */
  archives: { secondsPerPoint: number; points: number }[] | null
  /** Why the header could not be read. */
  error?: string
  apparentBytes: number
  /** Blocks on disk: less than apparentBytes for a sparse file. */
  allocatedBytes: number
  /** The file's mtime, epoch seconds. */
  lastWrite: number
}

export interface ListReport {
  schemaVersion: 1
  dir: string
  glob: string | null
  metrics: ListedMetric[]
}

/**
 * List the metrics under `dir` (matching `glob`).
 * @throws NotFoundError, InvalidArgumentError (not a directory, a bad glob)
 */
export function listMetrics(dir: string, options: { glob?: string; long?: boolean } = {}): ListReport {
  const metrics = walkMetrics(dir, options.glob).map((file): ListedMetric => {
    if (!options.long) return { name: file.name, path: file.path }
    return { name: file.name, path: file.path, details: detailsOf(file.path) }
  })
  return { schemaVersion: 1, dir, glob: options.glob ?? null, metrics }
}

function detailsOf(path: string): MetricDetails {
  const stat = fs.statSync(path)
  const sizes = {
    apparentBytes: stat.size,
    allocatedBytes: stat.blocks * 512,
    lastWrite: Math.floor(stat.mtimeMs / 1000),
  }
  try {
    const info = readInfo(path)
    return {
      archives: info.archives.map((a) => ({ secondsPerPoint: a.secondsPerPoint, points: a.points })),
      ...sizes,
    }
  } catch (error) {
    if (error instanceof CorruptFileError) return { archives: null, error: error.reason, ...sizes }
    throw error
  }
}
