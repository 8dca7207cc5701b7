// Where carbon-c-relay sends a metric (reference cluster.md section 6.1): the routes in file order,
// each matching route appending its clusters' destinations (duplicates kept), until a route with
// stop. Live: the key is the cleansed name up to the first `;` (cleanse.ts). Raw: test mode's key.

import { InvalidArgumentError } from '../errors.js'
import { liveKey, rawKey } from './cleanse.js'
import { fnv1a32 } from './hash.js'
import type { RelayCluster, RelayConfig } from './relay-config.js'

export interface RelayLookupOptions {
  /** Hash the name as given, as `carbon-c-relay -t` does, instead of as the running relay does. */
  raw?: boolean
  /** Ignore the match rules: this cluster's destinations for the key. */
  cluster?: string
}

/** The relay hashes bytes: a name read as bytes is routed as such, invalid UTF-8 included. */
function toBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? Buffer.from(name, 'utf8') : name
}

/** One cluster's destinations for a key (its bytes). */
export function clusterDestinations(cluster: RelayCluster, key: Uint8Array): string[] {
  switch (cluster.kind) {
    case 'blackhole':
      return []
    case 'failover':
      return [cluster.labels[0]!]
    case 'any_of':
      // Every member assumed healthy: the hashed one.
      return [cluster.labels[fnv1a32(key, true) % cluster.labels.length]!]
    case 'forward':
    case 'file':
      return [...cluster.labels]
    default:
      return cluster.ring!.lookup(key).map((i) => cluster.labels[i]!)
  }
}

/**
 * A function from a metric name to its destinations, in the relay's order.
 * @throws InvalidArgumentError when `options.cluster` names no cluster of the config.
 */
export function createRelayLookup(
  config: RelayConfig,
  options: RelayLookupOptions = {},
): (name: string | Uint8Array) => string[] {
  const keyOf = options.raw ? rawKey : liveKey
  if (options.cluster !== undefined) {
    const cluster = config.clusters.get(options.cluster)
    if (!cluster) {
      const known = [...config.clusters.keys()].filter((n) => n !== 'blackhole')
      throw new InvalidArgumentError(
        `--cluster ${options.cluster}: no such cluster in ${config.file} (it has ${known.join(', ') || 'none'})`,
      )
    }
    return (name) => clusterDestinations(cluster, keyOf(toBytes(name)))
  }
  return (name) => {
    const key = keyOf(toBytes(name))
    // POSIX regexec sees bytes; latin1 gives one character per byte.
    const text = Buffer.from(key).toString('latin1')
    const out: string[] = []
    for (const route of config.routes) {
      if (!route.matches(text)) continue
      for (const cluster of route.clusters) out.push(...clusterDestinations(cluster, key))
      if (route.stop) break
    }
    return out
  }
}
