// Metric batches in pickle frames (carbon's pickle receiver, port 2004). Pure.
//
//   Batch = list | tuple of Item                     [(metric, (timestamp, value)), ...]
//   Item  = list | tuple of (Metric, Point)
//   Point = list | tuple of (Number, Number)         first the timestamp, then the value
//   Metric= str | bytes (UTF-8)
//   Number= int | float | bool | str or bytes that Python's float() reads ('1700000000', '7.5')
//
// That is carbon's MetricPickleReceiver.stringReceived, with its tolerance: list or tuple at both
// levels, numeric strings (the statsd-style protocol 0 pickles send values as strings), a NaN value
// dropped. Where carbon drops the whole connection and loses the rest of the batch (a bytes or
// int name, a non-finite timestamp, a non-list payload), one item (or the frame) is rejected here
// with a reason instead; bytes names are decoded as UTF-8.
//
// Carbon's client writes batches with pickle.dumps(datapoints, protocol=2), at most 500 points
// (MAX_DATAPOINTS_PER_MESSAGE) per frame; encodePickleMetrics writes the same shape. Those frames
// (and protocols 1 to 5 of the same data) are read by pickle-fast.ts straight from the bytes; any
// other frame goes through decodePickle, with the same results.

import { parsePythonFloat } from '../python/parse.js'
import type { PickleDecodeOptions, PickleValue } from './pickle.js'
import { OP, PickleError, PickleWriter, decodePickle, describePickleValue } from './pickle.js'
import type { NameSource } from './pickle-fast.js'
import { PickleBatchScanner } from './pickle-fast.js'
import type { MetricPoint, Now } from './points.js'
import { meansNow, readNow } from './points.js'

/** carbon's MAX_DATAPOINTS_PER_MESSAGE. */
export const MAX_POINTS_PER_MESSAGE = 500

export const PickleRejectReason = {
  /** Not a (metric, (timestamp, value)) pair: carbon logs "Error decoding pickle". */
  SHAPE: 'shape',
  /** A name that is neither str nor UTF-8 bytes (carbon drops the connection). */
  METRIC: 'metric',
  /** A timestamp float() cannot read (carbon skips the item silently). */
  TIMESTAMP: 'timestamp',
  /** A value float() cannot read (carbon skips the item silently). */
  VALUE: 'value',
  /** carbon drops NaN values silently. */
  NAN_VALUE: 'nan-value',
  /** inf or nan as the timestamp (carbon drops the connection). */
  TIMESTAMP_NOT_FINITE: 'timestamp-not-finite',
} as const
export type PickleRejectReason = (typeof PickleRejectReason)[keyof typeof PickleRejectReason]

export interface PickleReject {
  /** 0-based position of the item in the batch. */
  index: number
  reason: PickleRejectReason
  message: string
}

export interface PickleMetrics {
  points: MetricPoint[]
  rejects: PickleReject[]
}

export interface PickleMetricsOptions {
  /** The time that `-1` timestamps stand for. */
  now: Now
  /** Limits for the pickle decoder. */
  decode?: PickleDecodeOptions
  /**
   * ASCII metric names come from here instead of a new string per item (a receiver's NameInterner).
   * Other names are decoded as UTF-8, as without it.
   */
  names?: NameSource
  /** false: always decode with decodePickle, never the fast path (for comparisons). Default true. */
  fastPath?: boolean
}

