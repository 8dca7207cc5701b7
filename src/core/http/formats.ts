// The answers of find and render in each format a client asks for (spec §3, §4, §9): the shapes
// graphite-web's backends send (pickle, msgpack, json, treejson, completer) and carbonapi's protobuf
// messages (v2, v3). Pure: data in, bytes out. An empty list is always a valid encoding of an empty
// list, never an empty body (an empty body makes graphite-web raise EOFError).

import { OP, PickleWriter } from '../protocol/pickle.js'
import { encodeMsgpack } from './msgpack.js'
import { encodeMessage } from './proto.js'

/** A series' window as stored (whisper's 12-byte points), for an encoder that copies the values' bytes. */
export interface SeriesSlots {
  start: number
  end: number
  step: number
  /** Intervals in the window. */
  count: number
  xFilesFactor: number
  /**
   * Interval i is the point at byte `at + 12 * i` (wrapping to 0 at `ring`), stored where that
   * point's timestamp is the interval's; nothing is stored when undefined.
   */
  slots: { bytes: Uint8Array; at: number; ring: number } | undefined
}

export const CONTENT_TYPES = {
  pickle: 'application/pickle',
  msgpack: 'application/x-msgpack',
  json: 'application/json',
  v3: 'application/x-carbonapi-v3-pb',
  v2: 'application/x-protobuf',
  text: 'text/plain; charset=utf-8',
} as const

export const FIND_FORMATS = [
  'pickle',
  'msgpack',
  'json',
  'treejson',
  'completer',
  'carbonapi_v3_pb',
  'carbonapi_v2_pb',
] as const
export type FindFormat = (typeof FIND_FORMATS)[number]
export const RENDER_FORMATS = ['pickle', 'msgpack', 'json', 'carbonapi_v3_pb', 'carbonapi_v2_pb'] as const
export type RenderFormat = (typeof RENDER_FORMATS)[number]

/** Spellings clients use for the same format. */
export const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  protobuf: 'carbonapi_v2_pb',
  protobuf3: 'carbonapi_v2_pb',
  carbonapi_v2_pb: 'carbonapi_v2_pb',
  carbonapi_v3_pb: 'carbonapi_v3_pb',
}

export interface Encoded {
  contentType: string
  body: Uint8Array | string
}

export interface FindMatch {
  path: string
  isLeaf: boolean
  /** For leaves in pickle, msgpack and json: [now - maxRetention, mtime]. */
  interval?: [number, number]
}

/** One glob and what it matched. */
export interface FindAnswer {
  query: string
  matches: FindMatch[]
}

export interface Series {
  name: string
  /** The target (glob or name) that matched it, verbatim: graphite-web files results under it. */
  pathExpression: string
  start: number
  end: number
  step: number
  /** One per step; read only where known[i] is 1. */
  values: Float64Array
  known: Uint8Array
  aggregationMethod: string
  xFilesFactor: number
  requestStart: number
  requestStop: number
}

function lastComponent(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1)
}

function valueList(series: Series): (number | null)[] {
  const out = new Array<number | null>(series.values.length)
  for (let i = 0; i < out.length; i++) out[i] = series.known[i] === 1 ? series.values[i]! : null
  return out
}

// Pickle, written straight from the data with the pickler's own opcodes, memo and batching: byte
// for byte what encodePickle makes of the same nodes and series as plain values (graphite-web's
// shapes; a unit test holds them equal), without building those values first.

/** Python's list items: one gets APPEND, more go in batches of 1000 between MARK and APPENDS. */
function pickleItems(w: PickleWriter, count: number, item: (from: number, to: number) => void): void {
  if (count === 0) return
  if (count === 1) {
    item(0, 1)
    w.opcode(OP.APPEND)
    return
  }
  for (let i = 0; i < count; i += 1000) {
    w.opcode(OP.MARK)
    item(i, Math.min(count, i + 1000))
    w.opcode(OP.APPENDS)
  }
}

function pickleString(w: PickleWriter, value: string): void {
  w.string(value)
  w.memoize()
}

