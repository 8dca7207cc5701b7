// Rebalancing between two local nodes (issue 17): CARBONKIT_REBALANCE_METRICS metrics (default
// 10,000) that a ring change moves from node A to node B, with carbonkit against carbonate's method,
// each on an identical copy of the same data, in the same run.
//
// The story: node B was added to the relay's ring an hour ago (T0, aligned to 10 minutes). Every
// metric here now hashes to B (names are picked with the ring, carbon_ch, 127.0.0.1=a and =b; the
// port is not in carbon_ch's hash, so the names do not depend on the ports bound). A holds each
// metric's history up to T0; a share of them (CARBONKIT_REBALANCE_PRESENT, default 0.5) kept
// receiving points and so already have a file on B holding the last hour.
// Schema: 1m:1d,10m:30d (average, xFilesFactor 0.5): 69,160-byte files, 690 MB for 10,000.
//
// carbonkit: two real `carbon serve` nodes (admin API on, one token file, every listener on port 0,
// the bound ports read from their `listening` event; B started with `--admin-peer A's URL`, so that
// it pulls the files from A itself), then, timed,
//   carbon rebalance --relay-config NEW --admin-token-file F --node A=URL --node B=URL --delete-source
// with its defaults otherwise (4 batches of up to 128 moves in flight, no --rate; --json only to check
// its summary: every metric planned, verified and deleted, none failed), and until A has unlinked
// every deleted file (its deletes answer once the files are out of the tree). NEW: one carbon_ch
// cluster of A and B.
// Reference: carbonate's carbon-sync (cluster.md section 12; carbonate/sync.py run_batch), then the
// deletion its README leaves to the operator: per batch of 1,000 (carbon-sync's -b default)
// `rsync -azpS --files-from LIST SRC/ STAGING/` (its --rsync-options default; rsync from Debian),
// then per file shutil.copyfile when the destination is absent, else whisper-fill's fill_archives
// (Debian python3-whisper's /usr/bin/whisper-fill, loaded once: carbon-sync calls fill_archives in
// its own process), then the staging directory and the batch's sources are removed.
// CARBONKIT_REBALANCE_REFERENCE=per-process runs `/usr/bin/whisper-fill STAGED DEST` as one process
// per file instead (slower: a Python start per file).
//
// Both results are checked on CARBONKIT_REBALANCE_SAMPLE metrics (default 200) point by point: every
// source point still inside its archive's retention is on B with its value, B's own points are
// unchanged, and the source file is gone. A mismatch fails the benchmark (exit 1).
// RUNS (default 1) alternates carbonkit and the reference, each run on fresh copies; medians.
// CPU seconds (user + system) of every process of each side are reported too, being less sensitive
// to a loaded machine than wall time: carbonkit's is `carbon rebalance` plus what both `carbon serve`
// nodes spent meanwhile (/proc/PID/stat, every thread); carbonate's is rsync and Python with their
// children (/usr/bin/time).
// Target (issue 17): carbonkit at least 10x faster than carbonate's method.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRelayLookup } from '../../src/core/cluster/relay-route.js'
import { parseRelayConfig } from '../../src/core/cluster/relay-config.js'
import {
  decodeArchiveCount,
  decodeHeader,
  decodePointTimestamp,
  decodePointValue,
  encodeHeader,
  encodePoint,
} from '../../src/core/whisper/codec.js'
import { METADATA_SIZE, POINT_SIZE, headerSizeFor } from '../../src/core/whisper/format.js'
import { relayConfig, writeTokenFile } from '../helpers/cluster.js'
import type { Serve } from '../helpers/serve.js'
import { startServe, writeServeConfig } from '../helpers/serve.js'
import {
  BenchFailure,
  CARBON,
  PYTHON,
  benchDir,
  benchEnv,
  formatBytes,
  formatRatio,
  live,
  median,
  printTable,
  processCpuSeconds,
} from './lib.js'

