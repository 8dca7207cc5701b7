// The write-ahead log of `carbon serve`: every point accepted from a socket is appended here before
// its connection is acknowledged (closed), and replayed into the cache at the next start, so that a
// crash (kill -9, the OOM killer, a bug) loses nothing a client was told was received.
//
// Files: <STORAGE_DIR>/wal/<id>.wal, id a 20-digit decimal, ascending in the order written. Each
// segment is append-only; a new one starts when the current one would pass `segmentBytes`, and at
// each start (the last segment of a crashed run may end in a torn record and is never appended to).
//
//   Segment  = "CKWAL2\n\0" Record*
//   Record   = length:u32 crc:u32 Body               length = bytes of Body; crc = crc32(length, Body)
//   Body     = kind:u8 (Points | Received | Deleted)
//   Points   = Point+                                kind 0: points as the cache holds them
//   Point    = nameLength:u16 [nameLength32:u32 if nameLength = 0xffff] name:utf8 timestamp:f64 value:f64
//   Received = now:f64 bytes                         kind 1: plaintext lines from a TCP connection,
//                                                    2: a UDP datagram, 3: a pickle frame's body
//   Deleted  = nameLength:u16 [nameLength32:u32] key:utf8   kind 4: a tombstone (see below)
//   (all little-endian)
//
// What a receiver read is logged as it came (Received): the bytes of the complete lines (or the
// frame, or the datagram) it is about to parse, with the time that `-1` timestamps in them stand
// for. That costs a copy and a crc32 per socket read, nothing per point; the replay parses the bytes
// again with the same parser and the same time, so it gets the same points, and judges their names
// as a receiver would (see README.md). Points records hold what no socket sent: a dump moved into the
// log, the cache kept by a --no-wal stop. Segments of the first format ("CKWAL1", a Points body
// without the kind byte) are still replayed.
//
// Tombstones: the admin API deleted a metric (its file, its cached points). Its points logged before
// the delete are still in their segments until those are released; a Deleted record, appended in the
// turn the cache dropped them, covers every record before it in the log (its position is what it
// covers, exact to the record): the replay hands it on in order, so the points before it are
// dropped and those after it kept. Segments are released oldest first, so a tombstone never goes
// while a segment before it (with points it covers) is still there. Kind 4 came after the rest of
// the "CKWAL2" format: segments without it are unchanged (an earlier carbonkit reads them), and this
// one reads every earlier segment.
//
// Writes: what the event loop appended is written with one write(2) on libuv's thread pool; what is
// appended meanwhile waits for it and goes in the next one (so the event loop never waits for the
// disk, and a busy loop writes bigger batches). fsync: `interval` at most once a second (a power loss
// costs at most that second), `always` before any acknowledgement waiting on it (group commit: one
// fsync serves every connection that ended meanwhile), `off` never (the OS decides). Fsyncs run on the
// thread pool too.
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
import { PickleError } from '../protocol/pickle.js'
import { forEachPickleMetric } from '../protocol/pickle-metrics.js'
import { createPlaintextDecoder, parseDatagram } from '../protocol/plaintext.js'
import type { FaultReporter } from './faults.js'
import { guard } from './faults.js'

export const WAL_SYNC_MODES = ['interval', 'always', 'off'] as const
export type WalSync = (typeof WAL_SYNC_MODES)[number]

export const WAL_DIR = 'wal'
const MAGIC = Buffer.from('CKWAL2\n\0', 'latin1')
/** The first format: Points bodies without a kind byte. */
const MAGIC_V1 = Buffer.from('CKWAL1\n\0', 'latin1')
const HEADER_BYTES = 8
/** A Points record is closed once its body reaches this size (a turn with more points writes several). */
const RECORD_BYTES = 1 << 20
export const DEFAULT_SEGMENT_BYTES = 64 << 20
export const DEFAULT_WAL_MAX_BYTES = 2 ** 31
const SYNC_INTERVAL_MS = 1000
/** With nothing left unwritten, a current segment this big is dropped for a fresh one (see checkpoint). */
const CHECKPOINT_BYTES = 4 << 20
/** A full disk: how often the append is tried again. */
const RETRY_MS = 1000
/** A write buffer bigger than this is not kept for the next batch (a burst's buffer goes back). */
const KEEP_BUFFER_BYTES = 16 << 20
/**
 * Received bytes at least this long that will not change (appendReceived's `stable`) are written from
 * where they are, not copied into the log's buffer.
 */
