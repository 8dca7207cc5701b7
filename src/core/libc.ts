// The C library's functions that Node has no binding for (posix_fallocate, sched_setscheduler,
// malloc_trim, the inventory's openat and fstat...), through koffi, a maintained FFI whose package
// ships prebuilt binaries (no compiler at install). One place loads the library, once per thread:
// where it cannot be had (no koffi build for the platform, no glibc), every function is null and its
// caller does without (writes zeros, keeps its nice value, uses node:fs...).

import { createRequire } from 'node:module'

interface Koffi {
  load(name: string): { func(signature: string): unknown }
  errno(): number
}

const LIBC_NAMES = ['libc.so.6', 'libc.so']

/** undefined: not loaded yet; null: not available here. */
let libc: { func(signature: string): unknown } | null | undefined
let koffi: Koffi | undefined

function library(): { func(signature: string): unknown } | null {
  if (libc !== undefined) return libc
  libc = null
  try {
    const require = createRequire(import.meta.url)
    koffi = require('koffi') as Koffi
    for (const name of LIBC_NAMES) {
      try {
        libc = koffi.load(name)
        break
      } catch {
        // Try the next name.
      }
    }
  } catch {
    // No koffi build for this platform.
  }
  return libc
}

/** The C library's function of this koffi `signature`, or null where it cannot be had. */
export function libcFunction<F>(signature: string): F | null {
  try {
    return (library()?.func(signature) as F | undefined) ?? null
  } catch {
    // Not in this C library.
    return null
  }
}

/** errno after the last call through libcFunction on this thread (0 where the library is not loaded). */
export function libcErrno(): number {
  return koffi?.errno() ?? 0
}