const RUNS = Number(process.env.RUNS ?? process.env.CARBONKIT_BENCH_RUNS ?? 1)
const METRICS = Number(process.env.CARBONKIT_REBALANCE_METRICS ?? 10_000)
const PRESENT_SHARE = Number(process.env.CARBONKIT_REBALANCE_PRESENT ?? 0.5)
const SAMPLE = Number(process.env.CARBONKIT_REBALANCE_SAMPLE ?? 200)
const PER_PROCESS = process.env.CARBONKIT_REBALANCE_REFERENCE === 'per-process'
/** CARBONKIT_REBALANCE_REFERENCE=none: carbonkit's side only (profiling it; no ratio). */
const NO_REFERENCE = process.env.CARBONKIT_REBALANCE_REFERENCE === 'none'
/** CARBONKIT_REBALANCE_RELAY=1: B has no --admin-peer, so carbon rebalance relays every byte (as before /admin/pull). */
const RELAY = process.env.CARBONKIT_REBALANCE_RELAY === '1'
const TARGET = 10
const SCHEMA = '1m:1d,10m:30d'
const ARCHIVES = [
  [60, 1440],
  [600, 4320],
] as const
const BATCH = 1000
const RSYNC_OPTIONS = '-azpS'
const WHISPER_FILL = '/usr/bin/whisper-fill'

const GEN_NOW = Math.floor(Date.now() / 1000)
/** The ring change: points before it are on A, points since on B. */
const T0 = Math.floor((GEN_NOW - 3600) / 600) * 600

// --- the data ---------------------------------------------------------------------------------------

/** Names the new ring (A and B) places on B; the ports are placeholders (carbon_ch ignores them). */
function pickNames(count: number): string[] {
  const config = parseRelayConfig(relayConfig(1, ['127.0.0.1:1=a', '127.0.0.1:2=b'], 1), 'pick')
  const lookup = createRelayLookup(config)
  const names: string[] = []
  for (let k = 0; names.length < count; k++) {
    const name = `rebalance.host-${String(k % 100).padStart(2, '0')}.metric-${Math.floor(k / 100)}`
    if (lookup(name)[0] === '127.0.0.1:2=b') names.push(name)
  }
  return names
}

/** Exact in binary (multiples of 0.25), never 0 (whisper-fill takes a 0 for a gap). */
function value(m: number, t: number): number {
  return (((m * 7919 + (t / 60) * 31) % 10007) + 1) / 4
}

/** The 10-minute average of the 1-minute values, as whisper's aggregation computes it. */
function average(m: number, t: number): number {
  let sum = 0
  for (let i = 0; i < 10; i++) sum += value(m, t + i * 60)
  return sum / 10
}

const HEADER = encodeHeader(ARCHIVES, 0.5, 'average')
const ARCHIVE_OFFSETS = [HEADER.length, HEADER.length + ARCHIVES[0][1] * POINT_SIZE]
const FILE_BYTES = ARCHIVE_OFFSETS[1]! + ARCHIVES[1][1] * POINT_SIZE

/** A whisper file with, per archive, the points from..until (exclusive) that `valueAt` gives. */
function whisperFile(
  ranges: readonly (readonly [from: number, until: number, valueAt: (t: number) => number])[],
) {
  const out = Buffer.alloc(FILE_BYTES)
  HEADER.copy(out, 0)
  ranges.forEach(([from, until, valueAt], a) => {
    const [step, points] = ARCHIVES[a]!
    // Slot 0 holds the oldest point: whisper's base.
    for (let t = from, i = 0; t < until && i < points; t += step, i++)
      encodePoint(out, ARCHIVE_OFFSETS[a]! + i * POINT_SIZE, t, valueAt(t))
  })
  return out
}

function relativeFile(name: string): string {
  return path.join(...name.split('.')) + '.wsp'
}

function writeFileIn(dir: string, rel: string, bytes: Buffer): void {
  const file = path.join(dir, rel)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
}

/** A's history up to T0 for every metric; B's last hour for the present share. */
function generate(names: readonly string[], sourceDir: string, destDir: string): number {
  const from0 = Math.floor((GEN_NOW - 86_400) / 60) * 60 + 120
  const from1 = Math.floor((GEN_NOW - 30 * 86_400) / 600) * 600 + 1200
  let present = 0
  names.forEach((name, m) => {
    const rel = relativeFile(name)
    writeFileIn(
      sourceDir,
      rel,
      whisperFile([
        [from0, T0, (t) => value(m, t)],
        [from1, T0, (t) => average(m, t)],
      ]),
    )
    if (isPresent(m)) {
      present++
      const last = Math.floor(GEN_NOW / 60) * 60
      writeFileIn(
        destDir,
        rel,
        whisperFile([
          [T0, last, (t) => value(m, t)],
          [T0, Math.floor(last / 600) * 600, (t) => average(m, t)],
        ]),
      )
    }
  })
  return present
}

