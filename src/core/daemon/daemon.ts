// carbon serve: receivers -> cache -> persister (writer threads) -> whisper files, with CarbonLink
// answering from the cache. The stages know only callbacks; the daemon wires them, counts, logs
// through onEvent, and owns the lifecycle: start (startup-replay.ts: the write-ahead log, and a
// shutdown dump left by an older version), reload (schemas, aggregation rules and lists; the old ones
// stay if the new ones would stop carbon), stop (stop accepting, write the whole cache, or leave what
// the deadline leaves in the write-ahead log for the next start). What each part decides lives in its
// own file: names (name-cache.ts), flow control (flow-control.ts), CarbonLink's answers
// (carbonlink-handler.ts), self-metrics (self-metrics.ts), events (events.ts). See README.md for the
// invariants.

import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { matchMetric, startupFailure } from '../config/match.js'
import type { ConfigSet } from '../config/match.js'
import { MetricCache } from './cache.js'
import { carbonLinkHandler } from './carbonlink-handler.js'
import { checkpointAfterWrite, followSegments } from './checkpoint.js'
import type { DaemonEvent, StopReport } from './events.js'
import { FlowControl } from './flow-control.js'
import type { Counters } from './instrumentation.js'
import { countRejected, createCounters } from './instrumentation.js'
import { logLimiter } from './log-limit.js'
import type { Resolved } from './name-cache.js'
import { NameCache } from './name-cache.js'
import type { CreateSpec } from './persister.js'
import { Persister } from './persister.js'
import type { AdminJobReply } from '../http/admin-jobs.js'
import type { HttpApi } from '../http/server.js'
import { startHttpApi } from '../http/server.js'
import type { QueryServer } from './query-server.js'
import { startQueryServer } from './query-server.js'
import type { Receiver, ReceiverSink } from './receiver.js'
import { startLineReceiver, startPickleReceiver, startUdpReceiver } from './receiver.js'
import type { DaemonSettings } from './daemon-settings.js'
import { checkWritableDirs } from './storage.js'
import type { FaultReporter } from './faults.js'
import { faultOf, guard } from './faults.js'
import { RECLAIM_QUIET_MS, ReclaimPolicy } from './reclaim.js'
import { SelfMetrics } from './self-metrics.js'
import { createReceiverSink } from './sink.js'
import { replayLegacyDump, replayWal } from './startup-replay.js'
import { WAL_DIR, WriteAheadLog, encodeWalName } from './wal.js'
import type { WarmUpReport } from './warm-up.js'
import { warmUpReceivePath } from './warm-up.js'
import { AbortedError } from '../errors.js'

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
  /** The plaintext parser thread's script (parser-worker.ts); without it, lines are parsed on the main thread. */
  parserWorkerUrl?: URL
  /** Process CPU time and resident memory, for the cpuUsage and memUsage self-metrics. */
  resources?: () => { cpuMicros: number; rssBytes: number }
  host?: string
  /** A stop asked for while starting (during the replay): the start ends with AbortedError, the log kept. */
  signal?: AbortSignal
  /** The warm-up of the plaintext receive path before listening (warm-up.ts): false, none; a function is told what it did. */
  warmUp?: false | ((report: WarmUpReport) => void)
  /** For tests of the daemon's own robustness: a point or CarbonLink query for this metric throws. */
  throwOnMetric?: string
  /** Seconds between sweeps of idle names and files (default SWEEP_SECONDS); tests of memory shorten it. */
  sweepSeconds?: number
  /** Milliseconds between judgements of the writers' wait for a CPU (writer-pace.ts; default 10 s); tests shorten it. */
  writerPaceMs?: number
  /** Give memory back to the system: called after sweeps that forgot many names and files (reclaim.ts). */
  reclaimMemory?: () => void
  /** The HTTP API's admin part (--admin-token-file); off without it. */
  admin?: { token: string; maxUploadBytes: number; version: string; peers?: readonly string[] }
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
    onFlow: () => flow.check(),
    // Points stored from now on are in this segment or a later one (the checkpoint's lower bound).
    onSegment: followSegments(cache),
    onFault: fault,
  })

  // TCP receivers pause while the cache or the log is full (or the log's disk is): nothing is dropped.
  const flow = new FlowControl({
    cache,
    maxCacheSize: settings.maxCacheSize,
    wal,
    walOn,
    onEvent: emit,
    onOverflow: () => counters.cacheOverflow++,
  })

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
    paceMs: options.writerPaceMs,
    events: {
      written(metric, result, file) {
        httpApi?.metricWritten(metric)
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
        checkpointAfterWrite(cache, wal, walOn, parsing())
        flow.check()
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
      pace(yielding, waited) {
        emit({ type: 'writer-pace', yielding, waited, seconds: (options.writerPaceMs ?? 10_000) / 1000 })
      },
      fault,
    },
  })
  const resolution = settings.minTimestampResolution
  const sink: ReceiverSink = createReceiverSink({
    cache,
    wal: walOn ? wal : undefined,
    counters,
    totals,
    flow,
    persister,
    names,
    reject,
    fault,
    resolution,
  })
  const throwOn = options.throwOnMetric
  if (throwOn !== undefined) {
    const point = sink.point
    // Every point goes through point(), where the hook is.
    delete sink.resolve
    delete sink.storeVia
    delete sink.stored
    sink.point = (metric, value, timestamp) => {
      if (metric === throwOn) throw new Error(`test hook: a point for ${metric}`)
      point(metric, value, timestamp)
    }
  }

  // Whatever the log holds comes back first, before anything is accepted: a crash lost nothing in it.
  const replay = await replayWal({
    wal,
    cache,
    onEvent: emit,
    signal: options.signal,
    // As a receiver hands it on (what it refused then, and counted, is refused again silently).
    storeAsSent: (name, timestamp, value) => {
      const resolved = resolve(name)
      if (resolved.reason !== null) return
      if (resolution > 0) timestamp = Math.floor(Math.trunc(timestamp) / resolution) * resolution
      cache.storeVia(resolved, timestamp, value)
    },
  })
  counters.walReplayed = replay.points
  if (walOn) wal.open()
  // Points from now on go to a new segment (or, with no log, to none: the replayed ones still go once written).
  cache.epoch = wal.epoch
  // A dump left by an earlier version comes back next (with the log on, it moves into it).
  const dump = replayLegacyDump({ storageDir: settings.storageDir, cache, wal, walOn })

  fs.mkdirSync(settings.dataDir, { recursive: true })
  persister.start()
  if (dump.pending) void persister.idle().then(() => dump.remove())

  const now = (): number => clock()
  const started: Receiver[] = []
  // The lowest log segment of lines read and still being parsed (a segment is kept until they are cached).
  const parsing = (): number => {
    let oldest = Infinity
    for (const r of started) if (r.oldestEpoch) oldest = Math.min(oldest, r.oldestEpoch())
    return oldest
  }
  let queryServer: QueryServer | undefined
  let httpApi: HttpApi | undefined
  /** A churn's reclaim came before the index's next walk (onWalked below). */
  let reclaimAfterWalk = false
  const closeAll = async (): Promise<void> => {
    await Promise.all(started.map((r) => r.close()))
    await queryServer?.close()
    await httpApi?.close()
    await persister.stop()
    // Nothing received and nothing replayed: no log to keep.
    wal.close({ discard: cache.size === 0 && replay.points === 0 })
  }
  try {
    // The plaintext receive path, warmed up before anything listens (warm-up.ts): a first burst is
    // then not accepted while V8 compiles it. Throwaway parts: nothing of it is kept.
    if (settings.line.port !== null && options.parserWorkerUrl !== undefined && options.warmUp !== false) {
      // A bug in it costs the warm-up only (a fault logged), never the start.
      const report = await warmUpReceivePath({ settings, config, clock, signal: options.signal }).catch(
        (error: unknown) => {
          if (error instanceof AbortedError) throw error
          fault('start-up warm-up', error)
        },
      )
      if (report) options.warmUp?.(report)
    }
    const interned = names.interner
    if (settings.line.port !== null)
      started.push(
        await startLineReceiver(settings.line, sink, {
          now,
          names: interned,
          parserWorkerUrl: options.parserWorkerUrl,
          collect: options.reclaimMemory !== undefined,
        }),
      )
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
        carbonLinkHandler({
          query: (metric) => cache.query(metric),
          resolve,
          setAggregationMethod: (file, method) => persister.setAggregationMethod(file, method),
          counters,
          throwOnMetric: throwOn,
        }),
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
        // The index built by a walk after a churn of names replaces the one the churn grew name by
        // name, spread over the heap between the cache's dead objects: give that heap back.
        onWalked: () => {
          if (!reclaimAfterWalk || stopping) return
          reclaimAfterWalk = false
          options.reclaimMemory?.()
        },
        admin: options.admin && {
          ...options.admin,
          instance: settings.instance,
          fsync: settings.autoflush,
          locate: (name) => names.locate(name),
          // A write under way finishes first: what it writes is then the file's, deleted with it.
          dropCached: async (keys, unlessCached) => {
            // Lines logged before the delete and still on the parser thread are stored first, and
            // none is read meanwhile: the drop then takes exactly what the replay drops before the
            // tombstone.
            const resumes = await Promise.all(started.map((r) => r.quiesce?.()))
            try {
              // A write under way finishes first: what it writes is then the file's, deleted with it.
              while (keys.some((key) => cache.inflightHas(key)))
                await new Promise((resolve) => setTimeout(resolve, 5))
              // Tombstones in the same turn: a crash's replay drops what the log holds of them (README.md).
              return keys.map((key, k) => {
                if (unlessCached?.[k] === true) {
                  const held = cache.query(key).length
                  if (held > 0) return { kept: held }
                }
                if (walOn) wal.appendDeleted(key)
                return cache.drop(key)
              })
            } finally {
              for (const resume of resumes) resume?.()
            }
          },
          logged: walOn ? () => new Promise<void>((resolve) => wal.barrier(resolve)) : undefined,
          runJob: (job, transfer) => persister.runOnWriter(job, transfer) as Promise<AdminJobReply>,
        },
      })
    }
  } catch (error) {
    await closeAll()
    if (error instanceof AbortedError) emit({ type: 'stopped-starting', wal: wal.dir })
    throw error
  }
  // The TCP ones: they can wait, and their connections are counted.
  const receivers = started.filter((r) => r.protocol !== 'udp')
  flow.attach(receivers)

  // Self-metrics every CARBON_METRIC_INTERVAL, straight into the cache.
  const selfMetrics = new SelfMetrics({
    prefix: settings.carbonMetricPrefix,
    instance: settings.instance,
    host: options.host,
    intervalSeconds: settings.carbonMetricInterval,
    counters,
    cache,
    connections: () => receivers.reduce((n, r) => n + r.connections(), 0),
    resources: options.resources,
    clock,
    stored: () => persister.schedule(),
    fault,
  })
  selfMetrics.start()
  // Names and files not seen for two minutes are forgotten: memory follows the live metrics.
  const reclaim = new ReclaimPolicy()
  const sweeper = setInterval(
    guard('name sweep', fault, () => {
      // Names forget a metric two sweeps after its last point, files two sweeps after its last
      // write (much later when writes lag): both count, so the reclaim follows the last write.
      const forgotten = names.sweep() + persister.sweep()
      for (const r of started) r.sweep?.(names.size)
      if (reclaim.swept(forgotten)) {
        options.reclaimMemory?.()
        reclaimAfterWalk = true
        // Once the churn is over (a sweep forgot nothing), the last reclaim waits for a quiet spell:
        // a collection shrinks a young generation grown by the burst only then (reclaim.ts).
        const settled = forgotten === 0
        const quiet = new Promise((resolve) => setTimeout(resolve, settled ? RECLAIM_QUIET_MS : 0).unref())
        // Once the old writers have exited and the parser thread has collected its heap (a thread's
        // heap is never collected while it is idle), what they freed is given back too.
        void quiet
          .then(async () => {
            if (stopping) return
            await Promise.all([persister.recycleIdleWriters(), ...started.map((r) => r.reclaim?.())])
            if (stopping) return
            options.reclaimMemory?.()
            // Said once done: a test of memory measures then, not after a guessed delay.
            emit({ type: 'reclaimed', names: names.size, files: persister.files, settled })
          })
          .catch(fault.bind(null, 'name sweep'))
      }
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
  for (const event of dump.events) emit(event)
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
        selfMetrics.stop()
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
          dump.remove()
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
