// The metric names of a data directory in memory, as a tree of path components, so that a find is
// answered without touching the disk. Built in the background by walking the directory (readdir on
// libuv's thread pool; the event loop stays free), kept current by addMetric (the daemon calls it
// for each file it creates) and walked again every refreshSeconds for files others created or
// removed (the new tree replaces the old one when its names differ, with the names added meanwhile
// carried over).
// A directory is a branch, `<name>.wsp` a leaf; a name can be both. Hidden entries (`.x`) are
// skipped; a symbolic link is followed only when it resolves inside the data directory.
//
// Compact, because it holds every name of the data directory (1,000,000 and more): no JS object or
// string per name. A node is an index into typed arrays (parent, first child, next sibling, where
// its name is, flags), grown by half when full; its children are found by name through one
// open-addressing hash of (parent, name) for the whole tree; the names' characters are packed into
// shared strings of up to 64 Ki characters (a length character, then the name). About 35 bytes a
// metric against 110 as one Map and one object per node, and a few hundred heap objects instead of
// millions, so the pages a burst of new names used are given back once the old tree goes.

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

const NONE = -1
/** A directory of that name exists. */
const BRANCH = 1
/** `<name>.wsp` exists. */
const LEAF = 2
const LIVE = BRANCH | LEAF
/** In its parent's list of children (a node that lost both flags may be unlinked, never freed). */
const LINKED = 4
/** Characters of one packed string of names (a node's place in it is 16 bits). */
const CHUNK_CHARS = 1 << 16
/** Names kept as strings of their own until they are packed together. */
const PENDING_NAMES = 2048

function hashName(parent: number, s: string, from: number, to: number): number {
  let h = Math.imul(parent + 1, 0x9e3779b1) ^ 0x811c9dc5
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  return h ^ (h >>> 13)
}

function grown<T extends Int32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length)
  next.set(array.length <= length ? array : array.subarray(0, length))
  return next
}

/**
 * The tree itself. Node 0 is the root. A node with neither flag is not in the tree (a removed
 * metric's, kept in the hash so that adding it again finds it); it has no live child.
 */
class NameTree {
  size = 1
  parent = new Int32Array(1024)
  first = new Int32Array(1024).fill(NONE)
  next = new Int32Array(1024).fill(NONE)
  /** `chunk << 16 | offset` of the length character, or -1 - its index in `pending`. */
  nameAt = new Int32Array(1024)
  flags = new Uint8Array(1024)
  /** (parent, name) -> node, open addressing with linear probing; NONE is an empty slot. */
  slots = new Int32Array(1024).fill(NONE)
  metrics = 0
  branches = 0
  /** Packed names. */
  private chunks: string[] = []
  private chunkChars = CHUNK_CHARS
  /** The names not packed yet, and their nodes. */
  private pending: string[] = []
  private pendingNodes: number[] = []
  /** Leaves' facts, for those a find has needed. */
  readonly stats = new Map<number, LeafStat>()
  /**
   * Children's ids in code-unit order of their names, made when a glob with a literal prefix
   * (`h0*`) first looks at a node and dropped when a child comes or goes: such a glob visits only
   * the names that start with its prefix.
   */
  private sorted = new Map<number, Int32Array>()

  constructor() {
    this.flags[0] = LINKED
    this.nameAt[0] = this.addName(0, '')
  }

  /** The name of a node. */
  name(node: number): string {
    const at = this.nameAt[node]!
    if (at < 0) return this.pending[-1 - at]!
    const chunk = this.chunks[at >>> 16]!
    const offset = (at & 0xffff) + 1
    return chunk.slice(offset, offset + chunk.charCodeAt(offset - 1))
  }

  private nameIs(node: number, name: string): boolean {
    const at = this.nameAt[node]!
    if (at < 0) return this.pending[-1 - at] === name
    const chunk = this.chunks[at >>> 16]!
    const offset = at & 0xffff
    return chunk.charCodeAt(offset) === name.length && chunk.startsWith(name, offset + 1)
  }

