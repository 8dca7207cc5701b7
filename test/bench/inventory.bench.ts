// wsp ls, du and stale over a tree of sparse whisper files (issue 17: 1,000,000 files "in seconds",
// reported with files per second). The tree is built once and kept in the temporary directory
// (test/helpers/inventory-tree.ts); CARBONKIT_BENCH_INVENTORY_FILES makes it smaller. Beside ours,
// the standard tools an operator would otherwise run, as floors no whisper tool can beat:
// `find DIR -name '*.wsp' | wc -l` (the walk alone) for ls, `du -s DIR` (the walk and a stat per
// file) for du, and for what reads each file (ls --long, stale) `find DIR -name '*.wsp' -exec head
// -qc 4096 {} +` (the walk, and an open and a read of the first 4 KiB of each file, in one
// process). For stale also `find DIR -name '*.wsp' -mtime +30` (the usual cron job: the mtime
// alone, which a backfill or a resize moves; stale reads the points). carbonate's carbon-list and
// carbon-stale are not installed. Each command is measured for its wall time and its CPU seconds
// (user + system, all threads, from GNU time): under load the wall time says little and the CPU
// per million files is what compares. Targets: ls and du within 1.5x of their floor's time, ls
// --long and stale within 1.5x of theirs (the floors run on one core, ours on two). Then, in this
// process, the same walk on both cores (two worker threads) against one (in-process), to show
// what the threads buy. Medians of alternating runs; `uptime`'s load average is printed.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { scanTree } from '../../src/core/inventory/scan.js'
import type { ScanKind } from '../../src/core/inventory/scan.js'
import { inventoryTree, inventoryTreeNow } from '../helpers/inventory-tree.js'
import { ROOT } from '../helpers/paths.js'
import { WSP, benchEnv, formatRatio, median, printTable, timeRuns } from './lib.js'

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

/** Seconds per million files. */
function perMillion(seconds: number): string {
  return `${((seconds * 1_000_000) / FILES).toFixed(1)} s`
}

interface Measure {
  seconds: number
  /** User and system CPU seconds of the process (all its threads) and its children. */
  cpuSeconds: number
}

/** Run a command with stdout discarded; wall time and CPU seconds from GNU time. */
function measure(command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Measure {
  const report = path.join(os.tmpdir(), `carbonkit-bench-inventory-time-${process.pid}.txt`)
  const started = performance.now()
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', report, command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: benchEnv(extraEnv),
  })
  const seconds = (performance.now() - started) / 1000
  const [user, system] = fs.readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  fs.rmSync(report, { force: true })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 500)}`,
    )
  }
  return { seconds, cpuSeconds: user! + system! }
}

interface Peer {
  name: string
  command: string
  args: string[]
}
const sh = (name: string, script: string): Peer => ({ name, command: 'sh', args: ['-c', script] })
const readFloor = sh(
  'find -exec head -qc 4096',
  `find '${dir}' -name '*.wsp' -exec head -qc 4096 {} + | wc -c`,
)
/** Each command with its peers: the first is its floor (the target's), the others for scale. */
const commands: { name: string; args: string[]; peers: Peer[] }[] = [
  {
    name: 'wsp ls DIR',
    args: ['ls', dir, '--quiet'],
    peers: [sh("find -name '*.wsp' | wc -l", `find '${dir}' -name '*.wsp' | wc -l`)],
  },
  {
    name: 'wsp du DIR',
    args: ['du', dir, '--quiet'],
    peers: [{ name: 'du -s', command: 'du', args: ['-s', dir] }],
  },
  { name: 'wsp ls --long DIR', args: ['ls', '--long', dir, '--quiet'], peers: [readFloor] },
  {
    name: 'wsp stale DIR --older-than 30d',
    args: ['stale', dir, '--older-than', '30d', '--quiet'],
    peers: [
      readFloor,
      sh("find -name '*.wsp' -mtime +30 (mtime only)", `find '${dir}' -name '*.wsp' -mtime +30 | wc -l`),
    ],
  },
]
const TARGET = 1.5
const loadAverage = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
process.stdout.write(`load average before: ${loadAverage()}\n`)

const cells: string[][] = []
const verdicts: string[] = []
const medians = (runs: Measure[]): Measure => ({
  seconds: median(runs.map((r) => r.seconds)),
  cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
})
for (const c of commands) {
  const ours: Measure[] = []
  const peers: Measure[][] = c.peers.map(() => [])
  for (let run = 0; run < RUNS; run++) {
    ours.push(measure(process.execPath, [WSP, ...c.args], env))
    c.peers.forEach((p, i) => peers[i]!.push(measure(p.command, p.args)))
  }
  const s = medians(ours)
  cells.push([c.name, `${s.seconds.toFixed(2)} s`, perSecond(s.seconds), perMillion(s.cpuSeconds), '', ''])
  c.peers.forEach((p, i) => {
    const f = medians(peers[i]!)
    cells.push([
      `  ${p.name}`,
      `${f.seconds.toFixed(2)} s`,
      perSecond(f.seconds),
      perMillion(f.cpuSeconds),
      `${formatRatio(s.seconds / f.seconds)}`,
      `${formatRatio(s.cpuSeconds / f.cpuSeconds)}`,
    ])
  })
  const f = medians(peers[0]!)
  const ratio = s.seconds / f.seconds
  verdicts.push(
    `${ratio <= TARGET ? 'PASS' : 'MISS'} ${c.name}: ${s.seconds.toFixed(2)} s, ${perSecond(s.seconds)}, ${perMillion(s.cpuSeconds)} CPU per 1M files; ${formatRatio(ratio)} ${c.peers[0]!.name}'s time, ${formatRatio(s.cpuSeconds / f.cpuSeconds)} its CPU (target <= ${formatRatio(TARGET)} its time)`,
  )
}
printTable(
  `wsp ls, du, stale over ${FILES.toLocaleString('en-US')} sparse files (medians of ${RUNS}; peers indented)`,
  ['command', 'wall', 'files/s', 'CPU per 1M files', 'ours / peer (wall)', 'ours / peer (CPU)'],
  cells,
)
process.stdout.write(`\nload average after: ${loadAverage()}\n${verdicts.join('\n')}\n`)

// Both cores against one, in this process: the same walk with two worker threads and in-process.
const workerUrl = new URL(`file://${path.join(ROOT, 'dist', 'bin', 'inventory-worker.cjs')}`)
const threadCells: string[][] = []
// CARBONKIT_BENCH_INVENTORY_THREADS=0 leaves this part out.
const threadKinds: ScanKind[] =
  process.env.CARBONKIT_BENCH_INVENTORY_THREADS === '0' ? [] : ['sizes', 'long', 'newest']
for (const kind of threadKinds) {
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
if (threadCells.length > 0)
  printTable(
    'the walk on two worker threads against one thread (in-process)',
    ['per file', 'two threads', 'one thread', 'ratio'],
    threadCells,
  )
