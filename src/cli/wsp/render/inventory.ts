// wsp ls and wsp du for people: names one per line; with --long, columns of layout, sizes and the
// last write; du, a table of subtrees largest first. --json prints the same reports.

import type { DuReport } from '../../../core/inventory/du.js'
import type { BackupReport, ListReport, ListedMetric } from '../../../core/inventory/list.js'
import type { StaleReport } from '../../../core/inventory/stale.js'
import type { Context } from '../../shared/context.js'

// A tree's files mostly share a few sizes and days: its lines (a million for `wsp ls --long` or
// `wsp stale` on a large node) format each size and each day once.
const humanCache = new Map<number, string>()

/** 1536 -> 1.5K, as du -h does (powers of 1024). */
export function humanBytes(bytes: number): string {
  let text = humanCache.get(bytes)
  if (text === undefined) {
    if (humanCache.size >= 4096) humanCache.clear()
    humanCache.set(bytes, (text = formatBytes(bytes)))
  }
  return text
}

function formatBytes(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes}` : `${value < 10 ? value.toFixed(1) : Math.round(value)}${units[unit]}`
}

// The last layout formatted: the files of a directory share their layout's archives.
let lastLayout: { archives: unknown; text: string } = { archives: undefined, text: '' }

function layout(metric: ListedMetric): string {
  const archives = metric.details?.archives
  if (!archives) return `corrupt (${metric.details?.error ?? 'unreadable'})`.padEnd(24)
  if (lastLayout.archives !== archives) {
    const text = archives
      .map((a) => `${a.secondsPerPoint}:${a.points}`)
      .join(',')
      .padEnd(24)
    lastLayout = { archives, text }
  }
  return lastLayout.text
}

export function* renderList(report: ListReport, ctx: Context): Iterable<string> {
  let chunk = ''
  for (const metric of report.metrics) {
    if (metric.details) {
      const d = metric.details
      const when = isoTime(d.lastWrite)
      chunk += `${layout(metric)} ${humanBytes(d.apparentBytes).padStart(6)} ${humanBytes(d.allocatedBytes).padStart(6)}  ${when}  ${ctx.theme.bold(metric.name)}\n`
    } else {
      chunk += metric.name + '\n'
    }
    if (chunk.length >= 65536) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk.length > 0) yield chunk
}

export function renderDu(report: DuReport): string {
  const row = (e: { name: string; files: number; apparentBytes: number; allocatedBytes: number }): string =>
    `${humanBytes(e.allocatedBytes).padStart(7)} ${humanBytes(e.apparentBytes).padStart(7)} ${String(e.files).padStart(9)}  ${e.name}\n`
  return (
    `${'on disk'.padStart(7)} ${'size'.padStart(7)} ${'files'.padStart(9)}  subtree\n` +
    report.subtrees.map(row).join('') +
    row({ ...report.total, name: `total (${report.dir})` })
  )
}

const dayCache = new Map<number, string>()
const two = (n: number): string => (n < 10 ? '0' : '') + n

/** Epoch seconds as ISO 8601 UTC without milliseconds: `2026-11-06T14:49:02Z`. */
export function isoTime(epoch: number): string {
  // Outside years 1970..9999 (and for fractions), Date's own formatting.
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= 253402300800)
    return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z')
  const day = Math.floor(epoch / 86400)
  let date = dayCache.get(day)
  if (date === undefined) {
    if (dayCache.size >= 4096) dayCache.clear()
    // The Date for the day's first second; its valid range (years 0 to 9999 here) is Date's.
    dayCache.set(day, (date = new Date(day * 86400_000).toISOString().slice(0, 11)))
  }
  const second = epoch - day * 86400
  return `${date}${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}Z`
}

export function renderStale(report: StaleReport): string {
  const lines = report.stale.map((m) => {
    const newest = m.newest === null ? 'no points' : `newest ${isoTime(m.newest)}`
    return `${m.name}  ${newest}  ${humanBytes(m.apparentBytes)}${m.action ? `  ${m.action}` : ''}\n`
  })
  for (const c of report.corrupt) lines.push(`${c.name}  corrupt, not judged: ${c.reason}\n`)
  const bytes = report.stale.reduce((n, m) => n + m.apparentBytes, 0)
  const removed = report.stale.filter((m) => m.action === 'deleted' || m.action?.startsWith('moved to'))
  const verb = report.action === 'delete' ? 'deleted' : 'moved'
  const summary =
    `${report.stale.length} of ${report.checked} metrics stale (no point after ${isoTime(report.cutoff)}), ${humanBytes(bytes)}` +
    (report.action === 'list'
      ? ''
      : `; ${removed.length} ${verb}, ${humanBytes(removed.reduce((n, m) => n + m.apparentBytes, 0))}`)
  return lines.join('') + summary + '\n'
}

/** One line per backup (sizes, the backup's mtime: when its file was replaced, the path), a total. */
export function renderBackups(report: BackupReport): string {
  const lines = report.backups.map(
    (b) =>
      `${humanBytes(b.apparentBytes).padStart(6)} ${humanBytes(b.allocatedBytes).padStart(6)}  ${isoTime(b.lastWrite)}  ${b.path}${b.deleted === false ? '  (gone already)' : ''}\n`,
  )
  const n = report.backups.length
  const what = `${n} ${n === 1 ? 'backup' : 'backups'}, ${humanBytes(report.allocatedBytes)} on disk (${humanBytes(report.apparentBytes)} apparent)`
  if (report.deleted) {
    const d = report.deleted
    return `${lines.join('')}deleted ${d.files} of ${what}: ${humanBytes(d.allocatedBytes)} freed\n`
  }
  return `${lines.join('')}${what}${n > 0 ? '; wsp ls --backups --delete removes them' : ''}\n`
}
