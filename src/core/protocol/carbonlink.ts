// CarbonLink: the cache query protocol of carbon-cache (port 7002) that graphite-web uses to read
// points not yet written to disk. Both sides: the client's request encoder and response decoder
// (`carbon query`), and the server's request decoder and response encoder (`carbon serve`). Pure.
//
//   Stream   = Frame*                                 4-byte big-endian length + pickle (framing.ts)
//   Request  = {'type': 'cache-query',      'metric': M}
//            | {'type': 'cache-query-bulk', 'metrics': [M, ...]}
//            | {'type': 'get-metadata',     'metric': M, 'key': K}
//            | {'type': 'set-metadata',     'metric': M, 'key': K, 'value': V}
//   Response = {'datapoints': [(ts, v), ...]}                     cache-query; [] when not cached
//            | {'datapointsByMetric': {M: [(ts, v), ...], ...}}  cache-query-bulk
//            | {'value': V}                                      get-metadata
//            | {'old_value': O, 'new_value': V}                  set-metadata
//            | {'error': '<text>'}                               any failure; 'Invalid request type "X"'
//
// Several requests may be pipelined on one connection; responses come back in order, each pickled
// with protocol 2. Metric names are used verbatim (no tag normalisation). carbon closes the
// connection without a reply on a malformed request; decodeCarbonLinkRequest returns an error
// reply to send instead.

import { MalformedInputError } from '../errors.js'
import type { PicklableValue, PickleDecodeOptions, PickleValue } from './pickle.js'
import { decodePickle, describePickleValue, encodePickle, tuple } from './pickle.js'

export const CARBONLINK_REQUEST_TYPES = [
  'cache-query',
  'cache-query-bulk',
  'get-metadata',
  'set-metadata',
] as const
export type CarbonLinkRequestType = (typeof CARBONLINK_REQUEST_TYPES)[number]

export type CarbonLinkRequest =
  | { type: 'cache-query'; metric: string }
  | { type: 'cache-query-bulk'; metrics: string[] }
  | { type: 'get-metadata'; metric: string; key: string }
  | { type: 'set-metadata'; metric: string; key: string; value: PickleValue }

/** A cached point: [timestamp, value], as carbon's cache holds it (timestamps may be fractional). */
export type CachedPoint = [timestamp: number, value: number]

export type CarbonLinkResponse =
  | { kind: 'datapoints'; datapoints: CachedPoint[] }
  | { kind: 'datapointsByMetric'; datapointsByMetric: Map<string, CachedPoint[]> }
  | { kind: 'value'; value: PickleValue }
  | { kind: 'set-metadata'; oldValue: PickleValue; newValue: PickleValue }
  | { kind: 'error'; error: string }

/** What decodeCarbonLinkRequest gives for a request carbon cannot answer: the reply to send. */
export interface CarbonLinkBadRequest {
  type: 'bad-request'
  /** The error text for the reply (`Invalid request type "X"` for an unknown type, as carbon). */
  error: string
}

/** CarbonLink requests are small: 1 MiB is plenty (carbon accepts 1 GiB). */
export const CARBONLINK_MAX_REQUEST_BYTES = 1 << 20

// ---------------------------------------------------------------------------------------------
// Client side

/**
 * The pickle body of a request, a protocol 2 dict with graphite-web's key order.
 * Frame it with encodeFrame.
 */
export function encodeCarbonLinkRequest(request: CarbonLinkRequest): Buffer {
  const dict = new Map<PicklableValue, PicklableValue>([['type', request.type]])
  switch (request.type) {
    case 'cache-query':
      dict.set('metric', request.metric)
      break
    case 'cache-query-bulk':
      dict.set('metrics', [...request.metrics])
      break
    case 'get-metadata':
      dict.set('metric', request.metric)
      dict.set('key', request.key)
      break
    case 'set-metadata':
      dict.set('metric', request.metric)
      dict.set('key', request.key)
      dict.set('value', request.value)
      break
  }
  return encodePickle(dict)
}

function bad(message: string): never {
  throw new MalformedInputError(`invalid CarbonLink reply: ${message}`)
}

function asNumber(x: PickleValue, what: string): number {
  if (typeof x === 'number') return x
  if (typeof x === 'bigint') return Number(x)
  if (typeof x === 'boolean') return x ? 1 : 0
  return bad(`${what} is ${describePickleValue(x)}, not a number`)
}

function datapointList(x: PickleValue | undefined, what: string): CachedPoint[] {
  if (!Array.isArray(x))
    return bad(`${what} is ${x === undefined ? 'missing' : describePickleValue(x)}, not a list`)
  return (x as readonly PickleValue[]).map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) bad(`a point in ${what} is not a (timestamp, value) pair`)
    const [ts, value] = pair as readonly PickleValue[]
    return [asNumber(ts!, 'a timestamp'), asNumber(value!, 'a value')]
  })
}

function metricKey(x: PickleValue): string {
  if (typeof x === 'string') return x
  if (x instanceof Uint8Array) return Buffer.from(x).toString('utf8')
  return bad(`a metric name is ${describePickleValue(x)}`)
}

/**
 * Read a reply body. Which kind it is follows from its keys, as graphite-web reads them.
 * @throws MalformedInputError (a PickleError, or a reply of the wrong shape)
 */
