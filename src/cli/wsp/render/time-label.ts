import { formatCtime, formatStrftime } from '../../../core/python/format.js'

/** The timestamp column of whisper-fetch and whisper-dump: epoch, or with --pretty ctime / strftime. */
export function timeLabel(timestamp: number, pretty: boolean, timeFormat: string | undefined): string {
  if (!pretty) return String(timestamp)
  return timeFormat !== undefined ? formatStrftime(timeFormat, timestamp) : formatCtime(timestamp)
}
