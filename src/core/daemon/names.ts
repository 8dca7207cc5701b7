// From a metric name to its file, refusing names that cannot be one: carbon writes any name it is
// sent, so a NUL byte, a path component longer than the file system allows, or a name that would
// end up outside the data directory costs its points (carbon logs an error per flush). carbonkit
// rejects such a name when it arrives and counts it.

import path from 'node:path'
import { encodeMetricPath } from '../protocol/tags.js'

/** The longest file name most file systems take (bytes). */
const NAME_MAX = 255

export type NameCheck = { ok: true; path: string } | { ok: false; reason: string }

/** `dataDir` as path.join puts it before a component (with its separator), for the last data directory. */
let prefixOf = { dataDir: '', prefix: '' }

/**
 * The file of a plain dotted ASCII name (`a.b.c`: printable, no `/` or `;`, no empty component, none
 * longer than NAME_MAX), which is every name a busy daemon sees new by the thousand: the same string
 * path.join makes, without splitting, joining and checking it (a burst of 10,000 new names spent 9%
 * of the receiving thread here). Undefined for anything else: the general rules below decide.
 */
function plainFile(metric: string, dataDir: string): string | undefined {
  let component = 0
  for (let i = 0; i < metric.length; i++) {
    const c = metric.charCodeAt(i)
    if (c === 0x2e) {
      if (component === 0) return undefined
      component = 0
    } else if (c <= 0x20 || c >= 0x7f || c === 0x2f || c === 0x3b || ++component > NAME_MAX) {
      return undefined
    }
  }
  // The last component gets `.wsp`.
  if (component === 0 || component + 4 > NAME_MAX) return undefined
  if (prefixOf.dataDir !== dataDir) prefixOf = { dataDir, prefix: path.join(dataDir, 'x').slice(0, -1) }
  return prefixOf.prefix + metric.replaceAll('.', '/') + '.wsp'
}

/** The file for a (normalised) metric name under `dataDir`, or why there cannot be one. */
export function metricFile(metric: string, dataDir: string, hashFilenames: boolean): NameCheck {
  const plain = plainFile(metric, dataDir)
  if (plain !== undefined) return { ok: true, path: plain }
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
