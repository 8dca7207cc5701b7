// Giving memory back to the system, for a long-running command whose working set just shrank (carbon
// serve after a million metrics went idle). Two steps, both needed: a full garbage collection (V8
// collects an idle heap late or never: nothing allocates to trigger it), then glibc's malloc_trim(0),
// which returns the free pages of every malloc arena (the native buffers freed by that collection,
// and the writer threads' arenas) instead of keeping them for a burst that may never come again.
// Each step is skipped where it cannot be had (no glibc, no koffi build for the platform).

import { loadCollector } from '../../core/daemon/collect.js'
import { libcFunction } from '../../core/libc.js'

type Trim = (pad: number) => number

/** undefined: not loaded yet; null: not available here. */
let gc: (() => void) | null | undefined
let mallocTrim: Trim | null | undefined

/** Collect the heap and return free memory to the system (a pause of the order of 10-100 ms). */
export function reclaimMemory(): void {
  if (gc === undefined) gc = loadCollector() ?? null
  if (mallocTrim === undefined) mallocTrim = libcFunction<Trim>('int malloc_trim(size_t pad)')
  gc?.()
  mallocTrim?.(0)
}
