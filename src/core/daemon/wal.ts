// The write-ahead log of `carbon serve`: every point accepted from a socket is appended here before
// its connection is acknowledged (closed), and replayed into the cache at the next start, so that a
// crash (kill -9, the OOM killer, a bug) loses nothing a client was told was received.
//
// Files: <STORAGE_DIR>/wal/<id>.wal, id a 20-digit decimal, ascending in the order written. Each
// segment is append-only; a new one starts when the current one would pass `segmentBytes`, and at
// each start (the last segment of a crashed run may end in a torn record and is never appended to).
//
//   Segment = "CKWAL1\n\0" Record*
//   Record  = length:u32 crc:u32 Body                    length = bytes of Body; crc = crc32(length, Body)
//   Body    = Point+
//   Point   = nameLength:u16 [nameLength32:u32 if nameLength = 0xffff] name:utf8 timestamp:f64 value:f64
//   (all little-endian)
//
// A record is what one turn of the event loop appended (split at RECORD_BYTES): it is written with one
// write(2) per turn, so the cost of the log is a copy of the point's bytes and a system call per turn,
// not per point. fsync: `interval` at most once a second (a power loss costs at most that second),
// `always` before any acknowledgement waiting on it (group commit: one fsync serves every connection
// that ended meanwhile), `off` never (the OS decides). Fsyncs run on libuv's thread pool: the event
// loop keeps reading while one is under way.
//
// Checkpoint: the segment id is the cache's "epoch". Each cache queue remembers the lowest epoch of
// its points; a closed segment is deleted once no queue (held or in flight) has an epoch at or below
// its id, i.e. once every point in it is on disk (see release and README.md's invariants).
//
// Damage: a record whose length runs past the end of its file, or whose crc does not match, ends its
// segment: the file is cut back to the last good record (one event says where and how much), and the
// replay goes on with the next segment. Nothing here refuses to start.

import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fromSystemError, systemErrorCode } from '../errors.js'
import type { FaultReporter } from './faults.js'
import { guard } from './faults.js'

export const WAL_SYNC_MODES = ['interval', 'always', 'off'] as const
export type WalSync = (typeof WAL_SYNC_MODES)[number]

export const WAL_DIR = 'wal'
const MAGIC = Buffer.from('CKWAL1\n\0', 'latin1')
const HEADER_BYTES = 8
/** A record is closed once its body reaches this size (a turn with more points writes several). */
const RECORD_BYTES = 1 << 20
export const DEFAULT_SEGMENT_BYTES = 64 << 20
export const DEFAULT_WAL_MAX_BYTES = 2 ** 31
const SYNC_INTERVAL_MS = 1000
/** With nothing left unwritten, a current segment this big is dropped for a fresh one (see checkpoint). */
const CHECKPOINT_BYTES = 4 << 20
/** A full disk: how often the append is tried again. */
const RETRY_MS = 1000

const SEGMENT_NAME = /^(\d{20})\.wal$/

export function segmentName(id: number): string {
  return `${String(id).padStart(20, '0')}.wal`
}

const crcTable = ((): Uint32Array => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (the zlib one): node:zlib's when it has it (Node 20.15+), else a table. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes, seed)
  let c = ~seed >>> 0
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

function recordCrc(buffer: Buffer, at: number, length: number): number {
  return crc32(
    buffer.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length),
    crc32(buffer.subarray(at, at + 4)),
  )
}

/** A metric name as the log stores it (its length, then its bytes): made once per name by the caller. */
export function encodeWalName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8')
  const long = bytes.byteLength >= 0xffff
  const out = Buffer.allocUnsafe((long ? 6 : 2) + bytes.byteLength)
  if (long) {
    out.writeUInt16LE(0xffff, 0)
    out.writeUInt32LE(bytes.byteLength, 2)
  } else out.writeUInt16LE(bytes.byteLength, 0)
  bytes.copy(out, long ? 6 : 2)
  return out
}

export type WalEvent =
  | { type: 'wal-damaged'; file: string; offset: number; cutBytes: number; reason: string }
  | { type: 'wal-stalled'; message: string }
  | { type: 'wal-unstalled' }

