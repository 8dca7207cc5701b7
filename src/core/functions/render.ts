// A /render request's targets evaluated and written as graphite-web's renderViewJson writes them:
// maxDataPoints consolidation with graphite-web's "nudge" (the start moved to a multiple of the
// bucket, valuesToLose - 1 leading values dropped, each bucket labelled one raw step after its
// first value), then [value, timestamp] pairs zipped (the shorter of values and timestamps wins),
// NaN as null and infinities as 1e9999. And graphite-web's csv and raw formats of the same series.

import { formatRepr } from '../python/format.js'
import { zoneOffset } from './attime.js'
import { evaluateTarget } from './evaluate.js'
import { isNoneNamed } from './library.js'
import type { Context } from './library.js'
import type { Value } from './series.js'
import { TimeSeries } from './series.js'

export { TimeSeries } from './series.js'
export type { Context } from './library.js'

export interface JsonOptions {
  maxDataPoints?: number
  noNullPoints?: boolean
}

/** Every target's series, in request order. */
export async function evaluateTargets(ctx: Context, targets: readonly string[]): Promise<TimeSeries[]> {
  const out: TimeSeries[] = []
  for (const target of targets) out.push(...(await evaluateTarget(ctx, target)))
  return out
}

/**
 * The answer's bytes as they are written: ASCII by hand (numbers, timestamps, punctuation), names
 * and tags as UTF-8. One buffer per thread, grown as needed and reused: a dashboard's answer of
 * 50 series x 1,000 points written as strings made a string per value and per pair, and half of
 * the JSON's CPU was the collection of them.
 */
class ByteWriter {
  bytes = Buffer.allocUnsafeSlow(1 << 16)
  at = 0

  room(n: number): void {
    if (this.at + n <= this.bytes.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.at + n))
    this.bytes.copy(bigger, 0, 0, this.at)
    this.bytes = bigger
  }

  /** ASCII text (JSON punctuation, a number's text). */
  ascii(text: string): void {
    this.room(text.length)
    const bytes = this.bytes
    let at = this.at
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i)
    this.at = at
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.room(3 * text.length)
    this.at += this.bytes.write(text, this.at, 'utf8')
  }

  /** A safe integer's digits (String(n) without the string). */
  int(n: number): void {
    this.room(17)
    const bytes = this.bytes
    if (n < 0) {
      bytes[this.at++] = 45
      n = -n
    }
    let digits = 1
    for (let p = 10; p <= n; p *= 10) digits++
    let at = this.at + digits
    this.at = at
    do {
      const q = Math.floor(n / 10)
      bytes[--at] = 48 + (n - q * 10)
      n = q
    } while (n > 0)
  }

  /** A value as String(v) writes it (infinities as graphite-web's 1e9999). */
  number(v: number): void {
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) this.int(v === 0 ? 0 : v)
    else if (v === Infinity) this.ascii('1e9999')
    else if (v === -Infinity) this.ascii('-1e9999')
    else this.ascii(String(v))
  }

  /** The bytes written since `reset`, in a buffer of their own (it is moved to another thread). */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.at)
    this.bytes.copy(out, 0, 0, this.at)
    this.at = 0
    return out
  }
}

const writer = new ByteWriter()

/** graphite-web's JSON body for these series (consolidating them in place for maxDataPoints). */
export function renderJson(data: TimeSeries[], options: JsonOptions = {}): string {
  return renderJsonBytes(data, options).toString()
}

