// Issue 14, memory: after 1,000,000 distinct metrics have been received, written and gone idle, the
// RSS of `carbon serve` comes back to within 50 MiB of what it was before them. A real daemon with
// its default settings (idle sweep shortened to 1 s with CARBONKIT_SWEEP_SECONDS), one point per
// metric over one plaintext connection, schema 60s:5m (88-byte files), first with the HTTP read API
// off (--http-port -1), then on (its index keeps every name a find may ask for: memory it needs).
// Reports RSS before, at the peak (VmHWM), once written, and after. The files go to /dev/shm when it
// is there (1,000,000 files take 4 GB of blocks there as on ext4; check `df -h`, `df -i` first).
// CARBONKIT_MEMORY_METRICS changes the count. Exit status 1 when the daemon broke, not for a MISS.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { measureIdleMemory, mib } from '../helpers/serve-memory.js'
import type { MemoryResult } from '../helpers/serve-memory.js'
import { benchEnv, printTable } from './lib.js'

const METRICS = Number(process.env.CARBONKIT_MEMORY_METRICS ?? 1_000_000)
const ALLOWANCE_BYTES = 50 * 1048576

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

async function main(): Promise<void> {
  process.stdout.write(
    `carbon serve (default settings), ${METRICS.toLocaleString('en')} new metrics x 1 point, schema 60s:5m, idle sweep every 1 s\n`,
  )
  const cells: string[][] = []
  for (const http of [false, true]) {
    const root = scratch()
    const cleanups: (() => void)[] = []
    let result: MemoryResult
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
    } finally {
      for (const fn of cleanups) fn()
      fs.rmSync(root, { recursive: true, force: true })
    }
    const pass = result.afterBytes <= result.beforeBytes + ALLOWANCE_BYTES
    cells.push([
      http ? 'on' : 'off (--http-port -1)',
      mib(result.beforeBytes),
      mib(result.peakBytes),
      mib(result.writtenBytes),
      `${mib(result.afterBytes)} (+${mib(result.afterBytes - result.beforeBytes)})`,
      `${result.writeSeconds.toFixed(0)} s / ${result.settleSeconds.toFixed(0)} s`,
      '<= before + 50 MiB',
      pass ? 'PASS' : 'MISS',
    ])
  }
  printTable(
    `memory after ${METRICS.toLocaleString('en')} metrics went idle`,
    ['HTTP API', 'RSS before', 'peak (VmHWM)', 'written', 'after', 'write / settle', 'target', ''],
    cells,
  )
}

await main().catch((error: unknown) => {
  process.stdout.write(`\nBENCHMARK BROKE: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
