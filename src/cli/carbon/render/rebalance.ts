// carbon rebalance's and carbon sync's output: the plan (one line per move, then the flows between
// nodes), or what was done (copied, verified, deleted, failed), as text or JSON.

import type { RebalanceResult } from '../../../core/cluster/rebalance.js'
import type { SyncResult } from '../../../core/cluster/sync.js'
import { plural } from '../../../core/format/plural.js'
import { formatBytes } from './bytes.js'

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

export function renderRebalance(result: RebalanceResult): string {
  const { plan } = result
  const lines: string[] = []
  if (result.dryRun) {
    for (const move of plan.moves)
      lines.push(
        `${move.metric}  ${move.from} -> ${move.to.join(', ')}  ${move.bytes} bytes${move.misplaced ? '' : '  (new replica)'}`,
      )
  }
  const moving = new Set(plan.moves.map((m) => m.metric)).size
  lines.push(
    `${plural(plan.metrics, 'metric')} on ${plural(plan.nodes.length, 'node')}: ${plan.placed} in place, ` +
      `${moving} to move, ${plan.unrouted.length} routed nowhere (left alone), ${plural(plan.selfMetrics, 'self-metric')}`,
  )
  for (const flow of plan.flows)
    lines.push(`  ${flow.from} -> ${flow.to}: ${plural(flow.metrics, 'metric')}, ${formatBytes(flow.bytes)}`)
  lines.push(
    `${plural(plan.moves.length, 'move')}: ${formatBytes(plan.copyBytes)} to copy; ` +
      `misplaced sources hold ${formatBytes(plan.misplacedBytes)}`,
  )
  if (result.dryRun) {
    lines.push(
      'dry run: nothing copied; without --dry-run the moves are made (--delete-source deletes verified sources)',
    )
    return lines.join('\n') + '\n'
  }
  if (result.resumedSteps > 0)
    lines.push(`resumed ${result.stateFile} (${plural(result.resumedSteps, 'step')} already done)`)
  lines.push(
    `${result.verified} of ${plural(plan.moves.length, 'move')} verified: ${plural(result.created, 'file')} created, ` +
      `${plural(result.filledPoints, 'point')} filled, ${formatBytes(result.bytesRead)} read in ${seconds(result.elapsedMs)}`,
  )
  const misplaced = plan.moves.filter((m) => m.misplaced).length
  lines.push(
    result.deleteSource
      ? `${result.deleted} of ${plural(misplaced, 'misplaced source')} deleted after verification`
      : `sources kept (${misplaced} misplaced); --delete-source deletes them once verified`,
  )
  if (result.droppedCachedPoints > 0)
    lines.push(
      `warning: the sources dropped ${plural(result.droppedCachedPoints, 'cached point')} on deletion`,
    )
  for (const f of result.failed)
    lines.push(`failed: ${f.metric} ${f.from} -> ${f.to.join(', ')}: ${f.reason}`)
  if (result.failed.length > 0)
    lines.push(
      `${plural(result.failed.length, 'move')} failed (nothing deleted for them); run again to retry`,
    )
  return lines.join('\n') + '\n'
}

export function renderRebalanceJson(result: RebalanceResult): string {
  return JSON.stringify({ schemaVersion: 1, ...result }, null, 2) + '\n'
}

export function renderSync(result: SyncResult): string {
  return (
    `${result.from} -> ${result.to}: ${plural(result.synced, 'metric')} of ${result.metrics}` +
    `${result.glob === null ? '' : ` matching ${result.glob}`}: ${plural(result.created, 'file')} created, ` +
    `${result.filledFiles} filled, ${plural(result.filledPoints, 'point')} written, ` +
    `${formatBytes(result.bytesRead)} read in ${seconds(result.elapsedMs)}` +
    `${result.vanished > 0 ? `; ${result.vanished} vanished while syncing` : ''}\n`
  )
}

export function renderSyncJson(result: SyncResult): string {
  return JSON.stringify({ schemaVersion: 1, ...result }, null, 2) + '\n'
}
