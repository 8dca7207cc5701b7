// Python values as carbonkit holds them after unpickling, and what the encoder accepts:
//   None → null · bool → boolean · float → number · str → string
//   int  → number when it is a safe integer, else bigint (or always bigint: `ints: 'bigint'`)
//   bytes, bytearray → Uint8Array (a copy)
//   list → array · tuple → frozen array (isTuple) · dict → Map · set → Set · frozenset → frozen Set
// Dict keys compare the JavaScript way (SameValueZero): two equal tuples are two keys, and 1 and
// True are different keys. Shared references and cycles come back as shared references and cycles.

import { formatRepr } from '../python/format.js'

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | ReadonlySet<PickleValue>

/** Values encodePickle accepts: PickleValue, plus plain objects as dicts with string keys. */
export type PicklableValue =
  | PickleValue
  | readonly PicklableValue[]
  | ReadonlyMap<PicklableValue, PicklableValue>
  | ReadonlySet<PicklableValue>
  | { readonly [key: string]: PicklableValue }

/** A Python tuple: a frozen array. */
export function tuple(...items: PickleValue[]): readonly PickleValue[] {
  return Object.freeze(items)
}

export function isTuple(value: unknown): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value)
}

/** A Python frozenset: a frozen Set. */
export function frozenSet(items: Iterable<PickleValue>): ReadonlySet<PickleValue> {
  return Object.freeze(new Set(items))
}

export function isContainer(value: PickleValue): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array)
}

export function typeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return isTuple(value) ? 'tuple' : 'list'
  if (value instanceof Map) return 'dict'
  if (value instanceof Set) return Object.isFrozen(value) ? 'frozenset' : 'set'
  if (value instanceof Uint8Array) return 'bytes'
  switch (typeof value) {
    case 'boolean':
      return 'bool'
    case 'number':
      return 'float'
    case 'bigint':
      return 'int'
    case 'string':
      return 'str'
    default:
      return typeof value
  }
}

/** Python's repr() of a decoded value, for messages (short: containers are summarised). */
export function describePickleValue(value: PickleValue): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value)
  if (typeof value === 'number') return formatRepr(value)
  if (typeof value === 'bigint') return value.toString()
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (value instanceof Uint8Array) return `bytes of length ${value.length}`
  if (Array.isArray(value)) return `${typeName(value)} of length ${value.length}`
  if (value instanceof Map || value instanceof Set) return `${typeName(value)} of size ${value.size}`
  return typeName(value)
}
