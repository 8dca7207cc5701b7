// whisper-fetch's output: `timestamp<TAB>%f` lines (None for a missing value), or its JSON template
// with valid JSON values (NaN and infinities become null). Streamed in chunks: a 1s:30d file is 2.6
// million lines.

import { formatFixed, formatRepr } from '../../../core/python/format.js'
import type { DropMode, FetchColumns } from '../../../core/whisper/fetch.js'
import { keepValue } from '../../../core/whisper/fetch.js'
import type { FetchExplanation } from '../../../core/whisper/explain-fetch.js'
import { renderFetchExplanationJson } from './fetch-explain.js'
import { writeText, writeUint } from './ascii.js'
import { timeLabel } from './time-label.js'

export interface FetchView {
  /** null when the window has nothing to read (then only an explanation is printed). */
  result: FetchColumns | null
  pretty: boolean
  timeFormat?: string
  drop?: DropMode
  /** With --explain. */
  explanation?: FetchExplanation
}

const OUT_SIZE = 1 << 17
/** Longest line: a time label and '%f' of up to 1e308 (309 digits and 7 more). */
const LINE_ROOM = 1024

export function* renderFetch(view: FetchView): Iterable<Uint8Array> {
  if (!view.result) return
  const { fromInterval, step } = view.result.timeInfo
  const { values, known } = view.result
  const out = Buffer.allocUnsafe(OUT_SIZE)
  let pos = 0
  for (let i = 0; i < values.length; i++) {
    const value = known[i] === 1 ? values[i]! : null
    if (view.drop && !keepValue(view.drop, value)) continue
    if (pos > OUT_SIZE - LINE_ROOM) {
      yield out.subarray(0, pos) // written out before the generator resumes: the buffer is reused
      pos = 0
    }
    const t = fromInterval + i * step
    pos = view.pretty ? writeText(out, pos, timeLabel(t, true, view.timeFormat)) : writeUint(out, pos, t)
    out[pos++] = 9 // TAB
    pos = writeText(out, pos, value === null ? 'None' : formatFixed(value))
    out[pos++] = 10
  }
  yield out.subarray(0, pos)
}

function jsonValue(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'null' : formatRepr(value)
}

/**
 * whisper-fetch --json's exact layout. With --drop, the values that remain are listed with a
 * "timestamps" array beside them, so that each keeps its own time (whisper-fetch loses them). With
 * --explain, an "explain" object follows the values (alone when there is nothing to read).
 */
export function* renderFetchJson(view: FetchView): Iterable<string> {
  const explain = view.explanation && `    "explain" : ${renderFetchExplanationJson(view.explanation)}\n`
  if (!view.result) {
    yield `{\n${explain ?? ''}  }\n`
    return
  }
  const { fromInterval, untilInterval, step } = view.result.timeInfo
  yield `{\n    "start" : ${fromInterval},\n    "end" : ${untilInterval},\n    "step" : ${step},\n`
  const values: string[] = []
  const timestamps: number[] = []
  const { known } = view.result
  view.result.values.forEach((stored, i) => {
    const value = known[i] === 1 ? stored : null
    if (view.drop && !keepValue(view.drop, value)) return
    values.push(jsonValue(value))
    timestamps.push(fromInterval + i * step)
  })
  if (view.drop) yield `    "timestamps" : [${timestamps.join(', ')}],\n`
  yield `    "values" : [${values.join(', ')}]${explain ? ',\n' + explain : '\n'}  }\n`
}
