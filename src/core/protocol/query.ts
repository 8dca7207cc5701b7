// `carbon query`'s core: ask a carbon-cache (CarbonLink, port 7002) which points it holds in memory
// for some metrics, and optionally their aggregation method (get-metadata), on one connection.

import { MalformedInputError } from '../errors.js'
import type { CachedPoint, CarbonLinkRequest, CarbonLinkResponse } from './carbonlink.js'
import type { ConnectionOptions, Endpoint } from './client.js'
import { exchangeCarbonLink, formatEndpoint } from './client.js'

/** carbon's CACHE_QUERY_PORT. */
export const CARBONLINK_PORT = 7002
/** The one metadata key carbon's whisper backend answers. */
export const METADATA_KEY = 'aggregationMethod'

export interface QueryOptions extends Endpoint, ConnectionOptions {
  /** Also ask for each metric's aggregationMethod (get-metadata; it reads the whisper file). */
  metadata?: boolean
}

export interface QueriedMetric {
  metric: string
  /** The cached points, sorted by timestamp (carbon returns them in arrival order). */
  datapoints: CachedPoint[]
  /** With `metadata`: the answer, or null when the server answered with an error. */
  aggregationMethod?: string | null
  /** With `metadata`: the last line of the server's error (a missing file, usually). */
  metadataError?: string
  /** With a data directory (see addPointsOnDisk): what its whisper file holds. */
  onDisk?: OnDisk
}

export interface OnDisk {
  /** The metric's whisper file (null when the name cannot be one). */
  file: string | null
  /** The newest point of its finest archive: [timestamp, value], or null. */
  latest: [number, number] | null
  /** Why there is no point: no such file, a corrupt file, a name that cannot be a file. */
  error?: string
}

export interface QueryResult {
  schemaVersion: 1
  server: string
  /** With a data directory: where the whisper files were read. */
  dataDir?: string
  metrics: QueriedMetric[]
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  return lines[lines.length - 1]!.trim()
}

function points(response: CarbonLinkResponse, server: string, metric: string): CachedPoint[] {
  if (response.kind === 'error')
    throw new MalformedInputError(
      `${server}: ${metric}: the server answered with an error: ${lastLine(response.error)}`,
    )
  if (response.kind !== 'datapoints')
    throw new MalformedInputError(`${server}: ${metric}: unexpected ${response.kind} reply to cache-query`)
  return response.datapoints
}

/**
 * The cached points of some metrics: cache-query for one, cache-query-bulk for several.
 * @throws UnavailableError (refused, timed out, closed), MalformedInputError (an unexpected reply)
 */
export async function queryCache(metrics: readonly string[], options: QueryOptions): Promise<QueryResult> {
  const server = formatEndpoint(options)
  const names = [...new Set(metrics)]
  const requests: CarbonLinkRequest[] =
    names.length === 1
      ? [{ type: 'cache-query', metric: names[0]! }]
      : [{ type: 'cache-query-bulk', metrics: names }]
  if (options.metadata)
    for (const metric of names) requests.push({ type: 'get-metadata', metric, key: METADATA_KEY })
  const replies = await exchangeCarbonLink(options, requests, options)
  const first = replies[0]!
  let byMetric: Map<string, CachedPoint[]>
  if (names.length === 1) {
    byMetric = new Map([[names[0]!, points(first, server, names[0]!)]])
  } else if (first.kind === 'datapointsByMetric') {
    byMetric = first.datapointsByMetric
  } else if (first.kind === 'error') {
    throw new MalformedInputError(
      `${server}: the server answered cache-query-bulk with an error: ${lastLine(first.error)}`,
    )
  } else {
    throw new MalformedInputError(`${server}: unexpected ${first.kind} reply to cache-query-bulk`)
  }
  const result: QueriedMetric[] = names.map((metric, i) => {
    const datapoints = [...(byMetric.get(metric) ?? [])].sort((a, b) => a[0] - b[0])
    const entry: QueriedMetric = { metric, datapoints }
    if (options.metadata) {
      const reply = replies[1 + i]!
      if (reply.kind === 'value') {
        entry.aggregationMethod = typeof reply.value === 'string' ? reply.value : String(reply.value)
      } else {
        entry.aggregationMethod = null
        entry.metadataError =
          reply.kind === 'error' ? lastLine(reply.error) : `unexpected ${reply.kind} reply`
      }
    }
    return entry
  })
  return { schemaVersion: 1, server, metrics: result }
}
