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
// per million files is what compares. Targets: "in seconds" as wall time for 1,000,000 files on a
// quiet 2-core machine (scaled to a smaller tree's size, plus half a second of start-up): ls and du 5 s, ls --long and stale 15 s. The
// evidence for those: ls and du cost 3 and 5 CPU seconds per million files (one getdents(2) per
// directory, and for du one fstatat(2) per file), and what reads each file costs at least its five
// system calls (openat, posix_fadvise, fstat, pread, close: measured at 12 to 14 us a file in a
// bare loop on this kind of VM, 20 CPU seconds a million in the command), which two cores do in
// about 10 s. Beside the wall time (which other processes' load stretches) each verdict gives the
// CPU seconds over two cores: the wall time on an idle machine if both cores are busy throughout.
// Then, against the floors: ls and du within 1.5x of their floor's time, ls --long and stale within
// 1.5x of theirs (the floors run on one core, ours on two). Then, in this
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
/** `seconds`: the "in seconds" target, wall seconds for 1,000,000 files (scaled to FILES). */
const commands: { name: string; args: string[]; peers: Peer[]; seconds: number }[] = [
  {
    name: 'wsp ls DIR',
    args: ['ls', dir, '--quiet'],
    peers: [sh("find -name '*.wsp' | wc -l", `find '${dir}' -name '*.wsp' | wc -l`)],
    seconds: 5,
  },
  {
    name: 'wsp du DIR',
    args: ['du', dir, '--quiet'],
    peers: [{ name: 'du -s', command: 'du', args: ['-s', dir] }],
    seconds: 5,
  },
  { name: 'wsp ls --long DIR', args: ['ls', '--long', dir, '--quiet'], peers: [readFloor], seconds: 15 },
  {
    name: 'wsp stale DIR --older-than 30d',
    seconds: 15,
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
const inSeconds: string[] = []
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
  // A smaller tree keeps the start-up's half second (node, the bundle, two threads).
  const target = 0.5 + ((c.seconds - 0.5) * FILES) / 1_000_000
  const twoCores = s.cpuSeconds / 2
  inSeconds.push(
    `${s.seconds <= target ? 'PASS' : 'FAIL'} ${c.name} in seconds: ${s.seconds.toFixed(2)} s wall, ${perSecond(s.seconds)} (target <= ${target.toFixed(1)} s); ${s.cpuSeconds.toFixed(2)} CPU s, ${twoCores.toFixed(2)} s over two cores (${twoCores <= target ? 'within' : 'over'} the target on an idle machine)`,
  )
  const f = medians(peers[0]!)
  const ratio = s.seconds / f.seconds
  verdicts.push(
    `${ratio <= TARGET ? 'PASS' : 'FAIL'} ${c.name} against its floor: ${s.seconds.toFixed(2)} s, ${perSecond(s.seconds)}, ${perMillion(s.cpuSeconds)} CPU per 1M files; ${formatRatio(ratio)} ${c.peers[0]!.name}'s time, ${formatRatio(s.cpuSeconds / f.cpuSeconds)} its CPU (target <= ${formatRatio(TARGET)} its time)`,
  )
}
printTable(
  `wsp ls, du, stale over ${FILES.toLocaleString('en-US')} sparse files (medians of ${RUNS}; peers indented)`,
  ['command', 'wall', 'files/s', 'CPU per 1M files', 'ours / peer (wall)', 'ours / peer (CPU)'],
  cells,
)
process.stdout.write(
  `\nload average after: ${loadAverage()}\n${inSeconds.join('\n')}\n${verdicts.join('\n')}\n`,
)

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
