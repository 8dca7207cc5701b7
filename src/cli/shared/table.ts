// Tables for people. cli-table3 with its own colours off; colour comes from the theme. The layout
// follows stdout, never colour: on a terminal a box drawn to the terminal's width (long cells wrap),
// in a file or pipe plain aligned columns, easy to parse, whatever NO_COLOR or FORCE_COLOR say.

import { createRequire } from 'node:module'
import type { Context } from './context.js'

type TableConstructor = new (options: object) => { push(row: string[]): void; toString(): string }

// SGR sequences, the only escapes the theme writes.
const SGR = /\u001b\[[0-9;]*m/g

function visibleLength(text: string): number {
  return text.replace(SGR, '').length
}

/** The widest line of a cell, as it shows. */
function cellWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map(visibleLength))
}

/** A column is never made narrower than this (or than its content, when that is narrower). */
const MIN_COLUMN = 6

/**
 * Content widths that make a table of `natural` content widths fit `columns` terminal columns, or
 * undefined when it fits already (or the width is unknown). Each column takes its natural width
 * if that is no more than an even share of what is left, narrowest first; the wide ones share
 * the rest, so short columns (severity, counts) stay whole and long text wraps.
 */
export function fitColumns(natural: readonly number[], columns: number | undefined): number[] | undefined {
  // A box spends a border before each column and after the last, and a space either side of a cell.
  const frame = 3 * natural.length + 1
  if (columns === undefined || natural.reduce((a, b) => a + b, 0) + frame <= columns) return undefined
  const widths = [...natural]
  let remaining = columns - frame
  const order = natural.map((_, i) => i).sort((a, b) => natural[a]! - natural[b]!)
  order.forEach((column, k) => {
    const share = Math.floor(remaining / (order.length - k))
    widths[column] = Math.min(natural[column]!, Math.max(share, MIN_COLUMN))
    remaining -= widths[column]
  })
  return widths
}

/** One line broken to `width`: at spaces, else after a path or list separator, else anywhere. */
function wrapLine(line: string, width: number): string[] {
  // Coloured text is short (a severity, a heading) and cannot be cut safely here: cli-table3
  // truncates it to the column if it must.
  if (line.length <= width || line !== line.replace(SGR, '')) return [line]
  const out: string[] = []
  let rest = line
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width)
    if (space > 0) {
      out.push(rest.slice(0, space).trimEnd())
      rest = rest.slice(space + 1).trimStart()
      continue
    }
    const soft = Math.max(...['/', ',', '.', ':', '-', '_'].map((c) => rest.lastIndexOf(c, width - 1)))
    const at = soft > 0 ? soft + 1 : width
    out.push(rest.slice(0, at))
    rest = rest.slice(at)
  }
  if (rest !== '') out.push(rest)
  return out
}

function wrapCell(text: string, width: number | undefined): string {
  if (width === undefined) return text
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n')
}

export function renderTable(
  ctx: Context,
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  if (!ctx.stdoutIsTerminal) return renderColumns(head, rows)
  const natural = head.map((h, i) => Math.max(cellWidth(h), ...rows.map((r) => cellWidth(r[i] ?? ''))))
  const widths = fitColumns(natural, ctx.stdoutColumns)
  const require = createRequire(import.meta.url)
  const Table = require('cli-table3') as TableConstructor
  const table = new Table({
    head: head.map((h, i) =>
      wrapCell(h, widths?.[i])
        .split('\n')
        .map((line) => ctx.theme.heading(line))
        .join('\n'),
    ),
    style: { head: [], border: [] },
    ...(widths ? { colWidths: widths.map((w) => w + 2) } : {}),
  })
  for (const row of rows) table.push(row.map((cell, i) => wrapCell(cell, widths?.[i])))
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
