// `carbon sieve`: the whisper files under a node's data directory whose metrics the relay's ring
// places on other nodes, and (only when asked) deleting or quarantining them. Names come back from
// paths as carbon's TaggedSeries.decode reads them; routing is `carbon ring`'s (relay-route.ts), on the
// cleansed name up to the first `;`, as the running relay routes.

import fs from 'node:fs'
import path from 'node:path'
import { metricNameOf } from '../config/audit.js'
import {
  AbortedError,
  CannotWriteError,
  CoreError,
  InvalidArgumentError,
  fromSystemError,
  systemErrorCode,
} from '../errors.js'
import { findWhisperFiles } from '../tree/walk.js'
import { parseRelayConfig } from './relay-config.js'
import { createRelayLookup } from './relay-route.js'

/**
 * Self-metrics are written by the carbon daemon that owns the data directory, never through the relay
 * (its names carry the daemon's host name and instance, which the ring's `host:port` cannot be matched
 * against), so every file under this prefix is this node's own.
 */
export const SELF_METRIC_PREFIX = 'carbon.agents.'

export type SieveAction = { kind: 'delete' } | { kind: 'quarantine'; dir: string }

export interface SieveOptions {
  /** The node's data directory (carbon's LOCAL_DATA_DIR). */
  dir: string
  /** carbon-c-relay's configuration file. */
  relayConfig: string
  /** Place by this cluster's ring alone, ignoring the match rules. */
  cluster?: string
  /** This node as the ring names it: `host:port` or `host:port=instance`. */
  node: string
  /** Nothing is removed without one. */
  action?: SieveAction
  signal?: AbortSignal
}

export interface MisplacedMetric {
  /** Relative to the data directory, with `/`. */
  path: string
  metric: string
  bytes: number
  /** Where the ring places it ([] when the relay blackholes it or no rule matches). */
  destinations: string[]
}

export interface SieveResult {
  dir: string
  node: string
  /** Whisper files looked at. */
  files: number
  /** Files whose metric the ring places on this node. */
  held: number
  /** Files under carbon.agents.: the node's own, never misplaced. */
  selfMetrics: number
  /** Hashed tagged files (TAG_HASH_FILENAMES): their names cannot be read back, so they are kept. */
  unnamed: string[]
  misplaced: MisplacedMetric[]
  misplacedBytes: number
  /** What was done with the misplaced files: nothing on a dry run. */
  action: 'none' | 'deleted' | 'quarantined'
  quarantine?: string
  disposedFiles: number
  disposedBytes: number
  /** Directories left empty by the removal and removed with it (never the data directory). */
  removedDirectories: number
}

const YIELD_EVERY = 64

/** Let a pending Ctrl-C reach `options.signal` between files. */
function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw fromSystemError(error, file, false)
  }
}

/** The members a metric can be placed on: the labels of every hashing and forwarding cluster. */
function ringMembers(clusters: Iterable<{ kind: string; labels: readonly string[] }>): Set<string> {
  const members = new Set<string>()
  for (const cluster of clusters) {
    if (cluster.kind === 'file' || cluster.kind === 'blackhole') continue
    for (const label of cluster.labels) members.add(label)
  }
  return members
}

/** The real path of `target`, or of its nearest existing ancestor joined with the rest. */
function resolveLoosely(target: string): string {
  const rest: string[] = []
  let at = path.resolve(target)
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...rest.reverse())
    } catch {
      const parent = path.dirname(at)
      if (parent === at) return path.resolve(target)
      rest.push(path.basename(at))
      at = parent
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

function fsyncPath(file: string, flags: string): void {
  const fd = fs.openSync(file, flags)
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Move a file to `to`, never over an existing file: a hard link then an unlink on one filesystem; on
 * another, a copy that is flushed to disk before the source is unlinked.
 */
function moveFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  try {
    fs.linkSync(from, to)
  } catch (error) {
    const code = systemErrorCode(error)
    if (code === 'EEXIST') throw new CannotWriteError(to, 'already exists in the quarantine')
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL)
    fsyncPath(to, 'r')
    fsyncPath(path.dirname(to), 'r')
  }
  fs.unlinkSync(from)
}

/** Remove the directories from `dir` up to (not including) `root` that are now empty. */
function removeEmptyParents(dir: string, root: string): number {
  let removed = 0
  while (dir !== root && isInside(dir, root)) {
    try {
      fs.rmdirSync(dir)
    } catch {
      break // not empty (or not ours to remove): the ones above are not empty either
    }
    removed++
    dir = path.dirname(dir)
  }
  return removed
}

