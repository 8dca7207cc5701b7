import type { TreeRun } from '../../../core/tree/run.js'
import type { FillResult } from '../../../core/whisper/fill.js'
import { formatRepr } from '../../../core/python/format.js'
import type { Context } from '../../shared/context.js'
import { renderTreeSummary } from './tree.js'

export interface FillView {
  run: TreeRun<FillResult>
  /** Destination files with no source file at the same relative path. */
  unmatched: string[]
}

function renderOne(result: FillResult): string {
  const parts = result.archives.map((a) => `archive ${a.archive}: ${a.filled} of ${a.gaps} gaps`)
  let out = `${result.destination}: filled ${result.filled} intervals from ${result.source} (${parts.join(', ')})\n`
  // The article's trap: the source has the points, the destination's xFilesFactor will not roll them up.
  if (result.refused > 0) {
    const which = result.archives
      .filter((a) => a.refused > 0)
      .map((a) => `archive ${a.archive}: ${a.refused}`)
    out +=
      `  ${result.refused} ${result.refused === 1 ? 'gap' : 'gaps'} left empty (${which.join(', ')}) because xFilesFactor` +
      ` ${formatRepr(result.xFilesFactor)} refuses roll-ups of sparse data; wsp set-xff ${result.destination} 0 first to fill them\n`
  }
  return out
}

export function renderFill(view: FillView, ctx: Context): string {
  const results = view.run.outcomes.flatMap((o) => (o.ok ? [o.result] : []))
  const lines =
    view.run.files.length === 1
      ? results.map(renderOne)
      : results.filter((r) => r.filled > 0 || r.refused > 0).map(renderOne)
  return (
    lines.join('') +
    view.unmatched.map((f) => `${f}: no source file, left alone\n`).join('') +
    renderTreeSummary(view.run, ctx, [
      ['filled', String(results.filter((r) => r.filled > 0).length)],
      ['intervals filled', String(results.reduce((sum, r) => sum + r.filled, 0))],
      ['refused by xFilesFactor', String(results.reduce((sum, r) => sum + r.refused, 0))],
      ['no source', String(view.unmatched.length)],
    ])
  )
}
