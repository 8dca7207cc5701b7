// `wsp ls`: the metrics under a directory, with `long` their layout, sizes and last write; with
// `backups`, the `<file>.wsp.bak` files that resize and audit keep, which `deleteBackups` removes.

import fs from 'node:fs'
import { CannotWriteError, fromSystemError } from '../errors.js'
import type { HeaderFacts, ScanOptions, SizeFacts } from './scan.js'
import { scanTree } from './scan.js'

export interface ListedMetric {
  name: string
  path: string
  /** Present with `long`. */
  details?: MetricDetails
}

/** Read-only: files of one layout may share their `archives`. */
export type MetricDetails = HeaderFacts

export interface ListReport {
  schemaVersion: 1
  dir: string
  glob: string | null
  metrics: ListedMetric[]
}

/** How the walk runs: threads, an abort signal, progress. */
export type WalkOptions = Pick<ScanOptions, 'workerUrl' | 'workers' | 'signal' | 'onProgress'>

/**
 * List the metrics under `dir` (matching `glob`).
 * @throws NotFoundError, InvalidArgumentError (not a directory, a bad glob), AbortedError
 */
export async function listMetrics(
  dir: string,
  options: { glob?: string; long?: boolean } & WalkOptions = {},
): Promise<ListReport> {
  const files = await scanTree(dir, { ...options, kind: options.long ? 'long' : 'names' })
  // A name-only walk's files are {name, path} already: a million of them are not copied again.
  const metrics = options.long
    ? files.map((f): ListedMetric => ({ name: f.name, path: f.path, details: f.header }))
    : (files as ListedMetric[])
  return { schemaVersion: 1, dir, glob: options.glob ?? null, metrics }
}

export interface Backup extends SizeFacts {
  /** The metric's name (the backup's path under the directory without `.wsp.bak`). */
  name: string
  path: string
  /** With `delete`: whether it was removed (false: it was gone already). */
  deleted?: boolean
}

export interface BackupReport {
  schemaVersion: 1
  dir: string
  glob: string | null
  backups: Backup[]
  apparentBytes: number
  allocatedBytes: number
  /** With `delete`: the backups removed and the bytes they held on disk. */
  deleted?: { files: number; apparentBytes: number; allocatedBytes: number }
}

/**
 * The backups (`<file>.wsp.bak`) that `wsp resize` and `wsp audit --apply` leave beside the files
 * they change, and with `delete`, remove them (each is the old file's data, kept until asked).
 * @throws NotFoundError, InvalidArgumentError, AbortedError, CannotWriteError
 */
export async function listBackups(
  dir: string,
  options: { glob?: string; delete?: boolean } & WalkOptions = {},
): Promise<BackupReport> {
  const files = await scanTree(dir, { ...options, kind: 'backups' })
  const backups = files.map((f): Backup => ({ name: f.name, path: f.path, ...f.sizes! }))
  const report: BackupReport = {
    schemaVersion: 1,
    dir,
    glob: options.glob ?? null,
    backups,
    apparentBytes: backups.reduce((n, b) => n + b.apparentBytes, 0),
    allocatedBytes: backups.reduce((n, b) => n + b.allocatedBytes, 0),
  }
  if (options.delete) report.deleted = deleteBackups(backups)
  return report
}

function deleteBackups(backups: Backup[]): NonNullable<BackupReport['deleted']> {
  const deleted = { files: 0, apparentBytes: 0, allocatedBytes: 0 }
  for (const backup of backups) {
    try {
      fs.unlinkSync(backup.path)
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') {
        backup.deleted = false
        continue
      }
      const failed = fromSystemError(error, backup.path, true) as Error
      throw new CannotWriteError(
        backup.path,
        `cannot delete (${deleted.files} of ${backups.length} backups deleted before it): ${failed.message.replace(`${backup.path}: `, '')}`,
      )
    }
    backup.deleted = true
    deleted.files++
    deleted.apparentBytes += backup.apparentBytes
    deleted.allocatedBytes += backup.allocatedBytes
  }
  return deleted
}
