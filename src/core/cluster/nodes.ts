// The nodes of a cluster and where their admin API answers. A node is named as the relay's ring names
// it (`host:port` or `host:port=instance`: the port is the node's line receiver); its admin API is on
// its HTTP listener, which the ring does not know: `--http-port N` says "on each node's host, port N",
// `--node MEMBER=URL` gives one node's URL (several nodes on one host, a proxy, https).

import { InvalidArgumentError } from '../errors.js'
import type { RelayConfig } from './relay-config.js'

export interface NodeAddressing {
  /** The HTTP port of every node not named in `urls`. */
  httpPort?: number
  /** `MEMBER=URL` overrides, as given on the command line. */
  urls?: readonly string[]
}

/** The members a metric can be placed on: the labels of every hashing and forwarding cluster. */
export function placementMembers(config: RelayConfig, cluster?: string): string[] {
  const members = new Set<string>()
  for (const c of config.clusters.values()) {
    if (cluster !== undefined && c.name !== cluster) continue
    if (c.kind === 'file' || c.kind === 'blackhole') continue
    for (const label of c.labels) members.add(label)
  }
  return [...members]
}

/** `MEMBER=URL`: the URL starts at the `=` followed by a scheme (a member may hold `=instance`). */
export function parseNodeUrl(text: string): { member: string; url: string } {
  const at = text.search(/=https?:\/\//)
  if (at <= 0)
    throw new InvalidArgumentError(
      `--node ${text}: not MEMBER=URL (e.g. 10.0.0.5:2003=a=http://10.0.0.5:8080)`,
    )
  return { member: text.slice(0, at), url: text.slice(at + 1) }
}

/** The host of a member, for a URL: `[::1]:2003` -> `[::1]`, `host:2003=a` -> `host`. */
function memberHost(member: string): string {
  const address = member.split('=')[0]!
  if (address.startsWith('[')) return address.slice(0, address.indexOf(']') + 1)
  const colon = address.lastIndexOf(':')
  return colon === -1 ? address : address.slice(0, colon)
}

/**
 * The admin URL of each node: a member given as a URL is its own URL.
 * @throws InvalidArgumentError for an override naming no node, or a node without a URL.
 */
export function resolveNodeUrls(members: readonly string[], addressing: NodeAddressing): Map<string, string> {
  const overrides = new Map<string, string>()
  for (const text of addressing.urls ?? []) {
    const { member, url } = parseNodeUrl(text)
    if (!members.includes(member))
      throw new InvalidArgumentError(
        `--node ${text}: ${member} is not a node here (nodes: ${members.join(', ')})`,
      )
    overrides.set(member, url)
  }
  const urls = new Map<string, string>()
  for (const member of members) {
    const url =
      overrides.get(member) ??
      (/^https?:\/\//.test(member) ? member : undefined) ??
      (addressing.httpPort === undefined ? undefined : `http://${memberHost(member)}:${addressing.httpPort}`)
    if (url === undefined)
      throw new InvalidArgumentError(
        `${member}: no admin URL for this node; give --http-port N (each node's HTTP port) or --node ${member}=http://HOST:PORT`,
      )
    urls.set(member, url)
  }
  return urls
}