export interface PickleMetricSinks {
  /** A point carbon would store: NaN values gone, -1 timestamps made now. */
  onPoint(metric: string, value: number, timestamp: number): void
  /** An item carbon would not store; `index` is its 0-based position in the batch. */
  onReject(index: number, reason: PickleRejectReason, message: string): void
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Python's float(x) for the types a pickle yields; undefined where Python raises. */
function pythonFloat(x: PickleValue): number | undefined {
  switch (typeof x) {
    case 'number':
      return x
    case 'string':
      return parsePythonFloat(x)
    case 'boolean':
      return x ? 1 : 0
    case 'bigint': {
      // float(int) raises OverflowError past the largest double.
      const n = Number(x)
      return Number.isFinite(n) ? n : undefined
    }
    default:
      if (x instanceof Uint8Array) {
        // float(bytes) reads ASCII only; Unicode digits need str.
        for (const byte of x) if (byte >= 0x80) return undefined
        return parsePythonFloat(Buffer.from(x).toString('latin1'))
      }
      return undefined
  }
}

function isSequence(x: PickleValue): x is readonly PickleValue[] {
  return Array.isArray(x)
}

const NOT_UTF8_NAME = 'metric name is bytes that are not UTF-8'
const NAN_VALUE = 'value is NaN (carbon drops NaN values)'

// The scanner of the frame being handed on. A callback that parses another frame meanwhile gets
// its own (rare: the daemon's do not).
const shared = new PickleBatchScanner()
let sharedBusy = false

/**
 * Hand each point of one pickle frame body to `onPoint` and each item carbon would not store to
 * `onReject`, in batch order, with exactly parsePickleMetrics' results but no object per point.
 * Nothing is handed on when the body is refused.
 * @throws PickleError (MalformedInputError) when the body is not a pickle this decoder accepts or
 * is not a list or tuple: carbon ignores the whole frame then ("invalid pickle received").
 */
export function forEachPickleMetric(
  body: Uint8Array,
  options: PickleMetricsOptions & PickleMetricSinks,
): void {
  const owned = !sharedBusy
  const scanner = owned ? shared : new PickleBatchScanner()
  if (owned) sharedBusy = true
  try {
    if (options.fastPath !== false && scanner.scan(body, options.decode, options.names)) {
      emitScanned(scanner, options)
      return
    }
  } finally {
    if (owned) sharedBusy = false
  }
  forEachDecoded(body, options)
}

function emitScanned(scanner: PickleBatchScanner, options: PickleMetricsOptions & PickleMetricSinks): void {
  const { count, metrics, entries, timestamps, values } = scanner
  // The whole frame was interned before its first point is handed on: each point's name is made the
  // interner's last again, so that what the receiver attached to it is found without a lookup.
  const names = options.names?.select !== undefined ? options.names : undefined
  for (let index = 0; index < count; index++) {
    const metric = metrics[index]
    if (metric === undefined) {
      options.onReject(index, 'metric', NOT_UTF8_NAME)
      continue
    }
    if (names !== undefined && entries[index]! >= 0) names.select!(entries[index]!)
    deliver(index, metric, values[index]!, timestamps[index]!, options)
  }
}

/** carbon's last checks on a well-formed item (NaN values dropped, timestamps finite), then onPoint. */
function deliver(
  index: number,
  metric: string,
  value: number,
  timestamp: number,
  options: PickleMetricsOptions & PickleMetricSinks,
): void {
  if (value !== value) return options.onReject(index, 'nan-value', NAN_VALUE)
  if (!Number.isFinite(timestamp)) {
    return options.onReject(
      index,
      'timestamp-not-finite',
      `timestamp ${describePickleValue(timestamp)} is not finite`,
    )
  }
  options.onPoint(metric, value, meansNow(timestamp) ? readNow(options.now) : timestamp)
}

/** The generic path: decodePickle, then carbon's rules item by item. */
function forEachDecoded(body: Uint8Array, options: PickleMetricsOptions & PickleMetricSinks): void {
  const batch = decodePickle(body, options.decode)
  if (!isSequence(batch)) {
    throw new PickleError(
      `the batch is a ${describePickleValue(batch)}, not a list of (metric, (timestamp, value))`,
      0,
    )
  }
  for (let index = 0; index < batch.length; index++) {
    const item = batch[index]!
    if (!isSequence(item) || item.length !== 2 || !isSequence(item[1]!) || item[1].length !== 2) {
      options.onReject(
        index,
        'shape',
        `item is ${describePickleValue(item)}, not (metric, (timestamp, value))`,
      )
      continue
    }
    const name = item[0]!
    const pair = item[1]
    const timestamp = pythonFloat(pair[0]!)
    if (timestamp === undefined) {
      options.onReject(index, 'timestamp', `timestamp ${describePickleValue(pair[0]!)} is not a number`)
      continue
    }
    const value = pythonFloat(pair[1]!)
    if (value === undefined) {
      options.onReject(index, 'value', `value ${describePickleValue(pair[1]!)} is not a number`)
      continue
    }
    let metric: string
    if (typeof name === 'string') {
      metric = name
    } else if (name instanceof Uint8Array) {
      try {
        metric = strictUtf8.decode(name)
      } catch {
        options.onReject(index, 'metric', NOT_UTF8_NAME)
        continue
      }
    } else {
      options.onReject(index, 'metric', `metric name is ${describePickleValue(name)}, not a string`)
      continue
    }
    deliver(index, metric, value, timestamp, options)
  }
}

/**
 * The points in one pickle frame body, with a reject for every item carbon would not store.
 * @throws PickleError (MalformedInputError) when the body is not a pickle this decoder accepts or
 * is not a list or tuple: carbon ignores the whole frame then ("invalid pickle received").
 */
export function parsePickleMetrics(body: Uint8Array, options: PickleMetricsOptions): PickleMetrics {
  const points: MetricPoint[] = []
  const rejects: PickleReject[] = []
  forEachPickleMetric(body, {
    now: options.now,
    decode: options.decode,
    names: options.names,
    fastPath: options.fastPath,
    onPoint: (metric, value, timestamp) => points.push({ metric, value, timestamp }),
    onReject: (index, reason, message) => rejects.push({ index, reason, message }),
  })
  return { points, rejects }
}

/**
 * One pickle frame body for these points, byte for byte as Python's pickle.dumps(batch, protocol=2)
 * in carbon's pickle client writes it: a list of `(metric, (timestamp, value))` tuples, the
 * timestamp an int when it is whole, the value a float.
 * The caller keeps to MAX_POINTS_PER_MESSAGE and checks names (checkMetricName).
 */
export function encodePickleMetrics(points: readonly MetricPoint[]): Buffer {
  const writer = new PickleWriter(64 + points.length * 48)
  writer.opcode(OP.EMPTY_LIST)
  writer.memoize()
  const item = (point: MetricPoint): void => {
    writer.string(point.metric)
    writer.memoize()
    if (Number.isSafeInteger(point.timestamp) && !Object.is(point.timestamp, -0)) writer.int(point.timestamp)
    else writer.float(point.timestamp)
    writer.float(point.value)
    writer.opcode(OP.TUPLE2)
    writer.memoize()
    writer.opcode(OP.TUPLE2)
    writer.memoize()
  }
  // CPython's batch_list_exact: one item is APPENDed, more go in batches of 1000 (MARK ... APPENDS).
  if (points.length === 1) {
    item(points[0]!)
    writer.opcode(OP.APPEND)
  } else {
    for (let i = 0; i < points.length; i += 1000) {
      writer.opcode(OP.MARK)
      for (let k = i; k < Math.min(points.length, i + 1000); k++) item(points[k]!)
      writer.opcode(OP.APPENDS)
    }
  }
  return writer.finish()
}
