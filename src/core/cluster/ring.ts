// `carbon ring`: the destinations of metric names, as carbon-c-relay (live or test mode) or
// carbon-relay route them. Reads the one configuration file; the lookups themselves are pure.

import fs from 'node:fs'
import { parseCarbonConf } from '../config/carbon-conf.js'
import { fromSystemError } from '../errors.js'
import { createCarbonLookup, readCarbonRelaySettings } from './carbon-router.js'
import { parseRelayConfig } from './relay-config.js'
import { createRelayLookup } from './relay-route.js'

export type RingSource =
  | { kind: 'relay'; file: string; cluster?: string; raw?: boolean }
  | { kind: 'carbon'; file: string; instance?: string | null }

export interface RingAnswer {
  metric: string
  /** `host:port` or `host:port=instance`, in the router's order; duplicates kept. */
  destinations: string[]
}

/** Names as bytes are hashed as bytes by carbon-c-relay's rings (carbon-relay decodes them as UTF-8). */
export type RingLookup = (metric: string | Uint8Array) => RingAnswer

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw fromSystemError(error, file, false)
  }
}

/**
 * A lookup over the ring that `source` describes.
 * @throws NotFoundError when the file cannot be read, ConfigError when the router would refuse it
 * (or carbon ring does not model it), InvalidArgumentError for an unknown `cluster`.
 */
export function readRingLookup(source: RingSource): RingLookup {
  const text = readText(source.file)
  let lookup: (name: string | Uint8Array) => string[]
  if (source.kind === 'relay') {
    lookup = createRelayLookup(parseRelayConfig(text, source.file), {
      cluster: source.cluster,
      raw: source.raw,
    })
  } else {
    const conf = parseCarbonConf(text, source.file)
    const carbon = createCarbonLookup(readCarbonRelaySettings(conf, source.instance))
    lookup = (name) => carbon(typeof name === 'string' ? name : Buffer.from(name).toString('utf8'))
  }
  return (metric) => ({
    metric: typeof metric === 'string' ? metric : Buffer.from(metric).toString('utf8'),
    destinations: lookup(metric),
  })
}

/** The names of a stdin list, as bytes: one per line, split on `\n` only, a final empty line ignored. */
export function splitNames(bytes: Uint8Array): Uint8Array[] {
  const names: Uint8Array[] = []
  let start = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, start)
    if (end === -1) break
    names.push(bytes.subarray(start, end))
    start = end + 1
  }
  if (start < bytes.length) names.push(bytes.subarray(start))
  return names
}
