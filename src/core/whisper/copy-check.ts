// Is every point of a source whisper file at its destination? A copy made by fill rules keeps the
// destination's points, so a source point counts as present when the destination has a point at the
// same timestamp in an archive of the same step, whatever its value (the destination's won: it arrived
// through the relay after the ring changed). Points about to leave an archive's window are not
// checked: the two files are read moments apart and the oldest interval may rotate out in between.
// A destination's points held elsewhere (a daemon's cache, not yet in its file: `keep`) count as
// present in every archive whose interval holds them, as fill.ts treats them. Pure: the two files'
// bytes and the clock come in. Used by the admin API's batch fill (on the node, right after the fill)
// and by `carbon rebalance`/`carbon sync` (src/core/cluster).

import type { ArchiveInfo } from './codec.js'
import { decodeHeader, decodePointTimestamp, decodePointValue } from './codec.js'
import { POINT_SIZE } from './format.js'

export interface CopyCheck {
  /** Source points looked for at the destination. */
  checked: number
  /** Of those, the ones the destination does not have. */
  missing: number
  /** A few missing `timestamp@step` for the message. */
  examples: string[]
}

/** The valid points of an archive in the window (now - retention + margin, now + step]. */
function archivePoints(
  bytes: Uint8Array,
  archive: ArchiveInfo,
  now: number,
  marginSeconds: number,
): Map<number, number> {
  const step = archive.secondsPerPoint
  const oldest = now - archive.retention + Math.max(marginSeconds, step)
  const newest = now + step
  const points = new Map<number, number>()
  for (let i = 0; i < archive.points; i++) {
    const at = archive.offset + i * POINT_SIZE
    const timestamp = decodePointTimestamp(bytes, at)
    if (timestamp === 0 || timestamp % step !== 0 || timestamp <= oldest || timestamp > newest) continue
    points.set(timestamp, decodePointValue(bytes, at))
  }
  return points
}

/**
 * The source's points missing at the destination.
 * @throws CorruptFileError when either file is not whisper.
 */
export function checkCopy(
  source: Uint8Array,
  destination: Uint8Array,
  now: number,
  options: {
    marginSeconds?: number
    names?: { source: string; destination: string }
    /** Timestamps of points the destination holds outside its file (its node's cache). */
    keep?: ArrayLike<number>
  } = {},
): CopyCheck {
  const margin = options.marginSeconds ?? 60
  const sourceHeader = decodeHeader(source, options.names?.source ?? 'source', source.byteLength)
  const destinationHeader = decodeHeader(
    destination,
    options.names?.destination ?? 'destination',
    destination.byteLength,
  )
  const result: CopyCheck = { checked: 0, missing: 0, examples: [] }
  for (const archive of sourceHeader.archives) {
    const peer = destinationHeader.archives.find((a) => a.secondsPerPoint === archive.secondsPerPoint)
    // A destination without this step holds these points only as roll-ups: nothing to compare with.
    if (!peer) continue
    const window = Math.min(archive.retention, peer.retention)
    const wanted = archivePoints(source, { ...archive, retention: window }, now, margin)
    if (wanted.size === 0) continue
    const have = archivePoints(destination, { ...peer, retention: window }, now, margin)
    const step = archive.secondsPerPoint
    for (let k = 0; k < (options.keep?.length ?? 0); k++) {
      const t = options.keep![k]!
      have.set(t - (((t % step) + step) % step), 0)
    }
    for (const timestamp of wanted.keys()) {
      result.checked++
      if (have.has(timestamp)) continue
      result.missing++
      if (result.examples.length < 3) result.examples.push(`${timestamp}@${archive.secondsPerPoint}s`)
    }
  }
  return result
}
