// What can be proved about a rule's pattern without running it, for the linter: whether it matches
// every name (a catch-all), whether an earlier pattern matches every name it does (so it can never be
// reached), and example names it matches. Pure.
//
// The proofs are sound, not complete: "unreachable" is claimed only when it follows from these facts,
// for every metric name that is not empty and has no newline (carbon's plaintext protocol cannot
// deliver a name with a newline; in such names Python's `$` and `(?m)^` behave differently).
//
//  - A catch-all can match the empty string at the start of any name, or at its end, or can match
//    the whole name (`.*`, `^`, `$`, `^.*$`, `.+`, `x?`...).
//  - A later pattern's matches all contain its mandatory literal runs (`^stats\.timers\.` has the run
//    `stats.timers.` at the start of the name; `\.count$` has `.count` at the end).
//  - An earlier pattern that is one literal run L, optionally anchored and padded with parts that can
//    match nothing, matches every name that starts with L (`^L`), ends with it (`L$`), is it (`^L$`),
//    or contains it (`L`); so it covers a later pattern whose runs guarantee that.

import type { PyRegex } from '../python/regex.js'
import type { ParsedPattern, PyNode } from '../python/regex-parse.js'
import { MAXREPEAT, PY_FLAGS, combineFlags } from '../python/regex-parse.js'

interface Reach {
  /** Can match the empty string at position 0 of any name. */
  e0: boolean
  /** Can match the empty string at the end of any name. */
  ee: boolean
  /** Can match from position 0 to the end of any name. */
  all: boolean
}

const NONE: Reach = { e0: false, ee: false, all: false }

/** A node matching every character except, at most, a newline. */
function anyCharacter(node: PyNode): boolean {
  if (node.op === 'any') return true
  if (node.op === 'not_literal') return node.cp === 10
  if (node.op !== 'in') return false
  const items = node.items
  if (items[0]?.op === 'negate') {
    const second = items[1]
    return items.length === 2 && second !== undefined && second.op === 'literal' && second.cp === 10
  }
  const categories = new Set(
    items.filter((i) => i.op === 'category').map((i) => (i as { category: string }).category),
  )
  return (
    (categories.has('digit') && categories.has('not_digit')) ||
    (categories.has('space') && categories.has('not_space')) ||
    (categories.has('word') && categories.has('not_word'))
  )
}

function isDotStar(node: PyNode): boolean {
  return (
    node.op === 'repeat' &&
    node.mode !== 'possessive' &&
    node.min === 0 &&
    node.max >= MAXREPEAT &&
    node.body.length === 1 &&
    anyCharacter(node.body[0]!)
  )
}

function reachNode(node: PyNode): Reach {
  switch (node.op) {
    case 'at':
      if (node.at === 'beginning' || node.at === 'beginning_string')
        return { e0: true, ee: false, all: false }
      if (node.at === 'end' || node.at === 'end_string') return { e0: false, ee: true, all: false }
      return NONE
    case 'repeat': {
      const body = reachSequence(node.body)
      const dotLike =
        node.body.length === 1 && anyCharacter(node.body[0]!) && node.max >= MAXREPEAT && node.min <= 1
      if (node.mode === 'possessive') return { e0: false, ee: node.min === 0 || body.ee, all: dotLike }
      return {
        e0: node.min === 0 || body.e0,
        ee: node.min === 0 || body.ee,
        all: dotLike || (node.min <= 1 && node.max >= 1 && body.all),
      }
    }
    case 'branch': {
      const parts = node.alternatives.map(reachSequence)
      return { e0: parts.some((p) => p.e0), ee: parts.some((p) => p.ee), all: parts.some((p) => p.all) }
    }
    case 'subpattern':
      return reachSequence(node.body)
    case 'atomic':
      return { e0: false, ee: reachSequence(node.body).ee, all: false }
    default:
      return NONE
  }
}

function reachSequence(nodes: readonly PyNode[]): Reach {
  const parts = nodes.map(reachNode)
  const e0 = parts.every((p) => p.e0)
  const ee = parts.every((p) => p.ee)
  let all = false
  for (let i = 0; i < parts.length && !all; i++) {
    if (parts[i]!.all && parts.slice(0, i).every((p) => p.e0) && parts.slice(i + 1).every((p) => p.ee))
      all = true
  }
  return { e0, ee, all }
}