  /** Whether the node's name starts with `prefix`, without making the name. */
  nameStarts(node: number, prefix: string): boolean {
    const at = this.nameAt[node]!
    if (at < 0) return this.pending[-1 - at]!.startsWith(prefix)
    const chunk = this.chunks[at >>> 16]!
    const offset = at & 0xffff
    return chunk.charCodeAt(offset) >= prefix.length && chunk.startsWith(prefix, offset + 1)
  }

  /** The node's name compared with `key` in code-unit order (<0, 0, >0), without making the name. */
  compareName(node: number, key: string): number {
    const at = this.nameAt[node]!
    if (at < 0) {
      const name = this.pending[-1 - at]!
      return name < key ? -1 : name > key ? 1 : 0
    }
    const chunk = this.chunks[at >>> 16]!
    const offset = (at & 0xffff) + 1
    const length = chunk.charCodeAt(offset - 1)
    const common = Math.min(length, key.length)
    for (let i = 0; i < common; i++) {
      const d = chunk.charCodeAt(offset + i) - key.charCodeAt(i)
      if (d !== 0) return d
    }
    return length - key.length
  }

  /**
   * Whether the node's name may match one of the affixes (`h0*`, `*x`, `a`), without making the
   * name: a filter before segmentMatches, which decides.
   */
  mayMatch(node: number, affixes: readonly { prefix: string; suffix: string; star: boolean }[]): boolean {
    const at = this.nameAt[node]!
    if (at < 0) return true
    const chunk = this.chunks[at >>> 16]!
    const offset = (at & 0xffff) + 1
    const length = chunk.charCodeAt(offset - 1)
    for (const { prefix, suffix, star } of affixes) {
      if (star) {
        if (
          length >= prefix.length + suffix.length &&
          chunk.startsWith(prefix, offset) &&
          chunk.startsWith(suffix, offset + length - suffix.length)
        )
          return true
      } else if (length === prefix.length && chunk.startsWith(prefix, offset)) return true
    }
    return false
  }

  private hashNode(node: number): number {
    const at = this.nameAt[node]!
    const parent = this.parent[node]!
    if (at < 0) {
      const name = this.pending[-1 - at]!
      return hashName(parent, name, 0, name.length)
    }
    const chunk = this.chunks[at >>> 16]!
    const offset = (at & 0xffff) + 1
    return hashName(parent, chunk, offset, offset + chunk.charCodeAt(offset - 1))
  }

  private addName(node: number, name: string): number {
    this.pending.push(name)
    this.pendingNodes.push(node)
    if (this.pending.length >= PENDING_NAMES) this.pack()
    return this.pending.length === 0 ? this.nameAt[node]! : -this.pending.length
  }

  /** The pending names into packed strings. */
  private pack(): void {
    let parts: string[] = []
    const flush = (): void => {
      if (parts.length > 0) this.chunks[this.chunks.length - 1] = parts.join('')
      parts = []
    }
    for (let i = 0; i < this.pending.length; i++) {
      const name = this.pending[i]!
      if (this.chunkChars + 1 + name.length > CHUNK_CHARS) {
        flush()
        this.chunks.push('')
        this.chunkChars = 0
      }
      if (parts.length === 0 && this.chunkChars > 0) parts.push(this.chunks[this.chunks.length - 1]!)
      this.nameAt[this.pendingNodes[i]!] = ((this.chunks.length - 1) << 16) | this.chunkChars
      parts.push(String.fromCharCode(name.length), name)
      this.chunkChars += 1 + name.length
    }
    flush()
    this.pending = []
    this.pendingNodes = []
  }

  /** The child of `node` named `name`, linked or not, or NONE. */
  child(node: number, name: string): number {
    const mask = this.slots.length - 1
    for (let slot = hashName(node, name, 0, name.length) & mask; ; slot = (slot + 1) & mask) {
      const c = this.slots[slot]!
      if (c === NONE) return NONE
      if (this.parent[c] === node && this.nameIs(c, name)) return c
    }
  }

  /** The live child of `node` named `name`, or NONE. */
  liveChild(node: number, name: string): number {
    const c = this.child(node, name)
    return c !== NONE && (this.flags[c]! & LIVE) !== 0 ? c : NONE
  }