function isPresent(m: number): boolean {
  return Math.floor((m + 1) * PRESENT_SHARE) > Math.floor(m * PRESENT_SHARE)
}

// --- checking ---------------------------------------------------------------------------------------

/** Each archive's points as timestamp -> value (every slot with a timestamp). */
function readArchives(file: string): Map<number, number>[] {
  const bytes = fs.readFileSync(file)
  const header = decodeHeader(
    bytes.subarray(0, headerSizeFor(decodeArchiveCount(bytes.subarray(0, METADATA_SIZE), file))),
    file,
    bytes.length,
  )
  return header.archives.map((archive) => {
    const points = new Map<number, number>()
    for (let i = 0; i < archive.points; i++) {
      const at = archive.offset + i * POINT_SIZE
      const t = decodePointTimestamp(bytes, at)
      if (t !== 0) points.set(t, decodePointValue(bytes, at))
    }
    return points
  })
}

/**
 * Every sampled metric: gone from the source, and on the destination every source point still inside
 * its archive's retention and every point the destination had, with its value. Returns the points
 * checked; throws on the first problems.
 */
function verify(
  label: string,
  names: readonly string[],
  templateSource: string,
  templateDest: string,
  sourceDir: string,
  destDir: string,
): number {
  const checkNow = Math.floor(Date.now() / 1000)
  // Older than this, a point has left archive 0 or is about to. The oldest 20 minutes are not
  // compared: whisper-fill's first fetch there can fall to archive 1 (its from-time is a float, which
  // whisper.fetch compares with int(now)), and it then writes a 10-minute average into archive 0's
  // oldest slot, a point that expires within minutes anyway.
  const edge0 = checkNow - 86_400 + 1200
  // Archive 1's intervals at archive 0's edge at generation time were rebuilt from partly expired
  // minutes by the fill's propagation: not comparable, and not what a reader asks archive 1 for.
  const skip1 = [GEN_NOW - 86_400 - 1200, checkNow - 86_400 + 1200] as const
  const edge1 = checkNow - 30 * 86_400 + 1200
  const problems: string[] = []
  let checked = 0
  const step = Math.max(1, Math.floor(names.length / SAMPLE))
  for (let m = 0; m < names.length; m += step) {
    const rel = relativeFile(names[m]!)
    if (fs.existsSync(path.join(sourceDir, rel))) problems.push(`${names[m]}: still on the source`)
    const destFile = path.join(destDir, rel)
    if (!fs.existsSync(destFile)) {
      problems.push(`${names[m]}: not on the destination`)
      continue
    }
    const got = readArchives(destFile)
    const expected = readArchives(path.join(templateSource, rel))
    const own = fs.existsSync(path.join(templateDest, rel))
      ? readArchives(path.join(templateDest, rel))
      : [new Map<number, number>(), new Map<number, number>()]
    for (let a = 0; a < 2; a++) {
      const want = new Map(
        [...expected[a]!].filter(([t]) =>
          a === 0 ? t >= edge0 : t >= edge1 && (t < skip1[0] || t > skip1[1]),
        ),
      )
      for (const [t, v] of own[a]!) want.set(t, v)
      for (const [t, v] of want) {
        checked++
        const has = got[a]!.get(t)
        if (has !== v && problems.length < 20)
          problems.push(`${names[m]} archive ${a} at ${t}: ${has ?? 'none'}, expected ${v}`)
      }
    }
  }
  if (problems.length > 0) throw new BenchFailure(`${label}: wrong result:\n  ${problems.join('\n  ')}`)
  return checked
}

let timeDir: string | undefined

/** CPU seconds of each thread of a process by thread name (/proc/PID/task/TID/stat), e.g. its writer threads. */
function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>()
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
      const name = Number(task) === pid ? 'main' : 'other threads'
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100)
    } catch {
      // gone meanwhile
    }
  }
  return byName
}

/** Each thread name's CPU seconds between two readings, largest first. */
function threadDelta(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .filter(([, s]) => s >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([name, s]) => `${name} ${s.toFixed(2)}`)
    .join(', ')
}

/** A command's wall and CPU seconds (user + system, its waited-for children included), and its exit. */
function timed(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; input?: string } = {},
): { seconds: number; cpuSeconds: number; status: number | null; stderr: string } {
  timeDir ??= benchDir('rebalance-time')
  const report = path.join(timeDir, 'time.txt')
  const out = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'ignore'
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', report, command, ...args], {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', out, 'pipe'],
    input: options.input,
    env: benchEnv(),
    maxBuffer: 1 << 26,
    encoding: 'utf8',
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (typeof out === 'number') fs.closeSync(out)
  const last = fs.readFileSync(report, 'utf8').trim().split('\n').pop()!
  const [user, system] = last.split(' ').map(Number)
  return { seconds, cpuSeconds: user! + system!, status: result.status, stderr: result.stderr }
}

