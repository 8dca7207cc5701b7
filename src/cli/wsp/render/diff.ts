// whisper-diff's four output forms (pretty, columns, summary, JSON), line for line.

import { formatOptionalRepr, padLeft } from '../../../core/python/format.js'
import type { DiffResult } from '../../../core/whisper/diff.js'
import { pythonJson } from './python.js'

export interface DiffView {
  result: DiffResult
  summary: boolean
  columns: boolean
  headers: boolean
}

function row(
  cells: readonly [string, number, string, string] | readonly string[],
  widths: readonly number[] | null,
): string {
  const texts = cells.map(String)
  return (widths ? texts.map((t, i) => padLeft(t, widths[i]!)) : texts).join(' ') + '\n'
}

export function renderDiff(view: DiffView): string {
  const { archives } = view.result
  let out = ''
  if (view.summary) {
    const widths = view.columns ? null : [7, 9, 9]
    if (view.headers) out += row(['archive', 'total', 'differing'], widths)
    for (const a of archives)
      out += row([String(a.archive), String(a.total), String(a.differences.length)], widths)
    return out
  }
  const widths = view.columns ? null : [7, 11, 13, 13]
  if (view.headers) out += row(['archive', 'timestamp', 'value_a', 'value_b'], widths)
  for (const a of archives) {
    if (!view.columns) {
      out += `Archive ${a.archive} (${a.differences.length} of ${a.total} datapoints differ)\n`
      out += row(['', 'timestamp', 'value_a', 'value_b'], widths)
    }
    for (const p of a.differences) {
      out += row(
        [
          view.columns ? String(a.archive) : '',
          String(p.timestamp),
          formatOptionalRepr(p.a),
          formatOptionalRepr(p.b),
        ],
        widths,
      )
    }
  }
  return out
}

/** whisper-diff --json (sorted keys, ' : '), with NaN and infinities as null. */
export function renderDiffJson(view: DiffView): string {
  const archives = view.result.archives.map((a) => ({
    archive: a.archive,
    total: a.total,
    points: a.differences.length,
    ...(view.summary
      ? {}
      : { datapoint: a.differences.map((p) => ({ timestamp: p.timestamp, value_a: p.a, value_b: p.b })) }),
  }))
  return (
    pythonJson(
      { path_a: view.result.pathA, path_b: view.result.pathB, archives },
      { colon: ' : ', sortKeys: true },
    ) + '\n'
  )
}
