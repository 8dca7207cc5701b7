// whisper's merge: copy the points of one file into another with the same archives, archive by
// archive over (from, until], through update_many's writer (so lower archives are propagated).
// Source values overwrite destination values; destination values where the source has none stay.

import { InvalidArgumentError } from '../errors.js'
import { readArchiveColumns } from './fetch.js'
import type { WhisperFile } from './file.js'
import { withWhisperFile } from './file.js'
import { alignTimestamp } from './format.js'
import { archiveUpdateMany } from './update.js'

export interface MergeOptions {
  /** Start of the window (exclusive), default 0. */
  from?: number
  /** End of the window (inclusive), default now. */
  until?: number
  now?: number
}

export interface MergeResult {
  from: string
  to: string
  /** Points copied per archive (before propagation). */
  pointsPerArchive: number[]
}

/** The check whisper's merge and diff make: the same archive list. */
export function checkSameArchives(a: WhisperFile, b: WhisperFile, verb: 'merging' | 'diffing'): void {
  const same =
    a.header.archives.length === b.header.archives.length &&
    a.header.archives.every((x, i) => {
      const y = b.header.archives[i]!
      return x.offset === y.offset && x.secondsPerPoint === y.secondsPerPoint && x.points === y.points
    })
  if (!same) {
    throw new InvalidArgumentError(
      `${a.path} and ${b.path} archive configurations are unalike. Resize the input before ${verb}`,
    )
  }
}

/**
 * Merge `fromPath` into `toPath` (whisper's merge; the destination is locked while it is written).
 * @throws NotFoundError, CorruptFileError, InvalidArgumentError (unalike files, until < from)
 */
export function merge(fromPath: string, toPath: string, options: MergeOptions = {}): MergeResult {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const until = options.until ?? now
  const from = options.from ?? 0
  if (until < from) throw new InvalidArgumentError('time_to must be >= time_from')
  return withWhisperFile(fromPath, { write: false, lock: false }, (source) =>
    withWhisperFile(toPath, { write: true, lock: true }, (target) => {
      checkSameArchives(source, target, 'merging')
      const order = source.header.archives
        .map((a, i) => [a, i] as const)
        .sort((x, y) => x[0].retention - y[0].retention)
      const pointsPerArchive = source.header.archives.map(() => 0)
      for (const [archive, index] of order) {
        const archiveFrom = Math.max(from, now - archive.retention)
        if (until < now - archive.retention) continue
        const step = archive.secondsPerPoint
        const fromInterval = alignTimestamp(archiveFrom, step) + step
        let untilInterval = alignTimestamp(until, step) + step
        if (fromInterval === untilInterval) untilInterval += step
        const count = Math.floor((untilInterval - fromInterval) / step)
        const { values, known } = readArchiveColumns(source, archive, fromInterval, count)
        const timestamps: number[] = []
        const kept: number[] = []
        for (let i = 0; i < count; i++) {
          if (known[i] === 1) {
            timestamps.push(fromInterval + i * step)
            kept.push(values[i]!)
          }
        }
        if (timestamps.length === 0) continue
        archiveUpdateMany(target, index, timestamps, kept)
        pointsPerArchive[index] = timestamps.length
      }
      return { from: fromPath, to: toPath, pointsPerArchive }
    }),
  )
}
