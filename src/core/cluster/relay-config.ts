// carbon-c-relay 3.7's configuration, the parts that decide where a metric goes (reference
// cluster.md section 6): clusters and match rules. Statements end with `;`, `#` comments to the end
// of the line, bare words take [A-Za-z0-9] and `[](){}|\^?*$&%<>:/,._+-`, anything else is quoted
// ("..." with backslash escapes), `=` is a token of its own, keywords are contextual. What would
// change the key or the set of names (rewrite, aggregate, route using, include) is refused with its
// line rather than guessed; listen, statistics, logging and validate do not take part in routing.

import { ConfigError } from '../errors.js'
import type { HashRing, HashType, RelayMember } from './relay-ring.js'
import { HASH_TYPES, createHashRing, memberLabel } from './relay-ring.js'

export const CLUSTER_KINDS = ['forward', 'any_of', 'failover', 'file', ...HASH_TYPES] as const
export type ClusterKind = (typeof CLUSTER_KINDS)[number]

export interface RelayCluster {
  name: string
  kind: ClusterKind | 'blackhole'
  members: readonly RelayMember[]
  /** `host:port[=instance]` of each member (the path, for a file cluster). */
  labels: readonly string[]
  ring: HashRing | null
  line: number
}

export interface RelayRoute {
  /** The expression as written: `*` or a POSIX extended regular expression. */
  expression: string
  /** Does the key (its bytes as latin1 text) match? */
  matches: (key: string) => boolean
  clusters: readonly RelayCluster[]
  stop: boolean
  line: number
}

export interface RelayConfig {
  file: string
  clusters: ReadonlyMap<string, RelayCluster>
  routes: readonly RelayRoute[]
}

interface Token {
  text: string
  line: number
  quoted: boolean
}

const BARE = /[A-Za-z0-9[\](){}|\\^?*$&%<>:/,._+-]/
const MAX_MEMBERS = 64

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === ';' || c === '=') {
      tokens.push({ text: c, line, quoted: false })
      i++
    } else if (c === '"') {
      const start = line
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) throw new ConfigError(`${file}:${start}`, 'unterminated quoted string')
        const q = text[i]!
        if (q === '"') break
        if (q === '\\' && i + 1 < text.length) {
          i++
          value += text[i]
        } else {
          value += q
        }
        if (text[i] === '\n') line++
        i++
      }
      i++
      tokens.push({ text: value, line: start, quoted: true })
    } else if (BARE.test(c)) {
      let j = i
      while (j < text.length && BARE.test(text[j]!)) j++
      tokens.push({ text: text.slice(i, j), line, quoted: false })
      i = j
    } else {
      throw new ConfigError(`${file}:${line}`, `unexpected character ${JSON.stringify(c)} (quote it)`)
    }
  }
  return tokens
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
}

/** A POSIX extended regular expression as a JavaScript one (match or not; no captures needed). */
function compileExpression(expression: string, where: string): (key: string) => boolean {
  if (expression === '*') return () => true
  const source = expression.replace(/\[:([a-z]+):\]/g, (whole, name: string) => POSIX_CLASSES[name] ?? whole)
  let re: RegExp
  try {
    re = new RegExp(source, 's')
  } catch (error) {
    throw new ConfigError(where, `cannot compile regular expression ${JSON.stringify(expression)}`, {
      cause: error,
    })
  }
  return (key) => re.test(key)
}

function parseMember(token: Token, where: string): RelayMember {
  const text = token.text
  let host = text
  let port = 2003
  if (text.startsWith('[') && text.includes(']')) {
    const close = text.lastIndexOf(']')
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new ConfigError(where, `bad member ${JSON.stringify(text)}`)
      port = parsePort(rest.slice(1), text, where)
    }
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== -1) {
      host = text.slice(0, colon)
      port = parsePort(text.slice(colon + 1), text, where)
    }
  }
  if (host === '') throw new ConfigError(where, `bad member ${JSON.stringify(text)}: no host`)
  return { host, port, instance: null }
}

function parsePort(text: string, member: string, where: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ConfigError(where, `bad member ${JSON.stringify(member)}: port ${JSON.stringify(text)}`)
  }
  return Number(text)
}

/** The relay reads a digits-only instance as a number and prints it back in decimal. */
function normalizeInstance(text: string): string {
  return /^[0-9]+$/.test(text) ? text.replace(/^0+(?=.)/, '') : text
}

const MEMBER_OPTIONS: Record<string, number> = { proto: 1, type: 1, transport: 1 }

