// The metric names of a data directory in memory, as a tree of path components, so that a find is
// answered without touching the disk. Built in the background by walking the directory (readdir on
// libuv's thread pool; the event loop stays free), kept current by addMetric (the daemon calls it
// for each file it creates) and walked again every refreshSeconds for files others created or
// removed (the new tree replaces the old one, with the names added meanwhile carried over).
// A directory is a branch, `<name>.wsp` a leaf; a name can be both. Hidden entries (`.x`) are
// skipped; a symbolic link is followed only when it resolves inside the data directory.

import fs from 'node:fs'
import path from 'node:path'
import type { SegmentMatcher } from './glob.js'
import { segmentMatches } from './glob.js'

export class IndexNode {
  children: Map<string, IndexNode> | undefined = undefined
  /** A directory of that name exists. */
  branch = false
  /** `<name>.wsp` exists. */
  leaf = false

  child(name: string): IndexNode {
    this.children ??= new Map()
    let node = this.children.get(name)
    if (node === undefined) {
      node = new IndexNode()
      this.children.set(name, node)
    }
    return node
  }
}

export interface FoundNode {
  path: string
  isLeaf: boolean
  node?: IndexNode
}

export interface IndexStats {
  metrics: number
  branches: number
  /** Whether the first walk has finished. */
  complete: boolean
  /** Seconds the last complete walk took. */
  walkSeconds: number | undefined
}

/** The largest number of tree nodes one find visits before it yields to the event loop. */
const VISITS_PER_SLICE = 20_000

export class MetricIndex {
  private root = new IndexNode()
  private added: string[] | undefined
  private walking: Promise<void> | undefined
  private counts = { metrics: 0, branches: 0 }
  private walkSeconds: number | undefined
  private completeOnce = false
  readonly ready: Promise<void>
  private markReady!: () => void

