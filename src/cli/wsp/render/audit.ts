import type {
  AuditChange,
  AuditFile,
  AuditReport,
  AuditResult,
  FileState,
} from '../../../core/config/audit.js'
import { DRIFT_KINDS } from '../../../core/config/audit.js'
import { formatFloat32 } from '../../../core/format/float32.js'
import { formatArchiveList } from '../../../core/whisper/retention.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'
import { describeLoss } from './loss.js'

function state(s: FileState): string {
  return `${formatArchiveList(s.archives)} ${s.aggregationMethod} xff ${formatFloat32(s.xFilesFactor)}`
}

function rule(entry: AuditResult): string {
  const schema = entry.schema!
  const aggregation = entry.aggregation!
  const at = (file: string | null, line: number | null): string => (file ? ` (${file}:${line})` : '')
  return `schema [${schema.section}]${at(schema.file, schema.line)}, aggregation ${aggregation.section ? `[${aggregation.section}]` : 'defaults'}${at(aggregation.file, aggregation.line)}`
}

/** What keeps the points the xFilesFactor refuses: the rule that sets it. */
function xffHint(entry: AuditResult): string {
  const section = entry.aggregation?.section
  return section
    ? `a lower xFilesFactor in [${section}] of storage-aggregation.conf keeps them`
    : 'a rule with a lower xFilesFactor in storage-aggregation.conf keeps them'
}

const VERBS: Record<AuditChange['kind'], Record<AuditChange['status'], string>> = {
  resize: { planned: 'would resize', done: 'resized', refused: 'not resized', failed: 'resize failed' },
  'set-aggregation': {
    planned: 'would set the aggregation',
    done: 'aggregation set',
    refused: 'not changed',
    failed: 'failed',
  },
}

function renderChange(file: AuditFile, report: AuditReport): string {
  const entry = file.result
  const change = entry.change!
  let out = `  change   ${VERBS[change.kind][change.status]}`
  if (change.status === 'failed') return `${out}: ${file.error?.message}\n`
  const loss = describeLoss(change, entry.expected!.xFilesFactor, xffHint(entry), change.status !== 'done')
  out += `${change.status === 'done' ? ',' : ':'} ${loss}`
  if (change.backup) out += `; backup ${change.backup}`
  if (change.status === 'refused') out += '; --allow-loss applies it'
  else if (change.status === 'planned' && (change.lost.points > 0 || change.merged > 0) && !report.allowLoss)
    out += '; --apply needs --allow-loss for it'
  return out + '\n'
}

function renderEntry(file: AuditFile, report: AuditReport, ctx: Context): string {
  const entry = file.result
  if (entry.problem !== undefined)
    return `${file.path}: ${ctx.theme.warning('not compared')}: ${entry.problem}\n`
  return (
    `${file.path}: ${ctx.theme.warning(entry.drift.join(', '))} differ\n` +
    `  metric   ${entry.metric}\n  has      ${state(entry.actual!)}\n  expected ${state(entry.expected!)}\n  from     ${rule(entry)}\n` +
    (entry.change ? renderChange(file, report) : '')
  )
}

/** A path as a POSIX shell word. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** Where the names come from, the files that differ, the summary, and what to do next. */
export function renderAudit(report: AuditReport, ctx: Context): string {
  const header = `metric names: paths under ${report.root} (${report.rootFrom === 'option' ? '--root' : 'LOCAL_DATA_DIR'})\n\n`
  const details = report.files
    .filter((f) => f.result.drift.length > 0 || f.result.problem !== undefined)
    .map((f) => renderEntry(f, report, ctx))
  const { summary } = report
  const rows: string[][] = [
    ['files', String(summary.files)],
    ['as configured', String(summary.clean)],
    ['differing', String(summary.drifted)],
    ...DRIFT_KINDS.map((k) => [`  ${k}`, String(summary.byKind[k])]),
    ['not compared', String(summary.unreadable)],
  ]
  if (report.applied) {
    rows.push(
      ['changed now', String(summary.changed)],
      ['refused (would discard points)', String(summary.refused)],
      ['failed', String(summary.failed)],
      ['points lost', String(summary.pointsLost)],
      ['points merged', String(summary.pointsMerged)],
      ['backups left', String(summary.backups)],
    )
  } else {
    rows.push(
      ['would discard points', String(summary.lossy)],
      ['points that would be lost', String(summary.pointsLost)],
      ['points that would be merged', String(summary.pointsMerged)],
    )
  }
  let after = ''
  if (summary.backups > 0) {
    after +=
      `${summary.backups} ${summary.backups === 1 ? 'backup' : 'backups'} (<file>.wsp.bak) left; once the result is checked, remove them with:\n` +
      `  find ${shellWord(report.dir)} -name '*.wsp.bak' -delete\n`
  }
  if (!report.applied && summary.lossy > 0 && !report.allowLoss) {
    after += `${summary.lossy} ${summary.lossy === 1 ? 'file' : 'files'} would discard points: --apply leaves them as they are unless --allow-loss is given\n`
  }
  return (
    header +
    details.join('') +
    (details.length > 0 ? '\n' : '') +
    renderTable(ctx, ['audit', 'count'], rows) +
    '\n' +
    after
  )
}