/**
 * The misplaced metrics of a node's data directory and, with `options.action`, their removal.
 * @throws NotFoundError when the directory or the configuration cannot be read, ConfigError when the
 * relay would refuse the configuration, InvalidArgumentError for a node that is not a member of the
 * ring or a quarantine inside the data directory, CannotWriteError when a file cannot be removed,
 * AbortedError when `options.signal` fires (saying what was already removed).
 */
export async function sieve(options: SieveOptions): Promise<SieveResult> {
  const config = parseRelayConfig(readText(options.relayConfig), options.relayConfig)
  const lookup = createRelayLookup(config, { cluster: options.cluster })
  const clusters =
    options.cluster === undefined ? config.clusters.values() : [config.clusters.get(options.cluster)!]
  const members = ringMembers(clusters)
  if (!members.has(options.node)) {
    const list = [...members]
    const sameHostPort = list.filter((m) => m.split('=')[0] === options.node.split('=')[0])
    const hint =
      sameHostPort.length > 0
        ? `did you mean ${sameHostPort.join(' or ')}?`
        : `its members are ${list.join(', ') || 'none'}`
    throw new InvalidArgumentError(
      `--node ${options.node}: not a member of the ring in ${options.relayConfig} (${hint})`,
    )
  }
  const dir = path.resolve(options.dir)
  let quarantine: string | undefined
  if (options.action?.kind === 'quarantine') {
    quarantine = path.resolve(options.action.dir)
    if (isInside(resolveLoosely(quarantine), resolveLoosely(dir)))
      throw new InvalidArgumentError(
        `--quarantine ${options.action.dir}: inside the data directory ${options.dir}; give a directory outside it`,
      )
  }

  const result: SieveResult = {
    dir: options.dir,
    node: options.node,
    files: 0,
    held: 0,
    selfMetrics: 0,
    unnamed: [],
    misplaced: [],
    misplacedBytes: 0,
    action: 'none',
    disposedFiles: 0,
    disposedBytes: 0,
    removedDirectories: 0,
  }
  for (const file of findWhisperFiles([dir])) {
    if (result.files % YIELD_EVERY === 0) await yieldToSignals()
    if (options.signal?.aborted)
      throw new AbortedError('interrupted: sieve stopped before it finished looking; nothing was removed')
    result.files++
    const relative = path.relative(dir, file.path).split(path.sep).join('/')
    const metric = metricNameOf(file.path, dir)
    if (metric === null) {
      result.unnamed.push(relative)
      continue
    }
    if (metric.startsWith(SELF_METRIC_PREFIX)) {
      result.selfMetrics++
      continue
    }
    const destinations = lookup(metric)
    if (destinations.includes(options.node)) {
      result.held++
      continue
    }
    let bytes = 0
    try {
      bytes = fs.lstatSync(file.path).size
    } catch (error) {
      throw fromSystemError(error, file.path, false)
    }
    result.misplaced.push({ path: relative, metric, bytes, destinations })
    result.misplacedBytes += bytes
  }

  if (!options.action) return result
  result.action = options.action.kind === 'delete' ? 'deleted' : 'quarantined'
  if (options.action.kind === 'quarantine') result.quarantine = options.action.dir
  for (const entry of result.misplaced) {
    if (result.disposedFiles % YIELD_EVERY === 0) await yieldToSignals()
    if (options.signal?.aborted) {
      const rest = result.misplaced.length - result.disposedFiles
      throw new AbortedError(
        `interrupted: sieve ${result.action} ${result.disposedFiles} of ${result.misplaced.length} misplaced files ` +
          `(${result.disposedBytes} bytes); the other ${rest} were not touched`,
      )
    }
    const from = path.join(dir, ...entry.path.split('/'))
    try {
      if (quarantine === undefined) fs.unlinkSync(from)
      else moveFile(from, path.join(quarantine, ...entry.path.split('/')))
    } catch (error) {
      const known = fromSystemError(error, from, true)
      if (!(known instanceof CoreError)) throw known
      // Say what is already gone: the run stops at the first file it cannot remove.
      throw new CannotWriteError(
        `${known.message}; sieve stopped`,
        `${result.disposedFiles} of ${result.misplaced.length} misplaced files (${result.disposedBytes} bytes) were already ${result.action}, the others were not touched`,
        { cause: error },
      )
    }
    result.disposedFiles++
    result.disposedBytes += entry.bytes
    result.removedDirectories += removeEmptyParents(path.dirname(from), dir)
  }
  return result
}