/** The pattern matches every non-empty name without a newline. */
export function isCatchAll(parsed: ParsedPattern): boolean {
  const r = reachSequence(parsed.nodes)
  return r.e0 || r.ee || r.all
}

// ---------------------------------------------------------------------------------------------------
// Literal facts. A pattern is flattened (groups that change no flags inlined, one level of branches
// distributed into alternatives) into sequences of elements.

type Element =
  | { kind: 'char'; ch: string; caseless: boolean }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'zero' }
  | { kind: 'nullable'; dotStar: boolean }
  | { kind: 'other' }

const MAX_ALTERNATIVES = 64

function flatten(nodes: readonly PyNode[], flags: number): Element[][] | null {
  let alternatives: Element[][] = [[]]
  const append = (elements: Element[]): void => {
    for (const alternative of alternatives) alternative.push(...elements)
  }
  for (const node of nodes) {
    switch (node.op) {
      case 'literal': {
        const ch = String.fromCodePoint(node.cp)
        const cased = ch.toLowerCase() !== ch || ch.toUpperCase() !== ch
        append([{ kind: 'char', ch, caseless: (flags & PY_FLAGS.IGNORECASE) !== 0 && cased }])
        break
      }
      case 'at':
        if (node.at === 'beginning' || node.at === 'beginning_string') append([{ kind: 'start' }])
        else if (node.at === 'end' || node.at === 'end_string') append([{ kind: 'end' }])
        else append([{ kind: 'zero' }])
        break
      case 'assert':
        append([{ kind: 'zero' }])
        break
      case 'repeat': {
        const only = node.body.length === 1 ? node.body[0]! : undefined
        if (only?.op === 'literal' && node.min === node.max && node.min <= 64 && node.mode !== 'possessive') {
          const inner = flatten(node.body, flags)!
          for (let i = 0; i < node.min; i++) append(inner[0]!.map((e) => ({ ...e })))
        } else if (node.min === 0 && node.mode !== 'possessive') {
          append([{ kind: 'nullable', dotStar: isDotStar(node) }])
        } else {
          append([{ kind: 'other' }])
        }
        break
      }
      case 'subpattern': {
        const inner = flatten(node.body, combineFlags(flags, node.add, node.del))
        if (inner === null) return null
        const next: Element[][] = []
        for (const alternative of alternatives)
          for (const i of inner) next.push([...alternative, ...i.map((e) => ({ ...e }))])
        if (next.length > MAX_ALTERNATIVES) return null
        alternatives = next
        break
      }
      case 'in': {
        // A small set of characters is a branch of one-character alternatives (`[ab]` is `a|b`).
        const members = node.items
        const literals = members.every((m) => m.op === 'literal') && members.length <= 8
        if (!literals || members.length === 0) {
          append([{ kind: 'other' }])
          break
        }
        const next: Element[][] = []
        for (const member of members) {
          const inner = flatten([{ op: 'literal', cp: (member as { cp: number }).cp }], flags)!
          for (const alternative of alternatives)
            next.push([...alternative, ...inner[0]!.map((e) => ({ ...e }))])
        }
        if (next.length > MAX_ALTERNATIVES) return null
        alternatives = next
        break
      }
      case 'branch': {
        const next: Element[][] = []
        for (const branch of node.alternatives) {
          const inner = flatten(branch, flags)
          if (inner === null) return null
          for (const alternative of alternatives)
            for (const i of inner) next.push([...alternative, ...i.map((e) => ({ ...e }))])
        }
        if (next.length > MAX_ALTERNATIVES) return null
        alternatives = next
        break
      }
      default:
        append([{ kind: 'other' }])
    }
  }
  return alternatives
}

/** What every name a later pattern's alternative matches is known to satisfy. */
interface Facts {
  runs: string[]
  /** The name starts with this run (the pattern is anchored at the start and the run comes first). */
  prefix: string | null
  suffix: string | null
  /** The pattern is exactly this literal, anchored at both ends. */
  exact: string | null
}

