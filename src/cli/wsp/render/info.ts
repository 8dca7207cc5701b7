import type { WhisperInfo } from '../../../core/whisper/info.js'
import { formatFloat32 } from '../../../core/format/float32.js'
import type { Context } from '../../shared/context.js'
import { renderTable } from '../../shared/table.js'
import { pythonJson, pythonRepr } from './python.js'
import { formatDuration } from '../../../core/format/duration.js'

/** `wsp info --json`: whisper-info's JSON document, byte for byte. */
export function renderInfoJson(info: WhisperInfo): string {
  return pythonJson(info as unknown as Parameters<typeof pythonJson>[0]) + '\n'
}

/** `wsp info file field`: the field as whisper-info prints it (Python's str()). */
export function renderInfoField(info: WhisperInfo, field: keyof WhisperInfo): string {
  const value = info[field]
  // print() shows a string as it is; containers show their items' reprs.
  return (
    (typeof value === 'string' ? value : pythonRepr(value as Parameters<typeof pythonRepr>[0], field)) + '\n'
  )
}

/**
 * `wsp info file`: the header and a table of archives, carbonkit's own format: xFilesFactor as the
 * float32 it is (0.1, where whisper-info, the field and --json print the widened 0.10000000149011612).
 */
export function renderInfo(info: WhisperInfo, ctx: Context): string {
  const { theme } = ctx
  const lines = [
    `${theme.bold('aggregationMethod')}  ${info.aggregationMethod}`,
    `${theme.bold('maxRetention')}       ${info.maxRetention} (${formatDuration(info.maxRetention)})`,
    `${theme.bold('xFilesFactor')}       ${formatFloat32(info.xFilesFactor)}`,
    `${theme.bold('fileSize')}           ${info.fileSize}`,
    '',
  ]
  const table = renderTable(
    ctx,
    ['archive', 'secondsPerPoint', 'points', 'retention', 'offset', 'size'],
    info.archives.map((a, i) => [
      String(i),
      `${a.secondsPerPoint} (${formatDuration(a.secondsPerPoint)})`,
      String(a.points),
      `${a.retention} (${formatDuration(a.retention)})`,
      String(a.offset),
      String(a.size),
    ]),
  )
  return lines.join('\n') + '\n' + table + '\n'
}
