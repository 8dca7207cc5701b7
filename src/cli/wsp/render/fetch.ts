// whisper-fetch's output: `timestamp<TAB>%f` lines (None for a missing value), or its JSON template
// with valid JSON values (NaN and infinities become null). Streamed in chunks: a 1s:30d file is 2.6
// million lines.

import { formatFixed, formatRepr } from '../../../core/py-format.js'
import type { DropMode, FetchResult } from '../../../core/whisper/fetch.js'
import { keepValue } from '../../../core/whisper/fetch.js'
import { timeLabel } from './time-label.js'

export interface FetchView {
  result: FetchResult
  pretty: boolean
  timeFormat?: string
  drop?: DropMode
}

const LINES_PER_CHUNK = 8192

export function* renderFetch(view: FetchView): Iterable<string> {
  const { fromInterval, step } = view.result.timeInfo
  const { values } = view.result
  let chunk = ''
  let lines = 0
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!
    if (view.drop && !keepValue(view.drop, value)) continue
    const t = fromInterval + i * step
    chunk += `${timeLabel(t, view.pretty, view.timeFormat)}\t${value === null ? 'None' : formatFixed(value)}\n`
    if (++lines === LINES_PER_CHUNK) {
      yield chunk
      chunk = ''
      lines = 0
    }
  }
  yield chunk
}

function jsonValue(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'null' : formatRepr(value)
}

/**
 * whisper-fetch --json's exact layout. With --drop, the values that remain are listed with a
 * "timestamps" array beside them, so that each keeps its own time (whisper-fetch loses them).
 */
export function* renderFetchJson(view: FetchView): Iterable<string> {
  const { fromInterval, untilInterval, step } = view.result.timeInfo
  yield `{\n    "start" : ${fromInterval},\n    "end" : ${untilInterval},\n    "step" : ${step},\n`
  const values: string[] = []
  const timestamps: number[] = []
  view.result.values.forEach((value, i) => {
    if (view.drop && !keepValue(view.drop, value)) return
    values.push(jsonValue(value))
    timestamps.push(fromInterval + i * step)
  })
  if (view.drop) yield `    "timestamps" : [${timestamps.join(', ')}],\n`
  yield `    "values" : [${values.join(', ')}]\n  }\n`
}
