// carbon sieve's output: one line per misplaced metric (its file, size and where the ring places it),
// then a summary that says how much was (or, on a dry run, would be) removed.

import type { SieveResult } from '../../../core/cluster/sieve.js'
import { plural } from '../../../core/format/plural.js'
import { formatBytes } from './bytes.js'

export function renderSieve(result: SieveResult): string {
  const lines: string[] = []
  for (const m of result.misplaced) {
    const to =
      m.destinations.length === 0 ? '(none: blackholed or no rule matches)' : m.destinations.join(', ')
    lines.push(`${m.metric}  ${m.path}  ${m.bytes} bytes  -> ${to}`)
  }
  for (const file of result.unnamed) lines.push(`kept (hashed tagged file, name unknown): ${file}`)
  lines.push(
    `${plural(result.files, 'file')} under ${result.dir}: ${result.held} held by ${result.node}, ` +
      `${plural(result.selfMetrics, 'self-metric')}, ${result.unnamed.length} unnamed, ` +
      `${result.misplaced.length} misplaced (${formatBytes(result.misplacedBytes)})`,
  )
  if (result.action === 'none') {
    if (result.misplaced.length > 0)
      lines.push('dry run: nothing removed; --delete or --quarantine DIR removes the misplaced files')
  } else {
    const where = result.action === 'quarantined' ? ` to ${result.quarantine}` : ''
    lines.push(
      `${result.action} ${plural(result.disposedFiles, 'file')}${where} (${formatBytes(result.disposedBytes)}), ` +
        `${plural(result.removedDirectories, 'empty directory', 'empty directories')} removed`,
    )
  }
  return lines.join('\n') + '\n'
}

export function renderSieveJson(result: SieveResult): string {
  return JSON.stringify({ schemaVersion: 1, ...result }, null, 2) + '\n'
}
