// How resize and audit say what a change discards: how many points, when, and why, naming
// xFilesFactor when it is the cause (the article's trap: sparse data rolled up under 0.5).

import { formatRepr } from '../../../core/python/format.js'
import type { LostPoints } from '../../../core/whisper/resize-plan.js'

function points(n: number): string {
  return n === 1 ? '1 point' : `${n} points`
}

/**
 * `nothing lost`, or `N points lost (from to until): A outside ..., B ...`, and the points kept only
 * inside coarser aggregates (`M points merged into coarser aggregates`); `xffHint` says how to keep what the xFilesFactor refuses (a flag for
 * resize, the configuration for audit); `pending` words it for a change not made (yet).
 */
export function describeLoss(
  change: { lost: LostPoints; merged: number },
  xFilesFactor: number,
  xffHint: string,
  pending = false,
): string {
  const { lost, merged } = change
  const parts: string[] = []
  if (lost.points === 0 && merged === 0) return 'nothing lost'
  if (lost.points > 0) {
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
    parts.push(
      `${points(lost.points)} ${pending ? 'would be lost' : 'lost'} (${range}): ${causes.join(', ')}`,
    )
  }
  if (merged > 0) {
    parts.push(
      `${points(merged)} ${pending ? 'would be merged' : 'merged'} into coarser aggregates (their own values gone)`,
    )
  }
  return parts.join('; ')
}
