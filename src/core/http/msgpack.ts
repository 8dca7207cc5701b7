// msgpack for /metrics/find and /render: the one module that imports @msgpack/msgpack. Numbers are
// written as float64 (carbonapi reads a value as a number only when it is a float64; an integer
// encoding becomes NaN there); integers that must stay integers (start, end, step) are passed as
// bigint and written as unsigned 64-bit, which carbonapi's uint32 readers and graphite-web accept.

import { Encoder } from '@msgpack/msgpack'

const encoder = new Encoder({ forceIntegerToFloat: true, useBigInt64: true, ignoreUndefined: true })

export function encodeMsgpack(value: unknown): Uint8Array {
  return encoder.encode(value)
}