  /** The child of `node` named `name`, made (without a flag) when there is none. */
  childOrNew(node: number, name: string): number {
    const found = this.child(node, name)
    if (found !== NONE) return found
    // Names longer than a packed string can hold are not file names (255 bytes at most).
    if (name.length >= CHUNK_CHARS) throw new RangeError(`metric name component longer than ${CHUNK_CHARS}`)
    if (this.size === this.parent.length) {
      const length = this.size + (this.size >>> 1)
      this.parent = grown(this.parent, length)
      this.first = grown(this.first, length)
      this.first.fill(NONE, this.size)
      this.next = grown(this.next, length)
      this.next.fill(NONE, this.size)
      this.nameAt = grown(this.nameAt, length)
      this.flags = grown(this.flags, length)
    }
    const c = this.size++
    this.parent[c] = node
    this.nameAt[c] = this.addName(c, name)
    // Three quarters full at most.
    if (4 * this.size > 3 * this.slots.length) this.rehash(2 * this.slots.length)
    else this.place(c)
    return c
  }

  private place(node: number): void {
    const mask = this.slots.length - 1
    let slot = this.hashNode(node) & mask
    while (this.slots[slot] !== NONE) slot = (slot + 1) & mask
    this.slots[slot] = node
  }

  private rehash(length: number): void {
    this.slots = new Int32Array(length).fill(NONE)
    for (let c = 1; c < this.size; c++) this.place(c)
  }

  /** Set a flag; true when it was not set. A node that comes back is linked to its parent again. */
  setFlag(node: number, flag: typeof BRANCH | typeof LEAF): boolean {
    const flags = this.flags[node]!
    if ((flags & flag) !== 0) return false
    if ((flags & LIVE) === 0) {
      const parent = this.parent[node]!
      if ((flags & LINKED) === 0) {
        this.next[node] = this.first[parent]!
        this.first[parent] = node
      }
      this.sorted.delete(parent)
    }
    this.flags[node] = flags | flag | LINKED
    if (flag === LEAF) this.metrics++
    else this.branches++
    return true
  }

  /** Clear a flag; a node left with neither is out of its parent's answers. */
  clearFlag(node: number, flag: typeof BRANCH | typeof LEAF): void {
    const flags = this.flags[node]!
    if ((flags & flag) === 0) return
    this.flags[node] = flags & ~flag
    if (flag === LEAF) {
      this.metrics--
      this.stats.delete(node)
    } else this.branches--
    if ((flags & ~flag & LIVE) === 0) this.sorted.delete(this.parent[node]!)
  }

  isLive(node: number): boolean {
    return (this.flags[node]! & LIVE) !== 0
  }

  isBranch(node: number): boolean {
    return (this.flags[node]! & BRANCH) !== 0
  }

  isLeaf(node: number): boolean {
    return (this.flags[node]! & LEAF) !== 0
  }

  /** Whether `node` has a live child (the removed ones found first are unlinked on the way). */
  hasChildren(node: number): boolean {
    let c = this.first[node]!
    while (c !== NONE && (this.flags[c]! & LIVE) === 0) {
      this.flags[c] = this.flags[c]! & ~LINKED
      c = this.next[c]!
    }
    this.first[node] = c
    return c !== NONE
  }

  /** The live children of `node`, sorted by name (code units). */
  sortedChildren(node: number): Int32Array {
    let ids = this.sorted.get(node)
    if (ids === undefined) {
      const named: [string, number][] = []
      for (let c = this.first[node]!; c !== NONE; c = this.next[c]!)
        if ((this.flags[c]! & LIVE) !== 0) named.push([this.name(c), c])
      named.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      ids = Int32Array.from(named, ([, c]) => c)
      this.sorted.set(node, ids)
    }
    return ids
  }

  /** The node at a path of names, made as needed; true when it made a new leaf. */
  insert(parts: readonly string[]): boolean {
    let node = 0
    for (let i = 0; i < parts.length - 1; i++) {
      node = this.childOrNew(node, parts[i]!)
      this.setFlag(node, BRANCH)
    }
    return this.setFlag(this.childOrNew(node, parts[parts.length - 1]!), LEAF)
  }

