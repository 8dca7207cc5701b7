// whisper's setAggregationMethod and setXFilesFactor: rewrite the 16-byte metadata under the lock,
// after validating the new values (NaN refused: whisper stores it and corrupts the file).

import { InvalidAggregationMethodError } from '../errors.js'
import { checkXFilesFactor, encodeMetadata } from './codec.js'
import { flushFile, withWhisperFile, writeAt } from './file.js'
import type { AggregationMethod } from './format.js'
import { isAggregationMethod, unrecognizedAggregationMessage } from './format.js'

export interface AggregationChange {
  path: string
  old: { aggregationMethod: AggregationMethod; xFilesFactor: number }
  new: { aggregationMethod: string; xFilesFactor: number }
}

export interface SetAggregationOptions {
  /** flock(LOCK_EX) while writing (default true). */
  lock?: boolean
  /** fsync before closing. */
  fsync?: boolean
}

/**
 * Check a method and an xFilesFactor before touching any file (for operations over a tree).
 * @throws InvalidAggregationMethodError, InvalidXFilesFactorError with whisper's messages
 */
export function checkAggregation(
  aggregationMethod: string | undefined,
  xFilesFactor: number | undefined,
): void {
  if (aggregationMethod !== undefined && !isAggregationMethod(aggregationMethod)) {
    throw new InvalidAggregationMethodError(unrecognizedAggregationMessage(aggregationMethod))
  }
  if (xFilesFactor !== undefined) checkXFilesFactor(xFilesFactor)
}

/**
 * Set the aggregation method and/or xFilesFactor (undefined keeps the current one). Returns the old
 * and new values; the new xFilesFactor as stored (float32, widened).
 * @throws InvalidAggregationMethodError, InvalidXFilesFactorError (file untouched), NotFoundError, CorruptFileError
 */
export function setAggregation(
  path: string,
  aggregationMethod: string | undefined,
  xFilesFactor: number | undefined,
  options: SetAggregationOptions = {},
): AggregationChange {
  checkAggregation(aggregationMethod, xFilesFactor)
  return withWhisperFile(path, { write: true, lock: options.lock ?? true }, (file) => {
    const { header } = file
    const method = aggregationMethod ?? header.aggregationMethod
    const xff = xFilesFactor ?? header.xFilesFactor
    const metadata = encodeMetadata(method, header.maxRetention, xff, header.archives.length)
    writeAt(file.fd, file.path, metadata, 0)
    if (options.fsync) flushFile(file)
    return {
      path,
      old: { aggregationMethod: header.aggregationMethod, xFilesFactor: header.xFilesFactor },
      new: { aggregationMethod: method, xFilesFactor: Math.fround(xff) },
    }
  })
}

/** whisper's setAggregationMethod. */
export function setAggregationMethod(
  path: string,
  aggregationMethod: string,
  xFilesFactor?: number,
  options: SetAggregationOptions = {},
): AggregationChange {
  return setAggregation(path, aggregationMethod, xFilesFactor, options)
}

/** whisper's setXFilesFactor. */
export function setXFilesFactor(
  path: string,
  xFilesFactor: number,
  options: SetAggregationOptions = {},
): AggregationChange {
  return setAggregation(path, undefined, xFilesFactor, options)
}
