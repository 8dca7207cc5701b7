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

/**
 * What a find says of a leaf ([now - maxRetention, mtime], graphite-web's intervals), learned from
 * the file once and kept until the daemon writes the file again or the next walk.
 */
export interface LeafStat {
  maxRetention: number
  /** Epoch seconds, fractional. */
  mtime: number
}

export class IndexNode {
  children: Map<string, IndexNode> | undefined = undefined
  /** A directory of that name exists. */
  branch = false
  /** `<name>.wsp` exists. */
  leaf = false
  /** Known for a leaf once a find has needed it; undefined again when the file is written. */
  stat: LeafStat | undefined = undefined
  /**
   * The children's names in code-unit order, made when a glob with a literal prefix (`h0*`) first
   * looks here and dropped when a child is added or removed: such a glob visits only the names
   * that start with its prefix.
   */
  sorted: string[] | undefined = undefined

  child(name: string): IndexNode {
    this.children ??= new Map()
    let node = this.children.get(name)
    if (node === undefined) {
      node = new IndexNode()
      this.children.set(name, node)
      this.sorted = undefined
    }
    return node
  }

  sortedNames(): string[] {
    this.sorted ??= [...(this.children?.keys() ?? [])].sort()
    return this.sorted
  }
}

/** The first index of `names` (sorted) whose name is not below `key`. */
function lowerBound(names: readonly string[], key: string): number {
  let lo = 0
  let hi = names.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (names[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
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
  /** Files written so far (metricWritten): a find that read leaves meanwhile does not keep them. */
  writes = 0
  /**
   * Changes of the tree's names so far (a metric added or removed, a walk's tree swapped in): an
   * answer kept from an earlier generation may name other nodes (find.ts's cache).
   */
  generation = 0
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

  /** Whether the first walk has finished (until then the tree answered from is still growing). */
  get complete(): boolean {
    return this.completeOnce
  }

  stats(): IndexStats {
    return { ...this.counts, complete: this.completeOnce, walkSeconds: this.walkSeconds }
  }

  /** A metric (dotted name) that now has a file. */
  addMetric(name: string): void {
    this.generation++
    this.added?.push(name)
    if (insert(this.root, name.split('.'), true)) this.counts.metrics++
  }

  /**
   * The daemon wrote the metric's file: its mtime changed, so the next find that lists it reads
   * it again (one stat). Finds otherwise answer from memory, whatever the size of the tree.
   */
  metricWritten(name: string): void {
    this.writes++
    const node = this.lookup(name)
    if (node !== undefined) node.stat = undefined
  }

  /** A metric whose file was removed (the admin API's delete): no longer found. */
  removeMetric(name: string): void {
    const parts = name.split('.')
    const chain: IndexNode[] = [this.root]
    for (const part of parts) {
      const next = chain[chain.length - 1]!.children?.get(part)
      if (next === undefined) return
      chain.push(next)
    }
    const node = chain[chain.length - 1]!
    if (!node.leaf) return
    this.generation++
    node.leaf = false
    node.stat = undefined
    this.counts.metrics--
    this.added = this.added?.filter((added) => added !== name)
    // Branches left with nothing under them go too (their directories were removed with the file).
    for (let i = chain.length - 1; i > 0; i--) {
      const child = chain[i]!
      if ((child.children?.size ?? 0) > 0) break
      if (child.branch) this.counts.branches--
      child.branch = false
      child.children = undefined
      if (child.leaf) break
      chain[i - 1]!.children!.delete(parts[i - 1]!)
      chain[i - 1]!.sorted = undefined
    }
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
      this.generation++
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
      let prefix = ''
      const take = (child: IndexNode, name: string): void => {
        const full = prefix === '' ? name : `${prefix}.${name}`
        if (!last) {
          if (child.branch) next.push([full, child])
          return
        }
        if (child.branch) found.push({ path: full, isLeaf: false })
        if (child.leaf) found.push({ path: full, isLeaf: true, node: child })
        options.onMatch?.(found.length)
      }
      const takeMatching = (child: IndexNode, name: string): void => {
        if (matcher.kind === 'glob' && segmentMatches(matcher, name)) take(child, name)
      }
      for (const [at, node] of level) {
        const children = node.children
        if (children === undefined) continue
        prefix = at
        const affixes = matcher.kind === 'glob' ? matcher.affixes : undefined
        if (matcher.kind === 'exact') {
          const child = children.get(matcher.name)
          if (child !== undefined) take(child, matcher.name)
          visits++
        } else if (affixes !== undefined && affixes.every((a) => !a.star)) {
          // `{a,b}`: each alternative is a name (distinct: the braces' expansion is de-duplicated).
          for (const { prefix: name } of affixes) {
            const child = children.get(name)
            if (child !== undefined) takeMatching(child, name)
          }
          visits += affixes.length
        } else if (affixes?.length === 1 && affixes[0]!.prefix !== '') {
          // `h0*`, `m1*x`: only the names from the prefix on, in order, while they start with it.
          const wanted = affixes[0]!.prefix
          const names = node.sortedNames()
          for (let i = lowerBound(names, wanted); i < names.length; i++) {
            const name = names[i]!
            if (!name.startsWith(wanted)) break
            takeMatching(children.get(name)!, name)
            visits++
          }
        } else {
          // forEach: no entry array per child (a find of bench.h0*.m1* on a tree of 100,000
          // visits 100 maps of 100).
          children.forEach(takeMatching)
          visits += children.size
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