  /** The live node at a path of names, or NONE. */
  lookup(parts: readonly string[]): number {
    let node = 0
    for (const part of parts) {
      node = this.child(node, part)
      if (node === NONE) return NONE
    }
    // A live node's ancestors are live.
    return this.isLive(node) ? node : NONE
  }

  /** Give back the room kept for growth (after a walk: most trees change little after it). */
  trim(): void {
    if (this.pending.length > 0) this.pack()
    const length = Math.max(1024, this.size)
    if (length === this.parent.length) return
    this.parent = grown(this.parent, length)
    this.first = grown(this.first, length)
    this.next = grown(this.next, length)
    this.nameAt = grown(this.nameAt, length)
    this.flags = grown(this.flags, length)
  }

  /** Bytes held by the arrays and packed names (an estimate of the tree's memory). */
  bytes(): number {
    let chars = 0
    for (const chunk of this.chunks) chars += chunk.length
    return 17 * this.parent.length + 4 * this.slots.length + chars
  }
}

/**
 * A leaf as a find returns it: where its facts are kept. A handle on a node of the tree it was
 * found in; once a walk has replaced that tree, it knows nothing (and keeps nothing) any more.
 */
export class IndexNode {
  constructor(
    private readonly index: MetricIndex,
    private readonly tree: number,
    readonly id: number,
  ) {}

  /** Known for a leaf once a find has needed it; undefined again when the file is written. */
  get stat(): LeafStat | undefined {
    return this.index.statOf(this.tree, this.id)
  }

  set stat(stat: LeafStat | undefined) {
    this.index.setStat(this.tree, this.id, stat)
  }
}

/** A leaf a find returned: its own node (one object a leaf, as many leaves as a find may return). */
class FoundLeaf extends IndexNode implements FoundNode {
  readonly isLeaf = true

  constructor(
    index: MetricIndex,
    tree: number,
    id: number,
    readonly path: string,
  ) {
    super(index, tree, id)
  }

  get node(): IndexNode {
    return this
  }
}

/** The first index of `ids` (sorted by name) whose name is not below `key`. */
function lowerBound(tree: NameTree, ids: Int32Array, key: string): number {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (tree.compareName(ids[mid]!, key) < 0) lo = mid + 1
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
  /** The tree's memory (arrays and packed names), an estimate. */
  bytes: number
}

/** The largest number of tree nodes one find visits before it yields to the event loop. */
const VISITS_PER_SLICE = 20_000

export class MetricIndex {
  private tree = new NameTree()
  /** Which tree `tree` is: a node found in another is not in this one. */
  private treeSerial = 0
  /** Files written so far (metricWritten): a find that read leaves meanwhile does not keep them. */
  writes = 0
  /**
   * `writes` right after the last walk that found the same names dropped the leaves' facts to read
   * them again: while `writes` still equals it, a leaf without facts lost them to that walk alone
   * (not to a write of the daemon's), and a kept find may send what it knew until they are read
   * (find.ts).
   */
  walkedWrites = -1
  /**
   * Changes of the tree's names so far (a metric added or removed, a walk's tree swapped in): an
   * answer kept from an earlier generation may name other nodes (find.ts's cache).
   */
  generation = 0
  private added: string[] | undefined
  private walking: Promise<void> | undefined
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

