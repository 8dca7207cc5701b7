import type { FillResult } from '../../../core/whisper/fill.js'

export function renderFill(result: FillResult): string {
  const parts = result.archives.map((a) => `archive ${a.archive}: ${a.filled} of ${a.gaps} gaps`)
  return `${result.destination}: filled ${result.filled} intervals from ${result.source} (${parts.join(', ')})\n`
}
