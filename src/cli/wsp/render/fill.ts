import { formatRepr } from '../../../core/python/format.js'
import type { FillFileResult, FillReport } from '../../../core/tree/report.js'
import type { Context } from '../../shared/context.js'
import type { RunTiming } from '../../shared/tree.js'
import { renderTreeSummary } from './tree.js'

function renderOne(destination: string, result: FillFileResult): string {
  const parts = result.archives.map((a) => `archive ${a.archive}: ${a.filled} of ${a.gaps} gaps`)
  let out = `${destination}: filled ${result.filled} intervals from ${result.source} (${parts.join(', ')})\n`
  // The article's trap: the source has the points, the destination's xFilesFactor will not roll them up.
  if (result.refused > 0) {
    const which = result.archives
      .filter((a) => a.refused > 0)
      .map((a) => `archive ${a.archive}: ${a.refused}`)
    out +=
      `  ${result.refused} ${result.refused === 1 ? 'gap' : 'gaps'} left empty (${which.join(', ')}) because xFilesFactor` +
      ` ${formatRepr(result.xFilesFactor)} refuses roll-ups of sparse data; wsp set-xff ${destination} 0 first to fill them\n`
  }
  return out
}

export function renderFill(report: FillReport, ctx: Context, timing: RunTiming): string {
  const single = report.summary.files === 1
  const lines = report.files.flatMap(({ path, result }) =>
    result !== undefined && (single || result.filled > 0 || result.refused > 0)
      ? [renderOne(path, result)]
      : [],
  )
  const { filled, intervalsFilled, refused, unmatched } = report.summary
  return (
    lines.join('') +
    report.unmatched.map((f) => `${f}: no source file, left alone\n`).join('') +
    renderTreeSummary(report, ctx, timing, [
      ['filled', String(filled)],
      ['intervals filled', String(intervalsFilled)],
      ['refused by xFilesFactor', String(refused)],
      ['no source', String(unmatched)],
    ])
  )
}
