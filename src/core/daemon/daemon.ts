// carbon serve: receivers -> cache -> persister (writer threads) -> whisper files, with CarbonLink
// answering from the cache. The stages know only callbacks; the daemon wires them, counts, logs
// through onEvent, and owns the lifecycle: start (replaying a shutdown dump), reload (schemas,
// aggregation rules and lists; the old ones stay if the new ones would stop carbon), stop (stop
// accepting, write the whole cache, or dump what the deadline leaves and replay it next time).

import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { CoreError } from '../errors.js'
import { listVerdict, matchMetric, startupFailure } from '../config/match.js'
import type { ConfigSet } from '../config/match.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from '../protocol/carbonlink.js'
import { NameInterner } from '../protocol/intern.js'
import { parseTaggedSeries } from '../protocol/tags.js'
import { readInfo } from '../whisper/info.js'
import { setAggregationMethod } from '../whisper/set-aggregation.js'
import type { QueueHandle } from './cache.js'
import { MetricCache } from './cache.js'
import { DUMP_FILE, readDump, writeDump } from './dump.js'
import type { Counters } from './instrumentation.js'
import { agentPrefix, collectSelfMetrics, countRejected, createCounters } from './instrumentation.js'
import { logLimiter } from './log-limit.js'
import { metricFile } from './names.js'
import type { CreateSpec } from './persister.js'
import { Persister } from './persister.js'
import type { HttpApi } from '../http/server.js'
import { startHttpApi } from '../http/server.js'
import type { QueryServer } from './query-server.js'
import { startQueryServer } from './query-server.js'
import type { Receiver, ReceiverSink } from './receiver.js'
import { startLineReceiver, startPickleReceiver, startUdpReceiver } from './receiver.js'
import type { DaemonSettings } from './settings.js'

export type DaemonEvent =
  | { type: 'config-warning'; message: string }
  | { type: 'listening'; addresses: { protocol: string; address: string; port: number }[]; dataDir: string }
  | { type: 'replayed'; file: string; points: number }
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
  | { type: 'stopped'; written: number; dumped: number; dumpFile?: string }

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
}

export interface StopReport {
  written: number
  dumped: number
  dumpFile?: string
}

export interface Daemon {
  addresses: Partial<Record<'line' | 'udp' | 'pickle' | 'query' | 'http', AddressInfo>>
  /** Points received, written and held, and rejections by reason, since the start. */
  totals(): { received: number; written: number; cached: number; rejected: Record<string, number> }
  /** Re-read schemas, aggregation rules and lists; false (and the old rules kept) when they would stop carbon. */
  reload(): boolean
  /** Stop accepting and write everything; what the deadline (seconds) leaves is dumped and replayed next start. */
  stop(options?: { timeoutSeconds?: number }): Promise<StopReport>
}