class Parser {
  private pos = 0
  constructor(
    private readonly tokens: readonly Token[],
    private readonly file: string,
  ) {}

  at(line: number): string {
    return `${this.file}:${line}`
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset]
  }

  next(what: string, line: number): Token {
    const token = this.tokens[this.pos++]
    if (!token) throw new ConfigError(this.at(line), `unexpected end of file, expected ${what}`)
    return token
  }

  isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset)
    return token !== undefined && !token.quoted && token.text === text
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length
  }

  /** Skip to just past the `;` ending the current statement. */
  skipStatement(line: number): void {
    while (!this.isWord(';')) this.next('";"', line)
    this.pos++
  }

  expectEnd(line: number): void {
    const token = this.next('";"', line)
    if (token.quoted || token.text !== ';') {
      throw new ConfigError(this.at(token.line), `unexpected ${JSON.stringify(token.text)}, expected ";"`)
    }
  }
}

/**
 * Parse a carbon-c-relay configuration.
 * @throws ConfigError (with file:line) for a syntax error, an unknown cluster, a ring the relay
 * refuses, or a statement carbonkit does not model (rewrite, aggregate, route using, include).
 */
export function parseRelayConfig(text: string, file: string): RelayConfig {
  const p = new Parser(tokenize(text, file), file)
  const clusters = new Map<string, RelayCluster>()
  clusters.set('blackhole', {
    name: 'blackhole',
    kind: 'blackhole',
    members: [],
    labels: [],
    ring: null,
    line: 0,
  })
  const routes: RelayRoute[] = []
  const instanceOf = new Map<string, { instance: string | null; line: number }>()

  while (!p.atEnd()) {
    const head = p.next('a statement', 0)
    const where = p.at(head.line)
    if (head.quoted)
      throw new ConfigError(where, `unexpected ${JSON.stringify(head.text)}, expected a statement`)
    switch (head.text) {
      case ';':
        break
      case 'cluster': {
        const cluster = parseCluster(p, head.line)
        if (clusters.has(cluster.name))
          throw new ConfigError(where, `cluster ${cluster.name} is defined twice`)
        for (const member of cluster.kind === 'file' ? [] : cluster.members) {
          const key = `${member.host}:${member.port}`
          const seen = instanceOf.get(key)
          if (seen && seen.instance !== member.instance) {
            throw new ConfigError(
              where,
              `server ${key} has instance ${String(member.instance)} here and ${String(seen.instance)} on line ${seen.line}: the relay refuses it`,
            )
          }
          instanceOf.set(key, { instance: member.instance, line: head.line })
        }
        clusters.set(cluster.name, cluster)
        break
      }
      case 'match':
        routes.push(...parseMatch(p, head.line, clusters))
        break
      case 'listen':
      case 'statistics':
      case 'send':
      case 'logging':
        p.skipStatement(head.line)
        break
      case 'rewrite':
      case 'aggregate':
      case 'include':
        throw new ConfigError(
          where,
          `${head.text} is not supported by carbon ring (it changes the names routed)`,
        )
      default:
        throw new ConfigError(where, `unexpected ${JSON.stringify(head.text)}, expected a statement`)
    }
  }
  return { file, clusters, routes }
}

