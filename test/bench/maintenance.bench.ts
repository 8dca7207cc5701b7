// Maintenance jobs against the whisper scripts, in one run:
// - `wsp resize DIR` over 500 files (1s:7d with an hour of data each, to 10s:30d 1m:1y) against one
//   whisper-resize process per file (measured on a sample, then scaled to 500: the scripts take
//   minutes);
// - one full 1s:7d file (604,800 points) against whisper-resize;
// - `wsp fill SRC DST` over 300 file pairs (a day of minute data, 10% gaps) against one whisper-fill
//   process per pair (sampled the same way).
// Medians of alternating runs; ratios are carbonkit's speed over the reference's.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { create } from '../../src/core/whisper/create.js'
import { encodePoint } from '../../src/core/whisper/codec.js'
import { POINT_SIZE } from '../../src/core/whisper/format.js'
import { updateMany } from '../../src/core/whisper/update.js'
import { createRandom } from '../helpers/random.js'
import type { Row } from './lib.js'
import { PYTHON, WSP, benchDir, formatRatio, measureCommand, median, printRows } from './lib.js'

const dir = benchDir('maintenance')
const RUNS = Number(process.env.CARBONKIT_BENCH_RUNS ?? 3)
const rows: Row[] = []
const now = Math.floor(Date.now() / 1000)
const r = createRandom(11)

function copyTree(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true })
  const result = spawnSync('cp', ['-r', '--sparse=always', from, to])
  if (result.status !== 0) throw new Error(`cp failed: ${result.stderr}`)
}

function speedRow(name: string, ours: number, theirs: number, target: number, note = ''): void {
  const ratio = theirs / ours
  rows.push({
    name,
    carbonkit: `${ours.toFixed(2)} s`,
    reference: `${theirs.toFixed(2)} s${note}`,
    ratio: `${formatRatio(ratio)} faster`,
    target: `>= ${target}x faster`,
    pass: ratio >= target,
  })
}

// --- resize over a tree ---------------------------------------------------------------------------

const TREE_FILES = 500
const SAMPLE = Number(process.env.CARBONKIT_BENCH_SAMPLE ?? 40)
const template = path.join(dir, 'tree-template')
for (let i = 0; i < TREE_FILES; i++) {
  const file = path.join(template, `host${i % 25}`, `metric${i}.wsp`)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  create(file, [[1, 7 * 86400]], { sparse: true })
  updateMany(
    file,
    Array.from({ length: 3600 }, (_, k) => [now - 3600 + k, r.int(0, 10000) / 100] as const),
    { now },
  )
}
{
  const ours: number[] = []
  const theirs: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const tree = path.join(dir, 'tree')
    copyTree(template, tree)
    ours.push(
      measureCommand(process.execPath, [WSP, 'resize', tree, '10s:30d', '1m:1y', '--nobackup', '--quiet'])
        .seconds,
    )
    copyTree(template, tree)
    let seconds = 0
    for (let i = 0; i < SAMPLE; i++) {
      const file = path.join(tree, `host${i % 25}`, `metric${i}.wsp`)
      seconds += measureCommand(PYTHON, [
        '/usr/bin/whisper-resize',
        file,
        '10s:30d',
        '1m:1y',
        '--nobackup',
      ]).seconds
    }
    theirs.push((seconds / SAMPLE) * TREE_FILES)
  }
  speedRow(
    `resize DIR, ${TREE_FILES} files`,
    median(ours),
    median(theirs),
    20,
    ` (${SAMPLE} calls x ${TREE_FILES / SAMPLE})`,
  )
}

// --- one full 1s:7d file ---------------------------------------------------------------------------

const full = path.join(dir, 'full.wsp')
create(full, [[1, 7 * 86400]], { sparse: true })
{
  const fd = fs.openSync(full, 'r+')
  const points = 7 * 86400
  const chunk = Buffer.alloc(65536 * POINT_SIZE)
  const first = now - points + 1
  for (let slot = 0; slot < points; slot += 65536) {
    const n = Math.min(65536, points - slot)
    for (let i = 0; i < n; i++) encodePoint(chunk, i * POINT_SIZE, first + slot + i, r.int(0, 100000) / 100)
    fs.writeSync(fd, chunk, 0, n * POINT_SIZE, 28 + slot * POINT_SIZE)
  }
  fs.closeSync(fd)
}
{
  const ours: number[] = []
  const theirs: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const target = path.join(dir, 'full-run.wsp')
    fs.copyFileSync(full, target)
    ours.push(
      measureCommand(process.execPath, [WSP, 'resize', target, '10s:30d', '1m:1y', '--nobackup', '--quiet'])
        .seconds,
    )
    fs.copyFileSync(full, target)
    theirs.push(
      measureCommand(PYTHON, ['/usr/bin/whisper-resize', target, '10s:30d', '1m:1y', '--nobackup']).seconds,
    )
  }
  speedRow('resize one full 1s:7d file', median(ours), median(theirs), 5)
}

// --- fill over a tree ------------------------------------------------------------------------------

const FILL_FILES = 300
const sourceTree = path.join(dir, 'fill-src')
const targetTemplate = path.join(dir, 'fill-dst-template')
for (let i = 0; i < FILL_FILES; i++) {
  const relative = path.join(`host${i % 10}`, `metric${i}.wsp`)
  const src = path.join(sourceTree, relative)
  const dst = path.join(targetTemplate, relative)
  for (const f of [src, dst]) {
    fs.mkdirSync(path.dirname(f), { recursive: true })
    create(f, [
      [60, 1440],
      [600, 4320],
    ])
  }
  const points = Array.from({ length: 1440 }, (_, k) => [now - 60 * k, r.int(0, 10000) / 100] as const)
  updateMany(src, points, { now })
  updateMany(
    dst,
    points.filter(() => !r.chance(0.1)),
    { now },
  )
}
{
  const ours: number[] = []
  const theirs: number[] = []
  const FILL_SAMPLE = Math.min(SAMPLE, FILL_FILES)
  for (let run = 0; run < RUNS; run++) {
    const target = path.join(dir, 'fill-dst')
    copyTree(targetTemplate, target)
    ours.push(measureCommand(process.execPath, [WSP, 'fill', sourceTree, target, '--quiet']).seconds)
    copyTree(targetTemplate, target)
    let seconds = 0
    for (let i = 0; i < FILL_SAMPLE; i++) {
      const relative = path.join(`host${i % 10}`, `metric${i}.wsp`)
      seconds += measureCommand(PYTHON, [
        '/usr/bin/whisper-fill',
        path.join(sourceTree, relative),
        path.join(target, relative),
      ]).seconds
    }
    theirs.push((seconds / FILL_SAMPLE) * FILL_FILES)
  }
  speedRow(
    `fill DIR, ${FILL_FILES} pairs`,
    median(ours),
    median(theirs),
    10,
    ` (${FILL_SAMPLE} calls x ${FILL_FILES / FILL_SAMPLE})`,
  )
}

printRows(`maintenance vs the whisper scripts (medians of ${RUNS} runs)`, rows)
