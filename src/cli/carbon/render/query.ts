import { formatRepr } from '../../../core/python/format.js'
import type { QueryResult } from '../../../core/protocol/query.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'

function formatTimestamp(timestamp: number): string {
  return Number.isInteger(timestamp) ? String(timestamp) : formatRepr(timestamp)
}

function formatTime(timestamp: number): string {
  const ms = timestamp * 1000
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return '-'
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/**
 * `carbon query`: one row per cached point (a table on a terminal, aligned columns otherwise);
 * a metric with nothing cached gets one row saying so. With a data directory, a `where` column,
 * and one more row per metric: its newest point on disk, or why there is none.
 */
export function renderQuery(result: QueryResult, ctx: Context): string {
  const metadata = result.metrics.some((m) => m.aggregationMethod !== undefined)
  const disk = result.dataDir !== undefined
  const head = [
    'metric',
    'timestamp',
    'time (UTC)',
    'value',
    ...(disk ? ['where'] : []),
    ...(metadata ? ['aggregationMethod'] : []),
  ]
  const rows: string[][] = []
  for (const m of result.metrics) {
    const method = metadata ? [m.aggregationMethod ?? `(${m.metadataError ?? 'unknown'})`] : []
    const cache = disk ? ['cache'] : []
    if (m.datapoints.length === 0) rows.push([m.metric, '-', '-', '(not in cache)', ...cache, ...method])
    for (const [timestamp, value] of m.datapoints) {
      rows.push([
        m.metric,
        formatTimestamp(timestamp),
        formatTime(timestamp),
        formatRepr(value),
        ...cache,
        ...method,
      ])
    }
    if (m.onDisk) {
      const latest = m.onDisk.latest
      rows.push(
        latest
          ? [
              m.metric,
              formatTimestamp(latest[0]),
              formatTime(latest[0]),
              formatRepr(latest[1]),
              'disk',
              ...method,
            ]
          : [m.metric, '-', '-', `(${m.onDisk.error ?? 'no points'})`, 'disk', ...method],
      )
    }
  }
  return renderTable(ctx, head, rows) + '\n'
}