  /** Resolves once the first walk has finished; rejects with the signal's reason if it aborts first. */
  async untilComplete(signal: AbortSignal): Promise<void> {
    if (this.completeOnce) return
    signal.throwIfAborted()
    await Promise.race([
      this.ready,
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
      ),
    ])
  }

  stats(): IndexStats {
    const tree = this.tree
    return {
      metrics: tree.metrics,
      branches: tree.branches,
      complete: this.completeOnce,
      walkSeconds: this.walkSeconds,
      bytes: tree.bytes(),
    }
  }

  /** @internal IndexNode's facts. */
  statOf(serial: number, node: number): LeafStat | undefined {
    return serial === this.treeSerial ? this.tree.stats.get(node) : undefined
  }

  /** @internal */
  setStat(serial: number, node: number, stat: LeafStat | undefined): void {
    if (serial !== this.treeSerial) return
    if (stat === undefined) this.tree.stats.delete(node)
    else if (this.tree.isLeaf(node)) this.tree.stats.set(node, stat)
  }

  private swap(tree: NameTree): void {
    this.tree = tree
    this.treeSerial++
  }

  /** A metric (dotted name) that now has a file. */
  addMetric(name: string): void {
    this.generation++
    this.added?.push(name)
    this.tree.insert(name.split('.'))
  }

  /**
   * The daemon wrote the metric's file: its mtime changed, so the next find that lists it reads
   * it again (one stat). Finds otherwise answer from memory, whatever the size of the tree.
   */
  metricWritten(name: string): void {
    this.writes++
    const tree = this.tree
    if (tree.stats.size === 0) return
    const node = tree.lookup(name.split('.'))
    if (node !== NONE) tree.stats.delete(node)
  }

  /** A metric whose file was removed (the admin API's delete): no longer found. */
  removeMetric(name: string): void {
    const tree = this.tree
    const chain: number[] = [0]
    for (const part of name.split('.')) {
      const next = tree.liveChild(chain[chain.length - 1]!, part)
      if (next === NONE) return
      chain.push(next)
    }
    const node = chain[chain.length - 1]!
    if (!tree.isLeaf(node)) return
    this.generation++
    tree.clearFlag(node, LEAF)
    this.added = this.added?.filter((added) => added !== name)
    // Branches left with nothing under them go too (their directories were removed with the file).
    for (let i = chain.length - 1; i > 0; i--) {
      const child = chain[i]!
      if (tree.hasChildren(child)) break
      tree.clearFlag(child, BRANCH)
      if (tree.isLeaf(child)) break
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
    const tree = new NameTree()
    // Until the first walk is done, the tree being built is the one answered from.
    if (!this.completeOnce) this.swap(tree)
    try {
      const realRoot = await fs.promises.realpath(this.dataDir).catch(() => this.dataDir)
      const stack: [string, number][] = [[this.dataDir, 0]]
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
            const child = tree.childOrNew(node, name)
            tree.setFlag(child, BRANCH)
            stack.push([path.join(dir, name), child])
          } else if (isFile && name.endsWith('.wsp') && name.length > 4) {
            tree.setFlag(tree.childOrNew(node, name.slice(0, -4)), LEAF)
          }
        }
      }
      for (const name of this.added) tree.insert(name.split('.'))
      tree.trim()
      if (this.tree === tree) this.generation++
      else if (await this.sameNames(this.tree, tree, signal)) {
        // The same names (what a walk finds most of the time): the tree answered from stays, and
        // with it the answers kept from it (find.ts); its leaves' facts are read again, as after a
        // swap (a file another process wrote since).
        this.tree.stats.clear()
        this.writes++
        this.walkedWrites = this.writes
      } else {
        // Names the daemon added while the trees were compared are in the new tree too.
        for (const name of this.added) tree.insert(name.split('.'))
        this.swap(tree)
        this.generation++
      }
      this.walkSeconds = (this.clockMs() - started) / 1000
      this.completeOnce = true
      this.markReady()
    } finally {
      this.added = undefined
    }
  }

  /**
   * Whether `walked` names the very branches and leaves `current` names (every live node of one is
   * a live node of the other with the same flags: the counts are equal, so one maps onto the
   * other). In slices, as a find; false once a name is added or removed meanwhile.
   */
  private async sameNames(current: NameTree, walked: NameTree, signal?: AbortSignal): Promise<boolean> {
    if (current.metrics !== walked.metrics || current.branches !== walked.branches) return false
    const generation = this.generation
    // Pairs: a node of `walked`, the node of the same path in `current`.
    const stack: number[] = [0, 0]
    let visits = 0
    while (stack.length > 0) {
      const there = stack.pop()!
      const here = stack.pop()!
      for (let c = walked.first[here]!; c !== NONE; c = walked.next[c]!) {
        const flags = walked.flags[c]! & LIVE
        if (flags === 0) continue
        const d = current.child(there, walked.name(c))
        if (d === NONE || (current.flags[d]! & LIVE) !== flags) return false
        if (walked.first[c] !== NONE) stack.push(c, d)
        if (++visits >= VISITS_PER_SLICE) {
          visits = 0
          await new Promise((resolve) => setImmediate(resolve))
          if (signal?.aborted || this.generation !== generation) return false
        }
      }
    }
    return this.generation === generation
  }

  /** The node at an exact dotted path, if indexed. */
  lookup(name: string): IndexNode | undefined {
    const node = this.tree.lookup(name.split('.'))
    return node === NONE ? undefined : new IndexNode(this, this.treeSerial, node)
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
    // The tree of this moment: a walk that swaps another in meanwhile does not change the answer.
    const tree = this.tree
    const serial = this.treeSerial
    const found: FoundNode[] = []
    let visits = 0
    let level: number[] = [0]
    let paths: string[] = ['']
    for (let depth = 0; depth < matchers.length; depth++) {
      const matcher = matchers[depth]!
      const last = depth === matchers.length - 1
      const next: number[] = []
      const nextPaths: string[] = []
      let prefix = ''
      const take = (child: number, name: string): void => {
        const full = prefix === '' ? name : `${prefix}.${name}`
        if (!last) {
          if (tree.isBranch(child)) {
            next.push(child)
            nextPaths.push(full)
          }
          return
        }
        if (tree.isBranch(child)) found.push({ path: full, isLeaf: false })
        if (tree.isLeaf(child)) found.push(new FoundLeaf(this, serial, child, full))
        options.onMatch?.(found.length)
      }
      const takeMatching = (child: number, name: string): void => {
        if (matcher.kind === 'glob' && segmentMatches(matcher, name)) take(child, name)
      }
      const affixes = matcher.kind === 'glob' ? matcher.affixes : undefined
      for (let n = 0; n < level.length; n++) {
        const node = level[n]!
        if (tree.first[node] === NONE) continue
        prefix = paths[n]!
        if (matcher.kind === 'exact') {
          const child = tree.liveChild(node, matcher.name)
          if (child !== NONE) take(child, matcher.name)
          visits++
        } else if (affixes !== undefined && affixes.every((a) => !a.star)) {
          // `{a,b}`: each alternative is a name (distinct: the braces' expansion is de-duplicated).
          for (const { prefix: name } of affixes) {
            const child = tree.liveChild(node, name)
            if (child !== NONE) takeMatching(child, name)
          }
          visits += affixes.length
        } else if (affixes?.length === 1 && affixes[0]!.prefix !== '') {
          // `h0*`, `m1*x`: only the names from the prefix on, in order, while they start with it.
          const wanted = affixes[0]!.prefix
          const ids = tree.sortedChildren(node)
          for (let i = lowerBound(tree, ids, wanted); i < ids.length; i++) {
            const child = ids[i]!
            if (!tree.nameStarts(child, wanted)) break
            if (tree.mayMatch(child, affixes)) takeMatching(child, tree.name(child))
            visits++
          }
        } else {
          const flags = tree.flags
          const siblings = tree.next
          for (let child = tree.first[node]!; child !== NONE; child = siblings[child]!) {
            if ((flags[child]! & LIVE) !== 0 && (affixes === undefined || tree.mayMatch(child, affixes)))
              takeMatching(child, tree.name(child))
            visits++
          }
        }
        if (visits >= VISITS_PER_SLICE) {
          visits = 0
          await new Promise((resolve) => setImmediate(resolve))
          options.signal?.throwIfAborted()
        }
      }
      level = next
      paths = nextPaths
    }
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.isLeaf ? 1 : -1))
  }

  /** Every metric name, sorted (for /metrics/index.json and /metrics/list/). */
  async allMetrics(signal?: AbortSignal): Promise<string[]> {
    const tree = this.tree
    const out: string[] = []
    const stack: [string, number][] = [['', 0]]
    let visits = 0
    while (stack.length > 0) {
      const [prefix, node] = stack.pop()!
      for (let child = tree.first[node]!; child !== NONE; child = tree.next[child]!) {
        if (!tree.isLive(child)) continue
        const name = tree.name(child)
        const full = prefix === '' ? name : `${prefix}.${name}`
        if (tree.isLeaf(child)) out.push(full)
        if (tree.first[child] !== NONE) stack.push([full, child])
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
