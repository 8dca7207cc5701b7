// whisper-dump's output, written as bytes: `slot: timestamp, %10.35g` per point after the header
// blocks. Also the `--raw` lines (`timestamp:%.35g` per written slot, what `wsp update` reads back)
// and JSON Lines. With --archive, only that archive's points (the header stays whole).
// Constant memory: one 64 KiB chunk of the file at a time.

import { formatGeneral, formatRepr } from '../../../core/python/format.js'
import { writeGeneral } from '../../../core/python/format.js'
import { decodePointTimestamp, decodePointValue } from '../../../core/whisper/codec.js'
import type { Dump } from '../../../core/whisper/dump.js'
import type { WhisperInfo } from '../../../core/whisper/info.js'
import { POINT_SIZE } from '../../../core/whisper/format.js'
import { writeText, writeUint } from './ascii.js'
import { timeLabel } from './time-label.js'

export interface DumpView {
  dump: Dump
  pretty: boolean
  timeFormat?: string
}

function renderDumpHeader(info: WhisperInfo): string {
  const lines = [
    'Meta data:',
    `  aggregation method: ${info.aggregationMethod}`,
    `  max retention: ${info.maxRetention}`,
    `  xFilesFactor: ${formatGeneral(info.xFilesFactor, 6)}`,
    '',
  ]
  info.archives.forEach((archive, i) => {
    lines.push(
      `Archive ${i} info:`,
      `  offset: ${archive.offset}`,
      `  seconds per point: ${archive.secondsPerPoint}`,
      `  points: ${archive.points}`,
      `  retention: ${archive.retention}`,
      `  size: ${archive.size}`,
      '',
    )
  })
  return lines.join('\n') + '\n'
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Longest line: slot (10) + ': ' + time label + ', ' + value (up to ~330 digits for 1e300). */
const LINE_ROOM = 1024
const OUT_SIZE = 1 << 17

export function* renderDump(view: DumpView): Iterable<string | Uint8Array> {
  const { dump } = view
  yield renderDumpHeader(dump.info)
  const out = Buffer.allocUnsafe(OUT_SIZE)
  let pos = 0
  let currentArchive = -1
  for (const chunk of dump.chunks) {
    if (chunk.archive !== currentArchive) {
      currentArchive = chunk.archive
      pos = writeText(out, pos, `Archive ${currentArchive} data:\n`)
    }
    const points = viewOf(chunk.bytes)
    for (let at = 0, slot = chunk.firstSlot; at < points.byteLength; at += POINT_SIZE, slot++) {
      if (pos > OUT_SIZE - LINE_ROOM) {
        yield out.subarray(0, pos) // written out before the generator resumes: the buffer is reused
        pos = 0
      }
      const timestamp = points.getUint32(at)
      pos = writeUint(out, pos, slot)
      out[pos++] = 58 // ':'
      out[pos++] = 32
      pos = view.pretty
        ? writeText(out, pos, timeLabel(timestamp, true, view.timeFormat))
        : writeUint(out, pos, timestamp)
      out[pos++] = 44 // ','
      out[pos++] = 32
      pos = writeGeneral(out, pos, points.getFloat64(at + 4), 35, 10)
      out[pos++] = 10
    }
  }
  yield out.subarray(0, pos)
}

/** The line before each archive's `--raw` points: `wsp update` skips it as a comment. */
export function renderRawArchiveLine(info: WhisperInfo, archive: number): string {
  const { secondsPerPoint, points } = info.archives[archive]!
  return `# archive ${archive}: seconds per point ${secondsPerPoint}, points ${points}\n`
}

/**
 * `--raw`: `timestamp:value` (whisper-dump -r's format, upstream master) for every slot that holds a
 * point, each archive's after a `# archive N` line: a coarse archive's values are aggregates, which
 * must not be replayed into a file as raw points unless one asks for that archive (`--archive`).
 */
export function* renderDumpRaw(view: DumpView): Iterable<string | Uint8Array> {
  const out = Buffer.allocUnsafe(OUT_SIZE)
  let pos = 0
  let currentArchive = -1
  for (const chunk of view.dump.chunks) {
    if (chunk.archive !== currentArchive) {
      currentArchive = chunk.archive
      pos = writeText(out, pos, renderRawArchiveLine(view.dump.info, currentArchive))
    }
    const points = viewOf(chunk.bytes)
    for (let at = 0; at < points.byteLength; at += POINT_SIZE) {
      const timestamp = points.getUint32(at)
      // Timestamp 0 is a slot never written (whisper's own test for an empty slot).
      if (timestamp === 0) continue
      if (pos > OUT_SIZE - LINE_ROOM) {
        yield out.subarray(0, pos) // written out before the generator resumes: the buffer is reused
        pos = 0
      }
      pos = writeUint(out, pos, timestamp)
      out[pos++] = 58
      pos = writeGeneral(out, pos, points.getFloat64(at + 4), 35, 0)
      out[pos++] = 10
    }
  }
  yield out.subarray(0, pos)
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? formatRepr(value) : 'null'
}

/**
 * `--json`: JSON Lines, the header first, then one object per slot, empty ones included (each names
 * its archive and slot; NaN and infinities as null).
 */
export function* renderDumpJson(view: DumpView): Iterable<string> {
  const { info } = view.dump
  yield JSON.stringify({ schemaVersion: 1, ...info }) + '\n'
  for (const chunk of view.dump.chunks) {
    let text = ''
    const { bytes } = chunk
    for (let at = 0, slot = chunk.firstSlot; at < bytes.byteLength; at += POINT_SIZE, slot++) {
      const timestamp = decodePointTimestamp(bytes, at)
      const value = jsonNumber(decodePointValue(bytes, at))
      text += `{"archive":${chunk.archive},"slot":${slot},"timestamp":${timestamp},"value":${value}}\n`
    }
    yield text
  }
}
