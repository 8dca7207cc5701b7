// CarbonLink's answers (query-server.ts speaks the protocol; this decides what to say): cached points
// for graphite-web's cache queries, and a file's aggregation method read or changed, as carbon-cache's
// CacheManagementHandler does. Names go through the daemon's name cache, so a black/whitelisted or bad
// name gets an error reply, never a file outside the data directory.

import { CoreError } from '../errors.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from '../protocol/carbonlink.js'
import { readInfo } from '../whisper/info.js'
import type { Counters } from './instrumentation.js'
import type { Resolved } from './name-cache.js'
import type { QueryHandler } from './query-server.js'

/** The outcome of a set-metadata on a writer thread (Persister.setAggregationMethod). */
export type MetadataChange =
  | { oldValue: string; newValue: string }
  | { error: string; /** A CoreError (a missing file, a bad method), not a bug. */ expected: boolean }

export interface CarbonLinkHandlerOptions {
  /** The points the cache holds for a metric (MetricCache.query). */
  query: (metric: string) => [number, number][]
  /** A name as sent -> its file, or why it is refused (NameCache.resolve). */
  resolve: (raw: string) => Pick<Resolved, 'path' | 'reason'>
  /** Rewrite a file's aggregation method off the event loop (Persister.setAggregationMethod). */
  setAggregationMethod: (file: string, aggregationMethod: string) => Promise<MetadataChange>
  counters: Pick<Counters, 'cacheQueries' | 'cacheBulkQueries' | 'cacheBulkQueryMetrics'>
  /** For tests of the daemon's own robustness: a cache query for this metric throws. */
  throwOnMetric?: string
}

/**
 * The daemon's CarbonLink handler. A bug (an unexpected error from a writer thread, the test hook)
 * throws or rejects: the query server turns that into an error reply and a fault.
 */
export function carbonLinkHandler(options: CarbonLinkHandlerOptions): QueryHandler {
  const { query, resolve, counters, throwOnMetric } = options
  return (request: CarbonLinkRequest): CarbonLinkResponse | Promise<CarbonLinkResponse> => {
    switch (request.type) {
      case 'cache-query':
        if (request.metric === throwOnMetric) throw new Error(`test hook: a query for ${request.metric}`)
        counters.cacheQueries++
        return { kind: 'datapoints', datapoints: query(request.metric) }
      case 'cache-query-bulk':
        counters.cacheBulkQueries++
        counters.cacheBulkQueryMetrics += request.metrics.length
        return {
          kind: 'datapointsByMetric',
          datapointsByMetric: new Map(request.metrics.map((m) => [m, query(m)])),
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
          return options.setAggregationMethod(file.path, String(request.value)).then((reply) => {
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
}
