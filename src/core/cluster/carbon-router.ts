// Where carbon-relay 1.1.7 sends a metric with RELAY_METHOD = consistent-hashing (reference
// cluster.md sections 2.2, 3 and 5; carbon/hashing.py, carbon/routers.py, carbon/util.py): its own
// ConsistentHashRing, which differs from carbon-c-relay's: a member's entry that lands on a taken
// position moves to the next free one (in DESTINATIONS order), fnv1a_ch hashes unsigned bytes and names
// entries `i-INSTANCE` (`i-None` without instance), and DIVERSE_REPLICAS (the default) skips a
// member whose host already holds a replica.

import type { CarbonConf, Setting } from '../config/carbon-conf.js'
import { resolveCarbonSettings } from '../config/carbon-conf.js'
import { ConfigError } from '../errors.js'
import { normalizeMetricName } from '../protocol/tags.js'
import { parsePythonInt } from '../python/parse.js'
import { fnv1aPosition, md5Position } from './hash.js'
import { firstAtOrAfter, memberLabel } from './relay-ring.js'

export interface CarbonDestination {
  server: string
  port: number
  instance: string | null
}

export interface CarbonRelaySettings {
  destinations: readonly CarbonDestination[]
  hashType: 'carbon_ch' | 'fnv1a_ch'
  replicationFactor: number
  diverseReplicas: boolean
  tagRelayNormalized: boolean
}

/** Python's repr of a str (the ring's entry text is `str((server, instance))`). */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    if (ch === quote || ch === '\\') out += '\\' + ch
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad)
      out += '\\x' + cp.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + quote
}

/** carbon.util.parseDestination. */
export function parseCarbonDestination(text: string, where: string): CarbonDestination {
  const s = text.trim()
  let server: string
  let rest: string
  const bracket = s.lastIndexOf(']:')
  const colon = s.indexOf(':')
  if (s.startsWith('[') && bracket !== -1) {
    server = s.slice(1, bracket)
    rest = s.slice(bracket + 2)
  } else if (colon !== -1) {
    server = s.slice(0, colon)
    rest = s.slice(colon + 1)
  } else {
    throw new ConfigError(where, `invalid destination ${JSON.stringify(text)}: expected HOST:PORT[:INSTANCE]`)
  }
  let instance: string | null = null
  const second = rest.indexOf(':')
  if (second !== -1) {
    instance = rest.slice(second + 1)
    rest = rest.slice(0, second)
  }
  const port = parsePythonInt(rest)
  if (port === undefined)
    throw new ConfigError(where, `invalid destination ${JSON.stringify(text)}: port ${JSON.stringify(rest)}`)
  return { server, port, instance }
}

/**
 * The [relay] settings carbon-relay routes with.
 * @throws ConfigError when carbon-relay would not start, or uses a method carbon ring does not model.
 */