export interface WalOptions {
  dir: string
  sync: WalSync
  segmentBytes?: number
  /** The log's size (all segments) at which blocked() says to stop reading. */
  maxBytes?: number
  onEvent?: (event: WalEvent) => void
  /** blocked() may have changed (a segment deleted, the disk full or free again). */
  onFlow?: () => void
  /** A bug in a write the event loop ran (the points stay pending; the next turn tries again). */
  onFault?: FaultReporter
}

export interface ReplayReport {
  segments: number
  points: number
  bytes: number
  damaged: number
  /** The signal stopped the replay before its end: the segments not read are untouched. */
  aborted: boolean
}

interface Segment {
  id: number
  bytes: number
}

interface Waiter {
  /** Appended bytes (all segments, ever) that must be written (or synced) before `done`. */
  upTo: number
  done: () => void
}

export class WriteAheadLog {
  readonly dir: string
  private readonly segmentBytes: number
  private readonly maxBytes: number
  /** Closed segments, oldest first, and the one being appended to. */
  private readonly closed: Segment[] = []
  private current: (Segment & { fd: number }) | undefined
  private nextId = 1
  private pending = Buffer.allocUnsafe(1 << 16)
  private pendingBytes = 0
  /** Where the open record's header is in `pending` (-1: none open). */
  private recordAt = -1
  /** Bytes handed to append() / written to the OS / known synced, counted over the log's life. */
  private appendedBytes = 0
  private writtenBytes = 0
  private syncedBytes = 0
  private syncing = false
  private readonly closeAfterSync: number[] = []
  private writeWaiters: Waiter[] = []
  private syncWaiters: Waiter[] = []
  private scheduled = false
  private stalled = false
  private retryTimer: NodeJS.Timeout | undefined
  private syncTimer: NodeJS.Timeout | undefined
  private blockedNow = false

  private readonly flushLater: () => void

  constructor(private readonly options: WalOptions) {
    this.flushLater = guard('wal', options.onFault, () => this.flush())
    this.dir = options.dir
    this.maxBytes = options.maxBytes ?? DEFAULT_WAL_MAX_BYTES
    this.segmentBytes = Math.max(
      4096,
      Math.min(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, Math.floor(this.maxBytes / 4)),
    )
  }

  /** Segment ids on disk, ascending. */
  private segmentIds(): number[] {
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return []
      throw fromSystemError(error, this.dir, false)
    }
    return names
      .map((n) => SEGMENT_NAME.exec(n)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
  }

  /**
   * Hand every point on disk to `onPoint`, oldest first, with the id of its segment (the cache's epoch).
   * Damaged segments are cut back to their last good record. Call once, before open(). Between
   * segments the event loop runs (a stop asked for during a long replay is seen): `signal` ends the
   * replay there, leaving the rest of the log as it is.
   */
  async replay(
    onPoint: (segment: number, name: string, timestamp: number, value: number) => void,
    onProgress?: (progress: { segment: string; points: number; segments: number; of: number }) => void,
    signal?: AbortSignal,
  ): Promise<ReplayReport> {
    const report: ReplayReport = { segments: 0, points: 0, bytes: 0, damaged: 0, aborted: false }
    const ids = this.segmentIds()
    for (const id of ids) {
      if (report.segments > 0) await new Promise((resolve) => setImmediate(resolve))
      if (signal?.aborted) {
        report.aborted = true
        break
      }
      const file = path.join(this.dir, segmentName(id))
      let bytes: Buffer
      try {
        bytes = fs.readFileSync(file)
      } catch (error) {
        throw fromSystemError(error, file, false)
      }
      const damage = (offset: number, reason: string): void => {
        report.damaged++
        this.options.onEvent?.({
          type: 'wal-damaged',
          file,
          offset,
          cutBytes: bytes.byteLength - offset,
          reason,
        })
        try {
          fs.truncateSync(file, offset)
        } catch (error) {
          throw fromSystemError(error, file, true)
        }
        bytes = bytes.subarray(0, offset)
      }
      report.segments++
      if (bytes.byteLength < HEADER_BYTES || bytes.compare(MAGIC, 0, HEADER_BYTES, 0, HEADER_BYTES) !== 0) {
        if (bytes.byteLength > 0) damage(0, 'not a carbonkit wal segment')
      } else {
        let at = HEADER_BYTES
        while (at < bytes.byteLength) {
          if (at + HEADER_BYTES > bytes.byteLength) {
            damage(at, 'torn record header')
            break
          }
          const length = bytes.readUInt32LE(at)
          if (at + HEADER_BYTES + length > bytes.byteLength) {
            damage(
              at,
              `torn record: ${length} bytes announced, ${bytes.byteLength - at - HEADER_BYTES} there`,
            )
            break
          }
          if (recordCrc(bytes, at, length) !== bytes.readUInt32LE(at + 4)) {
            damage(at, 'checksum mismatch')
            break
          }
          const points = decodeBody(bytes, at + HEADER_BYTES, at + HEADER_BYTES + length, id, onPoint)
          if (points < 0) {
            damage(at, 'malformed record')
            break
          }
          report.points += points
          at += HEADER_BYTES + length
        }
      }
      report.bytes += bytes.byteLength
      this.closed.push({ id, bytes: bytes.byteLength })
      this.nextId = id + 1
      // Progress of a long replay (one line per segment, 64 MiB each), not of a short one.
      if (ids.length > 1)
        onProgress?.({ segment: file, points: report.points, segments: report.segments, of: ids.length })
    }
    return report
  }

