import type { AuditEntry, AuditReport, FileState } from '../../../core/config/audit.js'
import { DRIFT_KINDS } from '../../../core/config/audit.js'
import { formatFloat32 } from '../../../core/format/float32.js'
import type { TreeRun } from '../../../core/tree/run.js'
import type { TaskResult } from '../../../core/tree/tasks.js'
import { formatArchiveList } from '../../../core/whisper/retention.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'

export interface AuditView {
  report: AuditReport
  applied?: TreeRun<TaskResult>
}

function state(s: FileState): string {
  return `${formatArchiveList(s.archives)} ${s.aggregationMethod} xff ${formatFloat32(s.xFilesFactor)}`
}

function rule(entry: AuditEntry): string {
  const schema = entry.schema!
  const aggregation = entry.aggregation!
  const at = (file: string | null, line: number | null): string => (file ? ` (${file}:${line})` : '')
  return `schema [${schema.section}]${at(schema.file, schema.line)}, aggregation ${aggregation.section ? `[${aggregation.section}]` : 'defaults'}${at(aggregation.file, aggregation.line)}`
}

function renderEntry(entry: AuditEntry, ctx: Context): string {
  if (entry.problem !== undefined)
    return `${entry.path}: ${ctx.theme.warning('not compared')}: ${entry.problem}\n`
  return (
    `${entry.path}: ${ctx.theme.warning(entry.drift.join(', '))} differ\n` +
    `  metric   ${entry.metric}\n  has      ${state(entry.actual!)}\n  expected ${state(entry.expected!)}\n  from     ${rule(entry)}\n`
  )
}

/** Per-file details for the files that differ, then the summary (and what --apply did). */
export function renderAudit(view: AuditView, ctx: Context): string {
  const { report, applied } = view
  const details = report.files
    .filter((f) => f.drift.length > 0 || f.problem !== undefined)
    .map((f) => renderEntry(f, ctx))
  const { summary } = report
  const rows: string[][] = [
    ['files', String(summary.files)],
    ['as configured', String(summary.clean)],
    ['differing', String(summary.drifted)],
    ...DRIFT_KINDS.map((k) => [`  ${k}`, String(summary.byKind[k])]),
    ['not compared', String(summary.unreadable)],
  ]
  if (applied) {
    rows.push(
      ['changed now', String(applied.outcomes.filter((o) => o.ok).length)],
      ['failed', String(applied.failed)],
    )
  }
  return (
    details.join('') + (details.length > 0 ? '\n' : '') + renderTable(ctx, ['audit', 'count'], rows) + '\n'
  )
}
