// The exit statuses of wsp and carbon. Documented in both man pages: never renumber.

import { CoreError, ErrorCode } from '../../core/errors.js'

export const ExitCode = {
  OK: 0,
  /** Ran, and the answer is "no": lint found errors, diff found differences, check found corrupt files. */
  NO: 1,
  /** Usage: a bad flag, a bad time or retention spec on the command line. */
  USAGE: 2,
  /** An input path that does not exist. */
  NOT_FOUND: 3,
  /** Corrupt or malformed data: a whisper file, protocol input. */
  CORRUPT: 4,
  /** Configuration unreadable or invalid. */
  CONFIG: 5,
  /** Unavailable: connection refused or timed out, address in use. */
  UNAVAILABLE: 6,
  /** An internal error: a bug. */
  INTERNAL: 70,
  /** The target cannot be written: it exists (without --overwrite), permission denied, disk full. */
  CANNOT_WRITE: 73,
  /** Interrupted by SIGINT. */
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

const BY_CODE: Record<ErrorCode, ExitCode> = {
  [ErrorCode.INVALID_ARGUMENT]: ExitCode.USAGE,
  [ErrorCode.NOT_FOUND]: ExitCode.NOT_FOUND,
  [ErrorCode.CORRUPT_FILE]: ExitCode.CORRUPT,
  [ErrorCode.MALFORMED_INPUT]: ExitCode.CORRUPT,
  [ErrorCode.CONFIG]: ExitCode.CONFIG,
  [ErrorCode.UNAVAILABLE]: ExitCode.UNAVAILABLE,
  [ErrorCode.CANNOT_WRITE]: ExitCode.CANNOT_WRITE,
  [ErrorCode.ABORTED]: ExitCode.INTERRUPTED,
}

/** The exit status for an error; undefined when it is not a CoreError (a bug). */
export function exitCodeFor(error: unknown): ExitCode | undefined {
  return error instanceof CoreError ? BY_CODE[error.code] : undefined
}
