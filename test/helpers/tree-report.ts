// The JSON contract every tree command (resize, fill, check, set-aggregation, set-xff, audit) keeps:
// one document with the schemaVersion, one {path, ok, error?, result?} per file, a summary, and no
// run timings or second copies of a file's path.

import assert from 'node:assert/strict'

export interface FileEntry<R> {
  path: string
  ok: boolean
  error?: { code: string; message: string }
  result?: R
}

export interface TreeReportJson<R> {
  schemaVersion: number
  files: FileEntry<R>[]
  summary: { files: number; failed: number } & Record<string, unknown>
  [key: string]: unknown
}

/** Every value under `value` that is a string, with where it is. */
function strings(value: unknown, at: string, out: [string, string][]): void {
  if (typeof value === 'string') out.push([at, value])
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out))
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, `${at}.${k}`, out)
}

/** Parse a tree command's --json output and assert the contract; returns the report. */
export function parseTreeReport<R>(stdout: string): TreeReportJson<R> {
  const report = JSON.parse(stdout) as TreeReportJson<R>
  assert.equal(report.schemaVersion, 1)
  assert.ok(Array.isArray(report.files), 'files is an array')
  for (const file of report.files) {
    assert.deepEqual(
      Object.keys(file).filter((k) => !['path', 'ok', 'error', 'result'].includes(k)),
      [],
      `only path, ok, error, result in ${JSON.stringify(file).slice(0, 200)}`,
    )
    assert.equal(typeof file.path, 'string')
    assert.equal(typeof file.ok, 'boolean')
    if (file.error !== undefined) {
      assert.equal(file.ok, false, `${file.path}: an error is never ok`)
      assert.match(file.error.code, /^ERR_[A-Z_]+$/)
      assert.equal(typeof file.error.message, 'string')
    } else if (!file.ok) {
      assert.notEqual(file.result, undefined, `${file.path}: not ok without an error says why in result`)
    } else {
      assert.notEqual(file.result, undefined, `${file.path}: ok has a result`)
    }
    // The path is said once: nowhere else in the file's entry.
    const copies: [string, string][] = []
    strings(file.result, 'result', copies)
    assert.deepEqual(
      copies.filter(([, v]) => v === file.path),
      [],
      `${file.path} repeated in its result`,
    )
  }
  assert.equal(report.summary.files, report.files.length)
  assert.equal(report.summary.failed, report.files.filter((f) => f.error !== undefined).length)
  // No run timings, no second list of the files.
  const keys: [string, string][] = []
  strings(
    JSON.parse(stdout, (k, v: unknown) => (typeof v === 'number' ? k : v)),
    '',
    keys,
  )
  assert.deepEqual(
    keys.filter(([, k]) => /^(seconds|elapsed|duration|rate)$|Ms$/.test(k)),
    [],
  )
  assert.equal('outcomes' in report, false)
  return report
}
