// carbon lint's I/O: read the named files and directories, lint each configuration set, and merge the
// reports. A directory is one set; loose files are grouped by the directory they are in, so that a
// storage-schemas.conf is checked together with the storage-aggregation.conf beside it.

import path from 'node:path'
import type { ParsedConfigSet, ParseSetOptions } from './config-set.js'
import { isDirectory, readConfigDir, readConfigFiles } from './config-set.js'
import type { LintOptions, LintReport } from './lint.js'
import { lintConfigSet } from './lint.js'

/**
 * Lint files and configuration directories.
 * @throws ConfigError when a file or directory cannot be read; InvalidArgumentError for a file of
 *   unknown kind
 */
export function lintPaths(
  targets: readonly string[],
  options: LintOptions & Omit<ParseSetOptions, 'dir'> = {},
): LintReport {
  const sets: ParsedConfigSet[] = []
  const loose = new Map<string, string[]>()
  for (const target of targets) {
    if (isDirectory(target)) sets.push(readConfigDir(target, options))
    else {
      const dir = path.dirname(target)
      loose.set(dir, [...(loose.get(dir) ?? []), target])
    }
  }
  for (const files of loose.values()) sets.push(readConfigFiles(files, options))
  const reports = sets.map(({ set, files }) => lintConfigSet(set, files, options))
  const diagnostics = reports.flatMap((r) => r.diagnostics)
  return {
    schemaVersion: 1,
    files: reports.flatMap((r) => r.files),
    diagnostics,
    summary: {
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    },
    schemas: reports.flatMap((r) => r.schemas),
  }
}

/** The exit decision: errors always fail; warnings only when strict. */
export function lintFailed(report: LintReport, strict: boolean): boolean {
  return report.summary.errors > 0 || (strict && report.summary.warnings > 0)
}
