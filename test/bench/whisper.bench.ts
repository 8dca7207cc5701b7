// The whisper core against Debian's python3-whisper, in one run:
// - update_many: 1e6 points in batches of 100 and of 10 (library calls, both sides locking);
// - full fetch and full dump of a 1s:30d file (2.59 million points), whole processes, with peak RSS;
//   dump on two-decimal values and on full-precision ones (averages);
// - `wsp info small.wsp` against `whisper-info`, whole processes.
// Medians of alternating runs; ratios are carbonkit over the reference (higher is better for speed).

import fs from 'node:fs'
import path from 'node:path'
import { create } from '../../src/core/whisper/create.js'
import { encodePoint } from '../../src/core/whisper/codec.js'
import { POINT_SIZE } from '../../src/core/whisper/format.js'
import type { Point } from '../../src/core/whisper/update.js'
import { updateMany } from '../../src/core/whisper/update.js'
import { createRandom } from '../helpers/random.js'
import type { Row } from './lib.js'
import {
  PYTHON,
  WSP,
  benchDir,
  formatBytes,
  formatRatio,
  measureCommand,
  median,
  printRows,
  runPython,
} from './lib.js'

const dir = benchDir('whisper')
const RUNS = Number(process.env.CARBONKIT_BENCH_RUNS ?? 3)
const rows: Row[] = []

// --- update_many -----------------------------------------------------------------------------------

const SCHEMA: [number, number][] = [
  [10, 2160], // 10s:6h
  [60, 10080], // 1m:7d
  [600, 262800], // 10m:5y
]
const TOTAL_POINTS = 1_000_000
const START = 1_700_000_000

function pointsFor(batchSize: number): { batches: Point[][]; nows: number[] } {
  const r = createRandom(42)
  const batches: Point[][] = []
  const nows: number[] = []
  for (let i = 0; i < TOTAL_POINTS; i += batchSize) {
    const batch: Point[] = []
    for (let j = 0; j < batchSize; j++) batch.push([START + (i + j) * 10, Math.round(r.next() * 1e4) / 100])
    batches.push(batch)
    nows.push(batch[batch.length - 1]![0])
  }
  return { batches, nows }
}

const PYTHON_UPDATE_MANY = `
import json, sys, time, whisper
whisper.LOCK = True
path, batch_size, total, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
import random
batches = []
rnd = random.Random(42)
for i in range(0, total, batch_size):
    batches.append([(start + (i + j) * 10, round(rnd.random() * 1e4) / 100) for j in range(batch_size)])
whisper.create(path, [(10, 2160), (60, 10080), (600, 262800)], 0.5, 'average', True)
t = time.perf_counter()
for b in batches:
    whisper.update_many(path, b, now=b[-1][0])
print(json.dumps({'seconds': time.perf_counter() - t}))
`

for (const batchSize of [100, 10]) {
  const { batches, nows } = pointsFor(batchSize)
  const ours: number[] = []
  const theirs: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const mine = path.join(dir, `um-${batchSize}-${run}.wsp`)
    create(mine, SCHEMA, { sparse: true })
    const started = process.hrtime.bigint()
    for (let i = 0; i < batches.length; i++) updateMany(mine, batches[i]!, { now: nows[i]! })
    ours.push(Number(process.hrtime.bigint() - started) / 1e9)
    fs.rmSync(mine)
    const ref = path.join(dir, `um-ref-${batchSize}-${run}.wsp`)
    const out = runPython(PYTHON_UPDATE_MANY, [ref, String(batchSize), String(TOTAL_POINTS), String(START)])
    theirs.push((JSON.parse(out) as { seconds: number }).seconds)
    fs.rmSync(ref)
  }
  const oursRate = TOTAL_POINTS / median(ours)
  const theirsRate = TOTAL_POINTS / median(theirs)
  const ratio = oursRate / theirsRate
  rows.push({
    name: `update_many, batches of ${batchSize}`,
    carbonkit: `${Math.round(oursRate).toLocaleString('en')} points/s`,
    reference: `${Math.round(theirsRate).toLocaleString('en')} points/s`,
    ratio: formatRatio(ratio),
    target: '>= 2x',
    pass: ratio >= 2,
  })
}

// --- full fetch and dump of a 1s:30d file -----------------------------------------------------------

const POINTS_30D = 30 * 86400
const NOW = Math.floor(Date.now() / 1000)

/**
 * A full 1s:30d file, every slot filled as a 1s metric would be: a random walk with two decimals
 * (`two-decimal`), or the mean of the walk's last three samples (`full-precision`: aggregated averages
 * such as 1/3 are doubles whose every digit is significant, the costly case for '%.35g').
 */
