// `wsp du`: apparent and allocated bytes and whisper file counts per subtree, down to a depth.

import type { WalkOptions } from './list.js'
import { scanTree } from './scan.js'

export interface DuEntry {
  /** The subtree's dotted name prefix; `.` for the whole directory. */
  name: string
  files: number
  apparentBytes: number
  allocatedBytes: number
}

export interface DuReport {
  schemaVersion: 1
  dir: string
  depth: number
  total: DuEntry
  /** Subtrees `depth` levels down (a metric above that depth counts as its own entry), largest first. */
  subtrees: DuEntry[]
}

/**
 * Sizes per subtree of `dir`.
 * @throws NotFoundError, InvalidArgumentError (not a directory), AbortedError
 */
export async function diskUsage(dir: string, depth: number, options: WalkOptions = {}): Promise<DuReport> {
  const total: DuEntry = { name: '.', files: 0, apparentBytes: 0, allocatedBytes: 0 }
  const byName = new Map<string, DuEntry>()
  for (const file of await scanTree(dir, { ...options, kind: 'sizes', depth })) {
    const name = file.group!
    let entry = byName.get(name)
    if (!entry) byName.set(name, (entry = { name, files: 0, apparentBytes: 0, allocatedBytes: 0 }))
    for (const e of [entry, total]) {
      e.files += file.count ?? 1
      e.apparentBytes += file.sizes!.apparentBytes
      e.allocatedBytes += file.sizes!.allocatedBytes
    }
  }
  const subtrees = depth === 0 ? [] : [...byName.values()]
  subtrees.sort(
    (a, b) =>
      b.allocatedBytes - a.allocatedBytes || b.apparentBytes - a.apparentBytes || (a.name < b.name ? -1 : 1),
  )
  return { schemaVersion: 1, dir, depth, total, subtrees }
}
