// The directories `carbon serve` writes to, checked before anything is replayed or accepted: a data
// directory that cannot be created or written would otherwise accept points and fail every write (the
// points pile up in the cache and the log). One CannotWriteError (exit 73) names the directory.

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CannotWriteError, systemErrorCode } from '../errors.js'

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'exists and is not a directory',
}

function reason(error: unknown): string {
  const code = systemErrorCode(error)
  return (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error))
}

/**
 * Create each directory (and its parents) and prove it writable by creating and removing a file in it.
 * @throws CannotWriteError for the first one that is not
 */
export function checkWritableDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (error) {
      throw new CannotWriteError(dir, `cannot create the directory: ${reason(error)}`, { cause: error })
    }
    if (!fs.statSync(dir).isDirectory()) throw new CannotWriteError(dir, 'not a directory')
    // access(2) would say yes to root on a directory that refuses it (NFS root squash, ACLs): a real file.
    const probe = path.join(dir, `.carbonkit-probe-${crypto.randomBytes(6).toString('hex')}`)
    try {
      fs.closeSync(fs.openSync(probe, 'wx', 0o600))
      fs.rmSync(probe, { force: true })
    } catch (error) {
      throw new CannotWriteError(dir, `cannot write in the directory: ${reason(error)}`, { cause: error })
    }
  }
}
