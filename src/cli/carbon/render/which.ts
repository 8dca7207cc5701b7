// carbon which's text: per metric, the schema and aggregation rule carbon picks and the file it
// writes. The JSON form is the same report.

import type { MetricMatch, WhichReport } from '../../../core/config/match.js'
import { formatRepr } from '../../../core/python/format.js'
import type { Context } from '../../shared/context.js'
import { formatDuration } from '../../../core/format/duration.js'
import { formatBytes } from './bytes.js'

function where(file: string | null, line: number | null): string {
  return file === null ? '' : `  ${file}:${line ?? 1}`
}

function renderOne(m: MetricMatch, ctx: Context): string {
  const { theme } = ctx
  const label = (text: string): string => theme.bold(text.padEnd(12))
  const lines = [theme.heading(m.metric)]
  if (m.name !== m.metric) lines.push(`  ${label('name')} ${m.name}`)
  if (m.tagError)
    lines.push(
      `  ${label('tags')} ${theme.warning(`not a valid tagged name (${m.tagError}); carbon stores it as it is`)}`,
    )
  const s = m.schema
  lines.push(
    `  ${label('schema')} ${s.builtin ? "[default] (carbon's built-in schema: no rule matched)" : `[${s.section}]${where(s.file, s.line)}  pattern ${s.pattern}`}`,
  )
  lines.push(
    `  ${label('retentions')} ${s.retentions}  (${s.archives.map((a) => `${a.secondsPerPoint}:${a.points}`).join(' ')})`,
  )
  lines.push(`  ${label('size')} ${formatBytes(s.fileSize)}, ${formatDuration(s.maxRetention)} kept`)
  const a = m.aggregation
  const method = `${a.aggregationMethod}${a.aggregationMethodFrom === 'default' ? ' (default)' : ''}`
  const xff = `xFilesFactor ${formatRepr(a.xFilesFactor)}${a.xFilesFactorFrom === 'default' ? ' (default)' : ''}`
  lines.push(
    `  ${label('aggregation')} ${method}, ${xff}  ${a.section === null ? '(whisper defaults: no rule matched)' : `[${a.section}]${where(a.file, a.line)}  pattern ${a.pattern}`}`,
  )
  lines.push(`  ${label('file')} ${m.path}`)
  if (m.taggedPaths) {
    lines.push(`  ${label('hashed')} ${m.taggedPaths.hashed}  (TAG_HASH_FILENAMES = True)`)
    lines.push(`  ${label('unhashed')} ${m.taggedPaths.unhashed}  (TAG_HASH_FILENAMES = False)`)
  }
  if (m.lists) {
    const l = m.lists
    const verdict = l.blacklistedBy
      ? theme.warning(
          `dropped: blacklisted by ${l.blacklistedBy.file}:${l.blacklistedBy.line} (${l.blacklistedBy.pattern})`,
        )
      : !l.whitelisted
        ? theme.warning('dropped: no whitelist pattern matches it')
        : `accepted${l.whitelistedBy ? ` (whitelisted by ${l.whitelistedBy.file}:${l.whitelistedBy.line})` : ''}`
    lines.push(`  ${label('lists')} ${verdict}`)
  }
  return lines.join('\n')
}

export function renderWhich(report: WhichReport, ctx: Context): string {
  return report.metrics.map((m) => renderOne(m, ctx)).join('\n\n') + '\n'
}