function parseCluster(p: Parser, line: number): RelayCluster {
  const where = p.at(line)
  const name = p.next('a cluster name', line).text
  if (name === 'blackhole') throw new ConfigError(where, 'blackhole is a predefined cluster')
  const kindToken = p.next('a cluster type', line)
  const kind = kindToken.text as ClusterKind
  if (kindToken.quoted || !CLUSTER_KINDS.includes(kind)) {
    throw new ConfigError(p.at(kindToken.line), `unknown cluster type ${JSON.stringify(kindToken.text)}`)
  }
  let replication = 1
  const hashed = (HASH_TYPES as readonly string[]).includes(kind)
  if (hashed) {
    if (p.isWord('replication')) {
      p.next('replication', line)
      const count = p.next('a replication count', line)
      if (!/^[0-9]+$/.test(count.text) || Number(count.text) < 1 || Number(count.text) > 255) {
        throw new ConfigError(p.at(count.line), `replication ${count.text}: must be 1 to 255`)
      }
      replication = Number(count.text)
    }
    if (p.isWord('dynamic')) p.next('dynamic', line)
  } else if (kind === 'file') {
    if (p.isWord('ip')) p.next('ip', line)
  } else if (p.isWord('useall')) {
    p.next('useall', line)
  }

  const members: RelayMember[] = []
  const labels: string[] = []
  while (!p.isWord(';')) {
    const token = p.next('a member', line)
    const memberWhere = p.at(token.line)
    if (kind === 'file') {
      members.push({ host: token.text, port: 0, instance: null })
      labels.push(token.text)
      continue
    }
    const member = parseMember(token, memberWhere)
    if (p.isWord('=')) {
      p.next('=', line)
      member.instance = normalizeInstance(p.next('an instance', line).text)
    }
    while (!p.peek()?.quoted && MEMBER_OPTIONS[p.peek()?.text ?? ''] !== undefined) {
      const option = p.next('an option', line).text
      p.next(`a ${option} value`, line)
      if (option === 'transport' && p.isWord('ssl')) p.next('ssl', line)
    }
    members.push(member)
    labels.push(memberLabel(member))
  }
  p.expectEnd(line)
  if (members.length === 0) throw new ConfigError(where, `cluster ${name} has no members`)
  if (members.length > MAX_MEMBERS) {
    throw new ConfigError(
      where,
      `cluster ${name} has ${members.length} members; carbon-c-relay 3.7 allows ${MAX_MEMBERS}`,
    )
  }
  let ring: HashRing | null = null
  if (hashed) {
    if (replication > members.length) {
      throw new ConfigError(
        where,
        `cluster ${name}: replication ${replication} is more than its ${members.length} members`,
      )
    }
    checkDistinct(kind as HashType, name, members, where)
    ring = createHashRing(kind as HashType, members, replication)
  }
  return { name, kind, members, labels, ring, line }
}

/** Members the ring cannot tell apart land in an unspecified order: the relay's answer is not defined. */
function checkDistinct(kind: HashType, name: string, members: readonly RelayMember[], where: string): void {
  const identity = (m: RelayMember): string => {
    if (kind === 'carbon_ch') return `host ${m.host} and instance ${m.instance ?? '(none)'}`
    if (m.instance !== null) return `instance ${m.instance}`
    return `${m.host}:${m.port}`
  }
  const seen = new Set<string>()
  for (const member of members) {
    const id = identity(member)
    if (seen.has(id)) {
      const hint = kind === 'carbon_ch' ? ' (carbon_ch ignores the port: give each an =instance)' : ''
      throw new ConfigError(where, `cluster ${name}: two members with ${id}${hint}`)
    }
    seen.add(id)
  }
  if (kind === 'jump_fnv1a_ch') {
    const instances = members.flatMap((m) => (m.instance === null ? [] : [m.instance]))
    const numeric = instances.filter((i) => /^[0-9]+$/.test(i)).length
    if (numeric > 0 && numeric < instances.length) {
      throw new ConfigError(
        where,
        `cluster ${name}: numeric and non-numeric instances mixed: the relay's bucket order is undefined`,
      )
    }
  }
}

function parseMatch(p: Parser, line: number, clusters: ReadonlyMap<string, RelayCluster>): RelayRoute[] {
  const where = p.at(line)
  const expressions: Token[] = []
  for (;;) {
    if (p.isWord('send') && p.isWord('to', 1)) break
    if (p.isWord('validate')) {
      // validate EXPR else log|drop: tests the value part, which a name-only lookup lacks.
      p.next('validate', line)
      p.next('an expression', line)
      p.next('else', line)
      p.next('log or drop', line)
      continue
    }
    if (p.isWord('route') && p.isWord('using', 1)) {
      throw new ConfigError(where, 'route using is not supported by carbon ring (it changes the hash key)')
    }
    const token = p.next('send to', line)
    if (!token.quoted && token.text === ';') throw new ConfigError(where, 'match without send to')
    expressions.push(token)
  }
  if (expressions.length === 0) throw new ConfigError(where, 'match without an expression')
  p.next('send', line)
  p.next('to', line)
  const targets: RelayCluster[] = []
  let stop = false
  while (!p.isWord(';')) {
    const token = p.next('a cluster', line)
    if (!token.quoted && token.text === 'stop' && p.isWord(';')) {
      stop = true
      break
    }
    const cluster = clusters.get(token.text)
    if (!cluster) throw new ConfigError(p.at(token.line), `match sends to an unknown cluster ${token.text}`)
    targets.push(cluster)
  }
  p.expectEnd(line)
  if (targets.length === 0) throw new ConfigError(where, 'match sends to no cluster')
  if (targets.some((c) => c.kind === 'blackhole')) stop = true
  return expressions.map((e) => ({
    expression: e.text,
    matches: compileExpression(e.text, p.at(e.line)),
    clusters: targets,
    stop,
    line: e.line,
  }))
}
