// What every protocol carries: a metric name, a value and a timestamp, plus the rules carbon applies
// to a point whichever receiver it came through (carbon.protocols.MetricReceiver.metricReceived).
// Pure.

/** One datapoint. `timestamp` is epoch seconds and may be fractional, as in carbon's cache. */
export interface MetricPoint {
  metric: string
  value: number
  timestamp: number
}

/** Where carbon reads "now" into a timestamp: `int(timestamp) == -1`, so -1.5 counts as well. */
export function meansNow(timestamp: number): boolean {
  return timestamp <= -1 && timestamp > -2
}

/** `now` as the decoders take it: a fixed time, or a clock read only when a point needs it. */
export type Now = number | (() => number)

export function readNow(now: Now): number {
  return typeof now === 'function' ? now() : now
}

/**
 * Python's whitespace (str.split()), NUL, and lone surrogates (no UTF-8 form). A name holding one of
 * these cannot travel in a plaintext line; NUL names break carbon's file creation in any protocol.
 */
const LINE_UNSAFE = /[\0\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/
const NUL = /\0/
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Why `metric` cannot be sent, or undefined when it can. Plaintext (`line`, `udp`) names may not
 * contain whitespace; no name may be empty, contain NUL or be invalid UTF-16.
 */
export function checkMetricName(metric: string, plaintext: boolean): string | undefined {
  if (metric.length === 0) return 'metric name is empty'
  if (LONE_SURROGATE.test(metric)) return 'metric name is not valid Unicode (lone surrogate)'
  if (plaintext ? LINE_UNSAFE.test(metric) : NUL.test(metric)) {
    return plaintext
      ? 'metric name contains whitespace or NUL, which the plaintext protocol cannot carry'
      : 'metric name contains NUL'
  }
  return undefined
}
