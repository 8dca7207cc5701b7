// Shared pieces of the tree commands' output: the closing summary.

import type { TreeReport } from '../../../core/tree/report.js'
import type { Context } from '../../shared/context.js'
import type { RunTiming } from '../../shared/tree.js'
import { renderTable } from '../../shared/table.js'

/** A summary table after an operation over more than one file; nothing for a single file. */
export function renderTreeSummary(
  report: TreeReport<unknown>,
  ctx: Context,
  timing: RunTiming,
  rows: readonly [string, string][],
): string {
  const { files, failed } = report.summary
  if (files <= 1) return ''
  const rate = timing.seconds > 0 ? (files / timing.seconds).toFixed(1) : '-'
  return (
    '\n' +
    renderTable(
      ctx,
      ['files', 'count'],
      [['total', String(files)], ...rows, ['failed', String(failed)], ['files/s', rate]],
    ) +
    '\n'
  )
}