/**
 * Seconds until the deleted files a node still has to unlink (hidden `.carbonkit-admin-deleted-*`
 * in its data directory's root) are gone; 0 when none is left.
 */
function unlinksLeft(dataDir: string): number {
  const started = process.hrtime.bigint()
  const pending = (): boolean =>
    fs.readdirSync(dataDir).some((entry) => entry.startsWith('.carbonkit-admin-deleted-'))
  const wait = new Int32Array(new SharedArrayBuffer(4))
  for (let k = 0; pending(); k++) {
    if (k > 60_000) throw new BenchFailure(`deleted files left in ${dataDir} after a minute`)
    Atomics.wait(wait, 0, 0, 1)
  }
  return Number(process.hrtime.bigint() - started) / 1e9
}

interface Result {
  seconds: number
  cpuSeconds: number
  checked: number
  /** Where the CPU seconds went. */
  detail: string
}

// --- carbonkit ----------------------------------------------------------------------------------------

async function startNode(
  root: string,
  instance: string,
  tokenFile: string,
  extra: readonly string[] = [],
): Promise<Serve> {
  const home = path.join(root, instance)
  const config = writeServeConfig(home, {
    settings: { MAX_CREATES_PER_MINUTE: 'inf', MAX_CACHE_SIZE: 'inf', MAX_UPDATES_PER_SECOND: 'inf' },
    schemas: `[default]\npattern = .*\nretentions = ${SCHEMA}\n`,
  })
  const serve = await startServe(
    { after: () => undefined },
    ['--config', config, '--admin-token-file', tokenFile, ...extra],
    {
      baseEnv: benchEnv(),
    },
  )
  live.add(serve.child.pid!)
  return serve
}

async function runCarbonkit(
  root: string,
  names: readonly string[],
  templateSource: string,
  templateDest: string,
): Promise<Result> {
  const tokenFile = writeTokenFile(root)
  const dirA = path.join(root, 'a', 'storage', 'whisper')
  const dirB = path.join(root, 'b', 'storage', 'whisper')
  fs.cpSync(templateSource, dirA, { recursive: true })
  fs.cpSync(templateDest, dirB, { recursive: true })
  const a = await startNode(root, 'a', tokenFile)
  // B may pull from A (--admin-peer): the bytes go node to node, not through carbon rebalance.
  const b = await startNode(
    root,
    'b',
    tokenFile,
    RELAY ? [] : ['--admin-peer', `http://127.0.0.1:${a.ports.http}`],
  )
  try {
    const memberA = `127.0.0.1:${a.ports.line}=a`
    const memberB = `127.0.0.1:${b.ports.line}=b`
    const newConfig = path.join(root, 'new-relay.conf')
    fs.writeFileSync(newConfig, relayConfig(2003, [memberA, memberB], 1))
    const report = path.join(root, 'rebalance.json')
    const nodesCpuBefore = processCpuSeconds(a.child.pid!) + processCpuSeconds(b.child.pid!)
    const threadsBefore = [threadCpuSeconds(a.child.pid!), threadCpuSeconds(b.child.pid!)]
    const measure = timed(
      process.execPath,
      [
        CARBON,
        'rebalance',
        '--relay-config',
        newConfig,
        '--admin-token-file',
        tokenFile,
        '--node',
        `${memberA}=http://127.0.0.1:${a.ports.http}`,
        '--node',
        `${memberB}=http://127.0.0.1:${b.ports.http}`,
        '--delete-source',
        '--state',
        path.join(root, 'rebalance.state'),
        '--json',
      ],
      { stdoutFile: report },
    )
    // A batch's source files are unlinked after its delete answered (renamed out of the tree first):
    // the move is done, and timed, once none is left.
    measure.seconds += unlinksLeft(dirA)
    const nodesCpu = processCpuSeconds(a.child.pid!) + processCpuSeconds(b.child.pid!) - nodesCpuBefore
    const threads = [a, b].map((node, k) => threadDelta(threadsBefore[k]!, threadCpuSeconds(node.child.pid!)))
    if (measure.status !== 0 && measure.status !== 1)
      throw new BenchFailure(`carbon rebalance exited ${measure.status}: ${measure.stderr.slice(-2000)}`)
    const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      verified: number
      deleted: number
      created: number
      pulled: number
      failed: { metric: string; reason: string }[]
      plan: { metrics: number }
    }
    if (
      summary.plan.metrics !== names.length ||
      summary.verified !== names.length ||
      summary.deleted !== names.length ||
      summary.failed.length > 0
    )
      throw new BenchFailure(
        `carbon rebalance moved ${summary.verified} of ${names.length} metrics (plan: ${summary.plan.metrics}, deleted: ${summary.deleted}, failed: ${summary.failed.length}` +
          `${summary.failed
            .slice(0, 5)
            .map((f) => `\n  ${f.metric}: ${f.reason}`)
            .join('')})`,
      )
    for (const node of [a, b]) {
      node.child.kill('SIGTERM')
      const { status } = await node.exited
      live.delete(node.child.pid!)
      if (status !== 0)
        throw new BenchFailure(`carbon serve exited ${status}:\n${node.stderr().slice(-2000)}`)
    }
    const checked = verify('carbonkit', names, templateSource, templateDest, dirA, dirB)
    return {
      seconds: measure.seconds,
      cpuSeconds: measure.cpuSeconds + nodesCpu,
      checked,
      detail:
        `carbon rebalance ${measure.cpuSeconds.toFixed(2)} s (${summary.pulled} pulled node to node), ` +
        `carbon serve nodes ${nodesCpu.toFixed(2)} s ` +
        `[source: ${threads[0]}; destination: ${threads[1]}]`,
    }
  } finally {
    for (const node of [a, b]) if (node.child.exitCode === null) node.child.kill('SIGKILL')
  }
}

