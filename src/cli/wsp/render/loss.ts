// How resize and audit say what a change discards: how many points, when, and why, naming
// xFilesFactor when it is the cause (the article's trap: sparse data rolled up under 0.5).

import { formatRepr } from '../../../core/py-format.js'
import type { LostPoints } from '../../../core/whisper/resize.js'

function points(n: number): string {
  return n === 1 ? '1 point' : `${n} points`
}

/**
 * `nothing lost`, or `N points lost (from to until): A outside ..., B ...`; `xffHint` says how to
 * keep what the xFilesFactor refuses (a flag for resize, the configuration for audit).
 */
export function describeLoss(lost: LostPoints, xFilesFactor: number, xffHint: string): string {
  if (lost.points === 0) return 'nothing lost'
  const range = `${new Date(lost.oldest! * 1000).toISOString()} to ${new Date(lost.newest! * 1000).toISOString()}`
  const { retention, resolution, xFilesFactor: refused } = lost.byCause
  const causes: string[] = []
  if (retention > 0) causes.push(`${retention} outside the new archives' retention`)
  if (resolution > 0) causes.push(`${resolution} coarser than every new archive covering their time`)
  if (refused > 0) {
    causes.push(
      `${refused} because xFilesFactor ${formatRepr(xFilesFactor)} refuses roll-ups of sparse data (${xffHint})`,
    )
  }
  return `${points(lost.points)} lost (${range}): ${causes.join(', ')}`
}
