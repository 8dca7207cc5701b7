// Giving memory back to the system, for a long-running command whose working set just shrank (carbon
// serve after a million metrics went idle). Two steps, both needed: a full garbage collection (V8
// collects an idle heap late or never: nothing allocates to trigger it), then glibc's malloc_trim(0),
// which returns the free pages of every malloc arena (the native buffers freed by that collection,
// and the writer threads' arenas) instead of keeping them for a burst that may never come again.
// Each step is skipped where it cannot be had (no glibc, no koffi build for the platform).

import { createRequire } from 'node:module'
import { loadCollector } from '../../core/daemon/collect.js'

type Trim = (pad: number) => number

/** undefined: not loaded yet; null: not available here. */
let gc: (() => void) | null | undefined
let mallocTrim: Trim | null | undefined

function loadTrim(): Trim | null {
  try {
    const require = createRequire(import.meta.url)
    const koffi = require('koffi') as { load(name: string): { func(signature: string): Trim } }
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)')
  } catch {
    return null
  }
}

/** Collect the heap and return free memory to the system (a pause of the order of 10-100 ms). */
export function reclaimMemory(): void {
  if (gc === undefined) gc = loadCollector() ?? null
  if (mallocTrim === undefined) mallocTrim = loadTrim()
  gc?.()
  mallocTrim?.(0)
}