// --- carbonate's carbon-sync --------------------------------------------------------------------------

/** carbon-sync's sync_batch and heal_metric over one batch, then the batch's sources removed. */
const HEAL = String.raw`
import importlib.machinery, importlib.util, os, shutil, subprocess, sys, time
loader = importlib.machinery.SourceFileLoader('whisper_fill', sys.argv[1])
spec = importlib.util.spec_from_loader('whisper_fill', loader)
fill = importlib.util.module_from_spec(spec)
loader.exec_module(fill)
per_process = sys.argv[2] == 'per-process'
staging, local, source = sys.argv[3], sys.argv[4], sys.argv[5]
batch_start = time.time()
spent = [0.0, 0.0, 0.0]
for rel in sys.stdin.read().split('\n'):
    if not rel:
        continue
    staged, dest = os.path.join(staging, rel), os.path.join(local, rel)
    at = time.monotonic()
    if os.path.exists(dest):
        if per_process:
            subprocess.run([sys.argv[1], staged, dest], check=True)
        else:
            fill.fill_archives(staged, dest, batch_start)
        spent[0] += time.monotonic() - at
    else:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(staged, dest)
        spent[1] += time.monotonic() - at
    at = time.monotonic()
    os.remove(os.path.join(source, rel))
    spent[2] += time.monotonic() - at
shutil.rmtree(staging)
sys.stderr.write('%f %f %f\n' % tuple(spent))
`

