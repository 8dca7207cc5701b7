// Graphite's glob (graphite-web's StandardFinder with fnmatch): a pattern is split on `.`, each
// segment matches one path component, anchored at both ends. Per segment, braces are expanded first
// (the innermost `{...}` first, as graphite-web's expand_braces does; an empty alternative is
// allowed; `{x}` without a comma is literal), then each alternative is an fnmatch pattern: `*`, `?`,
// `[abc]`, `[a-z]`, `[!abc]` and Go's `[^abc]`. Matching is a token walk with one backtrack point
// per `*` (O(name × pattern)), never a RegExp, so `*a*a*a*a*b` cannot explode. Pure.

import { InvalidArgumentError } from '../errors.js'

export interface GlobLimits {
  /** Longest pattern accepted (characters). */
  maxPatternLength: number
  /** Alternatives one segment may expand to. */
  maxExpansions: number
}

export const GLOB_LIMITS: GlobLimits = { maxPatternLength: 4096, maxExpansions: 1000 }

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; chars: string; ranges: [string, string][] }

/** An alternative of literal characters around at most one `*` (`h0*`, `*.count`, `a`). */
interface Affix {
  prefix: string
  suffix: string
  star: boolean
}

/**
 * One segment: an exact name, or a list of alternatives (any may match); `affixes` when every
 * alternative is literal around at most one `*`, the usual globs, matched without the token walk.
 */
export type SegmentMatcher =
  { kind: 'exact'; name: string } | { kind: 'glob'; alternatives: Token[][]; affixes?: Affix[] }

/** Whether a segment has anything but literal characters (graphite-web's is_pattern). */
export function isPattern(segment: string): boolean {
  return /[*?[{]/.test(segment)
}

/**
 * graphite-web's expand_braces: the last `{` with the first `}` after it is expanded (so nested
 * braces go innermost first), recursively; results de-duplicated.
 * @throws InvalidArgumentError beyond `maxExpansions` alternatives
 */
export function expandBraces(segment: string, maxExpansions = GLOB_LIMITS.maxExpansions): string[] {
  const out = new Set<string>()
  const work = [segment]
  while (work.length > 0) {
    const s = work.pop()!
    const open = findOpen(s)
    const close = open < 0 ? -1 : s.indexOf('}', open)
    if (open < 0 || close < 0) {
      out.add(s.replaceAll('\u0000}', '}'))
    } else {
      const inner = s.slice(open + 1, close)
      if (inner.includes(',')) {
        for (const alternative of inner.split(','))
          work.push(s.slice(0, open) + alternative + s.slice(close + 1))
      } else {
        // `{x}` stays literal; its brace is marked so that it is not taken again.
        work.push(s.slice(0, open) + '\u0000{' + inner + '\u0000}' + s.slice(close + 1))
      }
    }
    if (out.size + work.length > maxExpansions)
      throw new InvalidArgumentError(`glob '${segment}' expands to more than ${maxExpansions} patterns`)
  }
  return [...out].map((s) => s.replaceAll('\u0000{', '{'))
}

function findOpen(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (s[i] === '{' && s[i - 1] !== '\u0000') return i
  return -1
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = []
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' })
    } else if (c === '?') {
      tokens.push({ kind: 'any' })
    } else if (c === '[') {
      // fnmatch: `]` right after `[` or `[!` is a member; no closing `]` makes `[` literal.
      let j = i + 1
      const negated = pattern[j] === '!' || pattern[j] === '^'
      if (negated) j++
      if (pattern[j] === ']') j++
      const end = pattern.indexOf(']', j)
      if (end < 0) {
        tokens.push({ kind: 'char', char: '[' })
        continue
      }
      const body = pattern.slice(i + 1 + (negated ? 1 : 0), end)
      let chars = ''
      const ranges: [string, string][] = []
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k]!, body[k + 2]!])
          k += 2
        } else {
          chars += body[k]
        }
      }
      tokens.push({ kind: 'set', negated, chars, ranges })
      i = end
    } else {
      tokens.push({ kind: 'char', char: c })
    }
  }
  return tokens
}

function tokenMatches(token: Token, c: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === c
    case 'any':
      return true
    case 'set': {
      const hit = token.chars.includes(c) || token.ranges.some(([lo, hi]) => lo <= c && c <= hi)
      return hit !== token.negated
    }
    case 'star':
      return false
  }
}

/** Whether `name` matches one fnmatch alternative, anchored at both ends. */
function matchTokens(tokens: Token[], name: string): boolean {
  let t = 0
  let n = 0
  let starT = -1
  let starN = 0
  while (n < name.length) {
    const token = tokens[t]
    if (token !== undefined && token.kind === 'star') {
      starT = t++
      starN = n
    } else if (token !== undefined && tokenMatches(token, name[n]!)) {
      t++
      n++
    } else if (starT >= 0) {
      t = starT + 1
      n = ++starN
    } else {
      return false
    }
  }
  while (tokens[t]?.kind === 'star') t++
  return t === tokens.length
}

/**
 * Compile one segment of a pattern.
 * @throws InvalidArgumentError when it expands too much
 */
export function compileSegment(segment: string, limits: GlobLimits = GLOB_LIMITS): SegmentMatcher {
  if (!isPattern(segment)) return { kind: 'exact', name: segment }
  const alternatives = expandBraces(segment, limits.maxExpansions).map(tokenize)
  const affixes = alternatives.map(affixOf)
  if (affixes.every((a) => a !== undefined)) return { kind: 'glob', alternatives, affixes }
  return { kind: 'glob', alternatives }
}

function affixOf(tokens: Token[]): Affix | undefined {
  const star = tokens.findIndex((t) => t.kind === 'star')
  const text = (part: Token[]): string | undefined =>
    part.every((t) => t.kind === 'char') ? part.map((t) => (t as { char: string }).char).join('') : undefined
  const prefix = text(star < 0 ? tokens : tokens.slice(0, star))
  const suffix = star < 0 ? '' : text(tokens.slice(star + 1))
  if (prefix === undefined || suffix === undefined) return undefined
  return { prefix, suffix, star: star >= 0 }
}

export function segmentMatches(matcher: SegmentMatcher, name: string): boolean {
  if (matcher.kind === 'exact') return matcher.name === name
  // Hidden entries are never matched by a wildcard (graphite-web skips them).
  if (name.charCodeAt(0) === 0x2e) return false
  const affixes = matcher.affixes
  if (affixes !== undefined) {
    for (const { prefix, suffix, star } of affixes) {
      if (!star) {
        if (name === prefix) return true
      } else if (
        name.length >= prefix.length + suffix.length &&
        name.startsWith(prefix) &&
        name.endsWith(suffix)
      )
        return true
    }
    return false
  }
  return matcher.alternatives.some((tokens) => matchTokens(tokens, name))
}

/**
 * A whole pattern, one matcher per dotted segment.
 * @throws InvalidArgumentError for an empty or over-long pattern, or one that expands too much
 */
export function compileGlob(pattern: string, limits: GlobLimits = GLOB_LIMITS): SegmentMatcher[] {
  if (pattern.length === 0) throw new InvalidArgumentError('empty query')
  if (pattern.length > limits.maxPatternLength)
    throw new InvalidArgumentError(`query longer than ${limits.maxPatternLength} characters`)
  if (pattern.includes('\0')) throw new InvalidArgumentError('NUL in query')
  // graphite-web drops backslashes before matching.
  return pattern
    .replaceAll('\\', '')
    .split('.')
    .map((segment) => compileSegment(segment, limits))
}
