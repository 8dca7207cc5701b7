// The one decoder and encoder of whisper's binary structures (grammar in format.ts). info, fetch,
// dump, update, check, resize and the daemon all go through here. Pure: no I/O, no clock.

import { CorruptFileError, InvalidAggregationMethodError, InvalidXFilesFactorError } from '../errors.js'
import { formatRepr } from '../python/format.js'
import type { AggregationMethod } from './format.js'
import {
  AGGREGATION_TYPES,
  ARCHIVE_INFO_SIZE,
  MAX_UINT32,
  METADATA_SIZE,
  POINT_SIZE,
  aggregationMethodOf,
  headerSizeFor,
  unrecognizedAggregationMessage,
} from './format.js'

/** One archive as whisper's info() describes it (same keys, same order). */
export interface ArchiveInfo {
  offset: number
  secondsPerPoint: number
  points: number
  retention: number
  size: number
}

/** A decoded header, with whisper's info() keys in whisper's order. */
export interface Header {
  aggregationMethod: AggregationMethod
  maxRetention: number
  /** The stored float32 widened to a double, as whisper reports it (0.3 reads as 0.30000001192092896). */
  xFilesFactor: number
  archives: ArchiveInfo[]
}

function view(bytes: Uint8Array): DataView {
  // A Buffer may be a view into a shared pool: always pass byteOffset AND byteLength.
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * The archive count stored in the metadata, to know how many header bytes to read.
 * @throws CorruptFileError when there are fewer than 16 bytes.
 */
export function decodeArchiveCount(bytes: Uint8Array, path: string): number {
  if (bytes.byteLength < METADATA_SIZE) {
    throw new CorruptFileError(path, `header is ${bytes.byteLength} bytes, need ${METADATA_SIZE}`)
  }
  return view(bytes).getUint32(12)
}

/**
 * Decode the header at the start of `bytes` and check it against the file's size. Pure: no I/O.
 * Besides whisper's own checks (aggregation code 1..8, 0 <= xFilesFactor <= 1, complete archive
 * infos) it refuses what whisper would only trip over later: archives with no points or a zero
 * step, and archives that start inside the header or end past the end of the file (truncation).
 * @throws CorruptFileError naming the first problem found.
 */
export function decodeHeader(bytes: Uint8Array, path: string, fileSizeBytes: number): Header {
  const archiveCount = decodeArchiveCount(bytes, path)
  const v = view(bytes)
  const aggregationType = v.getUint32(0)
  const maxRetention = v.getUint32(4)
  const xFilesFactor = v.getFloat32(8)
  const aggregationMethod = aggregationMethodOf(aggregationType)
  if (aggregationMethod === undefined) {
    throw new CorruptFileError(path, `unknown aggregation type ${aggregationType}`)
  }
  if (!(xFilesFactor >= 0 && xFilesFactor <= 1)) {
    throw new CorruptFileError(path, `xFilesFactor ${formatRepr(xFilesFactor)} is not between 0 and 1`)
  }
  if (archiveCount === 0) throw new CorruptFileError(path, 'archive count is 0')
  const headerSize = headerSizeFor(archiveCount)
  if (headerSize > fileSizeBytes) {
    throw new CorruptFileError(
      path,
      `archive count ${archiveCount} needs a ${headerSize}-byte header but the file has ${fileSizeBytes} bytes`,
    )
  }
  if (bytes.byteLength < headerSize) {
    const complete = Math.floor((bytes.byteLength - METADATA_SIZE) / ARCHIVE_INFO_SIZE)
    throw new CorruptFileError(path, `archive ${complete} info is truncated`)
  }
  const archives: ArchiveInfo[] = []
  for (let i = 0; i < archiveCount; i++) {
    const at = METADATA_SIZE + i * ARCHIVE_INFO_SIZE
    const offset = v.getUint32(at)
    const secondsPerPoint = v.getUint32(at + 4)
    const points = v.getUint32(at + 8)
    if (secondsPerPoint === 0) throw new CorruptFileError(path, `archive ${i} has 0 seconds per point`)
    if (points === 0) throw new CorruptFileError(path, `archive ${i} has no points`)
    const size = points * POINT_SIZE
    if (offset < headerSize) {
      throw new CorruptFileError(
        path,
        `archive ${i} starts at byte ${offset}, inside the ${headerSize}-byte header`,
      )
    }
    if (offset + size > fileSizeBytes) {
      throw new CorruptFileError(
        path,
        `archive ${i} ends at byte ${offset + size} but the file has ${fileSizeBytes} bytes (truncated)`,
      )
    }
    archives.push({ offset, secondsPerPoint, points, retention: secondsPerPoint * points, size })
  }
  return { aggregationMethod, maxRetention, xFilesFactor, archives }
}

/**
 * Encode the 16-byte metadata, checking the method and xFilesFactor first as whisper's
 * __writeHeaderMetadata does, but refusing NaN (whisper stores it and then reads the file as corrupt).
 * @throws InvalidAggregationMethodError, InvalidXFilesFactorError
 */
export function encodeMetadata(
  aggregationMethod: string,
  maxRetention: number,
  xFilesFactor: number,
  archiveCount: number,
): Buffer {
  const type = (AGGREGATION_TYPES as Record<string, number>)[aggregationMethod]
  if (type === undefined || !Object.hasOwn(AGGREGATION_TYPES, aggregationMethod)) {
    throw new InvalidAggregationMethodError(unrecognizedAggregationMessage(aggregationMethod))
  }
  checkXFilesFactor(xFilesFactor)
  const out = Buffer.alloc(METADATA_SIZE)
  out.writeUInt32BE(type, 0)
  out.writeUInt32BE(maxRetention, 4)
  out.writeFloatBE(xFilesFactor, 8)
  out.writeUInt32BE(archiveCount, 12)
  return out
}

/**
 * whisper's xFilesFactor rule (`not between 0 and 1`), with NaN refused too.
 * @throws InvalidXFilesFactorError
 */
export function checkXFilesFactor(xFilesFactor: number): void {
  if (Number.isNaN(xFilesFactor)) {
    throw new InvalidXFilesFactorError('Invalid xFilesFactor nan, not a number between 0 and 1')
  }
  if (xFilesFactor < 0 || xFilesFactor > 1) {
    throw new InvalidXFilesFactorError(
      `Invalid xFilesFactor ${formatRepr(xFilesFactor)}, not between 0 and 1`,
    )
  }
}

/**
 * Encode a whole header for a sorted, validated archive list.
 * @throws InvalidAggregationMethodError, InvalidXFilesFactorError
 */
export function encodeHeader(
  archiveList: readonly (readonly [secondsPerPoint: number, points: number])[],
  xFilesFactor: number,
  aggregationMethod: string,
): Buffer {
  let maxRetention = 0
  for (const [secondsPerPoint, points] of archiveList) {
    maxRetention = Math.max(maxRetention, secondsPerPoint * points)
  }
  const headerSize = headerSizeFor(archiveList.length)
  const out = Buffer.alloc(headerSize)
  encodeMetadata(aggregationMethod, maxRetention, xFilesFactor, archiveList.length).copy(out, 0)
  let offset = headerSize
  archiveList.forEach(([secondsPerPoint, points], i) => {
    const at = METADATA_SIZE + i * ARCHIVE_INFO_SIZE
    out.writeUInt32BE(offset, at)
    out.writeUInt32BE(secondsPerPoint, at + 4)
    out.writeUInt32BE(points, at + 8)
    offset += points * POINT_SIZE
  })
  return out
}

/** The timestamp of the point at `at` in `bytes`. */
export function decodePointTimestamp(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
}

const valueView = new DataView(new ArrayBuffer(8))
const valueBytes = new Uint8Array(valueView.buffer)

/** The value of the point at `at` in `bytes`. */
export function decodePointValue(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) valueBytes[i] = bytes[at + 4 + i]!
  return valueView.getFloat64(0)
}

/** Write one point at `at` in `out`. `timestamp` must already be a u32. */
export function encodePoint(out: Uint8Array, at: number, timestamp: number, value: number): void {
  out[at] = timestamp >>> 24
  out[at + 1] = (timestamp >>> 16) & 0xff
  out[at + 2] = (timestamp >>> 8) & 0xff
  out[at + 3] = timestamp & 0xff
  valueView.setFloat64(0, value)
  for (let i = 0; i < 8; i++) out[at + 4 + i] = valueBytes[i]!
}

/** True when `timestamp` fits whisper's u32 timestamp field. */
export function isStorableTimestamp(timestamp: number): boolean {
  return Number.isInteger(timestamp) && timestamp >= 0 && timestamp <= MAX_UINT32
}
