// The raw contents of a whisper file, slot by slot in file order (all archives, or the one asked
// for), read in fixed-size chunks so that dumping a file of any size takes constant memory.

import type { WhisperFile } from './file.js'
import { closeWhisperFile, openWhisperFile, readAt } from './file.js'
import { selectArchiveByPrecision } from './fetch.js'
import { POINT_SIZE } from './format.js'
import type { WhisperInfo } from './info.js'
import { infoOf } from './info.js'

/** A run of consecutive slots of one archive, as stored (timestamp:u32 value:f64 each). */
export interface DumpChunk {
  archive: number
  /** Slot index of the first point in `bytes`. */
  firstSlot: number
  /** The raw points; decode them with decodePointTimestamp and decodePointValue. */
  bytes: Buffer
}

export interface Dump {
  info: WhisperInfo
  /** The archive chosen with `archive` (its index), or undefined for all of them. */
  selected?: number
  /** The archives' slots in file order. Iterate once; the file closes when iteration ends. */
  chunks: Iterable<DumpChunk>
}

/** Points per read: 64 KiB of data at a time. */
const CHUNK_POINTS = 5461

function* readChunks(file: WhisperFile, selected: number | undefined): Generator<DumpChunk> {
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_POINTS * POINT_SIZE)
    for (const [index, archive] of file.header.archives.entries()) {
      if (selected !== undefined && index !== selected) continue
      for (let slot = 0; slot < archive.points; slot += CHUNK_POINTS) {
        const count = Math.min(CHUNK_POINTS, archive.points - slot)
        const bytes = readAt(
          file.fd,
          file.path,
          archive.offset + slot * POINT_SIZE,
          count * POINT_SIZE,
          buffer,
        )
        yield { archive: index, firstSlot: slot, bytes: bytes.subarray(0, count * POINT_SIZE) }
      }
    }
  } finally {
    closeWhisperFile(file)
  }
}

export interface DumpOptions {
  /** Only the archive with this precision (`1m`, `60`), as fetch's archiveToSelect. */
  archive?: string | number
}

/**
 * Open a file for dumping. The chunk buffer is reused: consume each chunk before taking the next.
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (a directory, or no archive with the
 * precision asked for), InvalidRetentionError (a bad precision)
 */
export function openDump(path: string, options: DumpOptions = {}): Dump {
  const file = openWhisperFile(path, { write: false, lock: false })
  let selected: number | undefined
  try {
    if (options.archive !== undefined) {
      selected = file.header.archives.indexOf(selectArchiveByPrecision(file.header, options.archive))
    }
  } catch (error) {
    closeWhisperFile(file)
    throw error
  }
  return { info: infoOf(file), selected, chunks: readChunks(file, selected) }
}