  /** The epoch points appended from now on belong to (valid after open()). */
  get epoch(): number {
    return this.current?.id ?? this.nextId
  }

  /** Start a new segment to append to, and the periodic fsync. */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true })
    this.startSegment()
    if (this.options.sync === 'interval') {
      this.syncTimer = setInterval(() => this.sync(), SYNC_INTERVAL_MS)
      this.syncTimer.unref()
    }
  }

  private startSegment(): void {
    const id = this.nextId++
    const file = path.join(this.dir, segmentName(id))
    let fd: number
    try {
      fd = fs.openSync(file, 'wx', 0o600)
      fs.writeSync(fd, MAGIC, 0, HEADER_BYTES, 0)
    } catch (error) {
      throw fromSystemError(error, file, true)
    }
    this.current = { id, bytes: HEADER_BYTES, fd }
  }

  /** Append one point; `name` from encodeWalName. Written at the end of this turn of the event loop. */
  append(name: Buffer, timestamp: number, value: number): void {
    const need = name.byteLength + 16 + HEADER_BYTES
    if (this.pendingBytes + need > this.pending.byteLength) this.grow(need)
    let at = this.pendingBytes
    if (this.recordAt < 0) {
      this.recordAt = at
      at += HEADER_BYTES
    }
    const pending = this.pending
    if (name.byteLength <= 64) for (let i = 0; i < name.byteLength; i++) pending[at++] = name[i]!
    else {
      pending.set(name, at)
      at += name.byteLength
    }
    pending.writeDoubleLE(timestamp, at)
    pending.writeDoubleLE(value, at + 8)
    at += 16
    this.appendedBytes += at - this.pendingBytes
    this.pendingBytes = at
    if (at - this.recordAt >= RECORD_BYTES) this.closeRecord()
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flushLater)
    }
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.pending.byteLength, this.pendingBytes + need))
    this.pending.copy(next, 0, 0, this.pendingBytes)
    this.pending = next
  }

  private closeRecord(): void {
    if (this.recordAt < 0) return
    const length = this.pendingBytes - this.recordAt - HEADER_BYTES
    this.pending.writeUInt32LE(length, this.recordAt)
    this.pending.writeUInt32LE(recordCrc(this.pending, this.recordAt, length), this.recordAt + 4)
    this.recordAt = -1
  }

  /**
   * `done` runs once every point appended so far is written to the OS (and, with sync `always`,
   * fsynced): the moment a connection may be acknowledged.
   */
  barrier(done: () => void): void {
    const upTo = this.appendedBytes
    if (this.options.sync === 'always') {
      if (upTo <= this.syncedBytes) return queueMicrotask(done)
      this.syncWaiters.push({ upTo, done })
      if (upTo <= this.writtenBytes) this.sync()
    } else {
      if (upTo <= this.writtenBytes) return queueMicrotask(done)
      this.writeWaiters.push({ upTo, done })
    }
  }

  /** Write what this turn appended (normally run by setImmediate; stop calls it to finish). */
  flush(): void {
    this.scheduled = false
    this.closeRecord()
    if (this.pendingBytes === 0 || this.stalled || !this.current) return
    const current = this.current
    if (current.bytes > HEADER_BYTES && current.bytes + this.pendingBytes > this.segmentBytes) {
      this.rotate()
      return this.flush()
    }
    let done = 0
    try {
      while (done < this.pendingBytes) {
        done += fs.writeSync(current.fd, this.pending, done, this.pendingBytes - done, current.bytes + done)
      }
    } catch (error) {
      // A bug is not a disk: it goes to the caller (the event loop's guard reports it).
      if (systemErrorCode(error) === undefined) throw error
      // The disk is full, or failing (EIO): what was written stays (a prefix of the records), the
      // rest waits, receivers pause, and the write is tried again every RETRY_MS. Nothing read is
      // dropped, and nothing is acknowledged before it is written.
      const reason = fromSystemError(error, this.currentFile(), true)
      this.stalled = true
      this.options.onEvent?.({
        type: 'wal-stalled',
        message: reason instanceof Error ? reason.message : String(reason),
      })
      this.retryTimer = setTimeout(
        guard('wal', this.options.onFault, () => {
          this.stalled = false
          this.retryTimer = undefined
          this.flush()
          if (!this.stalled) this.options.onEvent?.({ type: 'wal-unstalled' })
          this.flow()
        }),
        RETRY_MS,
      )
      this.retryTimer.unref()
    } finally {
      current.bytes += done
      this.writtenBytes += done
      this.pending.copy(this.pending, 0, done, this.pendingBytes)
      this.pendingBytes -= done
    }
    if (this.writeWaiters.length > 0) this.writeWaiters = this.settle(this.writeWaiters, this.writtenBytes)
    if (this.syncWaiters.length > 0) this.sync()
    this.flow()
  }

  /** Write and fsync everything appended, now (on the event loop). */
  syncNow(): void {
    this.flush()
    if (!this.current || this.stalled) return
    fs.fsyncSync(this.current.fd)
    this.syncedBytes = this.writtenBytes
    if (this.syncWaiters.length > 0) this.syncWaiters = this.settle(this.syncWaiters, this.syncedBytes)
  }

  private settle(waiters: Waiter[], upTo: number): Waiter[] {
    const left: Waiter[] = []
    for (const w of waiters) {
      if (w.upTo <= upTo) w.done()
      else left.push(w)
    }
    return left
  }

  /** fsync what is written, off the event loop; waiters whose points it covers are then released. */
  private sync(): void {
    const current = this.current
    if (this.syncing || !current || this.writtenBytes <= this.syncedBytes) return
    this.syncing = true
    const upTo = this.writtenBytes
    fs.fsync(current.fd, (error) => {
      this.syncing = false
      for (const fd of this.closeAfterSync.splice(0)) fs.closeSync(fd)
      // A failed fsync leaves the waiters waiting: the next one tries again.
      if (!error) this.syncedBytes = Math.max(this.syncedBytes, upTo)
      if (this.syncWaiters.length > 0) {
        this.syncWaiters = this.settle(this.syncWaiters, this.syncedBytes)
        if (this.syncWaiters.length > 0) setImmediate(() => this.sync())
      }
    })
  }

  private rotate(): void {
    const old = this.current!
    // A closed segment is complete on disk before the next one starts (unless sync is off).
    if (this.options.sync !== 'off') {
      fs.fsyncSync(old.fd)
      this.syncedBytes = this.writtenBytes
    }
    if (this.syncing) this.closeAfterSync.push(old.fd)
    else fs.closeSync(old.fd)
    this.closed.push({ id: old.id, bytes: old.bytes })
    this.startSegment()
  }

  private currentFile(): string {
    return path.join(this.dir, segmentName(this.current?.id ?? 0))
  }

  /** Bytes in the log's files, and waiting to be written. */
  get bytes(): number {
    let total = this.pendingBytes + (this.current?.bytes ?? 0)
    for (const s of this.closed) total += s.bytes
    return total
  }

  get segments(): number {
    return this.closed.length + (this.current ? 1 : 0)
  }

  /** Whether receivers should stop reading: the log is at its size limit, or the disk is full. */
  blocked(): boolean {
    return this.stalled || this.bytes >= this.maxBytes
  }

  private flow(): void {
    // Resume only well below the limit, so that receivers do not flap.
    const now = this.stalled || this.bytes >= (this.blockedNow ? 0.9 : 1) * this.maxBytes
    if (now !== this.blockedNow) {
      this.blockedNow = now
      this.options.onFlow?.()
    }
  }

  /** Whether blocked() held at the last change (with the resume margin). */
  get holding(): boolean {
    return this.blockedNow
  }

  /**
   * Every point of epochs below `oldestLive` is on disk: delete the closed segments that hold only
   * such points.
   */
  release(oldestLive: number): void {
    let deleted = false
    while (this.closed.length > 0 && this.closed[0]!.id < oldestLive) {
      const segment = this.closed.shift()!
      fs.rmSync(path.join(this.dir, segmentName(segment.id)), { force: true })
      deleted = true
    }
    if (deleted) this.flow()
  }

  /**
   * Every point appended so far is on disk (the cache is empty): a current segment over
   * CHECKPOINT_BYTES is replaced by a fresh one and deleted, so that a crash after a quiet spell
   * replays little. Without this only size rotation would free the current segment.
   */
  checkpoint(): void {
    const current = this.current
    if (!current || current.bytes < CHECKPOINT_BYTES || this.syncing || this.stalled) return
    // Nothing in it is needed any more: no fsync.
    fs.closeSync(current.fd)
    this.closed.push({ id: current.id, bytes: current.bytes })
    this.startSegment()
    this.release(current.id + 1)
  }

  /**
   * Stop. `discard`: every point is on disk, delete the log (and its folder if empty). Otherwise
   * write and fsync what is pending and keep the files for the next start.
   */
  close(options: { discard: boolean }): void {
    if (this.syncTimer) clearInterval(this.syncTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.stalled = false
    if (!options.discard) this.flush()
    const current = this.current
    if (current) {
      if (!options.discard) fs.fsyncSync(current.fd)
      if (this.syncing) this.closeAfterSync.push(current.fd)
      else fs.closeSync(current.fd)
      this.closed.push({ id: current.id, bytes: current.bytes })
      this.current = undefined
    }
    if (options.discard) {
      this.release(Infinity)
      try {
        fs.rmdirSync(this.dir)
      } catch {
        // Not empty (someone else's file) or already gone: left as it is.
      }
    }
    for (const w of [...this.writeWaiters, ...this.syncWaiters]) w.done()
    this.writeWaiters = []
    this.syncWaiters = []
  }
}

/** Decode a record's points; the number of points, or -1 when the body does not parse. */
function decodeBody(
  bytes: Buffer,
  start: number,
  end: number,
  segment: number,
  onPoint: (segment: number, name: string, timestamp: number, value: number) => void,
): number {
  // A first pass checks the whole record, so that a malformed one hands nothing on.
  let at = start
  let count = 0
  while (at < end) {
    if (at + 2 > end) return -1
    let length = bytes.readUInt16LE(at)
    at += 2
    if (length === 0xffff) {
      if (at + 4 > end) return -1
      length = bytes.readUInt32LE(at)
      at += 4
    }
    at += length + 16
    if (at > end) return -1
    count++
  }
  at = start
  while (at < end) {
    let length = bytes.readUInt16LE(at)
    at += 2
    if (length === 0xffff) {
      length = bytes.readUInt32LE(at)
      at += 4
    }
    const name = bytes.toString('utf8', at, at + length)
    at += length
    onPoint(segment, name, bytes.readDoubleLE(at), bytes.readDoubleLE(at + 8))
    at += 16
  }
  return count
}
