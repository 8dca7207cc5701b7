// Shared helpers for benchmarks. Benchmarks compare carbonkit with the reference tools measured in the
// same run, alternating between them, and report medians and ratios: the machine is shared and
// noisy, so a single absolute time means little.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from '../helpers/paths.js'

export const WSP = path.join(ROOT, 'bin', 'wsp.cjs')
export const CARBON = path.join(ROOT, 'bin', 'carbon.cjs')
export const PYTHON = process.env.CARBONKIT_PYTHON ?? '/usr/bin/python3'

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface RunMeasure {
  seconds: number
  /** Peak resident set size in bytes. */
  maxRssBytes: number
  status: number | null
}

/**
 * The environment for measured commands. NODE_EXTRA_CA_CERTS is removed: this sandbox sets it, and
 * Node then parses a CA bundle at every start (about 37 ms and 2 MB here), which is neither carbonkit's
 * doing nor what an operator's machine does. Everything else is passed through unchanged.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/**
 * Run a command to completion with stdout discarded (or piped to `stdoutFile`), measuring wall time
 * and peak RSS with GNU time.
 */
export function measureCommand(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): RunMeasure {
  const report = path.join(os.tmpdir(), `carbonkit-bench-time-${process.pid}.txt`)
  const out = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'ignore'
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', report, command, ...args], {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', out, 'pipe'],
    input: options.input,
    env: benchEnv(options.env),
    maxBuffer: 1 << 30,
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (typeof out === 'number') fs.closeSync(out)
  const kib = Number(fs.readFileSync(report, 'utf8').trim().split('\n').pop())
  fs.rmSync(report, { force: true })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}: ${result.stderr?.toString().slice(0, 500)}`,
    )
  }
  return { seconds, maxRssBytes: kib * 1024, status: result.status }
}

/** Time an in-process function `runs` times; returns each run's seconds. */
export async function timeRuns(
  runs: number,
  fn: (run: number) => unknown | Promise<unknown>,
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    await fn(i)
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  return times
}

/** Run a Python snippet with the reference python3 and return its stdout (JSON by convention). */
export function runPython(code: string, args: readonly string[] = []): string {
  const result = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`)
  return result.stdout
}

/** Start a long-running process and resolve when it exits. */
export function spawnAndWait(command: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' })
    child.on('exit', resolve)
  })
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

export interface Row {
  name: string
  carbonkit: string
  reference: string
  ratio: string
  target: string
  pass: boolean
}

/** Print one benchmark's rows as an aligned table, with a PASS/MISS column against its target. */
export function printRows(title: string, rows: readonly Row[]): void {
  const head = ['measure', 'carbonkit (median)', 'reference (median)', 'ratio', 'target', '']
  const cells = rows.map((r) => [
    r.name,
    r.carbonkit,
    r.reference,
    r.ratio,
    r.target,
    r.pass ? 'PASS' : 'MISS',
  ])
  printTable(title, head, cells)
}

/** Print a titled table with aligned columns (the layout of printRows, any columns). */
export function printTable(
  title: string,
  head: readonly string[],
  cells: readonly (readonly string[])[],
): void {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: readonly string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  process.stdout.write(`\n## ${title}\n\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`)
  for (const c of cells) process.stdout.write(line(c) + '\n')
}

/** A scratch directory for a benchmark, removed at exit. */
export function benchDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `carbonkit-bench-${name}-`))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}
