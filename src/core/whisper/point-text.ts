// Points as text: whisper-update's `timestamp:value` arguments (with `N:` meaning now) and the
// `timestamp:value` lines of `wsp dump --raw`. Numbers follow Python's int() and float(). Pure.

import { InvalidArgumentError, MalformedInputError } from '../errors.js'
import { parsePythonFloat, parsePythonInt } from '../python/parse.js'
import type { Point } from './update.js'

function parsePoint(text: string, now: number): Point | string {
  // whisper-update replaces every `N:` with the current time, then splits on every ':'.
  const parts = text.replaceAll('N:', `${now}:`).split(':')
  if (parts.length !== 2) return 'expected timestamp:value'
  const timestamp = parsePythonInt(parts[0]!)
  if (timestamp === undefined) return `timestamp '${parts[0]}' is not an integer`
  const value = parsePythonFloat(parts[1]!)
  if (value === undefined) return `value '${parts[1]}' is not a number`
  return [timestamp, value]
}

/**
 * One `timestamp:value` command-line argument.
 * @throws InvalidArgumentError
 */
export function parsePointArgument(text: string, now: number): Point {
  const point = parsePoint(text, now)
  if (typeof point === 'string') throw new InvalidArgumentError(`invalid point '${text}': ${point}`)
  return point
}

/** The line `wsp dump --raw` writes before each archive's points. */
const ARCHIVE_LINE = /^# archive (\d+):/

/**
 * `timestamp:value` lines (blank lines and `#` comments skipped). `firstLine` numbers the lines in messages.
 * Refuses a `wsp dump --raw` of several archives: written as raw points, the coarse archives'
 * aggregates would land in the finest archive (a copy with values the original never had).
 * @throws MalformedInputError naming the line; InvalidArgumentError for the dump of several archives
 */
export function parsePointLines(text: string, now: number, source = 'stdin', firstLine = 1): Point[] {
  const points: Point[] = []
  const lines = text.split('\n')
  const archives = new Set<string>()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    const archive = ARCHIVE_LINE.exec(line)
    if (archive) archives.add(archive[1]!)
    if (line === '' || line.startsWith('#')) continue
    const point = parsePoint(line, now)
    if (typeof point === 'string') {
      throw new MalformedInputError(`${source}:${firstLine + i}: invalid point '${line}': ${point}`)
    }
    points.push(point)
  }
  if (archives.size > 1) {
    throw new InvalidArgumentError(
      `${source}: the points of ${archives.size} archives (wsp dump --raw of a whole file) would all be ` +
        'written as raw points; pipe one archive (wsp dump --raw --archive PRECISION), or copy a file ' +
        'with wsp create and wsp merge',
    )
  }
  return points
}
