// carbon-cache's self-metrics: counters reset every CARBON_METRIC_INTERVAL and stored straight into
// the cache as <prefix>.agents.<host>-<instance>.<stat> (carbon's names), plus a counter per reason
// for rejected input (carbonkit's own: rejected.<reason>).

import os from 'node:os'

export interface Counters {
  metricsReceived: number
  committedPoints: number
  updateOperations: number
  updateSeconds: number
  creates: number
  droppedCreates: number
  errors: number
  cacheOverflow: number
  cacheQueries: number
  cacheBulkQueries: number
  cacheBulkQueryMetrics: number
  blacklistMatches: number
  whitelistRejects: number
  /** Points replayed from the write-ahead log at start. */
  walReplayed: number
  /** Input refused, by reason (invalid-line, bad-name, invalid-utf8, line-too-long, bad-pickle...). */
  rejected: Map<string, number>
}

export function createCounters(): Counters {
  return {
    metricsReceived: 0,
    committedPoints: 0,
    updateOperations: 0,
    // A double from the start (-0 is not a small integer): the first write's fraction would
    // otherwise change the object's shape in the middle of the first burst, and V8 would throw away
    // the receive path's optimised code that counts metricsReceived on it.
    updateSeconds: -0,
    creates: 0,
    droppedCreates: 0,
    errors: 0,
    cacheOverflow: 0,
    cacheQueries: 0,
    cacheBulkQueries: 0,
    cacheBulkQueryMetrics: 0,
    blacklistMatches: 0,
    whitelistRejects: 0,
    walReplayed: 0,
    rejected: new Map(),
  }
}

export function countRejected(counters: Counters, reason: string, n = 1): void {
  counters.rejected.set(reason, (counters.rejected.get(reason) ?? 0) + n)
}

export interface Gauges {
  cacheSize: number
  cacheQueues: number
  activeConnections: number
  /** Process CPU time in microseconds since start, and resident memory in bytes. */
  cpuMicros?: number
  rssBytes?: number
}

/** The metric prefix: carbon.agents.<host with dots as _>-<instance>. */
export function agentPrefix(prefix: string, instance: string, host = os.hostname()): string {
  return `${prefix}.agents.${host.replaceAll('.', '_')}-${instance}`
}

/**
 * The self-metrics of one interval, as (name, value) pairs in carbon's order, and the counters reset.
 * `previousCpuMicros` is the CPU time at the last interval (for cpuUsage).
 */
export function collectSelfMetrics(
  counters: Counters,
  gauges: Gauges,
  intervalSeconds: number,
  previousCpuMicros: number | undefined,
): [string, number][] {
  const out: [string, number][] = [
    ['metricsReceived', counters.metricsReceived],
    ['committedPoints', counters.committedPoints],
    ['updateOperations', counters.updateOperations],
  ]
  if (counters.committedPoints > 0 && counters.updateOperations > 0) {
    out.push(['pointsPerUpdate', counters.committedPoints / counters.updateOperations])
  }
  if (counters.updateOperations > 0)
    out.push(['avgUpdateTime', counters.updateSeconds / counters.updateOperations])
  out.push(
    ['creates', counters.creates],
    ['droppedCreates', counters.droppedCreates],
    ['errors', counters.errors],
    ['cache.size', gauges.cacheSize],
    ['cache.queues', gauges.cacheQueues],
    ['cache.overflow', counters.cacheOverflow],
    ['cache.queries', counters.cacheQueries],
    ['cache.bulk_queries', counters.cacheBulkQueries],
  )
  if (counters.cacheBulkQueries > 0) {
    out.push(['cache.bulk_queries_average_size', counters.cacheBulkQueryMetrics / counters.cacheBulkQueries])
  }
  out.push(
    ['activeConnections', gauges.activeConnections],
    ['blacklistMatches', counters.blacklistMatches],
    ['whitelistRejects', counters.whitelistRejects],
  )
  if (gauges.cpuMicros !== undefined && previousCpuMicros !== undefined) {
    out.push(['cpuUsage', ((gauges.cpuMicros - previousCpuMicros) / 1e6 / intervalSeconds) * 100])
  }
  if (gauges.rssBytes !== undefined) out.push(['memUsage', gauges.rssBytes])
  if (counters.walReplayed > 0) out.push(['walReplayed', counters.walReplayed])
  for (const [reason, n] of counters.rejected) out.push([`rejected.${reason}`, n])
  Object.assign(counters, createCounters())
  return out
}
