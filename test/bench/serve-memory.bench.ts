// Issue 14, memory: after 1,000,000 distinct metrics have been received, written and gone idle, the
// RSS of `carbon serve` comes back to within 50 MiB of what it was before them. A real daemon with
// its default settings (idle sweep shortened to 1 s with CARBONKIT_SWEEP_SECONDS), one point per
// metric over one plaintext connection, schema 60s:5m (88-byte files), first with the HTTP read API
// off (--http-port -1: the criterion), then on (its index keeps every name a find may ask for: memory
// it needs; its heap and typed arrays, measured here over the same files, are reported and subtracted). Reports RSS
// before, at the peak (VmHWM), once written, and after (when the daemon says it has forgotten them and
// given their memory back; helpers/serve-memory.ts). The files go to /dev/shm when it
// is there (1,000,000 files take 4 GB of blocks there as on ext4; check `df -h`, `df -i` first).
// CARBONKIT_MEMORY_METRICS changes the count; CARBONKIT_MEMORY_HTTP=on|off runs one case. Exit status 1 when the daemon broke, not for a MISS.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { reclaimMemory } from '../../src/cli/shared/memory.js'
import { MetricIndex } from '../../src/core/http/index.js'
import { measureIdleMemory, mib } from '../helpers/serve-memory.js'
import type { MemoryResult } from '../helpers/serve-memory.js'
import { benchEnv, printTable } from './lib.js'

const METRICS = Number(process.env.CARBONKIT_MEMORY_METRICS ?? 1_000_000)
const ALLOWANCE_BYTES = 50 * 1048576
/** CARBONKIT_MEMORY_HTTP=on or off runs one of the two cases (each takes minutes at 1,000,000). */
const HTTP_MODES = { on: [true], off: [false] }[process.env.CARBONKIT_MEMORY_HTTP ?? ''] ?? [false, true]

function scratch(): string {
  let base = os.tmpdir()
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK)
    base = '/dev/shm'
  } catch {
    // No tmpfs: the disk.
  }
  return fs.mkdtempSync(path.join(base, 'carbonkit-bench-memory-'))
}

/** What a MetricIndex of `dir` holds in this process after full collections: heap and typed arrays. */
function heldBytes(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

async function indexHeapBytes(dir: string): Promise<number> {
  reclaimMemory()
  const before = heldBytes()
  const index = new MetricIndex(dir)
  await index.refresh()
  reclaimMemory()
  const bytes = heldBytes() - before
  if (index.stats().metrics === 0) throw new Error(`no metric indexed under ${dir}`)
  return bytes
}

/**
 * What the HTTP API's index holds for the new metrics: the index of the whole data directory (what
 * the daemon's holds after them) less the index of the warm-up's (what it held before them).
 */
async function newMetricsIndexBytes(root: string): Promise<number> {
  const dataDir = path.join(root, 'storage', 'whisper')
  return (await indexHeapBytes(dataDir)) - (await indexHeapBytes(path.join(dataDir, 'warm')))
}

const signed = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${mib(bytes)}`

async function main(): Promise<void> {
  process.stdout.write(
    `carbon serve (default settings), ${METRICS.toLocaleString('en')} new metrics x 1 point, schema 60s:5m, idle sweep every 1 s\n`,
  )
  const cells: string[][] = []
  for (const http of HTTP_MODES) {
    const root = scratch()
    const cleanups: (() => void)[] = []
    let result: MemoryResult
    let indexBytes = 0
    try {
      result = await measureIdleMemory(
        { after: (fn: () => void) => void cleanups.push(fn) },
        {
          root,
          metrics: METRICS,
          http,
          allowanceBytes: ALLOWANCE_BYTES,
          settleSeconds: 120,
          baseEnv: benchEnv(),
          log: (line) => process.stdout.write(`  HTTP ${http ? 'on ' : 'off'}: ${line}\n`),
        },
      )
      if (http) indexBytes = await newMetricsIndexBytes(root)
    } finally {
      for (const fn of cleanups) fn()
      fs.rmSync(root, { recursive: true, force: true })
    }
    const growth = result.afterBytes - result.beforeBytes
    const pass = growth - indexBytes <= ALLOWANCE_BYTES
    cells.push([
      http ? 'on' : 'off (--http-port -1)',
      mib(result.beforeBytes),
      mib(result.peakBytes),
      mib(result.writtenBytes),
      `${mib(result.afterBytes)} (${signed(growth)})`,
      http ? mib(indexBytes) : '-',
      signed(http ? growth - indexBytes : growth),
      `${result.writeSeconds.toFixed(0)} s / ${result.settleSeconds.toFixed(0)} s`,
      http ? 'after - index <= before + 50 MiB' : '<= before + 50 MiB',
      pass ? 'PASS' : 'MISS',
    ])
  }
  printTable(
    `memory after ${METRICS.toLocaleString('en')} metrics went idle`,
    [
      'HTTP API',
      'RSS before',
      'peak (VmHWM)',
      'written',
      'after',
      'index of the new names',
      'growth less index',
      'write / settle',
      'target',
      '',
    ],
    cells,
  )
  process.stdout.write(
    `\nThe criterion is the daemon's own memory: HTTP API off. With it on, its index keeps every name a\n` +
      `find may ask for (memory it needs, reported per metric by the HTTP benchmark): measured here as the\n` +
      `heap and typed arrays of the same index built in this process over the same data directory (all names, less the\n` +
      `warm-up's), and subtracted. RSS counts more than the heap (its pages, malloc), so this is an estimate.\n`,
  )
}

await main().catch((error: unknown) => {
  process.stdout.write(`\nBENCHMARK BROKE: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
