// whisper's info(), plus the file size that whisper-info adds. Unlike whisper, a missing file is an
// error (whisper returns None) and a truncated file is reported as corrupt.

import { InvalidArgumentError } from '../errors.js'
import type { ArchiveInfo } from './codec.js'
import type { WhisperFile } from './file.js'
import { withWhisperFile } from './file.js'
import type { AggregationMethod } from './format.js'

/** whisper-info's document: whisper's info() keys in whisper's order, then fileSize. */
export interface WhisperInfo {
  aggregationMethod: AggregationMethod
  maxRetention: number
  xFilesFactor: number
  archives: ArchiveInfo[]
  fileSize: number
}

/** The info document of an open file. */
export function infoOf(file: WhisperFile): WhisperInfo {
  const { header, fileSizeBytes } = file
  return {
    aggregationMethod: header.aggregationMethod,
    maxRetention: header.maxRetention,
    xFilesFactor: header.xFilesFactor,
    archives: header.archives,
    fileSize: fileSizeBytes,
  }
}

/**
 * Read a file's header.
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (a directory)
 */
export function readInfo(path: string): WhisperInfo {
  return withWhisperFile(path, { write: false, lock: false }, infoOf)
}

/** The fields whisper-info prints one of. */
export const INFO_FIELDS = [
  'aggregationMethod',
  'maxRetention',
  'xFilesFactor',
  'archives',
  'fileSize',
] as const
export type InfoField = (typeof INFO_FIELDS)[number]

/**
 * Check a field name for `wsp info file field`.
 * @throws InvalidArgumentError with whisper-info's message
 */
export function checkInfoField(name: string): InfoField {
  if (!(INFO_FIELDS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`Unknown field "${name}". Valid fields are ${INFO_FIELDS.join(',')}`)
  }
  return name as InfoField
}