const KEEP_RECEIVED_BYTES = 4096

/** How a receiver read what it hands to appendReceived: the replay parses it again the same way. */
export type ReceivedFormat = 'line' | 'datagram' | 'pickle'
const KIND_POINTS = 0
const KINDS: Record<ReceivedFormat, number> = { line: 1, datagram: 2, pickle: 3 }
const KIND_DELETED = 4
/** Kind and now: the bytes before a Received body's payload. */
const RECEIVED_HEAD_BYTES = 9

const SEGMENT_NAME = /^(\d{20})\.wal$/

export function segmentName(id: number): string {
  return `${String(id).padStart(20, '0')}.wal`
}

/** CRC-32 (the zlib one), node:zlib's (Node 20.15 and later; carbonkit needs 20.16). */
export function crc32(bytes: Uint8Array, seed = 0): number {
  return zlib.crc32(bytes, seed)
}

function recordCrc(buffer: Buffer, at: number, length: number): number {
  return zlib.crc32(
    buffer.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length),
    zlib.crc32(buffer.subarray(at, at + 4)),
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

/**
 * A point replayed from segment `segment`. `asSent`: it comes from bytes a client sent, and its name
 * is as sent (to be judged as a receiver judges it); otherwise the name is a cache key.
 */
export type ReplayPoint = (
  segment: number,
  name: string,
  timestamp: number,
  value: number,
  asSent: boolean,
) => void

/** A tombstone replayed from segment `segment`: forget what came before it for cache key `key`. */
export type ReplayDeleted = (segment: number, key: string) => void

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
  /** A new segment is being appended to: what is appended from now on goes to it or a later one. */
  onSegment?: (id: number) => void
  /** A bug in a write the event loop ran (the points stay pending; the next turn tries again). */
  onFault?: FaultReporter
}