/** renderJson's body as UTF-8 bytes, written without a string per value. */
export function renderJsonBytes(data: TimeSeries[], options: JsonOptions = {}): Buffer {
  const out = writer
  out.at = 0
  out.ascii('[')
  let written = 0
  if (data.some((s) => s.length > 0)) {
    const startTime = Math.min(...data.map((s) => s.start))
    const endTime = Math.max(...data.map((s) => s.end))
    const timeRange = endTime - startTime
    for (const series of data) {
      const mdp = options.maxDataPoints
      if (mdp !== undefined) {
        if (mdp === 1) series.consolidate(series.length)
        else {
          const numberOfDataPoints = timeRange / series.step
          if (mdp < numberOfDataPoints) {
            const valuesPerPoint = Math.ceil(numberOfDataPoints / mdp)
            const secondsPerPoint = Math.trunc(valuesPerPoint * series.step)
            const nudge =
              secondsPerPoint + pyMod(series.start, series.step) - pyMod(series.start, secondsPerPoint)
            series.start = series.start + nudge
            const valuesToLose = Math.trunc(nudge / series.step)
            if (valuesToLose > 1) series.dropFirst(valuesToLose - 1)
            series.consolidate(valuesPerPoint)
          }
        }
      }
      // datapoints() written as it is made: no pair per point, no number object per value.
      const { values, known } = series.readColumn()
      const stride = Math.trunc(series.step * series.valuesPerPoint)
      const first = Math.trunc(series.start)
      const last = Math.trunc(series.end)
      // The values whose timestamp is not past the end (zip with range(start, end, step)).
      let count = values.length
      if (last < first) count = 0
      else if (stride > 0) count = Math.min(count, Math.floor((last - first) / stride) + 1)
      const seriesAt = out.at
      out.ascii(written === 0 ? '{"target": ' : ', {"target": ')
      out.text(isNoneNamed(series) ? 'null' : JSON.stringify(series.name))
      out.ascii(', "tags": ')
      out.text(JSON.stringify({ ...series.tags, name: series.tags.name ?? series.name }))
      out.ascii(', "datapoints": [')
      let pairs = 0
      for (let i = 0; i < count; i++) {
        const v = values[i]!
        const isNull = known[i] !== 1 || Number.isNaN(v)
        if (isNull && options.noNullPoints) continue
        out.ascii(pairs++ === 0 ? '[' : ', [')
        if (isNull) out.ascii('null')
        else out.number(v)
        out.ascii(', ')
        out.int(first + i * stride)
        out.ascii(']')
      }
      if (options.noNullPoints && pairs === 0) {
        out.at = seriesAt
        continue
      }
      out.ascii(']}')
      written++
    }
  }
  out.ascii(']')
  return out.take()
}

function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b
}

/** A fetched series as the engine holds it: values null where the file (or cache) has none. */
export function timeSeriesOf(fields: {
  name: string
  pathExpression: string
  start: number
  end: number
  step: number
  values: Float64Array
  known: Uint8Array
  xFilesFactor: number
}): TimeSeries {
  const column = { values: fields.values, known: fields.known }
  return TimeSeries.fromColumn(fields.name, fields.start, fields.end, fields.step, column, {
    pathExpression: fields.pathExpression,
    xFilesFactor: fields.xFilesFactor,
  })
}

/** `%Y-%m-%d %H:%M:%S` of an epoch in `tz` (datetime.fromtimestamp(t, tzinfo).strftime). */
function wallClock(epoch: number, tz: string | undefined): string {
  const d = new Date((epoch + zoneOffset(tz, epoch)) * 1000)
  const two = (n: number) => String(n).padStart(2, '0')
  return (
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  )
}

/** Python's csv writer (excel dialect, QUOTE_MINIMAL) of one field. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Python's repr of a value as graphite-web's raw and csv formats write it (None for null). */
function pyValue(v: Value): string {
  return v === null ? 'None' : formatRepr(v)
}

/**
 * graphite-web's renderViewCsv: one `name,YYYY-MM-DD HH:MM:SS,value` row per value (\r\n), the
 * time in the request's `tz`, None as an empty field. As graphite-web does, each row's time is
 * start + i × step even for a series that a function left consolidated.
 */
export function renderCsv(data: TimeSeries[], tz?: string): string {
  const rows: string[] = []
  for (const series of data) {
    // A None name (verticalLine without a label) is an empty field, as Python's csv writes None.
    const name = isNoneNamed(series) ? '' : csvField(series.name)
    series.read().forEach((v, i) => {
      const ts = Math.trunc(series.start + i * series.step)
      rows.push(`${name},${wallClock(ts, tz)},${v === null ? '' : csvField(pyValue(v))}\r\n`)
    })
  }
  return rows.join('')
}

/** graphite-web's renderViewRaw: `name,start,end,step|v1,v2,...` per series, None as None. */
export function renderRaw(data: TimeSeries[]): string {
  return data
    .map(
      (s) =>
        `${s.name},${Math.trunc(s.start)},${Math.trunc(s.end)},${Math.trunc(s.step)}|${s
          .read()
          .map(pyValue)
          .join(',')}\n`,
    )
    .join('')
}
