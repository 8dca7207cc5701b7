// carbon-cache's self-metrics, collected: every CARBON_METRIC_INTERVAL the counters of the interval
// (instrumentation.ts says which, in carbon's names) and the gauges of the moment are stored straight
// into the cache as <prefix>.agents.<host>-<instance>.<stat>, and written like any other metric. They
// are not in the write-ahead log (nobody sent them, nobody waits for an acknowledgement): a crash
// loses those not yet written, as carbon loses its whole cache.

import type { FaultReporter } from './faults.js'
import { guard } from './faults.js'
import type { Counters } from './instrumentation.js'
import { agentPrefix, collectSelfMetrics } from './instrumentation.js'

export interface SelfMetricsOptions {
  /** CARBON_METRIC_PREFIX. */
  prefix: string
  instance: string
  /** The host name in the prefix (default: the machine's). */
  host?: string
  /** CARBON_METRIC_INTERVAL, seconds; 0 or less: never collected. */
  intervalSeconds: number
  /** The daemon's counters, reset at each collection. */
  counters: Counters
  cache: {
    readonly size: number
    readonly metrics: number
    store(metric: string, timestamp: number, value: number): void
  }
  /** Connections open now, over every receiver. */
  connections: () => number
  /** Process CPU time and resident memory, for cpuUsage and memUsage. */
  resources?: () => { cpuMicros: number; rssBytes: number }
  /** Seconds since the epoch (the metrics' timestamp). */
  clock: () => number
  /** Points were stored: let the persister know (Persister.schedule). */
  stored: () => void
  fault: FaultReporter
}

export class SelfMetrics {
  /** <prefix>.agents.<host>-<instance> */
  readonly agent: string
  private previousCpu: number | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly options: SelfMetricsOptions) {
    this.agent = agentPrefix(options.prefix, options.instance, options.host)
    // cpuUsage is the CPU time of one interval: the first one counts from here.
    this.previousCpu = options.resources?.().cpuMicros
  }

  /** One interval's metrics, stored in the cache; the counters start again from zero. */
  collect(): void {
    const { options } = this
    const resources = options.resources?.()
    const stats = collectSelfMetrics(
      options.counters,
      {
        cacheSize: options.cache.size,
        cacheQueues: options.cache.metrics,
        activeConnections: options.connections(),
        cpuMicros: resources?.cpuMicros,
        rssBytes: resources?.rssBytes,
      },
      options.intervalSeconds,
      this.previousCpu,
    )
    this.previousCpu = resources?.cpuMicros
    const timestamp = options.clock()
    for (const [stat, value] of stats) options.cache.store(`${this.agent}.${stat}`, timestamp, value)
    options.stored()
  }

  /** Collect every interval (the timer does not keep the process alive), unless the interval is 0 or less. */
  start(): void {
    const seconds = this.options.intervalSeconds
    if (seconds <= 0 || this.timer) return
    this.timer = setInterval(
      guard('self-metrics', this.options.fault, () => this.collect()),
      seconds * 1000,
    )
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
