// The raw contents of a whisper file, slot by slot in file order, read in fixed-size chunks so that
// dumping a file of any size takes constant memory.

import type { WhisperFile } from './file.js'
import { closeWhisperFile, openWhisperFile, readAt } from './file.js'
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
  /** The archives' slots in file order. Iterate once; the file closes when iteration ends. */
  chunks: Iterable<DumpChunk>
}

/** Points per read: 64 KiB of data at a time. */
const CHUNK_POINTS = 5461

function* readChunks(file: WhisperFile): Generator<DumpChunk> {
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_POINTS * POINT_SIZE)
    for (const [index, archive] of file.header.archives.entries()) {
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

/**
 * Open a file for dumping. The chunk buffer is reused: consume each chunk before taking the next.
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (a directory)
 */
export function openDump(path: string): Dump {
  const file = openWhisperFile(path, { write: false, lock: false })
  return { info: infoOf(file), chunks: readChunks(file) }
}