export interface ReplayReport {
  segments: number
  points: number
  bytes: number
  damaged: number
  /** Tombstones met (metrics deleted through the admin API while their points were in the log). */
  deleted: number
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
  /**
   * Appended, not yet handed to a write: `parts` in order, then pending[partStart, pendingBytes).
   * Parts are ranges of a `pending` buffer (never written into again) and received bytes kept where
   * a receiver read them (appendReceived's `stable`): no copy on the event loop for those.
   */
  private pending: Buffer = Buffer.allocUnsafe(1 << 16)
  private pendingBytes = 0
  private partStart = 0
  private parts: Buffer[] = []
  private partsBytes = 0
  /** Where the open Points record's header is in `pending` (-1: none open). */
  private recordAt = -1
  /** The write under way on the thread pool (one at a time, so the file grows in order), and its bytes. */
  private writing: Buffer[] | undefined
  private writingBytes = 0
  /** A buffer that was written, kept for the next batch. */
  private spare: Buffer | undefined
  /** Bumped when a synchronous flush takes a write over: its callback then only tidies up. */
  private generation = 0
  /** Bytes handed to append() / written to the OS / known synced, counted over the log's life. */
  private appendedBytes = 0
  private writtenBytes = 0
  private syncedBytes = 0
  private syncing = false
  /** Descriptors closed once no write or fsync is using them. */
  private readonly closeLater: number[] = []
  private writeWaiters: Waiter[] = []
  private syncWaiters: Waiter[] = []
  private scheduled = false
  private stalled = false
  /** A retry after a stall is under way: its success is announced. */
  private retrying = false
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
    onPoint: ReplayPoint,
    onProgress?: (progress: { segment: string; points: number; segments: number; of: number }) => void,
    signal?: AbortSignal,
    onDeleted?: ReplayDeleted,
  ): Promise<ReplayReport> {
    const report: ReplayReport = { segments: 0, points: 0, bytes: 0, damaged: 0, deleted: 0, aborted: false }
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
      const emit: Emit = (name, timestamp, value, asSent) => onPoint(id, name, timestamp, value, asSent)
      const forget = (key: string): void => {
        report.deleted++
        onDeleted?.(id, key)
      }
      const version =
        bytes.byteLength < HEADER_BYTES
          ? 0
          : bytes.compare(MAGIC, 0, HEADER_BYTES, 0, HEADER_BYTES) === 0
            ? 2
            : bytes.compare(MAGIC_V1, 0, HEADER_BYTES, 0, HEADER_BYTES) === 0
              ? 1
              : 0
      if (version === 0) {
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
          const body = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)
          const points = version === 1 ? decodePoints(body, emit) : decodeBody(body, emit, forget)
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
    this.options.onSegment?.(id)
  }

  /**
   * Room for `need` more bytes in `pending`. A new buffer takes only the bytes not in `parts` (the
   * parts keep the old one).
   */
  private reserve(need: number): void {
    if (this.pendingBytes + need <= this.pending.byteLength) return
    const staged = this.pendingBytes - this.partStart
    const next = Buffer.allocUnsafe(
      Math.max(this.pending.byteLength * (this.partStart === 0 ? 2 : 1), staged + need),
    )
    this.pending.copy(next, 0, this.partStart, this.pendingBytes)
    if (this.recordAt >= 0) this.recordAt -= this.partStart
    this.pending = next
    this.pendingBytes = staged
    this.partStart = 0
  }

  /** The bytes staged in `pending` become a part (the open record must be closed first). */
  private seal(): void {
    if (this.pendingBytes <= this.partStart) return
    this.parts.push(this.pending.subarray(this.partStart, this.pendingBytes))
    this.partsBytes += this.pendingBytes - this.partStart
    this.partStart = this.pendingBytes
  }

  /** Bytes appended and not yet handed to a write. */
  private get unwritten(): number {
    return this.partsBytes + this.pendingBytes - this.partStart
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flushLater)
    }
  }

  /**
   * Append one point that no socket sent (a dump's, or the cache's at a --no-wal stop); `name`
   * from encodeWalName. Written after this turn of the event loop.
   */
  append(name: Buffer, timestamp: number, value: number): void {
    this.reserve(name.byteLength + 16 + HEADER_BYTES + 1)
    let at = this.pendingBytes
    if (this.recordAt < 0) {
      this.recordAt = at
      at += HEADER_BYTES
      this.pending[at++] = KIND_POINTS
    }
    const pending = this.pending
    pending.set(name, at)
    at += name.byteLength
    pending.writeDoubleLE(timestamp, at)
    pending.writeDoubleLE(value, at + 8)
    at += 16
    this.appendedBytes += at - this.pendingBytes
    this.pendingBytes = at
    if (at - this.recordAt >= RECORD_BYTES) this.closeRecord()
    this.schedule()
  }

  /**
   * Append bytes a receiver read, before it parses them: complete plaintext lines from a TCP
   * connection (`line`), a datagram, or a pickle frame's body. `now` is what `-1` timestamps in them
   * stand for. The replay parses them again (see replay). Written after this turn of the event loop.
   * `stable`: the bytes never change after this call (a socket's own chunk), so the write may read
   * them where they are instead of from a copy.
   */
  appendReceived(
    format: ReceivedFormat,
    now: number,
    bytes: Uint8Array,
    start: number,
    end: number,
    stable = false,
  ): void {
    this.closeRecord()
    if (stable && end - start >= KEEP_RECEIVED_BYTES) return this.keepReceived(format, now, bytes, start, end)
    const need = HEADER_BYTES + RECEIVED_HEAD_BYTES + (end - start)
    this.reserve(need)
    const at = this.pendingBytes
    const pending = this.pending
    pending[at + HEADER_BYTES] = KINDS[format]
    pending.writeDoubleLE(now, at + HEADER_BYTES + 1)
    pending.set(bytes.subarray(start, end), at + HEADER_BYTES + RECEIVED_HEAD_BYTES)
    this.recordAt = at
    this.pendingBytes = at + need
    this.appendedBytes += need
    this.closeRecord()
    this.schedule()
  }

  /** appendReceived without the copy: the header goes to `pending`, the bytes become a part. */
  private keepReceived(
    format: ReceivedFormat,
    now: number,
    bytes: Uint8Array,
    start: number,
    end: number,
  ): void {
    const length = end - start
    this.reserve(HEADER_BYTES + RECEIVED_HEAD_BYTES)
    const at = this.pendingBytes
    const pending = this.pending
    const body = at + HEADER_BYTES
    pending.writeUInt32LE(RECEIVED_HEAD_BYTES + length, at)
    pending[body] = KINDS[format]
    pending.writeDoubleLE(now, body + 1)
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset + start, length)
    // The record's crc (recordCrc) in three steps: its length, the body's head, the bytes.
    const crc = zlib.crc32(
      payload,
      zlib.crc32(
        pending.subarray(body, body + RECEIVED_HEAD_BYTES),
        zlib.crc32(pending.subarray(at, at + 4)),
      ),
    )
    pending.writeUInt32LE(crc, at + 4)
    this.pendingBytes = body + RECEIVED_HEAD_BYTES
    this.seal()
    this.parts.push(payload)
    this.partsBytes += length
    this.appendedBytes += HEADER_BYTES + RECEIVED_HEAD_BYTES + length
    this.schedule()
  }

  /**
   * Append a tombstone: the admin API dropped cache key `key`'s points (and deletes its file) in this
   * turn. A replay forgets the points logged before it and keeps those after (see the header).
   * Written after this turn of the event loop; barrier() says when a crash can no longer undo it.
   */
  appendDeleted(key: string): void {
    this.closeRecord()
    const name = encodeWalName(key)
    const need = HEADER_BYTES + 1 + name.byteLength
    this.reserve(need)
    const at = this.pendingBytes
    this.pending[at + HEADER_BYTES] = KIND_DELETED
    this.pending.set(name, at + HEADER_BYTES + 1)
    this.recordAt = at
    this.pendingBytes = at + need
    this.appendedBytes += need
    this.closeRecord()
    this.schedule()
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

  /**
   * Hand what was appended to a write on the thread pool (normally run by setImmediate at the end of
   * a turn). With a write under way, the bytes wait for it: its completion starts the next one.
   */
  flush(): void {
    this.scheduled = false
    this.closeRecord()
    this.seal()
    if (this.partsBytes === 0 || (this.stalled && !this.retrying) || !this.current || this.writing) return
    if (this.current.bytes > HEADER_BYTES && this.current.bytes + this.partsBytes > this.segmentBytes)
      this.rotate()
    const current = this.current
    const parts = this.parts
    const bytes = this.partsBytes
    const buffer = this.pending
    const spare = this.spare
    this.pending =
      spare !== undefined && spare.byteLength >= Math.min(buffer.byteLength, KEEP_BUFFER_BYTES)
        ? spare
        : Buffer.allocUnsafe(Math.min(buffer.byteLength, KEEP_BUFFER_BYTES))
    this.spare = undefined
    this.pendingBytes = 0
    this.partStart = 0
    this.parts = []
    this.partsBytes = 0
    this.writing = parts
    this.writingBytes = bytes
    const generation = this.generation
    let done = 0
    const next = guard('wal', this.options.onFault, (error: Error | null, written: number): void => {
      if (generation !== this.generation) {
        this.inFlight--
        return this.tidy()
      }
      done += error ? 0 : written
      if (!error && done < bytes) {
        fs.writev(current.fd, skipBytes(parts, done), current.bytes + done, next)
        return
      }
      this.written(current, parts, buffer, bytes, done, error)
    })
    fs.writev(current.fd, parts, current.bytes, next)
  }

  /** A write finished (`done` of its `bytes` written, and why not all). */
  private written(
    segment: Segment,
    parts: Buffer[],
    buffer: Buffer,
    bytes: number,
    done: number,
    error: Error | null,
  ): void {
    this.writing = undefined
    this.writingBytes = 0
    segment.bytes += done
    this.writtenBytes += done
    if (done < bytes) {
      // What did not get written goes back in front of what was appended meanwhile (its buffer is
      // not reused: parts of it wait).
      this.parts = skipBytes(parts, done).concat(this.parts)
      this.partsBytes += bytes - done
    } else if (buffer.byteLength <= KEEP_BUFFER_BYTES) this.spare = buffer
    this.tidy()
    if (error) this.stall(error)
    else if (this.retrying) {
      this.stalled = false
      this.retrying = false
      this.options.onEvent?.({ type: 'wal-unstalled' })
    }
    if (this.writeWaiters.length > 0) this.writeWaiters = this.settle(this.writeWaiters, this.writtenBytes)
    if (this.syncWaiters.length > 0) this.sync()
    this.flow()
    if (this.unwritten > 0 && !this.stalled) this.flush()
  }

  /**
   * The disk is full, or failing (EIO): what was written stays (a prefix of the records), the rest
   * waits, receivers pause, and the write is tried again every RETRY_MS. Nothing read is dropped,
   * and nothing is acknowledged before it is written.
   */
  private stall(error: unknown): void {
    const reason = fromSystemError(error, this.currentFile(), true)
    this.stalled = true
    this.retrying = false
    this.options.onEvent?.({
      type: 'wal-stalled',
      message: reason instanceof Error ? reason.message : String(reason),
    })
    if (this.retryTimer) return
    this.retryTimer = setTimeout(
      guard('wal', this.options.onFault, () => {
        // Still stalled (receivers paused) until the write succeeds.
        this.retryTimer = undefined
        this.retrying = true
        this.flush()
      }),
      RETRY_MS,
    )
    this.retryTimer.unref()
  }

  /** Write everything appended now, on the event loop (a stop, the start moving a dump in, tests). */
  writeNow(): void {
    this.scheduled = false
    this.closeRecord()
    this.seal()
    const current = this.current
    if (!current) return
    if (this.writing) {
      // The write under way may not be done: its bytes are written again here, at the same place
      // (the same bytes: harmless if it lands too), and its callback only tidies up. Its buffer is
      // not reused: that write may still be reading it.
      this.generation++
      this.parts = this.writing.concat(this.parts)
      this.partsBytes += this.writingBytes
      this.writing = undefined
      this.writingBytes = 0
      this.inFlight++
    }
    if (current.bytes > HEADER_BYTES && current.bytes + this.partsBytes > this.segmentBytes) {
      this.rotate()
      return this.writeNow()
    }
    const parts = this.parts
    const bytes = this.partsBytes
    let done = 0
    try {
      while (done < bytes) done += fs.writevSync(current.fd, skipBytes(parts, done), current.bytes + done)
    } catch (error) {
      if (systemErrorCode(error) === undefined) throw error
      this.stall(error)
    } finally {
      current.bytes += done
      this.writtenBytes += done
      this.parts = skipBytes(parts, done)
      this.partsBytes = bytes - done
    }
    if (this.writeWaiters.length > 0) this.writeWaiters = this.settle(this.writeWaiters, this.writtenBytes)
    this.flow()
  }

  /** Writes taken over by writeNow whose callbacks have not come yet (their descriptor stays open). */
  private inFlight = 0

  /** Close the descriptors waiting for no write or fsync to use them. */
  private tidy(): void {
    if (this.syncing || this.writing !== undefined || this.inFlight > 0) return
    for (const fd of this.closeLater.splice(0)) fs.closeSync(fd)
  }

  /** Close `fd` now, or once the write or fsync using it is done. */
  private closeFd(fd: number): void {
    if (this.syncing || this.writing !== undefined || this.inFlight > 0) this.closeLater.push(fd)
    else fs.closeSync(fd)
  }

  /** Write and fsync everything appended, now (on the event loop). */
  syncNow(): void {
    this.writeNow()
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
      this.tidy()
      // A failed fsync leaves the waiters waiting: the next one tries again.
      if (!error) this.syncedBytes = Math.max(this.syncedBytes, upTo)
      if (this.syncWaiters.length > 0) {
        this.syncWaiters = this.settle(this.syncWaiters, this.syncedBytes)
        if (this.syncWaiters.length > 0) setImmediate(() => this.sync())
      }
    })
  }

  /** Close the current segment and start the next one (no write is under way). */
  private rotate(): void {
    const old = this.current!
    // A closed segment is complete on disk before the next one starts (unless sync is off).
    if (this.options.sync !== 'off') {
      fs.fsyncSync(old.fd)
      this.syncedBytes = this.writtenBytes
    }
    this.closeFd(old.fd)
    this.closed.push({ id: old.id, bytes: old.bytes })
    this.startSegment()
  }

  private currentFile(): string {
    return path.join(this.dir, segmentName(this.current?.id ?? 0))
  }

  /** Bytes in the log's files, being written, and waiting to be written. */
  get bytes(): number {
    let total = this.unwritten + this.writingBytes + (this.current?.bytes ?? 0)
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
    if (!current || current.bytes < CHECKPOINT_BYTES || this.syncing || this.stalled || this.writing) return
    // Nothing in it is needed any more: no fsync.
    this.closeFd(current.fd)
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
    this.retryTimer = undefined
    this.stalled = false
    this.retrying = false
    if (!options.discard) this.writeNow()
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const current = this.current
    if (current) {
      if (!options.discard && !this.stalled) fs.fsyncSync(current.fd)
      this.closeFd(current.fd)
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

/** `parts` without their first `n` bytes (the parts themselves are not changed). */
function skipBytes(parts: Buffer[], n: number): Buffer[] {
  if (n === 0) return parts
  let i = 0
  while (i < parts.length && n >= parts[i]!.byteLength) n -= parts[i++]!.byteLength
  const rest = parts.slice(i)
  if (n > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(n)
  return rest
}

/** A point of the record being replayed (its segment is the caller's). */
type Emit = (name: string, timestamp: number, value: number, asSent: boolean) => void

/** A Points body's points; the number of points, or -1 when the body does not parse. */
function decodePoints(bytes: Buffer, emit: Emit): number {
  // A first pass checks the whole record, so that a malformed one hands nothing on.
  const end = bytes.byteLength
  let at = 0
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
  at = 0
  while (at < end) {
    let length = bytes.readUInt16LE(at)
    at += 2
    if (length === 0xffff) {
      length = bytes.readUInt32LE(at)
      at += 4
    }
    const name = bytes.toString('utf8', at, at + length)
    at += length
    emit(name, bytes.readDoubleLE(at), bytes.readDoubleLE(at + 8), false)
    at += 16
  }
  return count
}

/**
 * A record's points, whatever its kind (a tombstone: none, handed to `forget`); -1 when it does not parse. Received bytes are parsed as
 * their receiver parsed them, at the time it read them; what the receiver refused (and counted then)
 * is refused again, silently.
 */
function decodeBody(body: Buffer, emit: Emit, forget: (key: string) => void): number {
  if (body.byteLength < 1) return -1
  const kind = body[0]!
  if (kind === KIND_POINTS) return body.byteLength > 1 ? decodePoints(body.subarray(1), emit) : -1
  if (kind === KIND_DELETED) {
    // One name that fills the body exactly.
    if (body.byteLength < 3) return -1
    let length = body.readUInt16LE(1)
    let at = 3
    if (length === 0xffff) {
      if (body.byteLength < 7) return -1
      length = body.readUInt32LE(3)
      at = 7
    }
    if (at + length !== body.byteLength || length === 0) return -1
    forget(body.toString('utf8', at))
    return 0
  }
  if (body.byteLength < RECEIVED_HEAD_BYTES) return -1
  const now = body.readDoubleLE(1)
  const payload = body.subarray(RECEIVED_HEAD_BYTES)
  let count = 0
  const sinks = {
    now,
    onPoint: (metric: string, value: number, timestamp: number): void => {
      count++
      emit(metric, timestamp, value, true)
    },
    onReject: (): void => undefined,
  }
  switch (kind) {
    case KINDS.line: {
      // Complete lines; an unterminated last one only if the receiver parsed it so.
      const decoder = createPlaintextDecoder({ ...sinks, acceptUnterminated: true })
      decoder.push(payload)
      decoder.end()
      return count
    }
    case KINDS.datagram:
      parseDatagram(payload, sinks)
      return count
    case KINDS.pickle:
      try {
        forEachPickleMetric(payload, sinks)
      } catch (error) {
        // A frame the receiver refused whole: it hands nothing on, then as now.
        if (!(error instanceof PickleError)) throw error
      }
      return count
    default:
      return -1
  }
}
