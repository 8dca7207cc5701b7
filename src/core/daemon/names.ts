// From a metric name to its file, refusing names that cannot be one: carbon writes any name it is
// sent, so a NUL byte, a path component longer than the file system allows, or a name that would
// end up outside the data directory costs its points (carbon logs an error per flush). carbonkit
// rejects such a name when it arrives and counts it.

import path from 'node:path'
import { encodeMetricPath } from '../protocol/tags.js'

/** The longest file name most file systems take (bytes). */
const NAME_MAX = 255

export type NameCheck = { ok: true; path: string } | { ok: false; reason: string }

/** The file for a (normalised) metric name under `dataDir`, or why there cannot be one. */
export function metricFile(metric: string, dataDir: string, hashFilenames: boolean): NameCheck {
  if (metric.length === 0) return { ok: false, reason: 'empty name' }
  if (metric.includes('\0')) return { ok: false, reason: 'NUL in name' }
  const relative = encodeMetricPath(metric, '/', hashFilenames) + '.wsp'
  const components = relative.split('/').filter((c) => c !== '')
  if (components.length === 0 || (components.at(-1) === '.wsp' && components.length === 1)) {
    return { ok: false, reason: 'name has no path' }
  }
  for (const component of components) {
    if (component === '..' || component === '.')
      return { ok: false, reason: 'path escapes the data directory' }
    if (Buffer.byteLength(component, 'utf8') > NAME_MAX)
      return { ok: false, reason: 'path component longer than 255 bytes' }
  }
  const file = path.join(dataDir, ...components)
  const inside = path.relative(dataDir, file)
  if (inside.startsWith('..') || path.isAbsolute(inside))
    return { ok: false, reason: 'path escapes the data directory' }
  return { ok: true, path: file }
}
