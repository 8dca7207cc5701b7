// carbon serve: receivers -> cache -> persister (writer threads) -> whisper files, with CarbonLink
// answering from the cache. The stages know only callbacks; the daemon wires them, counts, logs
// through onEvent, and owns the lifecycle: start (replaying the write-ahead log, and a shutdown dump
// left by an older version), reload (schemas, aggregation rules and lists; the old ones stay if the new
// ones would stop carbon), stop (stop accepting, write the whole cache, or leave what the deadline
// leaves in the write-ahead log for the next start). See README.md for the invariants.

import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { AbortedError, CoreError } from '../errors.js'
import { matchMetric, startupFailure } from '../config/match.js'
import type { ConfigSet } from '../config/match.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from '../protocol/carbonlink.js'
import { readInfo } from '../whisper/info.js'
import { MetricCache } from './cache.js'
import { DUMP_FILE, readDump } from './dump.js'
import type { Counters } from './instrumentation.js'
import { agentPrefix, collectSelfMetrics, countRejected, createCounters } from './instrumentation.js'
import { logLimiter } from './log-limit.js'
import type { Resolved } from './name-cache.js'
import { NameCache } from './name-cache.js'
import type { CreateSpec } from './persister.js'
import { Persister } from './persister.js'
import type { HttpApi } from '../http/server.js'
import { startHttpApi } from '../http/server.js'
import type { QueryServer } from './query-server.js'
import { startQueryServer } from './query-server.js'
import type { Receiver, ReceiverSink } from './receiver.js'
import { startLineReceiver, startPickleReceiver, startUdpReceiver } from './receiver.js'
import type { DaemonSettings } from './settings.js'
import { checkWritableDirs } from './storage.js'
import type { Fault, FaultReporter } from './faults.js'
import { faultOf, guard } from './faults.js'
import type { WalEvent } from './wal.js'
import { WAL_DIR, WriteAheadLog, encodeWalName } from './wal.js'

export type DaemonEvent =
  | { type: 'config-warning'; message: string }
  | { type: 'listening'; addresses: { protocol: string; address: string; port: number }[]; dataDir: string }
  | { type: 'replayed'; file: string; points: number }
  | { type: 'wal-replaying'; segment: string; points: number; segments: number; of: number }
  | { type: 'wal-replayed'; dir: string; points: number; segments: number; bytes: number; seconds: number }
  | WalEvent
  | { type: 'wal-full'; bytes: number }
  | { type: 'wal-resumed'; bytes: number }
  | { type: 'created'; metric: string; path: string }
  | { type: 'write-error'; metric: string; path: string; message: string }
  | { type: 'writer-died'; writer: number; message: string; points: number }
  | {
      type: 'write-deferred'
      metric: string
      path: string
      message: string
      points: number
      suppressed: number
    }
  | { type: 'rejected'; protocol: string; reason: string; detail: string; peer: string; suppressed: number }
  | { type: 'cache-full'; size: number }
  | { type: 'cache-resumed'; size: number }
  | { type: 'reloaded' }
  | { type: 'http-error'; message: string }
  | { type: 'reload-failed'; message: string }
  | { type: 'stopping'; cached: number }
  | { type: 'stopped-starting'; wal: string }
  | ({ type: 'fault' } & Fault)
  | { type: 'stopped'; written: number; left: number; wal?: string }

export interface DaemonOptions {
  settings: DaemonSettings
  config: ConfigSet
  /** Reads the configuration again (SIGHUP); throws when the new rules must not be used. */
  reloadConfig?: () => ConfigSet
  /** Problems in the configuration carbon starts with anyway, logged at start. */
  warnings?: readonly string[]
  /** Seconds since the epoch, fractional (carbon's time.time()). */
  clock?: () => number
  onEvent?: (event: DaemonEvent) => void
  /** The writer thread's script. */
  workerUrl: URL
  /** Process CPU time and resident memory, for the cpuUsage and memUsage self-metrics. */
  resources?: () => { cpuMicros: number; rssBytes: number }
  host?: string
  /** A stop asked for while starting (during the replay): the start ends with AbortedError, the log kept. */
  signal?: AbortSignal
  /** For tests of the daemon's own robustness: a point or CarbonLink query for this metric throws. */
  throwOnMetric?: string
  /** Seconds between sweeps of idle names and files (default SWEEP_SECONDS); tests of memory shorten it. */
  sweepSeconds?: number
  /** Give memory back to the system: called after sweeps that forgot many names (NameCache.sweep). */
  reclaimMemory?: () => void
}

