// What the daemon makes of a metric name, cached: the name as sent -> its cache key (tagged names
// normalised), its file, or why it is refused (bad name, black/whitelist). ONE bounded cache serves
// the receivers (per point), the persister (the file of a metric it writes) and CarbonLink.
//
// Bounded and forgetting: two generations. A name is looked up in the young one, then the old one
// (and moved to the young one). When the young one is full (maxNames / 2), or at each sweep (the
// daemon calls sweep() every minute), the old one is dropped and the young one becomes old: a name not
// seen for two sweeps is forgotten, so a million names that went idle give their memory back, and the
// cache never holds more than maxNames. A forgotten name is resolved again when it comes back.

import { listVerdict } from '../config/match.js'
import type { ConfigSet } from '../config/match.js'
import { NameInterner } from '../protocol/intern.js'
import { parseTaggedSeries } from '../protocol/tags.js'
import type { QueueHandle } from './cache.js'
import { metricFile } from './names.js'

/** One shape for every answer (the hot path reads it per point): `reason` null means accepted. */
export interface Resolved extends QueueHandle {
  /** The cache key: the name, tagged names normalised. */
  name: string
  path: string
  reason: 'bad-name' | 'blacklisted' | 'not-whitelisted' | null
  detail: string
}

/** Two generations of a Map: entries not touched for two turns (full, or swept) are dropped. */
export class GenerationalMap<K, V> {
  private young = new Map<K, V>()
  private old = new Map<K, V>()

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.young.size + this.old.size
  }

  get(key: K): V | undefined {
    const young = this.young.get(key)
    if (young !== undefined) return young
    const old = this.old.get(key)
    if (old !== undefined) {
      this.old.delete(key)
      this.set(key, old)
    }
    return old
  }

  has(key: K): boolean {
    return this.get(key) !== undefined
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.maxEntries / 2) this.turn()
    this.young.set(key, value)
  }

  delete(key: K): void {
    this.young.delete(key)
    this.old.delete(key)
  }

  /** Drop the old generation; the young one becomes old. Returns how many entries were dropped. */
  turn(): number {
    const dropped = this.old.size
    this.old = this.young
    this.young = new Map()
    return dropped
  }

  clear(): void {
    this.young = new Map()
    this.old = new Map()
  }
}

export interface NameCacheOptions {
  dataDir: string
  tagHashFilenames: boolean
  useWhitelist: boolean
  /** The rules of the moment (the lists change on reload). */
  config: () => ConfigSet
  /** At most this many names are held (default 1,000,000). */
  maxNames?: number
}

export class NameCache {
  /** The receivers' names: the answer rides on the name just read, so most points skip the Map. */
  readonly interner: NameInterner<Resolved>
  private readonly names: GenerationalMap<string, Resolved>

  constructor(private readonly options: NameCacheOptions) {
    const max = options.maxNames ?? 1_000_000
    this.names = new GenerationalMap(max)
    this.interner = new NameInterner<Resolved>(max)
  }

  get size(): number {
    return this.names.size
  }

  /** The answer for a name as sent. */
  resolve(raw: string): Resolved {
    const attached = this.interner.valueOfLast(raw)
    if (attached !== undefined) return attached
    let resolved = this.names.get(raw)
    if (resolved === undefined) {
      resolved = this.judge(raw)
      this.names.set(raw, resolved)
    }
    this.interner.attachToLast(raw, resolved)
    return resolved
  }

  /**
   * The file of a cache key (the persister's question). A key is its own raw name unless it was
   * tagged: those, and forgotten names, are computed again (nothing is added to the cache).
   */
  pathOf(metric: string): string {
    const known = this.names.get(metric)
    if (known !== undefined && known.reason === null && known.name === metric) return known.path
    const file = metricFile(metric, this.options.dataDir, this.options.tagHashFilenames)
    // Only replayed names can be bad here (receivers refuse them): their points go nowhere useful.
    return file.ok ? file.path : `${this.options.dataDir}/carbonkit-unwritable.wsp`
  }

  /**
   * The cache key and file of a name as the admin API gives it: tagged names normalised as the
   * receivers do, the black/whitelist not applied (an operator's copy is not a sender's point).
   * Nothing is added to the cache.
   */
  locate(raw: string): { ok: true; key: string; path: string } | { ok: false; reason: string } {
    const parsed = raw.includes(';') || raw.includes('{') ? parseTaggedSeries(raw) : undefined
    const key = parsed?.ok ? parsed.series.path : raw
    const file = metricFile(key, this.options.dataDir, this.options.tagHashFilenames)
    return file.ok ? { ok: true, key, path: file.path } : file
  }

  /**
   * Changes whenever answers handed out before must be asked for again (a reload, a sweep): a
   * receiver that keeps answers by name checks it (and asking again keeps a live name from being swept).
   */
  generation = 0

  /** Everything is judged again (the lists or rules changed). */
  forgetAll(): void {
    this.generation++
    this.names.clear()
    this.interner.detachAll()
  }

  /**
   * A minute has passed: names not seen for two sweeps are forgotten. When the receivers' interner
   * holds names the cache no longer has, it starts over too (its names come back one by one).
   * Returns how many names were forgotten (reclaim.ts decides when that is worth a reclaim).
   */
  sweep(): number {
    this.generation++
    const forgotten = this.names.turn()
    if (this.interner.size > 2 * this.names.size + 1024) this.interner.reset()
    else this.interner.detachAll()
    return forgotten
  }

  private judge(raw: string): Resolved {
    const parsed =
      raw.includes(';') || raw.includes('{') || raw.startsWith('~') ? parseTaggedSeries(raw) : undefined
    const name = parsed?.ok ? parsed.series.path : raw
    const lists = this.options.useWhitelist ? listVerdict(this.options.config(), raw) : undefined
    const refused = (reason: Resolved['reason'], detail: string): Resolved => ({
      name,
      path: '',
      reason,
      detail,
      queue: undefined,
    })
    if (lists && !lists.accepted) return refused(lists.blacklistedBy ? 'blacklisted' : 'not-whitelisted', raw)
    const file = metricFile(name, this.options.dataDir, this.options.tagHashFilenames)
    if (!file.ok) return refused('bad-name', `${JSON.stringify(raw)}: ${file.reason}`)
    return { name, path: file.path, reason: null, detail: '', queue: undefined }
  }
}
