// Is every point of a source whisper file at its destination? A copy made by fill rules keeps the
// destination's points, so a source point counts as present when the destination has a point at the
// same timestamp in an archive of the same step, whatever its value (the destination's won: it arrived
// through the relay after the ring changed). Points about to leave an archive's window are not
// checked: the two files are read moments apart and the oldest interval may rotate out in between.
// A destination's points held elsewhere (a daemon's cache, not yet in its file: `keep`) count as
// present in every archive whose interval holds them, as fill.ts treats them. Pure: the two files'
// bytes and the clock come in. Used by the admin API's batch fill (on the node, right after the fill)
// and by `carbon rebalance`/`carbon sync` (src/core/cluster).

import { decodeHeader, decodePointTimestamp } from './codec.js'
import { POINT_SIZE, alignTimestamp } from './format.js'

export interface CopyCheck {
  /** Source points looked for at the destination. */
  checked: number
  /** Of those, the ones the destination does not have. */
  missing: number
  /** A few missing `timestamp@step` for the message. */
  examples: string[]
}

/** The oldest interval's margin by default: points this close to leaving an archive are not checked. */
const COPY_CHECK_MARGIN = 60

/**
 * The source points checkCopy looks for in an archive of `step`, whose window shared with the
 * destination's archive of that step is `window` seconds: aligned timestamps in (oldest, newest],
 * short of the oldest interval's margin. `countCopied` (admin-jobs.ts) counts the same points.
 */
export function checkedRange(
  step: number,
  window: number,
  now: number,
  margin = COPY_CHECK_MARGIN,
): { oldest: number; newest: number } {
  return { oldest: now - window + Math.max(margin, step), newest: now + step }
}

/** The intervals of `step` holding a kept timestamp (none: undefined). */
function keptIntervals(keep: ArrayLike<number> | undefined, step: number): Set<number> | undefined {
  if (keep === undefined || keep.length === 0) return undefined
  const intervals = new Set<number>()
  for (let k = 0; k < keep.length; k++) {
    const t = keep[k]!
    intervals.add(t - (((t % step) + step) % step))
  }
  return intervals
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
  const margin = options.marginSeconds ?? COPY_CHECK_MARGIN
  const sourceHeader = decodeHeader(source, options.names?.source ?? 'source', source.byteLength)
  const destinationHeader = decodeHeader(
    destination,
    options.names?.destination ?? 'destination',
    destination.byteLength,
  )
  const result: CopyCheck = { checked: 0, missing: 0, examples: [] }
  const sourceView = new DataView(source.buffer, source.byteOffset, source.byteLength)
  const destinationView = new DataView(destination.buffer, destination.byteOffset, destination.byteLength)
  for (const archive of sourceHeader.archives) {
    const peer = destinationHeader.archives.find((a) => a.secondsPerPoint === archive.secondsPerPoint)
    // A destination without this step holds these points only as roll-ups: nothing to compare with.
    if (!peer) continue
    const step = archive.secondsPerPoint
    const { oldest, newest } = checkedRange(step, Math.min(archive.retention, peer.retention), now, margin)
    const kept = keptIntervals(options.keep, step)
    // A point of the destination can only be in its slot (whisper reads nowhere else): no table of
    // the destination's points is built, each source point is looked up where it must be.
    // DataViews, and the slot by floor division (exact for these integers): `%` of timestamps, past
    // V8's small integers, is a call to fmod (alignTimestamp avoids it the same way).
    const peerBase = destinationView.getUint32(peer.offset)
    for (let i = 0; i < archive.points; i++) {
      const timestamp = sourceView.getUint32(archive.offset + i * POINT_SIZE)
      if (timestamp === 0 || timestamp !== alignTimestamp(timestamp, step)) continue
      if (timestamp <= oldest || timestamp > newest) continue
      result.checked++
      if (peerBase !== 0) {
        const distance = (timestamp - peerBase) / step
        if (Number.isInteger(distance)) {
          const slot = distance - Math.floor(distance / peer.points) * peer.points
          if (destinationView.getUint32(peer.offset + slot * POINT_SIZE) === timestamp) continue
        } else {
          // A base off the step (a damaged file): the slot as before, between two points.
          const slot = ((distance % peer.points) + peer.points) % peer.points
          if (decodePointTimestamp(destination, peer.offset + slot * POINT_SIZE) === timestamp) continue
        }
      }
      if (kept?.has(timestamp)) continue
      result.missing++
      if (result.examples.length < 3) result.examples.push(`${timestamp}@${step}s`)
    }
  }
  return result
}