  constructor(
    readonly dataDir: string,
    private readonly clockMs: () => number = Date.now,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve))
  }

  stats(): IndexStats {
    return { ...this.counts, complete: this.completeOnce, walkSeconds: this.walkSeconds }
  }

  /** A metric (dotted name) that now has a file. */
  addMetric(name: string): void {
    this.added?.push(name)
    if (insert(this.root, name.split('.'), true)) this.counts.metrics++
  }

  /** A metric whose file was removed (the admin API's delete): no longer found. */
  removeMetric(name: string): void {
    const node = this.lookup(name)
    if (node?.leaf !== true) return
    node.leaf = false
    this.counts.metrics--
    this.added = this.added?.filter((added) => added !== name)
  }

  /** Walk the data directory again; the result replaces the tree. Concurrent calls share one walk. */
  refresh(signal?: AbortSignal): Promise<void> {
    this.walking ??= this.walk(signal).finally(() => (this.walking = undefined))
    return this.walking
  }

  private async walk(signal?: AbortSignal): Promise<void> {
    const started = this.clockMs()
    this.added = []
    const root = new IndexNode()
    const counts = { metrics: 0, branches: 0 }
    // Until the first walk is done, the tree being built is the one answered from.
    if (!this.completeOnce) {
      this.root = root
      this.counts = counts
    }
    try {
      const realRoot = await fs.promises.realpath(this.dataDir).catch(() => this.dataDir)
      const stack: [string, IndexNode][] = [[this.dataDir, root]]
      while (stack.length > 0) {
        if (signal?.aborted) return
        const [dir, node] = stack.pop()!
        let entries: fs.Dirent[]
        try {
          entries = await fs.promises.readdir(dir, { withFileTypes: true })
        } catch {
          continue
        }
        for (const entry of entries) {
          const name = entry.name
          if (name.startsWith('.')) continue
          let isDir = entry.isDirectory()
          let isFile = entry.isFile()
          if (entry.isSymbolicLink()) {
            const full = path.join(dir, name)
            const real = await fs.promises.realpath(full).catch(() => undefined)
            if (real === undefined || !isInside(realRoot, real)) continue
            const stat = await fs.promises.stat(full).catch(() => undefined)
            isDir = stat?.isDirectory() ?? false
            isFile = stat?.isFile() ?? false
          }
          if (isDir) {
            const child = node.child(name)
            if (!child.branch) counts.branches++
            child.branch = true
            stack.push([path.join(dir, name), child])
          } else if (isFile && name.endsWith('.wsp') && name.length > 4) {
            const child = node.child(name.slice(0, -4))
            if (!child.leaf) counts.metrics++
            child.leaf = true
          }
        }
      }
      for (const name of this.added) if (insert(root, name.split('.'), true)) counts.metrics++
      this.root = root
      this.counts = counts
      this.walkSeconds = (this.clockMs() - started) / 1000
      this.completeOnce = true
      this.markReady()
    } finally {
      this.added = undefined
    }
  }

  /** The node at an exact dotted path, if indexed. */
  lookup(name: string): IndexNode | undefined {
    let node: IndexNode | undefined = this.root
    for (const part of name.split('.')) {
      node = node.children?.get(part)
      if (node === undefined) return undefined
    }
    return node
  }

  /**
   * Every branch and leaf matching the compiled pattern, sorted by path, branch before leaf for a
   * name that is both. Yields to the event loop every VISITS_PER_SLICE nodes; stops (throws the
   * signal's reason) when `signal` aborts; `onMatch` may throw to stop at a limit.
   */
  async find(
    matchers: readonly SegmentMatcher[],
    options: { signal?: AbortSignal; onMatch?: (count: number) => void } = {},
  ): Promise<FoundNode[]> {
    const found: FoundNode[] = []
    let visits = 0
    let level: [string, IndexNode][] = [['', this.root]]
    for (let depth = 0; depth < matchers.length; depth++) {
      const matcher = matchers[depth]!
      const last = depth === matchers.length - 1
      const next: [string, IndexNode][] = []
      for (const [prefix, node] of level) {
        if (node.children === undefined) continue
        const candidates: [string, IndexNode][] =
          matcher.kind === 'exact'
            ? ((n) => (n ? [[matcher.name, n]] : []))(node.children.get(matcher.name))
            : [...node.children].filter(([name]) => segmentMatches(matcher, name))
        visits += matcher.kind === 'exact' ? 1 : node.children.size
        for (const [name, child] of candidates) {
          const full = prefix === '' ? name : `${prefix}.${name}`
          if (!last) {
            if (child.branch) next.push([full, child])
            continue
          }
          if (child.branch) found.push({ path: full, isLeaf: false })
          if (child.leaf) found.push({ path: full, isLeaf: true, node: child })
          options.onMatch?.(found.length)
        }
        if (visits >= VISITS_PER_SLICE) {
          visits = 0
          await new Promise((resolve) => setImmediate(resolve))
          options.signal?.throwIfAborted()
        }
      }
      level = next
    }
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.isLeaf ? 1 : -1))
  }

  /** Every metric name, sorted (for /metrics/index.json and /metrics/list/). */
  async allMetrics(signal?: AbortSignal): Promise<string[]> {
    const out: string[] = []
    const stack: [string, IndexNode][] = [['', this.root]]
    let visits = 0
    while (stack.length > 0) {
      const [prefix, node] = stack.pop()!
      for (const [name, child] of node.children ?? []) {
        const full = prefix === '' ? name : `${prefix}.${name}`
        if (child.leaf) out.push(full)
        if (child.children) stack.push([full, child])
        if (++visits >= VISITS_PER_SLICE) {
          visits = 0
          await new Promise((resolve) => setImmediate(resolve))
          signal?.throwIfAborted()
        }
      }
    }
    return out.sort()
  }
}

/** Insert a path; true when it made a new leaf. */
function insert(root: IndexNode, parts: string[], leaf: boolean): boolean {
  let node = root
  for (let i = 0; i < parts.length; i++) {
    node = node.child(parts[i]!)
    if (i < parts.length - 1) node.branch = true
  }
  if (!leaf || node.leaf) return false
  node.leaf = true
  return true
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * Whether `file` exists as a regular file whose real path is inside `dataDir`'s: a literal name
 * that the index has not seen is only read when a walk would have indexed it (no link out).
 */
export function isFileInside(dataDir: string, file: string): boolean {
  try {
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return false
    return isInside(fs.realpathSync(dataDir), fs.realpathSync(file))
  } catch {
    return false
  }
}

/**
 * The file of a dotted metric name under `dataDir`, or undefined for a name that cannot be one
 * (empty components, `.`/`..`, NUL): a query never reaches outside the data directory.
 */
export function leafFile(dataDir: string, name: string): string | undefined {
  const parts = name.split('.')
  for (const part of parts) {
    if (part === '' || part === '..' || part.includes('\0') || part.includes('/')) return undefined
  }
  return path.join(dataDir, ...parts) + '.wsp'
}
