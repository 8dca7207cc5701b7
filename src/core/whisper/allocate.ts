// Reserving a new file's blocks without writing them, as carbon does with WHISPER_FALLOCATE_CREATE
// (Python's os.posix_fallocate) and go-carbon with fallocate(2). Node has no binding for it, so the
// C library's posix_fallocate(3) is called through koffi (../libc.ts). Writing zeros instead, as
// carbonkit did, costs a write of every byte: 8.5 GB for 10,000 new 855 KB files.
//
// posix_fallocate leaves the bytes reading as zeros, so the file is byte-identical to one filled
// with zeros. glibc emulates it where the file system has no fallocate(2). Where the call cannot be
// made at all (no koffi for the platform, no glibc), allocateBlocks says so and the caller writes
// zeros.

import { libcFunction } from '../libc.js'

type PosixFallocate = (fd: number, offset: number, length: number) => number

/** undefined: not loaded yet; null: not available here. */
let posixFallocate: PosixFallocate | null | undefined

/** Error names for posix_fallocate's return values that mean "cannot here", not "failed". */
const UNSUPPORTED = new Set([95 /* EOPNOTSUPP */, 22 /* EINVAL */, 38 /* ENOSYS */])
const ERRNO_NAMES: Record<number, string> = { 28: 'ENOSPC', 122: 'EDQUOT', 27: 'EFBIG', 5: 'EIO' }

/**
 * Reserve `length` bytes of `fd` from `offset`, extending the file; the bytes read as zeros. Returns
 * false when the system call is not available or not supported for this file, so that the caller
 * writes zeros instead.
 * @throws an Error with a system `code` (ENOSPC, EDQUOT...) when the blocks cannot be had.
 */
export function allocateBlocks(fd: number, offset: number, length: number): boolean {
  if (length <= 0) return true
  if (posixFallocate === undefined)
    posixFallocate = libcFunction<PosixFallocate>('int posix_fallocate(int fd, int64_t offset, int64_t len)')
  if (posixFallocate === null) return false
  const result = posixFallocate(fd, offset, length)
  if (result === 0) return true
  if (UNSUPPORTED.has(result)) return false
  const code = ERRNO_NAMES[result] ?? `E${result}`
  throw Object.assign(new Error(`${code}: posix_fallocate failed`), { code, errno: -result })
}
