// carbon lint's output: `file:line: severity rule-id message` lines (a table on a terminal),
// GitHub Actions annotations, and the size of one metric file per schema. The JSON form is the
// report itself.

import type { LintReport, SchemaSummary } from '../../../core/config/lint.js'
import type { Severity } from '../../../core/config/lint/rule-table.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'
import { formatBytes } from './bytes.js'

function location(file: string | null, line: number | null): string {
  return file === null ? '(built-in)' : `${file}:${line ?? 1}`
}

function schemaRows(schemas: readonly SchemaSummary[]): string[][] {
  return schemas.map((s) => [
    location(s.file, s.line),
    `[${s.section}]`,
    s.pattern ?? (s.status === 'builtin' ? '(anything else)' : ''),
    s.retentions ?? '',
    s.fileSize === null
      ? `(${s.status === 'active' ? 'cannot be stored' : s.status})`
      : formatBytes(s.fileSize),
  ])
}

/** The text report (stdout). */
export function renderLint(report: LintReport, ctx: Context): string {
  const { theme } = ctx
  const severity = (s: Severity): string => (s === 'error' ? theme.error(s) : theme.warning(s))
  let out = ''
  if (report.diagnostics.length > 0) {
    if (ctx.stdoutIsTerminal) {
      out += renderTable(
        ctx,
        ['location', 'severity', 'rule', 'message'],
        report.diagnostics.map((d) => [`${d.file}:${d.line}`, severity(d.severity), d.rule, d.message]),
      )
      out += '\n'
    } else {
      for (const d of report.diagnostics)
        out += `${d.file}:${d.line}: ${severity(d.severity)} ${d.rule} ${d.message}\n`
    }
  }
  if (report.schemas.length > 0) {
    if (out) out += '\n'
    out += `${theme.bold('size of one metric file, per schema')}\n`
    out +=
      renderTable(ctx, ['location', 'schema', 'pattern', 'retentions', 'size'], schemaRows(report.schemas)) +
      '\n'
  }
  return out
}

// GitHub's workflow commands: %, CR and LF are escaped in the message; `:` and `,` too in properties.
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

/** GitHub Actions annotations: one `::error` or `::warning` per diagnostic, a `::notice` per schema size. */
export function renderLintGithub(report: LintReport): string {
  let out = ''
  for (const d of report.diagnostics) {
    out += `::${d.severity} file=${escapeProperty(d.file)},line=${d.line},title=${escapeProperty(`carbon lint ${d.rule}`)}::${escapeData(d.message)}\n`
  }
  for (const s of report.schemas) {
    if (s.file === null || s.fileSize === null) continue
    out += `::notice file=${escapeProperty(s.file)},line=${s.line ?? 1},title=${escapeProperty(`carbon lint schema [${s.section}]`)}::${escapeData(`${s.retentions}: ${formatBytes(s.fileSize)} per metric`)}\n`
  }
  return out
}

/** One line for stderr. */
export function renderLintSummary(report: LintReport): string {
  const files = report.files.length
  const { errors, warnings } = report.summary
  const counts =
    errors === 0 && warnings === 0
      ? 'no problems'
      : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
  return `${counts} in ${files} file${files === 1 ? '' : 's'}`
}