export interface StopReport {
  written: number
  /** Points not written by the deadline: they stay in the write-ahead log (`wal`) for the next start. */
  left: number
  wal?: string
}

export interface Daemon {
  addresses: Partial<Record<'line' | 'udp' | 'pickle' | 'query' | 'http', AddressInfo>>
  /** Points received, written and held, and rejections by reason, since the start. */
  totals(): { received: number; written: number; cached: number; rejected: Record<string, number> }
  /** Re-read schemas, aggregation rules and lists; false (and the old rules kept) when they would stop carbon. */
  reload(): boolean
  /** Stop accepting and write everything; what the deadline (seconds) leaves stays in the WAL for the next start. */
  stop(options?: { timeoutSeconds?: number }): Promise<StopReport>
  /**
   * Something that cannot be survived happened: write and fsync the log as it is (synchronously),
   * keep it for the next start. The process is about to end.
   */
  abandon(): void
}

/** How often a rejection of one reason is logged: once, then a summary of the suppressed ones. */
const REJECT_LOG_SECONDS = 10
/** How often idle names are swept from the name cache (forgotten after two sweeps). */
const SWEEP_SECONDS = 60

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { settings } = options
  // Before anything is replayed or accepted: points the daemon could never write are not taken.
  checkWritableDirs([settings.storageDir, settings.dataDir])
  const clock = options.clock ?? (() => Date.now() / 1000)
  const emit = options.onEvent ?? (() => undefined)
  let config = options.config
  const counters: Counters = createCounters()
  // A bug costs what it was doing, is logged with its stack and counted; the daemon goes on.
  const fault: FaultReporter = (where, error) => {
    counters.errors++
    emit({ type: 'fault', ...faultOf(where, error) })
  }
  const totals = { received: 0, written: 0, rejected: new Map<string, number>() }
  const cache = new MetricCache({
    strategy: settings.writeStrategy,
    minTimestampLag: settings.minTimestampLag,
  })

  // Names: the raw name as sent -> the cache key (normalised) and its file, or why it is refused.
  const names = new NameCache({
    dataDir: settings.dataDir,
    tagHashFilenames: settings.tagHashFilenames,
    useWhitelist: settings.useWhitelist,
    config: () => config,
  })
  const resolve = (raw: string): Resolved => names.resolve(raw)

  const createSpec = (metric: string): CreateSpec => {
    const match = matchMetric(metric, config)
    return {
      archives: match.schema.archives.map((a) => [a.secondsPerPoint, a.points] as const),
      xFilesFactor: match.aggregation.xFilesFactor,
      aggregationMethod: match.aggregation.aggregationMethod,
      sparse: settings.sparseCreate,
      fallocate: settings.fallocateCreate,
    }
  }

  // Bad input and a full disk can come by the thousand: one line per kind per REJECT_LOG_SECONDS.
  const mayLog = logLimiter(clock, REJECT_LOG_SECONDS)
  const reject = (protocol: string, reason: string, detail: string, peer: string): void => {
    countRejected(counters, reason)
    totals.rejected.set(reason, (totals.rejected.get(reason) ?? 0) + 1)
    const suppressed = mayLog(`${protocol}:${reason}`)
    if (suppressed !== undefined) emit({ type: 'rejected', protocol, reason, detail, peer, suppressed })
  }

  // The write-ahead log: replayed at start whether or not it is on (what an earlier run left is never
  // ignored); appended to only when on.
  const walOn = settings.wal.enabled
  const wal = new WriteAheadLog({
    dir: path.join(settings.storageDir, WAL_DIR),
    sync: settings.wal.sync,
    maxBytes: settings.wal.maxBytes,
    onEvent: emit,
    onFlow: () => checkFlow(),
    onFault: fault,
  })

  // TCP receivers pause while the cache or the log is full (or the log's disk is): nothing is dropped.
  let receivers: Receiver[] = []
  let cachePaused = false
  let walPaused = false
  const full = (): boolean => cache.size >= settings.maxCacheSize
  const setPaused = (was: boolean, now: boolean): void => {
    if (was === now) return
    for (const r of receivers)
      if (now) r.pause()
      else r.resume()
  }
  const checkFlow = (): void => {
    const before = cachePaused || walPaused
    if (!cachePaused && full()) {
      cachePaused = true
      emit({ type: 'cache-full', size: cache.size })
    } else if (cachePaused && cache.size < settings.maxCacheSize * 0.95) {
      cachePaused = false
      emit({ type: 'cache-resumed', size: cache.size })
    }
    if (walPaused !== wal.holding) {
      walPaused = wal.holding
      emit({ type: walPaused ? 'wal-full' : 'wal-resumed', bytes: wal.bytes })
    }
    setPaused(before, cachePaused || walPaused)
  }

  const persister = new Persister({
    cache,
    workers: settings.writers,
    workerUrl: options.workerUrl,
    target: (metric) => ({
      path: names.pathOf(metric),
      createSpec: () => createSpec(metric),
    }),
    maxUpdatesPerSecond: settings.maxUpdatesPerSecond,
    maxCreatesPerMinute: settings.maxCreatesPerMinute,
    autoflush: settings.autoflush,
    clock,
    events: {
      written(metric, result, file) {
        if (result.created) {
          httpApi?.addMetric(metric)
          counters.creates++
          if (settings.logCreates) emit({ type: 'created', metric, path: file })
        }
        if (result.error !== undefined) {
          counters.errors++
          emit({ type: 'write-error', metric, path: file, message: result.error })
        } else {
          counters.committedPoints += result.committed
          counters.updateOperations++
          counters.updateSeconds += result.seconds ?? 0
          totals.written += result.committed
        }
        // The persister's progress is the log's checkpoint.
        const oldest = cache.oldestEpoch()
        wal.release(oldest)
        if (oldest === Infinity && walOn) wal.checkpoint()
        checkFlow()
      },
      deferred(metric, result, file) {
        counters.errors++
        const suppressed = mayLog('write-deferred')
        if (suppressed === undefined) return
        emit({
          type: 'write-deferred',
          metric,
          path: file,
          message: result.error ?? '',
          points: cache.size,
          suppressed,
        })
      },
      writerDied(writer, message, points) {
        counters.errors++
        emit({ type: 'writer-died', writer, message, points })
      },
      fault,
    },
  })
  const resolution = settings.minTimestampResolution
  const sink: ReceiverSink = {
    point(metric, value, timestamp) {
      const resolved = resolve(metric)
      if (resolved.reason !== null) {
        if (resolved.reason === 'blacklisted') counters.blacklistMatches++
        else if (resolved.reason === 'not-whitelisted') counters.whitelistRejects++
        reject('any', resolved.reason, resolved.detail, '')
        return
      }
      if (resolution > 0) timestamp = Math.floor(Math.trunc(timestamp) / resolution) * resolution
      if (walOn) wal.append((resolved.walName ??= encodeWalName(resolved.name)), timestamp, value)
      cache.storeVia(resolved, timestamp, value)
      counters.metricsReceived++
      totals.received++
      if (!cachePaused && full()) checkFlow()
      persister.schedule()
    },
    reject,
    full: () => {
      if (full()) {
        counters.cacheOverflow++
        return true
      }
      return walOn && wal.blocked()
    },
    acknowledge: walOn ? (done) => wal.barrier(done) : (done) => queueMicrotask(done),
    fault,
  }
  const throwOn = options.throwOnMetric
  if (throwOn !== undefined) {
    const point = sink.point
    sink.point = (metric, value, timestamp) => {
      if (metric === throwOn) throw new Error(`test hook: a point for ${metric}`)
      point(metric, value, timestamp)
    }
  }

  // Whatever the log holds comes back first, before anything is accepted: a crash lost nothing in it.
  const replayStarted = performance.now()
  const replay = await wal.replay(
    (segment, name, timestamp, value) => {
      cache.epoch = segment
      cache.store(name, timestamp, value)
    },
    (progress) => emit({ type: 'wal-replaying', ...progress }),
    options.signal,
  )
  if (replay.aborted) {
    // Nothing was opened or deleted: the next start replays the whole log again.
    wal.close({ discard: false })
    emit({ type: 'stopped-starting', wal: wal.dir })
    throw new AbortedError(`stopped while starting: the write-ahead log in ${wal.dir} is kept`)
  }
  counters.walReplayed = replay.points
  if (replay.segments > 0) {
    emit({
      type: 'wal-replayed',
      dir: wal.dir,
      points: replay.points,
      segments: replay.segments,
      bytes: replay.bytes,
      seconds: (performance.now() - replayStarted) / 1000,
    })
  }
  if (walOn) wal.open()
  // Points from now on go to a new segment (or, with no log, to none: the replayed ones still go once written).
  cache.epoch = wal.epoch

  // A dump left by a stop that ran out of time (or a replay that was interrupted) comes back first.
  const dumpFile = path.join(settings.storageDir, DUMP_FILE)
  const replaying = `${dumpFile}.replaying`
  let replayPending = false
  const replayed: DaemonEvent[] = []
  for (const file of [replaying, dumpFile]) {
    if (!fs.existsSync(file)) continue
    let points = 0
    for (const [metric, p] of readDump(file)) {
      for (let i = 0; i < p.count; i++) {
        const [timestamp, value] = [p.pairs[2 * i]!, p.pairs[2 * i + 1]!]
        cache.store(metric, timestamp, value)
        // With the log on, the dump's points move into it: one mechanism from here on.
        if (walOn) wal.append(encodeWalName(metric), timestamp, value)
      }
      points += p.count
    }
    if (file === dumpFile) fs.renameSync(dumpFile, fs.existsSync(replaying) ? `${replaying}.2` : replaying)
    replayPending = true
    replayed.push({ type: 'replayed', file, points })
  }
  if (walOn && replayPending) {
    wal.flush()
    wal.syncNow()
    for (const file of [replaying, `${replaying}.2`]) fs.rmSync(file, { force: true })
    replayPending = false
  }

  fs.mkdirSync(settings.dataDir, { recursive: true })
  persister.start()
  if (replayPending) {
    void persister.idle().then(() => {
      for (const file of [replaying, `${replaying}.2`]) fs.rmSync(file, { force: true })
    })
  }

  const now = (): number => clock()
  const started: Receiver[] = []
  let queryServer: QueryServer | undefined
  let httpApi: HttpApi | undefined
  const closeAll = async (): Promise<void> => {
    await Promise.all(started.map((r) => r.close()))
    await queryServer?.close()
    await httpApi?.close()
    await persister.stop()
    // Nothing received and nothing replayed: no log to keep.
    wal.close({ discard: cache.size === 0 && replay.points === 0 })
  }
  try {
    const interned = names.interner
    if (settings.line.port !== null)
      started.push(await startLineReceiver(settings.line, sink, { now, names: interned }))
    if (settings.udp.port !== null)
      started.push(await startUdpReceiver(settings.udp, sink, { now, names: interned }))
    if (settings.pickle.port !== null) {
      started.push(
        await startPickleReceiver(settings.pickle, sink, {
          now,
          maxFrameBytes: settings.pickleMaxLength,
          names: interned,
        }),
      )
    }
    if (settings.query.port !== null) {
      queryServer = await startQueryServer(
        settings.query,
        answer,
        (error, peer) => reject('carbonlink', 'bad-request', error, peer),
        fault,
      )
    }
    if (settings.http.port !== null) {
      httpApi = await startHttpApi({
        ...settings.http,
        port: settings.http.port,
        dataDir: settings.dataDir,
        cacheQuery: (metric) => cache.query(metric),
        clock,
        hostname: options.host,
        onError: (message) => emit({ type: 'http-error', message }),
      })
    }
  } catch (error) {
    await closeAll()
    throw error
  }
  receivers = started.filter((r) => r.protocol !== 'udp')

  function answer(request: CarbonLinkRequest): CarbonLinkResponse | Promise<CarbonLinkResponse> {
    switch (request.type) {
      case 'cache-query':
        if (request.metric === throwOn) throw new Error(`test hook: a query for ${request.metric}`)
        counters.cacheQueries++
        return { kind: 'datapoints', datapoints: cache.query(request.metric) }
      case 'cache-query-bulk':
        counters.cacheBulkQueries++
        counters.cacheBulkQueryMetrics += request.metrics.length
        return {
          kind: 'datapointsByMetric',
          datapointsByMetric: new Map(request.metrics.map((m) => [m, cache.query(m)])),
        }
      case 'get-metadata':
      case 'set-metadata': {
        if (request.key !== 'aggregationMethod') {
          return { kind: 'error', error: `Unsupported metadata key "${request.key}"` }
        }
        const file = resolve(request.metric)
        if (file.reason !== null) return { kind: 'error', error: `${request.metric}: ${file.reason}` }
        if (request.type === 'set-metadata') {
          // Rewritten on a writer thread: the event loop keeps receiving meanwhile.
          return persister.setAggregationMethod(file.path, String(request.value)).then((reply) => {
            if ('error' in reply) {
              if (reply.expected) return { kind: 'error', error: reply.error }
              throw new Error(reply.error)
            }
            return { kind: 'set-metadata', oldValue: reply.oldValue, newValue: reply.newValue }
          })
        }
        try {
          return { kind: 'value', value: readInfo(file.path).aggregationMethod }
        } catch (error) {
          if (error instanceof CoreError) return { kind: 'error', error: error.message }
          throw error
        }
      }
    }
  }

  // Self-metrics every CARBON_METRIC_INTERVAL, straight into the cache.
  const agent = agentPrefix(settings.carbonMetricPrefix, settings.instance, options.host)
  let previousCpu = options.resources?.().cpuMicros
  const selfMetrics =
    settings.carbonMetricInterval > 0
      ? setInterval(
          guard('self-metrics', fault, () => {
            const resources = options.resources?.()
            const stats = collectSelfMetrics(
              counters,
              {
                cacheSize: cache.size,
                cacheQueues: cache.metrics,
                activeConnections: receivers.reduce((n, r) => n + r.connections(), 0),
                cpuMicros: resources?.cpuMicros,
                rssBytes: resources?.rssBytes,
              },
              settings.carbonMetricInterval,
              previousCpu,
            )
            previousCpu = resources?.cpuMicros
            const timestamp = clock()
            for (const [stat, value] of stats) cache.store(`${agent}.${stat}`, timestamp, value)
            persister.schedule()
          }),
          settings.carbonMetricInterval * 1000,
        )
      : undefined
  selfMetrics?.unref()
  // Names and files not seen for two minutes are forgotten: memory follows the live metrics.
  const sweeper = setInterval(
    guard('name sweep', fault, () => {
      const reclaim = names.sweep()
      persister.sweep()
      if (reclaim) persister.recycleIdleWriters()
      if (reclaim) options.reclaimMemory?.()
    }),
    (options.sweepSeconds ?? SWEEP_SECONDS) * 1000,
  )
  sweeper.unref()

  const addresses: Daemon['addresses'] = {}
  for (const r of started) addresses[r.protocol] = r.address
  if (queryServer) addresses.query = queryServer.address
  if (httpApi) addresses.http = httpApi.address
  emit({
    type: 'listening',
    addresses: Object.entries(addresses).map(([protocol, a]) => ({
      protocol,
      address: a.address,
      port: a.port,
    })),
    dataDir: settings.dataDir,
  })
  for (const event of replayed) emit(event)
  for (const message of options.warnings ?? []) emit({ type: 'config-warning', message })
  if (cache.size > 0) persister.schedule()

  /** What is not written stays in the log (with --no-wal, it is written to one now) for the next start. */
  const keepInLog = (): number => {
    if (!walOn) {
      wal.open()
      for (const [metric, p] of cache.unwritten()) {
        const name = encodeWalName(metric)
        for (let i = 0; i < p.count; i++) wal.append(name, p.pairs[2 * i]!, p.pairs[2 * i + 1]!)
      }
    }
    let left = 0
    for (const [, p] of cache.unwritten()) left += p.count
    wal.close({ discard: false })
    return left
  }

  let stopping: Promise<StopReport> | undefined
  return {
    addresses,
    totals: () => ({
      received: totals.received,
      written: totals.written,
      cached: cache.size,
      rejected: Object.fromEntries(totals.rejected),
    }),
    reload() {
      if (!options.reloadConfig) {
        emit({ type: 'reload-failed', message: 'started without --config: there are no rules to read again' })
        return false
      }
      let next: ConfigSet
      try {
        next = options.reloadConfig()
      } catch (error) {
        emit({ type: 'reload-failed', message: (error as Error).message })
        return false
      }
      const failure = startupFailure(next)
      if (failure) {
        emit({ type: 'reload-failed', message: `${failure.file}:${failure.line}: ${failure.message}` })
        return false
      }
      config = next
      names.forgetAll()
      emit({ type: 'reloaded' })
      return true
    },
    abandon() {
      keepInLog()
    },
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        if (selfMetrics) clearInterval(selfMetrics)
        clearInterval(sweeper)
        emit({ type: 'stopping', cached: cache.size })
        await Promise.all(started.map((r) => r.close()))
        const timeout = stopOptions.timeoutSeconds
        const flushed = persister.flushAll(settings.maxUpdatesPerSecondOnShutdown)
        const done =
          timeout === undefined
            ? await flushed.then(() => true)
            : await Promise.race([
                flushed.then(() => true),
                new Promise<boolean>((r) => setTimeout(() => r(false), timeout * 1000).unref()),
              ])
        const report: StopReport = { written: totals.written, left: 0 }
        if (done) {
          wal.close({ discard: true })
        } else {
          report.left = keepInLog()
          report.wal = wal.dir
          for (const file of [replaying, `${replaying}.2`]) fs.rmSync(file, { force: true })
        }
        await persister.stop()
        await queryServer?.close()
        await httpApi?.close()
        report.written = totals.written
        emit({ type: 'stopped', ...report })
        return report
      })()
      return stopping
    },
  }
}
