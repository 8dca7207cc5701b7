import { formatRepr } from '../../../core/python/format.js'
import type { AggregationReport } from '../../../core/tree/report.js'
import type { Context } from '../../shared/context.js'
import type { RunTiming } from '../../shared/tree.js'
import { renderTreeSummary } from './tree.js'

export interface AggregationLines {
  /** What was asked: the method line, the xFilesFactor line, or both. */
  method: boolean
  xFilesFactor: boolean
  /** The xFilesFactor as given, for whisper's "(old -> new)" line. */
  requestedXff?: number
}

/** whisper-set-aggregation-method's and whisper-set-xfilesfactor's lines, one per file, then a summary for trees. */
export function renderAggregation(
  report: AggregationReport,
  ctx: Context,
  timing: RunTiming,
  lines: AggregationLines,
): string {
  let out = ''
  for (const { path, result: change } of report.files) {
    if (change === undefined) continue
    if (lines.method)
      out += `Updated aggregation method: ${path} (${change.old.aggregationMethod} -> ${change.new.aggregationMethod})\n`
    if (lines.xFilesFactor) {
      out += `Updated xFilesFactor: ${path} (${formatRepr(change.old.xFilesFactor)} -> ${formatRepr(lines.requestedXff ?? change.new.xFilesFactor)})\n`
    }
  }
  return out + renderTreeSummary(report, ctx, timing, [])
}
