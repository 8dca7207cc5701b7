// wsp ls, du and stale over a tree of sparse whisper files (issue 17: 1,000,000 files "in seconds",
// reported with files per second). The tree is built once and kept in the temporary directory
// (test/helpers/inventory-tree.ts); CARBONKIT_BENCH_INVENTORY_FILES makes it smaller. Beside ours,
// the floors no whisper tool can beat: `find DIR -name '*.wsp' | wc -l` (the walk alone) and
// `du -s DIR` (the walk and a stat per file), and for what reads each file (ls --long, stale)
// `find DIR -name '*.wsp' -exec head -qc 4096 {} +` (the walk, and an open and a read of the first
// 4 KiB of each file, in one process); carbonate's carbon-list and carbon-stale are not installed.
// Targets: ls and du within 1.5x of their floor, ls --long and stale within 1.5x of theirs (both
// floors run on one core, ours on two: the ratio is what a quiet machine shows, and under load
// it is the CPU each uses that compares). Then, in this process, the same walk on both cores (two
// worker threads) against one (in-process), to show what the threads buy. Medians of alternating
// runs; `uptime`'s load average is printed, as the times depend on it.

import fs from 'node:fs'
import path from 'node:path'
import { scanTree } from '../../src/core/inventory/scan.js'
import type { ScanKind } from '../../src/core/inventory/scan.js'
import { inventoryTree, inventoryTreeNow } from '../helpers/inventory-tree.js'
import { ROOT } from '../helpers/paths.js'
import { WSP, formatRatio, measureCommand, median, printTable, timeRuns } from './lib.js'

const FILES = Number(process.env.CARBONKIT_BENCH_INVENTORY_FILES ?? 1_000_000)
const RUNS = Number(process.env.CARBONKIT_BENCH_RUNS ?? 3)

const built = performance.now()
const dir = inventoryTree(FILES, Math.floor(Date.now() / 1000))
process.stdout.write(
  `tree: ${FILES} files in ${dir} (${((performance.now() - built) / 1000).toFixed(1)} s to build or find)\n`,
)
const env = { CARBONKIT_NOW: String(inventoryTreeNow(dir)) }

function perSecond(seconds: number): string {
  return `${Math.round(FILES / seconds).toLocaleString('en-US')}/s`
}

const readFloor = {
  name: 'find -exec head -qc 4096',
  command: 'sh',
  args: ['-c', `find '${dir}' -name '*.wsp' -exec head -qc 4096 {} + | wc -c`],
}
const commands: {
  name: string
  args: string[]
  floor: { name: string; command: string; args: string[] }
}[] = [
  {
    name: 'wsp ls DIR',
    args: ['ls', dir, '--quiet'],
    floor: {
      name: "find -name '*.wsp' | wc -l",
      command: 'sh',
      args: ['-c', `find '${dir}' -name '*.wsp' | wc -l`],
    },
  },
  {
    name: 'wsp du DIR',
    args: ['du', dir, '--quiet'],
    floor: { name: 'du -s', command: 'du', args: ['-s', dir] },
  },
  { name: 'wsp ls --long DIR', args: ['ls', '--long', dir, '--quiet'], floor: readFloor },
  {
    name: 'wsp stale DIR --older-than 30d',
    args: ['stale', dir, '--older-than', '30d', '--quiet'],
    floor: readFloor,
  },
]
const TARGET = 1.5
const loadAverage = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
process.stdout.write(`load average before: ${loadAverage()}\n`)

const cells: string[][] = []
const verdicts: string[] = []
for (const c of commands) {
  const ours: number[] = []
  const floor: number[] = []
  for (let run = 0; run < RUNS; run++) {
    ours.push(measureCommand(process.execPath, [WSP, ...c.args], { env }).seconds)
    floor.push(measureCommand(c.floor.command, c.floor.args).seconds)
  }
  const s = median(ours)
  const f = median(floor)
  cells.push([
    c.name,
    `${s.toFixed(2)} s`,
    perSecond(s),
    `${c.floor.name}: ${f.toFixed(2)} s (${perSecond(f)})`,
    `${formatRatio(s / f)} its time`,
  ])
  verdicts.push(
    `${s / f <= TARGET ? 'PASS' : 'MISS'} ${c.name}: ${s.toFixed(2)} s, ${perSecond(s)}, ${formatRatio(s / f)} ${c.floor.name} (target <= ${formatRatio(TARGET)})`,
  )
}
printTable(
  `wsp ls, du, stale over ${FILES.toLocaleString('en-US')} sparse files (medians of ${RUNS})`,
  ['command', 'carbonkit', 'files/s', 'floor (not a whisper tool)', 'ours / floor'],
  cells,
)
process.stdout.write(`\nload average after: ${loadAverage()}\n${verdicts.join('\n')}\n`)

// Both cores against one, in this process: the same walk with two worker threads and in-process.
const workerUrl = new URL(`file://${path.join(ROOT, 'dist', 'bin', 'inventory-worker.cjs')}`)
const threadCells: string[][] = []
for (const kind of ['sizes', 'long', 'newest'] as ScanKind[]) {
  const two: number[] = []
  const one: number[] = []
  for (let run = 0; run < RUNS; run++) {
    two.push(
      ...(await timeRuns(1, () =>
        scanTree(dir, { kind, depth: kind === 'sizes' ? 1 : undefined, workerUrl, workers: 2 }),
      )),
    )
    one.push(...(await timeRuns(1, () => scanTree(dir, { kind, depth: kind === 'sizes' ? 1 : undefined }))))
  }
  threadCells.push([
    kind,
    `${median(two).toFixed(2)} s (${perSecond(median(two))})`,
    `${median(one).toFixed(2)} s (${perSecond(median(one))})`,
    `${formatRatio(median(one) / median(two))} faster`,
  ])
}
printTable(
  'the walk on two worker threads against one thread (in-process)',
  ['per file', 'two threads', 'one thread', 'ratio'],
  threadCells,
)
