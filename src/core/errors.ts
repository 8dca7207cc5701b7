// Every expected failure in carbonkit's core is a CoreError subclass with a stable `code`.
// The cli maps codes to exit statuses in one place (src/cli/shared/exit-codes.ts); anything
// else that reaches the top is a bug. Messages are one line and name the thing involved.

export const ErrorCode = {
  /** A bad value given by the caller: a time, a retention, a flag value. */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** An input path that does not exist. */
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** A whisper file that cannot be what it claims to be. */
  CORRUPT_FILE: 'ERR_CORRUPT_FILE',
  /** Malformed input data (a point line, a protocol frame). */
  MALFORMED_INPUT: 'ERR_MALFORMED_INPUT',
  /** A configuration file that cannot be read or is invalid. */
  CONFIG: 'ERR_CONFIG',
  /** A peer that refused, timed out or an address already in use. */
  UNAVAILABLE: 'ERR_UNAVAILABLE',
  /** The target cannot be written: it exists, permission is denied, the disk is full. */
  CANNOT_WRITE: 'ERR_CANNOT_WRITE',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'ERR_ABORTED',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export class CoreError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A caller-supplied value is not acceptable (exit status 2 on the command line). */
export class InvalidArgumentError extends CoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_ARGUMENT, message, options)
  }
}

/** whisper's InvalidConfiguration: an archive list that whisper would refuse. */
export class InvalidConfigurationError extends InvalidArgumentError {}
/** whisper's InvalidAggregationMethod. */
export class InvalidAggregationMethodError extends InvalidArgumentError {}
/** whisper's InvalidXFilesFactor. */
export class InvalidXFilesFactorError extends InvalidArgumentError {}
/** whisper's InvalidTimeInterval. */
export class InvalidTimeIntervalError extends InvalidArgumentError {}
/** whisper's TimestampNotCovered. */
export class TimestampNotCoveredError extends InvalidArgumentError {
  constructor(message = 'Timestamp not covered by any archives in this database.') {
    super(message)
  }
}
/** A retention definition that whisper's parseRetentionDef rejects (whisper raises ValueError). */
export class InvalidRetentionError extends InvalidArgumentError {}

export class NotFoundError extends CoreError {
  readonly path: string
  constructor(path: string, options?: { cause?: unknown; what?: string }) {
    super(ErrorCode.NOT_FOUND, `${path}: ${options?.what ?? 'no such file or directory'}`, options)
    this.path = path
  }
}

/** whisper's CorruptWhisperFile, with a precise reason instead of "Unable to read header". */
export class CorruptFileError extends CoreError {
  readonly path: string
  readonly reason: string
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_FILE, `${path}: corrupt whisper file: ${reason}`, options)
    this.path = path
    this.reason = reason
  }
}

export class MalformedInputError extends CoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.MALFORMED_INPUT, message, options)
  }
}

export class ConfigError extends CoreError {
  readonly path: string
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CONFIG, `${path}: ${message}`, options)
    this.path = path
  }
}

export class UnavailableError extends CoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.UNAVAILABLE, message, options)
  }
}

export class CannotWriteError extends CoreError {
  readonly path: string
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CANNOT_WRITE, `${path}: ${message}`, options)
    this.path = path
  }
}

export class AbortedError extends CoreError {
  constructor(message = 'aborted', options?: { cause?: unknown }) {
    super(ErrorCode.ABORTED, message, options)
  }
}

/** Node's system errors carry a string `code` such as ENOENT. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

/**
 * Turn a Node system error raised while opening or reading `path` into the CoreError an operator
 * understands. Errors that are not system errors are returned unchanged (they are bugs).
 */
export function fromSystemError(error: unknown, path: string, writing: boolean): unknown {
  const code = systemErrorCode(error)
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NotFoundError(path, { cause: error })
    case 'EISDIR':
      return new InvalidArgumentError(`${path}: is a directory, not a whisper file`, { cause: error })
    case 'EACCES':
    case 'EPERM':
      return writing
        ? new CannotWriteError(path, 'permission denied', { cause: error })
        : new NotFoundError(path, { cause: error, what: 'permission denied' })
    case 'ENOSPC':
      return new CannotWriteError(path, 'no space left on device', { cause: error })
    case 'EDQUOT':
      return new CannotWriteError(path, 'disk quota exceeded', { cause: error })
    case 'EROFS':
      return new CannotWriteError(path, 'read-only file system', { cause: error })
    case 'EEXIST':
      return new CannotWriteError(path, 'file exists', { cause: error })
    case 'ENAMETOOLONG':
      return new InvalidArgumentError(`${path}: file name too long`, { cause: error })
    case 'EFBIG':
      return new CannotWriteError(path, 'file too large (file size limit)', { cause: error })
    case 'EIO':
      return new CannotWriteError(path, 'input/output error', { cause: error })
    default:
      return error
  }
}