export function decodeCarbonLinkResponse(
  body: Uint8Array,
  options?: PickleDecodeOptions,
): CarbonLinkResponse {
  const reply = decodePickle(body, options)
  if (!(reply instanceof Map)) return bad(`the reply is ${describePickleValue(reply)}, not a dict`)
  if (reply.has('error')) {
    const error = reply.get('error')!
    return { kind: 'error', error: typeof error === 'string' ? error : describePickleValue(error) }
  }
  if (reply.has('datapoints'))
    return { kind: 'datapoints', datapoints: datapointList(reply.get('datapoints'), 'datapoints') }
  if (reply.has('datapointsByMetric')) {
    const byMetric = reply.get('datapointsByMetric')!
    if (!(byMetric instanceof Map)) return bad('datapointsByMetric is not a dict')
    const out = new Map<string, CachedPoint[]>()
    for (const [metric, points] of byMetric)
      out.set(metricKey(metric), datapointList(points, `datapointsByMetric`))
    return { kind: 'datapointsByMetric', datapointsByMetric: out }
  }
  if (reply.has('old_value') || reply.has('new_value')) {
    return {
      kind: 'set-metadata',
      oldValue: reply.get('old_value') ?? null,
      newValue: reply.get('new_value') ?? null,
    }
  }
  if (reply.has('value')) return { kind: 'value', value: reply.get('value')! }
  return bad(
    `a dict with keys ${[...reply.keys()].map((k) => describePickleValue(k)).join(', ') || '(none)'}`,
  )
}

// ---------------------------------------------------------------------------------------------
// Server side

function pythonStr(x: PickleValue): string {
  if (typeof x === 'string') return x
  if (x instanceof Uint8Array) return `b'${Buffer.from(x).toString('latin1')}'`
  return describePickleValue(x)
}

/**
 * Read a request body. A request carbon would answer comes back typed; one it would not (garbage,
 * not a dict, a missing key, an unknown type) comes back as a bad request whose `error` is the reply
 * to send. Metric names in bytes are read as UTF-8.
 */
export function decodeCarbonLinkRequest(
  body: Uint8Array,
  options: PickleDecodeOptions = { maxInputBytes: CARBONLINK_MAX_REQUEST_BYTES },
): CarbonLinkRequest | CarbonLinkBadRequest {
  let request: PickleValue
  try {
    request = decodePickle(body, options)
  } catch (error) {
    if (error instanceof MalformedInputError) return { type: 'bad-request', error: error.message }
    throw error
  }
  if (!(request instanceof Map)) {
    return { type: 'bad-request', error: `invalid request: ${describePickleValue(request)}, not a dict` }
  }
  const field = (key: string): PickleValue | undefined => request.get(key)
  const type = field('type')
  if (type === undefined) return { type: 'bad-request', error: "invalid request: no 'type'" }
  const name = (key: string): string | CarbonLinkBadRequest => {
    const value = field(key)
    if (typeof value === 'string') return value
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
    return {
      type: 'bad-request',
      error: `invalid request: '${key}' is ${value === undefined ? 'missing' : describePickleValue(value)}`,
    }
  }
  switch (type) {
    case 'cache-query': {
      const metric = name('metric')
      return typeof metric === 'string' ? { type, metric } : metric
    }
    case 'cache-query-bulk': {
      const metrics = field('metrics')
      if (!Array.isArray(metrics)) {
        return { type: 'bad-request', error: "invalid request: 'metrics' is not a list" }
      }
      const names: string[] = []
      for (const m of metrics as readonly PickleValue[]) {
        if (typeof m === 'string') names.push(m)
        else if (m instanceof Uint8Array) names.push(Buffer.from(m).toString('utf8'))
        else return { type: 'bad-request', error: `invalid request: a metric is ${describePickleValue(m)}` }
      }
      return { type, metrics: names }
    }
    case 'get-metadata':
    case 'set-metadata': {
      const metric = name('metric')
      if (typeof metric !== 'string') return metric
      const key = name('key')
      if (typeof key !== 'string') return key
      if (type === 'get-metadata') return { type, metric, key }
      const value = field('value')
      if (value === undefined) return { type: 'bad-request', error: "invalid request: 'value' is missing" }
      return { type, metric, key, value }
    }
    default:
      return { type: 'bad-request', error: `Invalid request type "${pythonStr(type)}"` }
  }
}

function pointTuples(points: readonly CachedPoint[]): readonly PickleValue[][] {
  return points.map(([ts, value]) => tuple(ts, value) as unknown as PickleValue[])
}

/**
 * A reply body as carbon writes it: pickle protocol 2, points as (timestamp, value) tuples of floats.
 */
export function encodeCarbonLinkResponse(response: CarbonLinkResponse): Buffer {
  let dict: Map<PicklableValue, PicklableValue>
  switch (response.kind) {
    case 'datapoints':
      dict = new Map([['datapoints', pointTuples(response.datapoints)]])
      break
    case 'datapointsByMetric': {
      const byMetric = new Map<PicklableValue, PicklableValue>()
      for (const [metric, points] of response.datapointsByMetric) byMetric.set(metric, pointTuples(points))
      dict = new Map([['datapointsByMetric', byMetric]])
      break
    }
    case 'value':
      dict = new Map([['value', response.value]])
      break
    case 'set-metadata':
      dict = new Map([
        ['old_value', response.oldValue],
        ['new_value', response.newValue],
      ])
      break
    case 'error':
      dict = new Map([['error', response.error]])
      break
  }
  return encodePickle(dict, { numbers: 'float' })
}
