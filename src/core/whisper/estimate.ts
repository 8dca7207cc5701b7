// whisper-create --estimate: sizes for an archive list, without validating it (as whisper does). Pure.

import { POINT_SIZE, headerSizeFor } from './format.js'
import type { ArchiveSpec } from './retention.js'

export interface Estimate {
  archives: { index: number; secondsPerPoint: number; points: number }[]
  /** The file's size in bytes. */
  size: number
  /** The size rounded up to 4 KiB blocks. */
  diskSize: number
  /** Disk use for 1k, 5k, 10k, 50k, 100k and 500k metrics. */
  forMetrics: { metrics: number; bytes: number }[]
}

export function estimateSize(archiveList: readonly ArchiveSpec[]): Estimate {
  let totalPoints = 0
  for (const [, points] of archiveList) totalPoints += points
  const size = headerSizeFor(archiveList.length) + totalPoints * POINT_SIZE
  const diskSize = Math.ceil(size / 4096) * 4096
  return {
    archives: archiveList.map(([secondsPerPoint, points], index) => ({ index, secondsPerPoint, points })),
    size,
    diskSize,
    forMetrics: [1, 5, 10, 50, 100, 500].map((k) => ({ metrics: k * 1000, bytes: k * 1000 * diskSize })),
  }
}