/**
 * A find's nodes: {'path': str, 'is_leaf': bool, 'intervals': [(start, end)] for leaves}, the keys
 * memoized once and referred to after (Python's pickler does the same with graphite-web's literal
 * keys: a third of the bytes of a find of 1,000 leaves less). `slots`,
 * when given, gets the offset of each interval's start (8 bytes, big-endian; its end 9 bytes on), in
 * the order of the matches: find.ts writes another `now` there.
 */
export function findPickle(matches: readonly FindMatch[], slots?: number[]): Uint8Array {
  let size = 64
  for (const m of matches) size += 96 + m.path.length * 3
  const w = new PickleWriter(size)
  w.opcode(OP.EMPTY_LIST)
  w.memoize()
  const memo = { path: -1, is_leaf: -1, intervals: -1 }
  const key = (name: keyof typeof memo): void => {
    if (memo[name] >= 0) w.get(memo[name])
    else {
      w.string(name)
      memo[name] = w.memoize()
    }
  }
  pickleItems(w, matches.length, (from, to) => {
    for (let i = from; i < to; i++) {
      const m = matches[i]!
      // Only the keys are memoized (referred to again): a memo entry for every dict, list and
      // tuple, as Python's pickler writes, would add 5 bytes each past the 256th.
      w.opcode(OP.EMPTY_DICT)
      w.opcode(OP.MARK)
      key('path')
      w.string(m.path)
      key('is_leaf')
      w.bool(m.isLeaf)
      if (m.isLeaf) {
        key('intervals')
        w.opcode(OP.EMPTY_LIST)
        if (m.interval) {
          slots?.push(w.length + 1)
          w.float(m.interval[0])
          w.float(m.interval[1])
          w.opcode(OP.TUPLE2)
          w.opcode(OP.APPEND)
        }
      }
      w.opcode(OP.SETITEMS)
    }
  })
  return w.finishView()
}

/**
 * A render's pickle written one series at a time, each as it is read (a series' values may be
 * copied from the file's bytes, valid only until the next file is read): series as a graphite-web
 * backend sends them, start, end and step as ints (graphite-web divides by step), the values floats
 * or None, valuesPerPoint 1, consolidationFunc 'average'.
 */
export class RenderPickleWriter {
  private readonly w: PickleWriter
  private count = 0
  /** Where the current batch of series (up to 1000) has its MARK. */
  private mark = -1

  constructor(sizeHint: number, alloc?: Alloc) {
    this.w = new PickleWriter(sizeHint, alloc?.(sizeHint))
    this.w.opcode(OP.EMPTY_LIST)
    this.w.memoize()
  }

  /** Room for `bytes` more (one grow, not several, when the first series tells the size). */
  reserve(bytes: number): void {
    this.w.writeWith(bytes, (_, pos) => pos)
  }

  add(s: Series): void {
    this.series(s, s.name, s.pathExpression, s.values.length, (a, b) =>
      this.w.floatsOrNone(s.values, s.known, a, b),
    )
  }

  /** A series whose values are the file's: each stored value's 8 bytes are a BINFLOAT's already. */
  addSlots(name: string, pathExpression: string, s: SeriesSlots): void {
    const slots = s.slots
    this.series(s, name, pathExpression, s.count, (a, b) =>
      this.w.writeWith(9 * (b - a), (buffer, pos) => {
        if (slots === undefined) {
          buffer.fill(OP.NONE, pos, pos + b - a)
          return pos + b - a
        }
        const bytes = slots.bytes
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        const out = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
        let at = (slots.at + a * 12) % slots.ring
        for (let i = a; i < b; i++) {
          if (view.getUint32(at) === s.start + i * s.step) {
            // The double's bits as two words: copied, never read as a number.
            buffer[pos] = OP.BINFLOAT
            out.setUint32(pos + 1, view.getUint32(at + 4))
            out.setUint32(pos + 5, view.getUint32(at + 8))
            pos += 9
          } else buffer[pos++] = OP.NONE
          at += 12
          if (at === slots.ring) at = 0
        }
        return pos
      }),
    )
  }

