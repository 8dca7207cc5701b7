// Tables for people. cli-table3 with its own colours off; colour comes from the theme. Without a
// terminal the table is plain aligned columns, so that pipes get text that is easy to parse.

import { createRequire } from 'node:module'
import type { Context } from './context.js'

type TableConstructor = new (options: object) => { push(row: string[]): void; toString(): string }

export function renderTable(
  ctx: Context,
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  if (!ctx.theme.enabled) return renderColumns(head, rows)
  const require = createRequire(import.meta.url)
  const Table = require('cli-table3') as TableConstructor
  const table = new Table({ head: head.map((h) => ctx.theme.heading(h)), style: { head: [], border: [] } })
  for (const row of rows) table.push([...row])
  return table.toString()
}

/** Left-aligned columns separated by two spaces. */
export function renderColumns(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(head), ...rows.map(line)].join('\n')
}
