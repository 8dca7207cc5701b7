import type { TreeRun } from '../../../core/tree/run.js'
import type { FillResult } from '../../../core/whisper/fill.js'
import type { Context } from '../../shared/context.js'
import { renderTreeSummary } from './tree.js'

export interface FillView {
  run: TreeRun<FillResult>
  /** Destination files with no source file at the same relative path. */
  unmatched: string[]
}

function renderOne(result: FillResult): string {
  const parts = result.archives.map((a) => `archive ${a.archive}: ${a.filled} of ${a.gaps} gaps`)
  return `${result.destination}: filled ${result.filled} intervals from ${result.source} (${parts.join(', ')})\n`
}

export function renderFill(view: FillView, ctx: Context): string {
  const results = view.run.outcomes.flatMap((o) => (o.ok ? [o.result] : []))
  const lines =
    view.run.files.length === 1 ? results.map(renderOne) : results.filter((r) => r.filled > 0).map(renderOne)
  return (
    lines.join('') +
    view.unmatched.map((f) => `${f}: no source file, left alone\n`).join('') +
    renderTreeSummary(view.run, ctx, [
      ['filled', String(results.filter((r) => r.filled > 0).length)],
      ['intervals filled', String(results.reduce((sum, r) => sum + r.filled, 0))],
      ['no source', String(view.unmatched.length)],
    ])
  )
}
