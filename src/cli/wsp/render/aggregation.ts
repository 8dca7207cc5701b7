import { formatRepr } from '../../../core/python/format.js'
import type { TreeRun } from '../../../core/tree/run.js'
import type { AggregationChange } from '../../../core/whisper/set-aggregation.js'
import type { Context } from '../../shared/context.js'
import { renderTreeSummary } from './tree.js'

export interface AggregationView {
  run: TreeRun<AggregationChange>
  /** What was asked: the method line, the xFilesFactor line, or both. */
  method: boolean
  xFilesFactor: boolean
  /** The xFilesFactor as given, for whisper's "(old -> new)" line. */
  requestedXff?: number
}

/** whisper-set-aggregation-method's and whisper-set-xfilesfactor's lines, one per file, then a summary for trees. */
export function renderAggregation(view: AggregationView, ctx: Context): string {
  let out = ''
  for (const outcome of view.run.outcomes) {
    if (!outcome.ok) continue
    const change = outcome.result
    if (view.method)
      out += `Updated aggregation method: ${change.path} (${change.old.aggregationMethod} -> ${change.new.aggregationMethod})\n`
    if (view.xFilesFactor) {
      out += `Updated xFilesFactor: ${change.path} (${formatRepr(change.old.xFilesFactor)} -> ${formatRepr(view.requestedXff ?? change.new.xFilesFactor)})\n`
    }
  }
  return out + renderTreeSummary(view.run, ctx, [])
}
