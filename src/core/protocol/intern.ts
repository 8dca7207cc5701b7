// Metric names read from bytes, as one string per distinct name. A plaintext receiver sees the same
// few thousand names over and over: looking each one up by its bytes (an open-addressing table keyed
// by FNV-1a) instead of making a new string per line keeps the allocation rate, and so the garbage
// collector's work and the heap, independent of the point rate. The strings it returns are the same
// objects every time, which also makes them cheap Map keys. A name can carry one value (what the
// daemon made of it): the receiver interns a name and hands the point on at once, so the value of
// the name interned last is found without another lookup.

const EMPTY = 0
/** FNV-1a (32-bit): the hash of a name's bytes. */
export const FNV_OFFSET = 0x811c9dc5
export const FNV_PRIME = 0x01000193

export class NameInterner<T = unknown> {
  private slots: Int32Array
  private mask: number
  /** Name bytes, back to back; entry i is arena[starts[i], starts[i] + lengths[i]). */
  private arena: Buffer
  private arenaUsed = 0
  private starts: number[] = []
  private lengths: number[] = []
  private hashes: number[] = []
  private strings: string[] = []
  private values: (T | undefined)[] = []
  /**
   * The entry interned right after entry i the last time (-1: none), and whether entry i's bytes are
   * all ASCII (1) or not (0): see guess().
   */
  private follows: number[] = []
  private ascii: number[] = []
  /** Whether entry i's bytes are a plain token (1): ASCII without Python whitespace (see predict()). */
  private plain: number[] = []
  /** The entry intern() or guess() returned last. */
  private last = -1

  /** @param maxNames past this many names the table starts over (names then come back one by one). */
  constructor(private readonly maxNames = 1 << 20) {
    this.slots = new Int32Array(1 << 12)
    this.mask = this.slots.length - 1
    this.arena = Buffer.allocUnsafe(1 << 16)
  }

  get size(): number {
    return this.strings.length
  }

