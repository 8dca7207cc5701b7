// Shared pieces of the tree commands' output: failures and the closing summary.

import type { TreeRun } from '../../../core/tree/run.js'
import type { TaskResult } from '../../../core/tree/tasks.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'

/** A summary table after an operation over more than one file; nothing for a single file. */
export function renderTreeSummary(
  run: TreeRun<TaskResult>,
  ctx: Context,
  rows: readonly [string, string][],
): string {
  if (run.files.length <= 1) return ''
  const rate = run.seconds > 0 ? (run.files.length / run.seconds).toFixed(1) : '-'
  return (
    '\n' +
    renderTable(
      ctx,
      ['files', 'count'],
      [['total', String(run.files.length)], ...rows, ['failed', String(run.failed)], ['files/s', rate]],
    ) +
    '\n'
  )
}
