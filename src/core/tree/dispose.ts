// What `wsp check --delete` and `--quarantine DIR` do with corrupt files. A quarantined file keeps its
// path relative to the argument it was found under, so that it can be put back.

import fs from 'node:fs'
import path from 'node:path'
import { fromSystemError, systemErrorCode } from '../errors.js'
import type { CheckResult } from '../whisper/check.js'
import type { Disposal } from './report.js'
import type { Outcome } from './tasks.js'
import type { WalkedFile } from './walk.js'

export interface DisposeOptions {
  delete?: boolean
  quarantine?: string
}

function move(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  try {
    fs.renameSync(from, to)
  } catch (error) {
    if (systemErrorCode(error) !== 'EXDEV') throw error
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL)
    fs.unlinkSync(from)
  }
}

/**
 * Delete or quarantine the corrupt files of a check (`outcomes[i]` is the check of `files[i]`).
 * Returns, per file, what was done.
 * @throws CannotWriteError when a file cannot be moved or deleted
 */
export function disposeCorrupt(
  files: readonly WalkedFile[],
  outcomes: readonly Outcome<CheckResult>[],
  options: DisposeOptions,
): Map<string, Disposal> {
  const done = new Map<string, Disposal>()
  if (!options.delete && options.quarantine === undefined) return done
  outcomes.forEach((outcome, i) => {
    if (!outcome.ok || outcome.result.ok) return
    const file = files[i]!
    try {
      if (options.delete) {
        fs.unlinkSync(file.path)
        done.set(file.path, { deleted: true })
      } else {
        const to = path.join(options.quarantine!, path.relative(file.root, file.path))
        move(file.path, to)
        done.set(file.path, { movedTo: to })
      }
    } catch (error) {
      throw fromSystemError(error, file.path, true)
    }
  })
  return done
}
