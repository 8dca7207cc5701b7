// Whisper file, big-endian, no padding:
//   File        = Header Archive+
//   Header      = Metadata ArchiveInfo{archiveCount}
//   Metadata    = aggregationType:u32 maxRetention:u32 xFilesFactor:f32 archiveCount:u32   16 bytes
//   ArchiveInfo = offset:u32 secondsPerPoint:u32 points:u32                                12 bytes
//   Archive     = Point{points}, archive i starting at ArchiveInfo[i].offset
//   Point       = timestamp:u32 value:f64                                                  12 bytes
// Archives are stored in ascending secondsPerPoint order and are contiguous: archive 0 starts right
// after the header. An empty slot is 12 zero bytes; timestamp 0 marks an empty archive base.

import { didYouMean } from '../format/did-you-mean.js'

export const METADATA_SIZE = 16
export const ARCHIVE_INFO_SIZE = 12
export const POINT_SIZE = 12
export const MAX_UINT32 = 4294967295

/** whisper's aggregationMethods, in whisper's order (used in help texts). */
export const AGGREGATION_METHODS = [
  'average',
  'sum',
  'last',
  'max',
  'min',
  'avg_zero',
  'absmax',
  'absmin',
] as const
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number]

/** whisper's aggregationMethodToType: the code stored in the header. */
export const AGGREGATION_TYPES = {
  average: 1,
  sum: 2,
  last: 3,
  max: 4,
  min: 5,
  avg_zero: 6,
  absmax: 7,
  absmin: 8,
} as const satisfies Record<AggregationMethod, number>

export function isAggregationMethod(name: string): name is AggregationMethod {
  return Object.hasOwn(AGGREGATION_TYPES, name)
}

/** Names people type for a method, mapped to whisper's. */
const AGGREGATION_SYNONYMS: Readonly<Record<string, AggregationMethod>> = {
  avg: 'average',
  mean: 'average',
  total: 'sum',
  maximum: 'max',
  minimum: 'min',
  latest: 'last',
}

/** whisper's message for an unknown method, with the method probably meant (`avg`: average). */
export function unrecognizedAggregationMessage(name: string): string {
  const meant = didYouMean(name, AGGREGATION_METHODS, AGGREGATION_SYNONYMS)
  return `Unrecognized aggregation method: ${name}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
}

/** The method for a header code, or undefined when the code is not one of whisper's eight. */
export function aggregationMethodOf(code: number): AggregationMethod | undefined {
  return code >= 1 && code <= 8 ? AGGREGATION_METHODS[code - 1] : undefined
}

export const DEFAULT_X_FILES_FACTOR = 0.5
export const DEFAULT_AGGREGATION_METHOD: AggregationMethod = 'average'

/** Python's `a % n` for a positive n: the result has the sign of n. */
export function mod(a: number, n: number): number {
  const r = a % n
  return r < 0 ? r + n : r
}

/**
 * whisper's interval alignment: `ts - ts % step` with Python's modulo. For integers by floor
 * division, exact below 2^53 (the quotient of two integers cannot round across an integer there):
 * `%` is a floating-point remainder (a call to fmod) for timestamps past V8's small integers, and
 * was a third of a fill's cost.
 */
export function alignTimestamp(timestamp: number, step: number): number {
  if (Number.isInteger(timestamp) && Number.isInteger(step)) return Math.floor(timestamp / step) * step
  return timestamp - mod(timestamp, step)
}

/** The header size for `archiveCount` archives. */
export function headerSizeFor(archiveCount: number): number {
  return METADATA_SIZE + ARCHIVE_INFO_SIZE * archiveCount
}

/** The size of a file with these archives: header plus 12 bytes per point. */
export function fileSizeFor(
  archives: readonly (readonly [secondsPerPoint: number, points: number])[],
): number {
  let total = headerSizeFor(archives.length)
  for (const [, points] of archives) total += points * POINT_SIZE
  return total
}
