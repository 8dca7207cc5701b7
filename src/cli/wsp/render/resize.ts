import { formatFloat32 } from '../../../core/format/float32.js'
import type { ResizeFileResult, ResizeReport } from '../../../core/tree/report.js'
import { formatArchiveList } from '../../../core/whisper/retention.js'
import type { Context } from '../../shared/context.js'
import type { RunTiming } from '../../shared/tree.js'
import { describeLoss } from './loss.js'
import { renderTreeSummary } from './tree.js'

/** What keeps the points an xFilesFactor refuses (a lower one; 0 keeps any bucket with a point). */
const XFF_HINT = 'use --x-files-factor 0, or wsp set-xff first, to keep them'

function renderOne(path: string, r: ResizeFileResult, dryRun: boolean, detailed: boolean): string {
  const verb = dryRun ? 'would resize' : r.refused ? 'not resized' : r.unchanged ? 'unchanged' : 'resized'
  let out =
    `${path}: ${verb} ${formatArchiveList(r.before.archives)} -> ${formatArchiveList(r.after.archives)}` +
    ` (${r.after.aggregationMethod}, xFilesFactor ${formatFloat32(r.after.xFilesFactor)}), ${describeLoss(r, r.after.xFilesFactor, XFF_HINT, dryRun || r.refused)}\n`
  if (!detailed) return out
  r.archives.forEach((a, i) => {
    out += `  archive ${i} (${a.secondsPerPoint}s x ${a.points}): ${a.copied} copied, ${a.aggregated} aggregated\n`
  })
  if (r.newFile !== undefined) out += `  written to ${r.newFile}\n`
  if (r.backup) out += `  backup: ${r.backup}\n`
  if (r.caughtUp > 0) out += `  ${r.caughtUp} points written meanwhile were copied over\n`
  out += `  size: ${r.before.sizeBytes} -> ${r.after.sizeBytes} bytes\n`
  return out
}

export function renderResize(report: ResizeReport, ctx: Context, timing: RunTiming): string {
  const detailed = report.summary.files === 1
  const { changed, unchanged, pointsLost, pointsMerged } = report.summary
  return (
    report.files
      .flatMap(({ path, result }) =>
        result === undefined ? [] : [renderOne(path, result, report.dryRun, detailed)],
      )
      .join('') +
    renderTreeSummary(report, ctx, timing, [
      [report.dryRun ? 'would change' : 'resized', String(changed)],
      ['unchanged', String(unchanged)],
      ['points lost', String(pointsLost)],
      ['points merged', String(pointsMerged)],
    ])
  )
}