function runReference(
  root: string,
  names: readonly string[],
  templateSource: string,
  templateDest: string,
): Result {
  const source = path.join(root, 'a')
  const dest = path.join(root, 'b')
  fs.cpSync(templateSource, source, { recursive: true })
  fs.cpSync(templateDest, dest, { recursive: true })
  const rels = names.map(relativeFile)
  const started = process.hrtime.bigint()
  let cpuSeconds = 0
  let rsyncCpu = 0
  let rsyncSeconds = 0
  let healSeconds = 0
  /** Wall seconds in whisper-fill, in copies of absent files, in removing the sources. */
  const healParts = [0, 0, 0]
  for (let i = 0; i < rels.length; i += BATCH) {
    const batch = rels.slice(i, i + BATCH).join('\n')
    const list = path.join(root, `batch-${i}.txt`)
    fs.writeFileSync(list, batch)
    const staging = fs.mkdtempSync(path.join(root, 'staging-'))
    const rsync = timed('rsync', [RSYNC_OPTIONS, '--files-from', list, source + '/', staging + '/'])
    if (rsync.status !== 0) throw new BenchFailure(`rsync exited ${rsync.status}: ${rsync.stderr}`)
    const heal = timed(
      PYTHON,
      ['-c', HEAL, WHISPER_FILL, PER_PROCESS ? 'per-process' : 'in-process', staging, dest, source],
      { input: batch },
    )
    if (heal.status !== 0) throw new BenchFailure(`carbon-sync's heal failed: ${heal.stderr.slice(-2000)}`)
    cpuSeconds += rsync.cpuSeconds + heal.cpuSeconds
    rsyncCpu += rsync.cpuSeconds
    rsyncSeconds += rsync.seconds
    healSeconds += heal.seconds
    heal.stderr
      .trim()
      .split(' ')
      .forEach((t, k) => (healParts[k] = healParts[k]! + Number(t)))
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const checked = verify('carbonate', names, templateSource, templateDest, source, dest)
  return {
    seconds,
    cpuSeconds,
    checked,
    detail:
      `rsync ${rsyncCpu.toFixed(2)} s in ${rsyncSeconds.toFixed(2)} s, ` +
      `python ${(cpuSeconds - rsyncCpu).toFixed(2)} s in ${healSeconds.toFixed(2)} s: ` +
      `fill ${healParts[0]!.toFixed(2)} s, copy ${healParts[1]!.toFixed(2)} s, remove ${healParts[2]!.toFixed(2)} s`,
  }
}

// --- main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = benchDir('rebalance')
  const names = pickNames(METRICS)
  const templateSource = path.join(dir, 'template', 'a')
  const templateDest = path.join(dir, 'template', 'b')
  const present = generate(names, templateSource, templateDest)
  process.stdout.write(
    `${METRICS} metrics, ${SCHEMA} (${FILE_BYTES} bytes each, ${formatBytes(METRICS * FILE_BYTES)}), ` +
      `${present} already on B; reference: carbon-sync with whisper-fill ${PER_PROCESS ? 'one process per file' : 'in one process'}\n`,
  )
  const times = { carbonkit: [] as number[], carbonate: [] as number[] }
  const cpu = { carbonkit: [] as number[], carbonate: [] as number[] }
  let checked = 0
  for (let run = 0; run < RUNS; run++) {
    const order =
      run % 2 === 0 ? (['carbonkit', 'carbonate'] as const) : (['carbonate', 'carbonkit'] as const)
    for (const who of order) {
      if (who === 'carbonate' && NO_REFERENCE) continue
      const root = path.join(dir, `${who}-${run}`)
      fs.mkdirSync(root, { recursive: true })
      const result =
        who === 'carbonkit'
          ? await runCarbonkit(root, names, templateSource, templateDest)
          : runReference(root, names, templateSource, templateDest)
      times[who].push(result.seconds)
      cpu[who].push(result.cpuSeconds)
      checked += result.checked
      process.stdout.write(
        `run ${run + 1} ${who}: ${result.seconds.toFixed(2)} s (${(METRICS / result.seconds).toFixed(0)} metrics/s), ` +
          `${result.cpuSeconds.toFixed(2)} CPU s (${result.detail}), ` +
          `${result.checked} points checked\n`,
      )
      fs.rmSync(root, { recursive: true, force: true })
    }
  }
  if (NO_REFERENCE) return
  const ours = median(times.carbonkit)
  const theirs = median(times.carbonate)
  const ratio = theirs / ours
  const cpuOurs = median(cpu.carbonkit)
  const cpuTheirs = median(cpu.carbonate)
  printTable(
    `rebalance: ${METRICS} metrics A -> B, ${SCHEMA}, ${Math.round(PRESENT_SHARE * 100)}% already on B (RUNS=${RUNS}; ${checked} points verified)`,
    ['measure', 'carbonkit (median)', 'carbonate (median)', 'ratio', 'target', ''],
    [
      [
        'seconds, copy + verify + delete source',
        `${ours.toFixed(2)} s`,
        `${theirs.toFixed(2)} s`,
        formatRatio(ratio),
        `>= ${TARGET}x`,
        ratio >= TARGET ? 'PASS' : 'MISS',
      ],
      [
        'CPU seconds, every process (user + system)',
        `${cpuOurs.toFixed(2)} s`,
        `${cpuTheirs.toFixed(2)} s`,
        formatRatio(cpuTheirs / cpuOurs),
        '',
        '',
      ],
      [
        'metrics per second',
        (METRICS / ours).toFixed(0),
        (METRICS / theirs).toFixed(0),
        formatRatio(ratio),
        '',
        '',
      ],
    ],
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
