// carbon-c-relay 3.7's consistent-hash clusters (reference cluster.md sections 2.1, 3, 4): carbon_ch,
// fnv1a_ch and jump_fnv1a_ch, built from the members as the config lists them. A lookup takes the
// routing key's bytes and returns the replicas in the relay's order.

import { fnv1a64Signed, fnv1aPosition, jumpBucket, jumpNextKey, md5Position } from './hash.js'

export interface RelayMember {
  /** The host as written (IPv6 without brackets); never resolved: the ring hashes this text. */
  host: string
  port: number
  /** As the relay stores it: a digits-only instance is a number (`=007` is `7`). */
  instance: string | null
}

export const HASH_TYPES = ['carbon_ch', 'fnv1a_ch', 'jump_fnv1a_ch'] as const
export type HashType = (typeof HASH_TYPES)[number]

export interface HashRing {
  readonly type: HashType
  readonly replication: number
  lookup(key: Uint8Array): readonly number[]
}

/** `host:port` or `host:port=instance`, IPv6 hosts in brackets. */
export function memberLabel(member: { host: string; port: number; instance: string | null }): string {
  const host = member.host.includes(':') ? `[${member.host}]` : member.host
  return member.instance === null ? `${host}:${member.port}` : `${host}:${member.port}=${member.instance}`
}

interface Entry {
  position: number
  member: number
}

const ENTRIES_PER_MEMBER = 100

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/**
 * Ring entries sorted as the relay's qsort leaves them; at a position several entries share, every
 * entry takes the member of the first (the others' slots are lost).
 */
function sortedEntries(
  members: readonly RelayMember[],
  entryText: (member: RelayMember, i: number) => string,
  position: (text: string) => number,
  tieBreak: (a: RelayMember, b: RelayMember) => number,
): Entry[] {
  const entries: Entry[] = []
  members.forEach((member, index) => {
    for (let i = 0; i < ENTRIES_PER_MEMBER; i++)
      entries.push({ position: position(entryText(member, i)), member: index })
  })
  entries.sort((a, b) => a.position - b.position || tieBreak(members[a.member]!, members[b.member]!))
  for (let k = 1; k < entries.length; k++) {
    if (entries[k]!.position === entries[k - 1]!.position) entries[k]!.member = entries[k - 1]!.member
  }
  return entries
}

/** The first ring entry at or after `position` (entries sorted by position); `entries.length` if none. */
export function firstAtOrAfter(entries: readonly { position: number }[], position: number): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (entries[mid]!.position < position) lo = mid + 1
    else hi = mid
  }
  return lo
}

function ringWalk(entries: readonly Entry[], replication: number, keyPosition: number): number[] {
  const lo = firstAtOrAfter(entries, keyPosition)
  const out: number[] = []
  for (let k = 0; k < entries.length && out.length < replication; k++) {
    const member = entries[(lo + k) % entries.length]!.member
    if (!out.includes(member)) out.push(member)
  }
  return out
}

/** carbon_ch: 100 entries per member at md5 of `('HOST', 'INST'):i`; the port takes no part. */
export function createCarbonRing(members: readonly RelayMember[], replication: number): HashRing {
  const entries = sortedEntries(
    members,
    (m, i) => `('${m.host}', ${m.instance === null ? 'None' : `'${m.instance}'`}):${i}`,
    (text) => md5Position(Buffer.from(text, 'utf8')),
    (a, b) => {
      const host = compareBytes(a.host, b.host)
      if (host !== 0) return host
      if (a.instance === null) return b.instance === null ? 0 : 1
      if (b.instance === null) return -1
      return compareBytes(a.instance, b.instance)
    },
  )
  return {
    type: 'carbon_ch',
    replication,
    lookup: (key) => ringWalk(entries, replication, md5Position(key)),
  }
}

/** fnv1a_ch: entries at `i-INST`, or `i-HOST:PORT` for a member without instance. */
export function createFnv1aRing(members: readonly RelayMember[], replication: number): HashRing {
  const entries = sortedEntries(
    members,
    (m, i) => (m.instance === null ? `${i}-${m.host}:${m.port}` : `${i}-${m.instance}`),
    (text) => fnv1aPosition(Buffer.from(text, 'utf8'), true),
    (a, b) => compareBytes(a.host, b.host) || a.port - b.port,
  )
  return {
    type: 'fnv1a_ch',
    replication,
    lookup: (key) => ringWalk(entries, replication, fnv1aPosition(key, true)),
  }
}

const WHOLE_NUMBER = /^[0-9]+$/

function compareInstances(a: string, b: string): number {
  if (WHOLE_NUMBER.test(a) && WHOLE_NUMBER.test(b)) return Number(a) - Number(b)
  return compareBytes(a, b)
}

/** The bucket order of jump_fnv1a_ch: members with an instance sorted by it, then the others in config order. */
export function jumpBucketOrder(members: readonly RelayMember[]): number[] {
  const withInstance = members.flatMap((m, i) => (m.instance === null ? [] : [i]))
  withInstance.sort((a, b) => compareInstances(members[a]!.instance!, members[b]!.instance!))
  return [...withInstance, ...members.flatMap((m, i) => (m.instance === null ? [i] : []))]
}

/** jump_fnv1a_ch: each replica jumps among the buckets left; the last bucket takes the chosen one's place. */
export function createJumpRing(members: readonly RelayMember[], replication: number): HashRing {
  const order = jumpBucketOrder(members)
  return {
    type: 'jump_fnv1a_ch',
    replication,
    lookup: (key) => {
      const buckets = [...order]
      const out: number[] = []
      let h = fnv1a64Signed(key)
      let n = buckets.length
      for (;;) {
        const j = jumpBucket(h, n)
        out.push(buckets[j]!)
        if (out.length >= replication) return out
        h = jumpNextKey(h)
        n--
        buckets[j] = buckets[n]!
      }
    },
  }
}

export function createHashRing(
  type: HashType,
  members: readonly RelayMember[],
  replication: number,
): HashRing {
  switch (type) {
    case 'carbon_ch':
      return createCarbonRing(members, replication)
    case 'fnv1a_ch':
      return createFnv1aRing(members, replication)
    case 'jump_fnv1a_ch':
      return createJumpRing(members, replication)
  }
}
