// Length-prefixed frames: carbon's pickle receiver (2004) and CarbonLink (7002) are Twisted
// Int32StringReceivers. Pure: bytes in, frames out.
//
//   Stream = Frame*
//   Frame  = length:u32be body:byte{length}
//
// carbon closes the connection on a frame over its limit (PICKLE_RECEIVER_MAX_LENGTH, 1 MiB, for
// pickle; 1 GiB for CarbonLink). The decoder here reports it and skips the body as it arrives,
// without buffering it: a 4 GiB length prefix costs nothing but the bytes actually sent.

import { InvalidArgumentError } from '../errors.js'

export const FRAME_HEADER_BYTES = 4
/** carbon's PICKLE_RECEIVER_MAX_LENGTH default: 2**20. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20
/** The largest length a u32 prefix can carry. */
export const MAX_FRAME_LENGTH = 0xffffffff

/**
 * A frame: the 4-byte big-endian length, then the body.
 * @throws InvalidArgumentError when the body is longer than `maxFrameBytes` (default: what u32 can hold).
 */
export function encodeFrame(body: Uint8Array, maxFrameBytes = MAX_FRAME_LENGTH): Buffer {
  if (body.length > maxFrameBytes) {
    throw new InvalidArgumentError(`frame of ${body.length} bytes is over the limit of ${maxFrameBytes}`)
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length)
  frame.writeUInt32BE(body.length, 0)
  frame.set(body, FRAME_HEADER_BYTES)
  return frame
}

export interface FrameDecoderOptions {
  /** Frames longer than this are reported and skipped. Default 1 MiB (carbon's pickle limit). */
  maxFrameBytes?: number
  /** A complete body. It may be a view into a pushed chunk: use or copy it before returning. */
  onFrame(body: Buffer): void
  /** A frame over the limit; its body will be skipped. */
  onOversize?(length: number): void
}

export interface FrameEnd {
  /** True when the stream stopped inside a frame (its header or body). */
  truncated: boolean
  /** Bytes of that frame received (header included). */
  receivedBytes: number
  /** Bytes it still needed. */
  missingBytes: number
}

export interface FrameDecoder {
  /** Feed the next chunk; chunks may split frames and headers anywhere. */
  push(chunk: Uint8Array): void
  /** Stop decoding: later pushes are ignored (for a transport that closes on a bad frame). */
  stop(): void
  /** The stream ended: whether it stopped inside a frame. */
  end(): FrameEnd
}

/** An incremental decoder for length-prefixed frames. Holds at most one frame of maxFrameBytes. */
export function createFrameDecoder(options: FrameDecoderOptions): FrameDecoder {
  const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const header = Buffer.alloc(FRAME_HEADER_BYTES)
  let headerBytes = 0
  // The frame being read: its length, its body so far (null while skipping an oversize body).
  let length = -1
  let body: Buffer | null = null
  let bodyBytes = 0
  let stopped = false

  const startFrame = (frameLength: number): void => {
    length = frameLength
    bodyBytes = 0
    if (frameLength > max) {
      body = null
      options.onOversize?.(frameLength)
    } else {
      body = Buffer.allocUnsafe(frameLength)
    }
  }
  const finishFrame = (): void => {
    const done = body
    length = -1
    body = null
    bodyBytes = 0
    if (done !== null) options.onFrame(done)
  }

  return {
    push(input: Uint8Array): void {
      const chunk = Buffer.isBuffer(input)
        ? input
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
      let pos = 0
      const n = chunk.length
      while (pos < n && !stopped) {
        if (length < 0) {
          // Fast path: a whole frame inside this chunk is handed over without a copy.
          if (headerBytes === 0 && n - pos >= FRAME_HEADER_BYTES) {
            const frameLength = chunk.readUInt32BE(pos)
            if (frameLength <= max && n - pos - FRAME_HEADER_BYTES >= frameLength) {
              const start = pos + FRAME_HEADER_BYTES
              pos = start + frameLength
              options.onFrame(chunk.subarray(start, pos))
              continue
            }
          }
          const take = Math.min(FRAME_HEADER_BYTES - headerBytes, n - pos)
          chunk.copy(header, headerBytes, pos, pos + take)
          headerBytes += take
          pos += take
          if (headerBytes < FRAME_HEADER_BYTES) break
          headerBytes = 0
          startFrame(header.readUInt32BE(0))
          if (length === 0) finishFrame()
          continue
        }
        const take = Math.min(length - bodyBytes, n - pos)
        if (body !== null) chunk.copy(body, bodyBytes, pos, pos + take)
        bodyBytes += take
        pos += take
        if (bodyBytes === length) finishFrame()
      }
    },
    stop(): void {
      stopped = true
    },
    end(): FrameEnd {
      if (length >= 0) {
        return {
          truncated: true,
          receivedBytes: FRAME_HEADER_BYTES + bodyBytes,
          missingBytes: length - bodyBytes,
        }
      }
      if (headerBytes > 0) {
        return { truncated: true, receivedBytes: headerBytes, missingBytes: FRAME_HEADER_BYTES - headerBytes }
      }
      return { truncated: false, receivedBytes: 0, missingBytes: 0 }
    },
  }
}
