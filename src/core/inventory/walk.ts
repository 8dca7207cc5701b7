// A walk over the whisper files under a directory, by metric name, pruned by an optional glob.

import fs from 'node:fs'
import path from 'node:path'
import { InvalidArgumentError, fromSystemError } from '../errors.js'
import type { SegmentMatcher } from '../http/glob.js'
import { compileGlob, segmentMatches } from '../http/glob.js'

export interface MetricFile {
  /** Dotted name: the path under the directory without `.wsp`. */
  name: string
  path: string
  /** Path components under the directory, the last without `.wsp`. */
  segments: string[]
}

/**
 * Every `*.wsp` under `dir` (sorted by path), or those whose name matches `glob`.
 * @throws NotFoundError when `dir` cannot be read, InvalidArgumentError when it is not a directory
 * or the glob is invalid.
 */
export function walkMetrics(dir: string, glob?: string): MetricFile[] {
  const matchers = glob === undefined ? undefined : compileGlob(glob)
  let stat: fs.Stats
  try {
    stat = fs.statSync(dir)
  } catch (error) {
    throw fromSystemError(error, dir, false)
  }
  if (!stat.isDirectory()) throw new InvalidArgumentError(`${dir}: not a directory`)
  const out: MetricFile[] = []
  visit(dir, [], matchers, out)
  return out
}

function visit(
  dir: string,
  segments: string[],
  matchers: SegmentMatcher[] | undefined,
  out: MetricFile[],
): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    // A directory removed or unreadable while walking is skipped, not fatal.
    if (segments.length > 0) return
    throw fromSystemError(error, dir, false)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const depth = segments.length
  const matcher = matchers?.[depth]
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (matchers && (depth >= matchers.length - 1 || !segmentMatches(matcher!, entry.name))) continue
      visit(full, [...segments, entry.name], matchers, out)
    } else if (entry.isFile() && entry.name.endsWith('.wsp')) {
      const base = entry.name.slice(0, -4)
      if (matchers && (depth !== matchers.length - 1 || !segmentMatches(matcher!, base))) continue
      const all = [...segments, base]
      out.push({ name: all.join('.'), path: full, segments: all })
    }
  }
}
