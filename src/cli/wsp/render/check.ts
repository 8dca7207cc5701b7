import type { TreeRun } from '../../../core/tree/run.js'
import type { CheckResult } from '../../../core/whisper/check.js'
import { checkReason } from '../../../core/whisper/check.js'
import type { Context } from '../../shared/context.js'
import { plural } from '../../../core/format/plural.js'

export interface CheckView {
  run: TreeRun<CheckResult>
  /** What happened to corrupt files: deleted or moved. */
  disposed: Map<string, string>
}

/** One line per corrupt file with its reason, warnings after it, then a summary line. */
export function renderCheck(view: CheckView, ctx: Context): string {
  let out = ''
  let corrupt = 0
  let warned = 0
  for (const outcome of view.run.outcomes) {
    if (!outcome.ok) continue
    const result = outcome.result
    if (!result.ok) {
      corrupt++
      const disposal = view.disposed.get(result.path)
      out += `${result.path}: ${ctx.theme.error('corrupt')}: ${checkReason(result)}${disposal ? ` (${disposal})` : ''}\n`
    } else if (result.problems.length > 0) {
      warned++
      out += `${result.path}: ${ctx.theme.warning('warning')}: ${result.problems.map((p) => p.message).join('; ')}\n`
    }
  }
  const points = view.run.outcomes.reduce((sum, o) => sum + (o.ok ? o.result.stats.points : 0), 0)
  return (
    out +
    `checked ${plural(view.run.files.length, 'file')} (${plural(points, 'point')}): ${corrupt} corrupt, ${warned} with warnings\n`
  )
}