function factsOf(elements: Element[]): Facts {
  const runs: string[] = []
  let current = ''
  let anchoredStart = false
  let anchoredEnd = false
  let consumedBefore = false
  let prefix: string | null = null
  let lastRunEndsSequence = false
  let onlyLiterals = true
  for (const e of elements) {
    if (e.kind === 'char' && !e.caseless) {
      current += e.ch
      continue
    }
    if (e.kind === 'start' || e.kind === 'zero' || e.kind === 'end') {
      if (e.kind === 'start' && !consumedBefore && current === '') anchoredStart = true
      continue
    }
    // A consuming element that is not a fixed character ends the run.
    onlyLiterals = false
    if (current) {
      if (!consumedBefore && anchoredStart) prefix = current
      runs.push(current)
      current = ''
    }
    consumedBefore = true
  }
  if (current) {
    if (!consumedBefore && anchoredStart) prefix = current
    runs.push(current)
    lastRunEndsSequence = true
  }
  // Anchored at the end: an end anchor after the last consuming element.
  for (let i = elements.length - 1; i >= 0; i--) {
    const e = elements[i]!
    if (e.kind === 'end') {
      anchoredEnd = true
      break
    }
    if (e.kind === 'zero' || e.kind === 'start') continue
    break
  }
  const suffix = anchoredEnd && lastRunEndsSequence ? runs[runs.length - 1]! : null
  const exact = anchoredStart && anchoredEnd && onlyLiterals && runs.length === 1 ? runs[0]! : null
  return { runs, prefix, suffix, exact }
}

/** The sufficient condition under which an earlier pattern's alternative matches a name. */
type Cover =
  | { kind: 'all' }
  | { kind: 'contains' | 'startsWith' | 'endsWith' | 'equals'; literal: string; caseless: boolean }
  | null

function coverOf(elements: Element[]): Cover {
  let i = 0
  let anchoredStart = false
  while (i < elements.length && (elements[i]!.kind === 'start' || elements[i]!.kind === 'nullable')) {
    if (elements[i]!.kind === 'start') anchoredStart = true
    i++
  }
  const lead = elements.slice(0, i)
  let literal = ''
  let caseless = false
  while (i < elements.length && elements[i]!.kind === 'char') {
    const e = elements[i] as { ch: string; caseless: boolean }
    if (e.caseless) {
      if (!/^[A-Za-z]$/.test(e.ch)) return null
      caseless = true
    }
    literal += e.ch
    i++
  }
  const trail = elements.slice(i)
  if (!trail.every((e) => e.kind === 'end' || e.kind === 'nullable')) return null
  if (literal === '') return null
  const anchoredEnd = trail.some((e) => e.kind === 'end')
  // A `.*` frees the literal from an anchor only when it stands between them: `^.*L` contains L,
  // but in `.*^L` the `.*` must match nothing.
  const lastStart = lead.map((e) => e.kind).lastIndexOf('start')
  const leadDot = lead.slice(lastStart + 1).some((e) => e.kind === 'nullable' && e.dotStar)
  const firstEnd = trail.findIndex((e) => e.kind === 'end')
  const trailDot = trail
    .slice(0, firstEnd < 0 ? trail.length : firstEnd)
    .some((e) => e.kind === 'nullable' && e.dotStar)
  const start = anchoredStart && !leadDot
  const end = anchoredEnd && !trailDot
  if (start && end) return { kind: 'equals', literal, caseless }
  if (start) return { kind: 'startsWith', literal, caseless }
  if (end) return { kind: 'endsWith', literal, caseless }
  return { kind: 'contains', literal, caseless }
}

function sameChar(a: string, b: string, caseless: boolean): boolean {
  if (a === b) return true
  return caseless && /^[A-Za-z]$/.test(a) && a.toLowerCase() === b.toLowerCase()
}

function includesAt(text: string, literal: string, at: number, caseless: boolean): boolean {
  const t = Array.from(text)
  const l = Array.from(literal)
  if (at < 0 || at + l.length > t.length) return false
  return l.every((ch, k) => sameChar(t[at + k]!, ch, caseless))
}

function includes(text: string, literal: string, caseless: boolean): boolean {
  const n = Array.from(text).length
  const m = Array.from(literal).length
  for (let at = 0; at + m <= n; at++) if (includesAt(text, literal, at, caseless)) return true
  return false
}