function bigFile(name: string, values: 'two-decimal' | 'full-precision'): string {
  const file = path.join(dir, name)
  create(file, [[1, POINTS_30D]], { sparse: true })
  const r = createRandom(7)
  const fd = fs.openSync(file, 'r+')
  const chunk = Buffer.alloc(65536 * POINT_SIZE)
  let value = 100
  let previous = 100
  let beforePrevious = 100
  const first = NOW - POINTS_30D + 1
  for (let slot = 0; slot < POINTS_30D; slot += 65536) {
    const n = Math.min(65536, POINTS_30D - slot)
    for (let i = 0; i < n; i++) {
      value += r.next() * 2 - 1
      const sample = Math.round(value * 100) / 100
      const stored = values === 'two-decimal' ? sample : (sample + previous + beforePrevious) / 3
      beforePrevious = previous
      previous = sample
      encodePoint(chunk, i * POINT_SIZE, first + slot + i, stored)
    }
    fs.writeSync(fd, chunk, 0, n * POINT_SIZE, 28 + slot * POINT_SIZE)
  }
  fs.closeSync(fd)
  return file
}

const big = bigFile('big.wsp', 'two-decimal')
const bigFull = bigFile('big-full.wsp', 'full-precision')

function compareCommands(
  name: string,
  ours: [string, string[]],
  theirs: [string, string[]],
  speedTarget: number,
  memoryTarget: number | null,
): void {
  const ourRuns: { seconds: number; maxRssBytes: number }[] = []
  const theirRuns: { seconds: number; maxRssBytes: number }[] = []
  for (let run = 0; run < RUNS; run++) {
    ourRuns.push(measureCommand(...ours))
    theirRuns.push(measureCommand(...theirs))
  }
  const ourTime = median(ourRuns.map((r) => r.seconds))
  const theirTime = median(theirRuns.map((r) => r.seconds))
  const speed = theirTime / ourTime
  rows.push({
    name: `${name}: time`,
    carbonkit: `${ourTime.toFixed(3)} s`,
    reference: `${theirTime.toFixed(3)} s`,
    ratio: `${formatRatio(speed)} faster`,
    target: speedTarget === 1 ? 'no slower' : `>= ${speedTarget}x faster`,
    pass: speed >= speedTarget,
  })
  if (memoryTarget !== null) {
    const ourRss = median(ourRuns.map((r) => r.maxRssBytes))
    const theirRss = median(theirRuns.map((r) => r.maxRssBytes))
    rows.push({
      name: `${name}: peak RSS`,
      carbonkit: formatBytes(ourRss),
      reference: formatBytes(theirRss),
      ratio: formatRatio(ourRss / theirRss),
      target: `<= ${memoryTarget}x`,
      pass: ourRss <= theirRss * memoryTarget,
    })
  }
}

compareCommands(
  'full fetch, 1s:30d',
  [process.execPath, [WSP, 'fetch', '--from', '0', big]],
  [PYTHON, ['/usr/bin/whisper-fetch', '--from', '0', big]],
  5,
  1,
)
compareCommands(
  'full dump, 1s:30d, two-decimal values',
  [process.execPath, [WSP, 'dump', big]],
  [PYTHON, ['/usr/bin/whisper-dump', big]],
  5,
  1,
)
compareCommands(
  'full dump, 1s:30d, full-precision values',
  [process.execPath, [WSP, 'dump', bigFull]],
  [PYTHON, ['/usr/bin/whisper-dump', bigFull]],
  5,
  1,
)

// --- wsp info on a small file, whole process ----------------------------------------------------------

const small = path.join(dir, 'small.wsp')
create(small, [
  [60, 1440],
  [300, 2016],
  [3600, 8760],
])
{
  // A 35 ms process on a noisy machine: many alternating runs, so that the medians hold still.
  const INFO_RUNS = Math.max(RUNS * 15, 45)
  const ours: number[] = []
  const theirs: number[] = []
  for (let run = 0; run < INFO_RUNS; run++) {
    ours.push(measureCommand(process.execPath, [WSP, 'info', small]).seconds)
    theirs.push(measureCommand(PYTHON, ['/usr/bin/whisper-info', small]).seconds)
  }
  const speed = median(theirs) / median(ours)
  rows.push({
    name: 'wsp info small.wsp (whole process)',
    carbonkit: `${(median(ours) * 1000).toFixed(1)} ms`,
    reference: `${(median(theirs) * 1000).toFixed(1)} ms`,
    ratio: `${formatRatio(speed)} faster`,
    target: 'no slower',
    pass: speed >= 1,
  })
}

printRows(`whisper core vs python3-whisper (medians of ${RUNS} alternating runs)`, rows)
