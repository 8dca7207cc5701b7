import type { TreeRun } from '../../../core/tree/run.js'
import type { ResizeResult } from '../../../core/whisper/resize.js'
import { formatArchiveList } from '../../../core/whisper/retention.js'
import { formatFloat32 } from '../../../core/format/float32.js'
import type { Context } from '../../shared/context.js'
import { describeLoss } from './loss.js'
import { renderTreeSummary } from './tree.js'

/** What keeps the points an xFilesFactor refuses (a lower one; 0 keeps any bucket with a point). */
const XFF_HINT = 'use --x-files-factor 0, or wsp set-xff first, to keep them'

function renderOne(r: ResizeResult, detailed: boolean): string {
  const verb = r.dryRun ? 'would resize' : r.refused ? 'not resized' : r.unchanged ? 'unchanged' : 'resized'
  let out =
    `${r.path}: ${verb} ${formatArchiveList(r.before.archives)} -> ${formatArchiveList(r.after.archives)}` +
    ` (${r.after.aggregationMethod}, xFilesFactor ${formatFloat32(r.after.xFilesFactor)}), ${describeLoss(r, r.after.xFilesFactor, XFF_HINT, r.dryRun || r.refused)}\n`
  if (!detailed) return out
  r.archives.forEach((a, i) => {
    out += `  archive ${i} (${a.secondsPerPoint}s x ${a.points}): ${a.copied} copied, ${a.aggregated} aggregated\n`
  })
  if (r.target !== r.path) out += `  written to ${r.target}\n`
  if (r.backup) out += `  backup: ${r.backup}\n`
  if (r.caughtUp > 0) out += `  ${r.caughtUp} points written meanwhile were copied over\n`
  out += `  size: ${r.before.sizeBytes} -> ${r.after.sizeBytes} bytes\n`
  return out
}

export function renderResize(run: TreeRun<ResizeResult>, ctx: Context): string {
  const results = run.outcomes.flatMap((o) => (o.ok ? [o.result] : []))
  const detailed = run.files.length === 1
  const lost = results.reduce((sum, r) => sum + r.lost.points, 0)
  const merged = results.reduce((sum, r) => sum + r.merged, 0)
  return (
    results.map((r) => renderOne(r, detailed)).join('') +
    renderTreeSummary(run, ctx, [
      [
        results.some((r) => r.dryRun) ? 'would change' : 'resized',
        String(results.filter((r) => !r.unchanged).length),
      ],
      ['unchanged', String(results.filter((r) => r.unchanged).length)],
      ['points lost', String(lost)],
      ['points merged', String(merged)],
    ])
  )
}