export function readCarbonRelaySettings(
  conf: CarbonConf,
  instance: string | null = 'a',
): CarbonRelaySettings {
  const resolved = resolveCarbonSettings(conf, { program: 'relay', instance, configPath: conf.file })
  if (resolved.failure)
    throw new ConfigError(`${conf.file}:${resolved.failure.line}`, resolved.failure.message)
  const s = resolved.settings
  const where = (key: string): string => {
    const source = s[key]?.source
    return source ? `${source.file}:${source.line}` : conf.file
  }
  const method = s.RELAY_METHOD!.value
  if (method !== 'consistent-hashing') {
    throw new ConfigError(
      where('RELAY_METHOD'),
      `RELAY_METHOD is ${JSON.stringify(method)}: carbon ring answers for consistent-hashing only`,
    )
  }
  const hashSetting = s.ROUTER_HASH_TYPE!.value
  if (hashSetting === 'mmh3_ch')
    throw new ConfigError(where('ROUTER_HASH_TYPE'), 'ROUTER_HASH_TYPE mmh3_ch is not supported')
  // carbonHash treats every other value (a typo included) as carbon_ch.
  const hashType = hashSetting === 'fnv1a_ch' ? 'fnv1a_ch' : 'carbon_ch'
  const replicationFactor = pythonInt(
    s.REPLICATION_FACTOR!,
    'REPLICATION_FACTOR',
    where('REPLICATION_FACTOR'),
  )
  const list = s.DESTINATIONS!.value
  const texts = Array.isArray(list) ? (list as string[]) : [String(list)]
  if (texts.length === 0) throw new ConfigError(where('DESTINATIONS'), 'DESTINATIONS is empty')
  const destinations = texts.map((t) => parseCarbonDestination(t, where('DESTINATIONS')))
  const seen = new Set<string>()
  for (const d of destinations) {
    const id = `${d.server}\0${String(d.instance)}`
    if (seen.has(id)) {
      throw new ConfigError(
        where('DESTINATIONS'),
        `destination instance (${d.server}, ${String(d.instance)}) already configured: carbon-relay refuses it`,
      )
    }
    seen.add(id)
  }
  return {
    destinations,
    hashType,
    replicationFactor,
    diverseReplicas: s.DIVERSE_REPLICAS!.value === true,
    tagRelayNormalized: s.TAG_RELAY_NORMALIZED!.value === true,
  }
}

function pythonInt(setting: Setting, key: string, where: string): number {
  const v = setting.value
  if (typeof v === 'number') return Math.trunc(v)
  const parsed = typeof v === 'string' ? parsePythonInt(v.trim()) : undefined
  if (parsed === undefined) throw new ConfigError(where, `${key} ${JSON.stringify(v)} is not an integer`)
  return parsed
}

interface CarbonEntry {
  position: number
  member: number
}

/** A function from a metric name to carbon-relay's destinations, in ring order. */
export function createCarbonLookup(settings: CarbonRelaySettings): (name: string) => string[] {
  const { destinations, hashType } = settings
  const position = (text: string): number =>
    hashType === 'fnv1a_ch'
      ? fnv1aPosition(Buffer.from(text, 'utf8'), false)
      : md5Position(Buffer.from(text, 'utf8'))
  const taken = new Set<number>()
  const ring: CarbonEntry[] = []
  destinations.forEach((d, member) => {
    for (let i = 0; i < 100; i++) {
      const text =
        hashType === 'fnv1a_ch'
          ? `${i}-${d.instance ?? 'None'}`
          : `(${pythonStrRepr(d.server)}, ${d.instance === null ? 'None' : pythonStrRepr(d.instance)}):${i}`
      let p = position(text)
      while (taken.has(p)) p++
      taken.add(p)
      ring.push({ position: p, member })
    }
  })
  ring.sort((a, b) => a.position - b.position)
  const labels = destinations.map((d) => memberLabel({ host: d.server, port: d.port, instance: d.instance }))

  // ConsistentHashRing.get_nodes: a one-member ring yields its member first, then walks anyway; the
  // walk stops one entry short of a full turn.
  const nodes = (key: string): number[] => {
    const out: number[] = []
    if (destinations.length === 1) out.push(0)
    const lo = firstAtOrAfter(ring, position(key))
    const seen = new Set<number>()
    for (let k = 0; k < ring.length - 1 && seen.size < destinations.length; k++) {
      const member = ring[(lo + k) % ring.length]!.member
      if (!seen.has(member)) {
        seen.add(member)
        out.push(member)
      }
    }
    return out
  }

  return (name) => {
    const key = settings.tagRelayNormalized ? normalizeMetricName(name) : name
    const out: number[] = []
    if (settings.diverseReplicas) {
      const servers = new Set<string>()
      for (const member of nodes(key)) {
        const server = destinations[member]!.server
        if (servers.has(server)) continue
        servers.add(server)
        out.push(member)
        if (servers.size >= settings.replicationFactor) break
      }
    } else {
      for (const member of nodes(key)) {
        if (out.length === settings.replicationFactor) break
        out.push(member)
      }
    }
    return out.map((m) => labels[m]!)
  }
}
