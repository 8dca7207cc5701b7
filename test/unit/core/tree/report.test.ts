// The tree commands' reports on real files: one {path, ok, error?, result} per file, ok with one
// meaning, the path said once, the summary counted from the entries.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { disposeCorrupt } from '../../../../src/core/tree/dispose.js'
import { runTasks } from '../../../../src/core/tree/pool.js'
import { reportCheck, reportFill, reportResize, SCHEMA_VERSION } from '../../../../src/core/tree/report.js'
import type { Outcome, Task } from '../../../../src/core/tree/tasks.js'
import { findWhisperFiles } from '../../../../src/core/tree/walk.js'
import type { CheckResult } from '../../../../src/core/whisper/check.js'
import type { FillResult } from '../../../../src/core/whisper/fill.js'
import type { ResizeResult } from '../../../../src/core/whisper/resize.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { FIXTURES } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1795600000
const CORRUPT = path.join(FIXTURES, 'whisper', 'corrupt')

/** good.wsp with points, corrupt.wsp from the corpus, and a path that is missing. */
function tree(t: Parameters<typeof tempDir>[0]): {
  dir: string
  good: string
  corrupt: string
  missing: string
} {
  const dir = tempDir(t)
  const good = path.join(dir, 'good.wsp')
  create(good, [[60, 60]])
  updateMany(good, [[NOW - 60, 1]], { now: NOW })
  const corrupt = path.join(dir, 'corrupt.wsp')
  fs.copyFileSync(
    path.join(
      CORRUPT,
      fs.readdirSync(CORRUPT).find((f) => f.endsWith('.wsp'))!,
    ),
    corrupt,
  )
  return { dir, good, corrupt, missing: path.join(dir, 'missing.wsp') }
}

async function run<T>(tasks: Task[]): Promise<Outcome<T>[]> {
  return (await runTasks(tasks)) as Outcome<T>[]
}

test('issue 15: check: a corrupt or unreadable file is not ok, without an error, its problems in result', async (t) => {
  const { dir, good, corrupt, missing } = tree(t)
  const outcomes = await run<CheckResult>(
    [corrupt, good, missing].map((p) => ({ kind: 'check', path: p, options: { now: NOW } })),
  )
  const report = reportCheck(outcomes)
  assert.equal(report.schemaVersion, SCHEMA_VERSION)
  assert.deepEqual(
    report.files.map((f) => [f.path, f.ok, f.error?.code, f.result === undefined]),
    [
      [corrupt, false, undefined, false],
      [good, true, undefined, false],
      [missing, false, undefined, false],
    ],
  )
  assert.equal(report.files[2]!.result!.problems[0]!.kind, 'unreadable')
  // The result says neither the path nor a second ok.
  assert.deepEqual(Object.keys(report.files[1]!.result!).sort(), ['problems', 'sizeBytes', 'stats'])
  assert.deepEqual(report.summary, {
    files: 3,
    failed: 0,
    corrupt: 2,
    warned: 0,
    points: 1,
    deleted: 0,
    quarantined: 0,
  })
  // Quarantined: the entry says where the file went.
  const files = findWhisperFiles([dir])
  const checks = await run<CheckResult>(
    files.map((f) => ({ kind: 'check', path: f.path, options: { now: NOW } })),
  )
  const quarantine = path.join(tempDir(t), 'q')
  const moved = reportCheck(checks, disposeCorrupt(files, checks, { quarantine }))
  assert.equal(
    moved.files.find((f) => f.path === corrupt)!.result!.movedTo,
    path.join(quarantine, 'corrupt.wsp'),
  )
  assert.equal(moved.summary.quarantined, 1)
  assert.ok(fs.existsSync(path.join(quarantine, 'corrupt.wsp')))
})

test('issue 15: resize and fill: no second copy of the path, no per-file dryRun; --newfile said as newFile', async (t) => {
  const { dir, good, corrupt } = tree(t)
  const elsewhere = path.join(dir, 'new.wsp')
  const outcomes = await run<ResizeResult>([
    { kind: 'resize', path: good, archives: [[60, 120]], options: { now: NOW, newFile: elsewhere } },
    { kind: 'resize', path: corrupt, archives: [[60, 120]], options: { now: NOW } },
  ])
  const report = reportResize(outcomes, { dryRun: false })
  assert.equal(report.dryRun, false)
  const result = report.files[0]!.result!
  assert.equal(result.newFile, elsewhere)
  assert.equal('path' in result || 'target' in result || 'dryRun' in result, false)
  assert.equal(report.files[1]!.error!.code, 'ERR_CORRUPT_FILE')
  assert.deepEqual(report.summary, {
    files: 2,
    failed: 1,
    changed: 1,
    unchanged: 0,
    pointsLost: 0,
    pointsMerged: 0,
  })
  const source = path.join(dir, 'source.wsp')
  fs.copyFileSync(good, source)
  const empty = path.join(dir, 'empty.wsp')
  create(empty, [[60, 60]])
  const filled = reportFill(
    await run<FillResult>([{ kind: 'fill', path: empty, source, options: { now: NOW } }]),
    ['/nowhere.wsp'],
  )
  assert.deepEqual(filled.files[0]!.path, empty)
  assert.equal('destination' in filled.files[0]!.result!, false)
  assert.equal(filled.files[0]!.result!.source, source)
  assert.deepEqual(filled.summary, {
    files: 1,
    failed: 0,
    filled: 1,
    intervalsFilled: 1,
    refused: 0,
    unmatched: 1,
  })
})
