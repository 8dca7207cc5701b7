import { plural } from '../../../core/format/plural.js'
import type { CheckFileResult, CheckReport } from '../../../core/tree/report.js'
import { checkReason } from '../../../core/whisper/check.js'
import type { Context } from '../../shared/context.js'

function disposal(result: CheckFileResult): string {
  if (result.deleted) return ' (deleted)'
  if (result.movedTo !== undefined) return ` (moved to ${result.movedTo})`
  return ''
}

/** One line per corrupt file with its reason, warnings after it, then a summary line. */
export function renderCheck(report: CheckReport, ctx: Context): string {
  let out = ''
  for (const file of report.files) {
    const result = file.result
    if (result === undefined) continue
    if (!file.ok) {
      out += `${file.path}: ${ctx.theme.error('corrupt')}: ${checkReason(result)}${disposal(result)}\n`
    } else if (result.problems.length > 0) {
      out += `${file.path}: ${ctx.theme.warning('warning')}: ${result.problems.map((p) => p.message).join('; ')}\n`
    }
  }
  const { files, points, corrupt, warned } = report.summary
  return (
    out +
    `checked ${plural(files, 'file')} (${plural(points, 'point')}): ${corrupt} corrupt, ${warned} with warnings\n`
  )
}
