// `wsp stale`: the metrics whose newest point, read from the data of every archive (not the mtime,
// which a resize or a backfill of old points moves), is older than a limit. With `delete` or
// `quarantine` each stale file is checked again and removed (or moved, keeping its path under the
// directory) under its flock(2), so a point a writer adds meanwhile keeps the file.

import fs from 'node:fs'
import path from 'node:path'
import { AbortedError, InvalidArgumentError, fromSystemError, systemErrorCode } from '../errors.js'
import { withWhisperFile } from '../whisper/file.js'
import type { WalkOptions } from './list.js'
import { newestTimestamp, walkTree } from './scan.js'

export { newestTimestamp } from './scan.js'

export interface StaleMetric {
  name: string
  path: string
  /** Epoch seconds of the newest point in any archive; null when the file holds none. */
  newest: number | null
  apparentBytes: number
  /** What was done: `deleted`, `moved to <path>`, or `kept: <why>` when it was no longer stale. */
  action?: string
}

export interface StaleReport {
  schemaVersion: 1
  dir: string
  now: number
  olderThan: number
  /** Points at or before this time are stale. */
  cutoff: number
  checked: number
  stale: StaleMetric[]
  corrupt: { name: string; path: string; reason: string }[]
  action: 'list' | 'delete' | 'quarantine'
}

export interface StaleOptions {
  olderThan: number
  now: number
  glob?: string
  delete?: boolean
  quarantine?: string
}

/**
 * Find (and with `delete` or `quarantine`, remove) the stale metrics under `dir`.
 * @throws NotFoundError, InvalidArgumentError (not a directory, a bad glob, quarantine inside dir),
 * CannotWriteError when a file cannot be removed or moved
 */
export async function findStale(dir: string, options: StaleOptions & WalkOptions): Promise<StaleReport> {
  if (options.delete && options.quarantine !== undefined) {
    throw new InvalidArgumentError('give --delete or --quarantine, not both')
  }
  if (options.quarantine !== undefined) {
    const rel = path.relative(path.resolve(dir), path.resolve(options.quarantine))
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new InvalidArgumentError(
        `--quarantine ${options.quarantine}: inside ${dir}, where its files would be listed again`,
      )
    }
  }
  const cutoff = options.now - options.olderThan
  const report: StaleReport = {
    schemaVersion: 1,
    dir,
    now: options.now,
    olderThan: options.olderThan,
    cutoff,
    checked: 0,
    stale: [],
    corrupt: [],
    action: options.delete ? 'delete' : options.quarantine !== undefined ? 'quarantine' : 'list',
  }
  // Only the files with no point after the cutoff come back from the walk, with their newest.
  const { files, fresh } = await walkTree(dir, {
    ...options,
    kind: 'newest',
    fresh: { cutoff, now: options.now },
  })
  report.checked = fresh
  for (const metric of files) {
    const found = metric.newest!
    if (found.corrupt !== undefined) {
      report.corrupt.push({ name: metric.name, path: metric.path, reason: found.corrupt })
      continue
    }
    report.checked++
    const { newest, apparentBytes } = found
    if (newest !== null && newest > cutoff) continue
    report.stale.push({ name: metric.name, path: metric.path, newest, apparentBytes })
  }
  if (report.action === 'list') return report
  let yielded = performance.now()
  let removed = 0
  for (const stale of report.stale) {
    // Between files, a stop signal ends the removals, saying how far they got.
    if (performance.now() - yielded > 20) {
      await new Promise((resolve) => setImmediate(resolve))
      yielded = performance.now()
    }
    if (options.signal?.aborted) {
      const rest = report.stale.length - removed
      throw new AbortedError(
        `interrupted: ${removed} of ${report.stale.length} stale files handled; the other ${rest} were left as they were`,
        { cause: options.signal.reason },
      )
    }
    stale.action = removeIfStale(stale.path, dir, cutoff, options.quarantine)
    removed++
  }
  return report
}

function removeIfStale(file: string, dir: string, cutoff: number, quarantine: string | undefined): string {
  try {
    // Under the writers' lock: a point written since the scan keeps the file.
    return withWhisperFile(file, { write: true, lock: true }, (f) => {
      const newest = newestTimestamp(f)
      if (newest !== null && newest > cutoff) return `kept: a point at ${newest} arrived meanwhile`
      if (quarantine === undefined) {
        fs.unlinkSync(file)
        return 'deleted'
      }
      const to = path.join(quarantine, path.relative(dir, file))
      fs.mkdirSync(path.dirname(to), { recursive: true })
      if (fs.existsSync(to)) throw new InvalidArgumentError(`${to}: already in the quarantine; not replaced`)
      try {
        fs.renameSync(file, to)
      } catch (error) {
        if (systemErrorCode(error) !== 'EXDEV') throw error
        fs.copyFileSync(file, to, fs.constants.COPYFILE_EXCL)
        fs.unlinkSync(file)
      }
      return `moved to ${to}`
    })
  } catch (error) {
    throw fromSystemError(error, file, true)
  }
}