/** How often a rejection of one reason is logged: once, then a summary of the suppressed ones. */
const REJECT_LOG_SECONDS = 10

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { settings } = options
  const clock = options.clock ?? (() => Date.now() / 1000)
  const emit = options.onEvent ?? (() => undefined)
  let config = options.config
  const counters: Counters = createCounters()
  const totals = { received: 0, written: 0, rejected: new Map<string, number>() }
  const cache = new MetricCache({
    strategy: settings.writeStrategy,
    minTimestampLag: settings.minTimestampLag,
  })

  // Names: the raw name as sent -> the cache key (normalised) and its file, or why it is refused.
  // One shape for every answer (the hot path reads it per point): `reason` null means accepted.
  interface Resolved extends QueueHandle {
    name: string
    path: string
    reason: string | null
    detail: string
  }
  let names = new Map<string, Resolved>()
  // The receivers' names: the answer rides on the name just read, so most points skip the Map.
  const interner = new NameInterner<Resolved>()
  const targets = new Map<string, string>()
  const resolve = (raw: string): Resolved => {
    const attached = interner.valueOfLast(raw)
    if (attached !== undefined) return attached
    const known = names.get(raw)
    if (known !== undefined) {
      interner.attachToLast(raw, known)
      return known
    }
    const parsed =
      raw.includes(';') || raw.includes('{') || raw.startsWith('~') ? parseTaggedSeries(raw) : undefined
    const name = parsed?.ok ? parsed.series.path : raw
    const lists = settings.useWhitelist ? listVerdict(config, raw) : undefined
    let resolved: Resolved
    if (lists && !lists.accepted) {
      const reason = lists.blacklistedBy ? 'blacklisted' : 'not-whitelisted'
      resolved = { name, path: '', reason, detail: raw, queue: undefined }
    } else {
      const file = metricFile(name, settings.dataDir, settings.tagHashFilenames)
      resolved = file.ok
        ? { name, path: file.path, reason: null, detail: '', queue: undefined }
        : {
            name,
            path: '',
            reason: 'bad-name',
            detail: `${JSON.stringify(raw)}: ${file.reason}`,
            queue: undefined,
          }
    }
    if (names.size >= 1_000_000) {
      names = new Map()
      interner.detachAll()
    }
    names.set(raw, resolved)
    interner.attachToLast(raw, resolved)
    if (resolved.reason === null) targets.set(resolved.name, resolved.path)
    return resolved
  }

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

  let receivers: Receiver[] = []
  let paused = false
  const full = (): boolean => cache.size >= settings.maxCacheSize
  const checkFlow = (): void => {
    if (!paused && full()) {
      paused = true
      for (const r of receivers) r.pause()
      emit({ type: 'cache-full', size: cache.size })
    } else if (paused && cache.size < settings.maxCacheSize * 0.95) {
      paused = false
      for (const r of receivers) r.resume()
      emit({ type: 'cache-resumed', size: cache.size })
    }
  }

  const persister = new Persister({
    cache,
    workers: settings.writers,
    workerUrl: options.workerUrl,
    target: (metric) => ({
      path: targets.get(metric) ?? resolvePath(metric),
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
    },
  })
  // Self-metrics and replayed names come without a receiver: their files are found the same way.
  function resolvePath(metric: string): string {
    const file = metricFile(metric, settings.dataDir, settings.tagHashFilenames)
    const found = file.ok ? file.path : path.join(settings.dataDir, 'carbonkit-unwritable.wsp')
    targets.set(metric, found)
    return found
  }

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
      cache.storeVia(resolved, timestamp, value)
      counters.metricsReceived++
      totals.received++
      if (!paused && full()) checkFlow()
      persister.schedule()
    },
    reject,
    full: () => {
      if (!full()) return false
      counters.cacheOverflow++
      return true
    },
  }

  // A dump left by a stop that ran out of time (or a replay that was interrupted) comes back first.
  const dumpFile = path.join(settings.storageDir, DUMP_FILE)
  const replaying = `${dumpFile}.replaying`
  let replayPending = false
  const replayed: DaemonEvent[] = []
  for (const file of [replaying, dumpFile]) {
    if (!fs.existsSync(file)) continue
    let points = 0
    for (const [metric, p] of readDump(file)) {
      for (let i = 0; i < p.count; i++) cache.store(metric, p.pairs[2 * i]!, p.pairs[2 * i + 1]!)
      points += p.count
    }
    if (file === dumpFile) fs.renameSync(dumpFile, fs.existsSync(replaying) ? `${replaying}.2` : replaying)
    replayPending = true
    replayed.push({ type: 'replayed', file, points })
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
  }
  try {
    const names = interner
    if (settings.line.port !== null)
      started.push(await startLineReceiver(settings.line, sink, { now, names }))
    if (settings.udp.port !== null) started.push(await startUdpReceiver(settings.udp, sink, { now, names }))
    if (settings.pickle.port !== null) {
      started.push(
        await startPickleReceiver(settings.pickle, sink, {
          now,
          maxFrameBytes: settings.pickleMaxLength,
          names,
        }),
      )
    }
    if (settings.query.port !== null) {
      queryServer = await startQueryServer(settings.query, answer, (error, peer) =>
        reject('carbonlink', 'bad-request', error, peer),
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

  function answer(request: CarbonLinkRequest): CarbonLinkResponse {
    switch (request.type) {
      case 'cache-query':
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
        try {
          if (request.type === 'get-metadata')
            return { kind: 'value', value: readInfo(file.path).aggregationMethod }
          const change = setAggregationMethod(file.path, String(request.value))
          return {
            kind: 'set-metadata',
            oldValue: change.old.aggregationMethod,
            newValue: change.new.aggregationMethod,
          }
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
      ? setInterval(() => {
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
        }, settings.carbonMetricInterval * 1000)
      : undefined
  selfMetrics?.unref()

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
      names = new Map()
      interner.detachAll()
      emit({ type: 'reloaded' })
      return true
    },
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        if (selfMetrics) clearInterval(selfMetrics)
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
        const report: StopReport = { written: totals.written, dumped: 0 }
        if (!done) {
          report.dumped = writeDump(dumpFile, cache.unwritten())
          report.dumpFile = dumpFile
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