  finish(): Uint8Array {
    // As Python's (C) pickler: a list of one series is that series and APPEND, no MARK.
    if (this.count === 1) {
      this.w.cut(this.mark)
      this.w.opcode(OP.APPEND)
    } else if (this.count > 0) this.w.opcode(OP.APPENDS)
    return this.w.finishView()
  }

  private series(
    s: { start: number; end: number; step: number; xFilesFactor: number },
    name: string,
    pathExpression: string,
    count: number,
    values: (from: number, to: number) => void,
  ): void {
    const w = this.w
    if (this.count % 1000 === 0) {
      if (this.count > 0) w.opcode(OP.APPENDS)
      this.mark = w.length
      w.opcode(OP.MARK)
    }
    this.count++
    w.opcode(OP.EMPTY_DICT)
    w.memoize()
    w.opcode(OP.MARK)
    pickleString(w, 'name')
    pickleString(w, name)
    pickleString(w, 'pathExpression')
    pickleString(w, pathExpression)
    pickleString(w, 'start')
    w.int(BigInt(s.start))
    pickleString(w, 'end')
    w.int(BigInt(s.end))
    pickleString(w, 'step')
    w.int(BigInt(s.step))
    pickleString(w, 'values')
    w.opcode(OP.EMPTY_LIST)
    w.memoize()
    pickleItems(w, count, values)
    pickleString(w, 'valuesPerPoint')
    w.int(1)
    pickleString(w, 'consolidationFunc')
    pickleString(w, 'average')
    pickleString(w, 'xFilesFactor')
    w.float(s.xFilesFactor)
    w.opcode(OP.SETITEMS)
  }
}

function renderPickle(series: readonly Series[], alloc?: Alloc): Uint8Array {
  let size = 64
  for (const s of series) size += 256 + s.name.length * 3 + s.pathExpression.length * 3 + s.values.length * 9
  const out = new RenderPickleWriter(size, alloc)
  for (const s of series) out.add(s)
  return out.finish()
}

export function encodeFind(format: FindFormat, answers: readonly FindAnswer[]): Encoded {
  const matches = answers.flatMap((a) => a.matches)
  switch (format) {
    case 'pickle':
      return { contentType: CONTENT_TYPES.pickle, body: findPickle(matches) }
    case 'msgpack':
      return {
        contentType: CONTENT_TYPES.msgpack,
        body: encodeMsgpack(
          matches.map((m) => {
            // carbonapi reads isLeaf, graphite-web is_leaf.
            const node: Record<string, unknown> = { path: m.path, is_leaf: m.isLeaf, isLeaf: m.isLeaf }
            if (m.isLeaf) node.intervals = m.interval ? [m.interval] : []
            return node
          }),
        ),
      }
    case 'json':
      return {
        contentType: CONTENT_TYPES.json,
        body: JSON.stringify(
          [...matches]
            .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
            .map((m) =>
              m.isLeaf
                ? {
                    path: m.path,
                    is_leaf: true,
                    intervals: m.interval ? [{ start: m.interval[0], end: m.interval[1] }] : [],
                  }
                : { path: m.path, is_leaf: false },
            ),
        ),
      }
    case 'treejson': {
      const seen = new Set<string>()
      const branches: object[] = []
      const leaves: object[] = []
      for (const m of matches) {
        const text = lastComponent(m.path)
        if (seen.has(text)) continue
        seen.add(text)
        if (m.isLeaf) leaves.push({ text, id: m.path, allowChildren: 0, expandable: 0, leaf: 1 })
        else branches.push({ text, id: m.path, allowChildren: 1, expandable: 1, leaf: 0 })
      }
      return { contentType: CONTENT_TYPES.json, body: JSON.stringify([...branches, ...leaves]) }
    }
    case 'completer':
      return {
        contentType: CONTENT_TYPES.json,
        body: JSON.stringify({
          metrics: matches.map((m) => ({
            path: m.isLeaf ? m.path : `${m.path}.`,
            name: lastComponent(m.path),
            is_leaf: m.isLeaf ? '1' : '0',
          })),
        }),
      }
    case 'carbonapi_v3_pb':
      return {
        contentType: CONTENT_TYPES.v3,
        body: encodeMessage('v3', 'MultiGlobResponse', {
          metrics: answers.map((a) => ({
            name: a.query,
            matches: a.matches.map((m) => ({ path: m.path, isLeaf: m.isLeaf })),
          })),
        }),
      }
    case 'carbonapi_v2_pb':
      return {
        contentType: CONTENT_TYPES.v2,
        body: encodeMessage('v2', 'GlobResponse', {
          name: answers[0]?.query ?? '',
          matches: matches.map((m) => ({ path: m.path, isLeaf: m.isLeaf })),
        }),
      }
  }
}