  /** The name in `bytes[start, end)` (ASCII or Latin-1 bytes: one character per byte). */
  intern(bytes: Uint8Array, start: number, end: number): string {
    let hash = FNV_OFFSET
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME)
    return this.internHashed(bytes, start, end, hash)
  }

  /**
   * The name in `bytes[start, end)` when it is the one that came after the last name the previous
   * time (and is all ASCII), else undefined: then intern() it, which remembers the order. Clients send
   * their metrics in the same order every interval (a collector's loop, a relay's batches), so this
   * one check of a length and the bytes mostly replaces the hash, the table and the caller's own
   * check that the bytes are ASCII.
   */
  guess(bytes: Uint8Array, start: number, end: number): string | undefined {
    const previous = this.last
    if (previous < 0 || previous >= this.follows.length) return undefined
    const entry = this.follows[previous]!
    if (entry < 0 || this.lengths[entry] !== end - start || this.ascii[entry] === 0) return undefined
    const arena = this.arena
    const offset = this.starts[entry]! - start
    for (let i = start; i < end; i++) if (arena[offset + i] !== bytes[i]) return undefined
    this.last = entry
    return this.strings[entry]!
  }

  /**
   * intern() for a caller that hashed the bytes as it scanned them (the plaintext parser): `hash`
   * must be the FNV-1a hash of `bytes[start, end)` (FNV_OFFSET, then Math.imul(hash ^ byte,
   * FNV_PRIME) per byte), or the name is stored twice.
   */
  internHashed(bytes: Uint8Array, start: number, end: number, hash: number): string {
    // -1, or a stale entry after the table started over (select): nothing to learn then.
    const previous = this.last < this.follows.length ? this.last : -1
    const name = this.lookup(bytes, start, end, hash)
    // (Checked again: the table may have started over in between; a wrong guess is refused anyway.)
    if (previous >= 0 && previous < this.follows.length) this.follows[previous] = this.last
    return name
  }

  /**
   * Where the name in `bytes` from `start` ends, when it is the one that came after the last name
   * the previous time and is a plain token (ASCII, no whitespace): `bytes[start, e)` are its bytes and
   * `e < end` (the caller checks that the byte at `e` ends the name). -1 otherwise. Nothing changes
   * until takePrediction(): a line that turns out bad is refused with the table as it was. The
   * plaintext parser's fast path: one comparison of the bytes instead of a hash and a table lookup.
   */
  predict(bytes: Uint8Array, start: number, end: number): number {
    const previous = this.last
    if (previous < 0 || previous >= this.follows.length) return -1
    const entry = this.follows[previous]!
    if (entry < 0 || this.plain[entry] === 0) return -1
    const stop = start + this.lengths[entry]!
    if (stop >= end) return -1
    const arena = this.arena
    const offset = this.starts[entry]! - start
    for (let i = start; i < stop; i++) if (arena[offset + i] !== bytes[i]) return -1
    return stop
  }

  /** The name predict() found (it must be the call just before): it is the last name now. */
  takePrediction(): string {
    const entry = this.follows[this.last]!
    this.last = entry
    return this.strings[entry]!
  }

  private lookup(bytes: Uint8Array, start: number, end: number, hash: number): string {
    const length = end - start
    const { slots, mask, arena } = this
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!
      if (entry === EMPTY) break
      const index = entry - 1
      if (this.hashes[index] !== hash || this.lengths[index] !== length) continue
      const at = this.starts[index]!
      let same = true
      for (let i = 0; i < length; i++) {
        if (arena[at + i] !== bytes[start + i]) {
          same = false
          break
        }
      }
      if (same) {
        this.last = index
        return this.strings[index]!
      }
    }
    return this.add(bytes, start, end, hash)
  }

  /** The entry of `name` when it is the name intern() returned last, else -1 (a name never interned). */
  entryOf(name: string): number {
    return this.last >= 0 && this.strings[this.last] === name ? this.last : -1
  }

  /** The name of entry `index` (entries are numbered from 0 in the order names were added). */
  nameAt(index: number): string {
    return this.strings[index]!
  }

  /** The entry intern() returned last (-1: none), for select(). */
  get lastEntry(): number {
    return this.last
  }

  /**
   * Make an entry intern() returned earlier the last one again: a caller that interns a batch of
   * names before it hands their points on (a pickle frame) finds each name's value without a lookup.
   * A stale entry (the table started over since) is harmless: valueOfLast and attachToLast check
   * that the name is the entry's.
   */
  select(entry: number): void {
    this.last = entry
  }

  /** The value attached to `name`, when `name` is the name intern() returned last. */
  valueOfLast(name: string): T | undefined {
    return this.last >= 0 && this.strings[this.last] === name ? this.values[this.last] : undefined
  }

  /** Attach `value` to `name`, when `name` is the name intern() returned last. */
  attachToLast(name: string, value: T): void {
    if (this.last >= 0 && this.strings[this.last] === name) this.values[this.last] = value
  }

  /** Forget every attached value (what they were made from changed). */
  detachAll(): void {
    this.values = []
  }

  private add(bytes: Uint8Array, start: number, end: number, hash: number): string {
    if (this.strings.length >= this.maxNames) this.clear()
    const length = end - start
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length))
      this.arena.copy(bigger, 0, 0, this.arenaUsed)
      this.arena = bigger
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed)
    const name = this.arena.toString('latin1', this.arenaUsed, this.arenaUsed + length)
    this.starts.push(this.arenaUsed)
    this.lengths.push(length)
    this.hashes.push(hash)
    this.strings.push(name)
    this.values.push(undefined)
    this.follows.push(-1)
    let high = 0
    let token = 1
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!
      high |= byte
      // Python's ASCII whitespace: \t \n \v \f \r, \x1c-\x1f and ' '.
      if ((byte >= 0x09 && byte <= 0x0d) || (byte >= 0x1c && byte <= 0x20)) token = 0
    }
    this.ascii.push(high < 0x80 ? 1 : 0)
    this.plain.push(high < 0x80 ? token : 0)
    this.last = this.strings.length - 1
    this.arenaUsed += length
    if (this.strings.length * 2 > this.slots.length) this.rehash()
    else this.place(hash, this.strings.length)
    return name
  }

  /** Forget every name and give the memory back (the daemon's names went idle). */
  reset(): void {
    this.slots = new Int32Array(1 << 12)
    this.mask = this.slots.length - 1
    this.arena = Buffer.allocUnsafe(1 << 16)
    this.clear()
  }

  private place(hash: number, entry: number): void {
    let slot = hash & this.mask
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask
    this.slots[slot] = entry
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2)
    this.mask = this.slots.length - 1
    for (let i = 0; i < this.hashes.length; i++) this.place(this.hashes[i]!, i + 1)
  }

  private clear(): void {
    this.slots.fill(EMPTY)
    this.arenaUsed = 0
    this.starts = []
    this.lengths = []
    this.hashes = []
    this.strings = []
    this.values = []
    this.follows = []
    this.ascii = []
    this.plain = []
    this.last = -1
  }
}