function covered(cover: Cover, facts: Facts): boolean {
  if (cover === null) return false
  switch (cover.kind) {
    case 'all':
      return true
    case 'contains':
      return facts.runs.some((run) => includes(run, cover.literal, cover.caseless))
    case 'startsWith':
      return facts.prefix !== null && includesAt(facts.prefix, cover.literal, 0, cover.caseless)
    case 'endsWith': {
      if (facts.suffix === null) return false
      const at = Array.from(facts.suffix).length - Array.from(cover.literal).length
      return includesAt(facts.suffix, cover.literal, at, cover.caseless)
    }
    case 'equals':
      return (
        facts.exact !== null &&
        Array.from(facts.exact).length === Array.from(cover.literal).length &&
        includesAt(facts.exact, cover.literal, 0, cover.caseless)
      )
  }
}

export interface Shadowing {
  /** For each alternative of the later pattern, the index (in `earlier`) of a pattern that covers it. */
  coveredBy: number[]
}

/**
 * Whether earlier patterns together match every name the later one matches; if so, which earlier
 * pattern covers each of its alternatives. Sound for non-empty names without a newline.
 */
export function shadowedBy(later: ParsedPattern, earlier: readonly ParsedPattern[]): Shadowing | null {
  const alternatives = flatten(later.nodes, later.flags)
  if (alternatives === null) return null
  const covers = earlier.map((e): Cover[] => {
    if (isCatchAll(e)) return [{ kind: 'all' }]
    const alts = flatten(e.nodes, e.flags)
    return alts === null ? [] : alts.map(coverOf)
  })
  const coveredBy: number[] = []
  for (const alternative of alternatives) {
    const facts = factsOf(alternative)
    const index = covers.findIndex((list) => list.some((c) => covered(c, facts)))
    if (index < 0) return null
    coveredBy.push(index)
  }
  return { coveredBy }
}

// ---------------------------------------------------------------------------------------------------
// Example names: built from the pattern, then kept only if the translated pattern really matches them.

function sampleCharacter(node: PyNode): string {
  switch (node.op) {
    case 'literal':
      return String.fromCodePoint(node.cp)
    case 'not_literal':
      return node.cp === 0x78 ? 'y' : 'x'
    case 'any':
      return 'x'
    case 'in': {
      const negate = node.items[0]?.op === 'negate'
      if (negate) return 'x'
      const first = node.items[0]
      if (!first) return 'x'
      if (first.op === 'literal') return String.fromCodePoint(first.cp)
      if (first.op === 'range') return String.fromCodePoint(first.lo)
      if (first.op === 'category') {
        return { digit: '0', not_digit: 'x', space: ' ', not_space: 'x', word: 'x', not_word: '.' }[
          first.category
        ]
      }
      return 'x'
    }
    default:
      return ''
  }
}

function sample(nodes: readonly PyNode[], depth = 0): string {
  if (depth > 20) return ''
  let out = ''
  for (const node of nodes) {
    switch (node.op) {
      case 'repeat': {
        const once = sample(node.body, depth + 1)
        out += once.repeat(Math.min(node.min, 8))
        break
      }
      case 'branch':
        out += sample(node.alternatives[0]!, depth + 1)
        break
      case 'subpattern':
      case 'atomic':
        out += sample(node.body, depth + 1)
        break
      case 'groupref_exists':
        out += sample(node.yes, depth + 1)
        break
      case 'at':
      case 'assert':
      case 'groupref':
        break
      default:
        out += sampleCharacter(node)
    }
  }
  return out
}

/**
 * A few metric-like names the pattern matches (checked through its translation); none when it has no
 * translation.
 */
export function exampleNames(regex: PyRegex): string[] {
  if (!regex.valid || !regex.js.ok) return []
  const core = sample(regex.parsed.nodes)
  const candidates = [
    core,
    `example${core}`,
    `example.${core}`,
    `${core}example`,
    `${core}.example`,
    `example.${core}.example`,
  ]
  // Names that look like metric paths first: no leading, trailing or doubled dot.
  const awkward = (name: string): number => (/^\.|\.$|\.\./.test(name) ? 1 : 0)
  candidates.sort((a, b) => awkward(a) - awkward(b))
  const seen = new Set<string>()
  const out: string[] = []
  for (const candidate of candidates) {
    if (candidate === '' || candidate.includes('\n') || seen.has(candidate)) continue
    seen.add(candidate)
    if (regex.js.search(candidate)) out.push(candidate)
  }
  return out
}