/** go-carbon's spelling of the consolidation function: the aggregation method, capitalised. */
function consolidationFunc(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1)
}

/**
 * A series as a graphite-web backend sends it in pickle and msgpack: start, end and step as integers
 * (bigints stay ints; graphite-web divides by step), the values as floats.
 */
function graphiteWebSeries(s: Series) {
  return {
    name: s.name,
    pathExpression: s.pathExpression,
    start: BigInt(s.start),
    end: BigInt(s.end),
    step: BigInt(s.step),
    values: valueList(s),
    valuesPerPoint: 1n,
    consolidationFunc: 'average',
    xFilesFactor: s.xFilesFactor,
  }
}

/**
 * A buffer of at least `bytes` for an answer's encoding: a read thread's spare one, given back by the
 * main thread once the answer before was sent (pool.ts), or undefined (then one is allocated).
 */
export type Alloc = (bytes: number) => Buffer | undefined

export function encodeRender(format: RenderFormat, series: readonly Series[], alloc?: Alloc): Encoded {
  switch (format) {
    case 'pickle':
      return { contentType: CONTENT_TYPES.pickle, body: renderPickle(series, alloc) }
    case 'msgpack':
      return {
        contentType: CONTENT_TYPES.msgpack,
        body: encodeMsgpack(series.map(graphiteWebSeries)),
      }
    case 'json': {
      // Written as text: a day of 1-minute points for 100 series is 144,000 pairs, and building
      // them as arrays for JSON.stringify costs several times more.
      const parts: string[] = []
      for (const s of series) {
        const points = new Array<string>(s.values.length)
        for (let i = 0; i < s.values.length; i++) {
          const v = s.values[i]!
          points[i] =
            `[${s.known[i] === 1 && Number.isFinite(v) ? String(v) : 'null'},${s.start + i * s.step}]`
        }
        const name = JSON.stringify(s.name)
        parts.push(`{"target":${name},"tags":{"name":${name}},"datapoints":[${points.join(',')}]}`)
      }
      // Bytes, not a string: encoded here (a read thread), moved to the main thread, not copied.
      return { contentType: CONTENT_TYPES.json, body: Buffer.from(`[${parts.join(',')}]`) }
    }
    case 'carbonapi_v3_pb':
      return {
        contentType: CONTENT_TYPES.v3,
        body: encodeMessage('v3', 'MultiFetchResponse', {
          metrics: series.map((s) => ({
            name: s.name,
            pathExpression: s.pathExpression,
            consolidationFunc: consolidationFunc(s.aggregationMethod),
            startTime: s.start,
            stopTime: s.end,
            stepTime: s.step,
            xFilesFactor: s.xFilesFactor,
            values: Array.from(s.values, (v, i) => (s.known[i] === 1 ? v : NaN)),
            requestStartTime: s.requestStart,
            requestStopTime: s.requestStop,
          })),
        }),
      }
    case 'carbonapi_v2_pb':
      return {
        contentType: CONTENT_TYPES.v2,
        body: encodeMessage('v2', 'MultiFetchResponse', {
          metrics: series.map((s) => ({
            name: s.name,
            startTime: s.start,
            stopTime: s.end,
            stepTime: s.step,
            values: Array.from(s.values, (v, i) => (s.known[i] === 1 ? v : 0)),
            isAbsent: Array.from(s.known, (k) => k !== 1),
          })),
        }),
      }
  }
}
