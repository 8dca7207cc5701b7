// Python values between the oracle's tagged JSON and carbonkit's pickle values, for round trips.

import type { PickleValue } from '../../src/core/protocol/pickle.js'
import { frozenSet, isTuple, tuple } from '../../src/core/protocol/pickle.js'
import type { Typed } from './protocol-oracle.js'
import { f2h, h2f } from './reference.js'

/** A decoded value (decoded with ints: 'bigint') as the oracle's tagged JSON. */
export function toTyped(value: PickleValue): Typed {
  if (value === null) return { t: 'none' }
  switch (typeof value) {
    case 'boolean':
      return { t: 'bool', v: value }
    case 'bigint':
      return { t: 'int', v: value.toString() }
    case 'number':
      return { t: 'float', v: f2h(value)! }
    case 'string':
      return { t: 'str', v: value }
  }
  if (value instanceof Uint8Array) return { t: 'bytes', v: Buffer.from(value).toString('hex') }
  if (Array.isArray(value)) return { t: isTuple(value) ? 'tuple' : 'list', v: value.map((x) => toTyped(x)) }
  if (value instanceof Map) return { t: 'dict', v: [...value].map(([k, v]) => [toTyped(k), toTyped(v)]) }
  if (value instanceof Set)
    return { t: Object.isFrozen(value) ? 'frozenset' : 'set', v: [...value].map((x) => toTyped(x)) }
  throw new Error(`not a pickle value: ${String(value)}`)
}

/** The oracle's tagged JSON as a value for encodePickle (ints as bigint, floats as number). */
export function fromTyped(typed: Typed): PickleValue {
  switch (typed.t) {
    case 'none':
      return null
    case 'bool':
      return typed.v
    case 'int':
      return BigInt(typed.v)
    case 'float':
      return h2f(typed.v)!
    case 'str':
      return typed.v
    case 'bytes':
    case 'bytearray':
      return new Uint8Array(Buffer.from(typed.v, 'hex'))
    case 'list':
      return typed.v.map(fromTyped)
    case 'tuple':
      return tuple(...typed.v.map(fromTyped))
    case 'set':
      return new Set(typed.v.map(fromTyped))
    case 'frozenset':
      return frozenSet(typed.v.map(fromTyped))
    case 'dict':
      return new Map(typed.v.map(([k, v]) => [fromTyped(k), fromTyped(v)]))
  }
}

/** A canonical string for comparing typed values: sets sorted, NaN payloads kept. */
export function canonical(typed: Typed): string {
  switch (typed.t) {
    case 'set':
    case 'frozenset':
      return `${typed.t}{${typed.v.map(canonical).sort().join(',')}}`
    case 'list':
    case 'tuple':
      return `${typed.t}[${typed.v.map(canonical).join(',')}]`
    case 'dict':
      return `dict{${typed.v.map(([k, v]) => `${canonical(k)}:${canonical(v)}`).join(',')}}`
    case 'none':
      return 'None'
    default:
      return `${typed.t}(${JSON.stringify(typed.v)})`
  }
}
