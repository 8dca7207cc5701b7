import { formatFixed } from '../../../core/python/format.js'
import type { CreateResult } from '../../../core/whisper/create.js'
import type { Estimate } from '../../../core/whisper/estimate.js'

/** whisper-create's confirmation line (and its overwrite notice). */
export function renderCreated(result: CreateResult): string {
  const notice = result.replaced ? `Overwriting existing file: ${result.path}\n` : ''
  return `${notice}Created: ${result.path} (${result.fileSize} bytes)\n`
}

/** whisper-create's byte_format: bytes, KB, MB, then GB, 1024-based, three decimals. */
function byteFormat(n: number): string {
  for (const unit of ['bytes', 'KB', 'MB']) {
    if (n < 1024) return `${formatFixed(n, 3)}${unit}`
    n /= 1024
  }
  return `${formatFixed(n, 3)}GB`
}

/** whisper-create --estimate's report, line for line. */
export function renderEstimate(estimate: Estimate): string {
  const lines = estimate.archives.map(
    (a) => `Archive ${a.index}: ${a.points} points of ${a.secondsPerPoint}s precision`,
  )
  lines.push(
    '',
    `Estimated Whisper DB Size: ${byteFormat(estimate.size)} (${estimate.diskSize} bytes on disk with 4k blocks)`,
    '',
  )
  for (const { metrics, bytes } of estimate.forMetrics) {
    lines.push(`Estimated storage requirement for ${metrics / 1000}k metrics: ${byteFormat(bytes)}`)
  }
  return lines.join('\n') + '\n'
}
