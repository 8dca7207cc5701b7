// The framing of the admin API's batch transfers (many whisper files in one HTTP body): per file a
// 4-byte big-endian length, that many bytes of a JSON header (one object, at least `name`; `bytes`
// when file bytes follow), then `bytes` bytes of the file. Pure: the server (src/core/http/admin.ts)
// and the client (src/core/http/admin-client.ts) both speak it. Every length is checked against
// the bytes left before anything is sliced, so a lying length costs nothing.

export interface FrameHeader {
  name: string
  /** Bytes of file that follow the header (absent: none). */
  bytes?: number
  [key: string]: unknown
}

export interface Frame {
  header: FrameHeader
  /** The file's bytes (a view of the body), empty when the header has no `bytes`. */
  body: Buffer
}

/** A body that is not a sequence of frames: why, as one line. */
export class FrameError extends Error {}

/** One frame's bytes: the length prefix and header; the file's bytes go after them as they are. */
export function encodeFrameHead(header: FrameHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const head = Buffer.allocUnsafe(4 + json.byteLength)
  head.writeUInt32BE(json.byteLength, 0)
  json.copy(head, 4)
  return head
}

/** Frames as one list of buffers, to be written (or concatenated) in order. */
export function encodeFrames(frames: readonly { header: FrameHeader; body?: Uint8Array }[]): Buffer[] {
  const out: Buffer[] = []
  for (const { header, body } of frames) {
    out.push(encodeFrameHead(body === undefined ? header : { ...header, bytes: body.byteLength }))
    if (body !== undefined) out.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  }
  return out
}

/**
 * Every frame of a body.
 * @throws FrameError when it is not frames, a header is not a JSON object with a string name, or a
 * length points past the end.
 */
export function decodeFrames(body: Buffer, maxHeaderBytes = 64 * 1024): Frame[] {
  const frames: Frame[] = []
  let at = 0
  while (at < body.byteLength) {
    if (body.byteLength - at < 4) throw new FrameError(`a frame is cut short at byte ${at}`)
    const length = body.readUInt32BE(at)
    at += 4
    if (length > maxHeaderBytes || length > body.byteLength - at)
      throw new FrameError(`a frame header of ${length} bytes at byte ${at - 4} is too long`)
    let header: FrameHeader
    try {
      header = JSON.parse(body.toString('utf8', at, at + length)) as FrameHeader
    } catch {
      throw new FrameError(`a frame header at byte ${at - 4} is not JSON`)
    }
    at += length
    if (header === null || typeof header !== 'object' || typeof header.name !== 'string')
      throw new FrameError(`a frame header at byte ${at - length - 4} has no name`)
    const bytes = header.bytes ?? 0
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > body.byteLength - at)
      throw new FrameError(`the file of ${JSON.stringify(header.name)} is cut short`)
    frames.push({ header, body: body.subarray(at, at + bytes) })
    at += bytes
  }
  return frames
}
