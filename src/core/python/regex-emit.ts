// Emitting a parsed Python pattern (regex-parse.ts) as an equivalent JavaScript RegExp (flag v), with
// Python's meaning spelt out: `$` also before a final newline, `.` excluding only `\n`, Unicode-aware
// `\d`, `\w`, `\s` and `\b`, sre's case folding (regex-case.ts), and a backreference to a group that
// did not take part failing. What cannot be spelt out is reported as untranslatable, not guessed.
// Characters other than ASCII letters and digits are written as \u{...}, which is valid everywhere
// in a v-mode pattern. Pure.

import type { AtCode, Category, ParsedPattern, PyNode, SetItem } from './regex-parse.js'
import { MAXREPEAT, PY_FLAGS as FLAG, combineFlags } from './regex-parse.js'
import { asciiIsCased, asciiLower, asciiUpper, caseTables, isCased, lower1, upper1 } from './regex-case.js'

function hex(cp: number): string {
  return cp.toString(16)
}

function jsChar(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a))
    return String.fromCharCode(cp)
  return `\\u{${hex(cp)}}`
}

const UNICODE_SPACE =
  '[\\u{9}-\\u{d}\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}]'

function categoryClass(category: Category, ascii: boolean): string {
  switch (category) {
    case 'digit':
      return ascii ? '[0-9]' : '[\\p{Nd}]'
    case 'not_digit':
      return ascii ? '[^0-9]' : '[^\\p{Nd}]'
    case 'space':
      return ascii ? '[\\u{9}-\\u{d}\\u{20}]' : UNICODE_SPACE
    case 'not_space':
      return ascii ? '[^\\u{9}-\\u{d}\\u{20}]' : '[^' + UNICODE_SPACE.slice(1)
    case 'word':
      return ascii ? '[A-Za-z0-9_]' : '[\\p{L}\\p{N}_]'
    case 'not_word':
      return ascii ? '[^A-Za-z0-9_]' : '[^\\p{L}\\p{N}_]'
  }
}

/** A set of code points as sorted, disjoint ranges. */
type Ranges = [number, number][]

function normalise(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: Ranges = []
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1]
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi)
    else out.push([lo, hi])
  }
  return out
}

function rangesClass(ranges: Ranges): string {
  if (ranges.length === 0) return '[]'
  return (
    '[' + ranges.map(([lo, hi]) => (lo === hi ? jsChar(lo) : `${jsChar(lo)}-${jsChar(hi)}`)).join('') + ']'
  )
}

function pointsToRanges(points: Iterable<number>): Ranges {
  return normalise([...points].map((p): [number, number] => [p, p]))
}

interface EmitState {
  flags: number
  js: number
  /** Python group number to the JavaScript group number holding it. */
  groups: Map<number, number>
  /** Python groups certainly set on every path reaching the current point. */
  definite: Set<number>
  untranslatable: string | null
}

function unsupported(state: EmitState, reason: string): string {
  state.untranslatable ??= reason
  return ''
}

function wordClass(flags: number): string {
  return categoryClass('word', (flags & FLAG.UNICODE) === 0)
}

/** Membership in a charset item list (without NEGATE), for code point x, as sre evaluates it. */
function buildSetTester(items: readonly SetItem[], ascii: boolean): (cp: number) => boolean {
  const parts = items.filter((i) => i.op !== 'negate')
  const source = parts
    .map((item) => {
      switch (item.op) {
        case 'literal':
          return rangesClass([[item.cp, item.cp]])
        case 'range':
          return rangesClass([[item.lo, item.hi]])
        case 'category':
          return categoryClass(item.category, ascii)
        default:
          return ''
      }
    })
    .join('')
  const regex = new RegExp(`^[${source}]$`, 'v')
  return (cp) => regex.test(String.fromCodePoint(cp))
}

function emitSet(items: readonly SetItem[], flags: number): string {
  const ascii = (flags & FLAG.UNICODE) === 0
  const negate = items[0]?.op === 'negate'
  const members = items.filter((i) => i.op !== 'negate')
  const plain = (): string =>
    members
      .map((item) => {
        switch (item.op) {
          case 'literal':
            return jsChar(item.cp)
          case 'range':
            return `${jsChar(item.lo)}-${jsChar(item.hi)}`
          case 'category':
            return categoryClass(item.category, ascii)
          default:
            return ''
        }
      })
      .join('')
  if (!(flags & FLAG.IGNORECASE)) return `[${negate ? '^' : ''}${plain()}]`
  return emitCaseInsensitiveSet(members, negate, ascii) ?? `[${negate ? '^' : ''}${plain()}]`
}

/**
 * A charset under IGNORECASE, as sre compiles it. When no member is cased the set is matched as written.
 * Otherwise sre lower-cases the character and tests it against: the BMP literals and ranges lower-cased
 * (with their extra cases), non-BMP literals as written, non-BMP ranges (which also accept a character
 * whose upper case is in range), and the categories. Returns undefined when the set is matched as written.
 */
function emitCaseInsensitiveSet(
  members: readonly SetItem[],
  negate: boolean,
  ascii: boolean,
): string | undefined {
  const t = caseTables()
  const low = ascii ? asciiLower : lower1
  const charmap: number[] = []
  const tail: SetItem[] = []
  const tailRanges: [number, number][] = []
  let hascased = false
  const addLowered = (cp: number): void => {
    const lo = low(cp)
    charmap.push(lo)
    if (!ascii) for (const e of t.extra.get(lo) ?? []) charmap.push(e)
  }
  for (const item of members) {
    if (item.op === 'literal') {
      if (item.cp > 0xffff) {
        tail.push(item)
        hascased = true
        continue
      }
      addLowered(item.cp)
      if (ascii ? asciiIsCased(item.cp) : isCased(item.cp)) hascased = true
    } else if (item.op === 'range') {
      const bmpHi = Math.min(item.hi, 0xffff)
      for (let cp = item.lo; cp <= bmpHi; cp++) {
        addLowered(cp)
        if (!hascased && (ascii ? asciiIsCased(cp) : isCased(cp))) hascased = true
      }
      if (item.hi > 0xffff) {
        tailRanges.push([item.lo, item.hi])
        hascased = true
      }
    } else if (item.op === 'category') {
      tail.push(item)
    }
  }
  if (!hascased) return undefined
  const lowered = pointsToRanges(charmap)
  const tailTest = tail.length > 0 ? buildSetTester(tail, ascii) : (): boolean => false
  const member = (x: number): boolean => {
    if (lowered.some(([a, b]) => x >= a && x <= b) || tailTest(x)) return true
    for (const [a, b] of tailRanges) {
      if (x >= a && x <= b) return true
      const u = ascii ? asciiUpper(x) : upper1(x)
      if (u >= a && u <= b) return true
    }
    return false
  }
  // The set of x with member(x): as a JavaScript class.
  const parts = [rangesClass(lowered)]
  for (const item of tail) {
    parts.push(
      item.op === 'category'
        ? categoryClass(item.category, ascii)
        : item.op === 'literal'
          ? jsChar(item.cp)
          : '',
    )
  }
  for (const [a, b] of tailRanges) {
    parts.push(rangesClass([[a, b]]))
    const uppered: number[] = []
    for (const [cp, u] of t.uppered) if (u >= a && u <= b) uppered.push(cp)
    if (uppered.length > 0) parts.push(rangesClass(pointsToRanges(uppered)))
  }
  return loweredMembershipClass(`[${parts.join('')}]`, member, negate, ascii)
}

/**
 * The class of characters ch with member(lower(ch)), given `members` (the class of x with member(x)):
 * a character that is its own lower case is tested as it is; the finite rest one by one.
 */
function loweredMembershipClass(
  members: string,
  member: (x: number) => boolean,
  negate: boolean,
  ascii: boolean,
): string {
  const changed: number[] = []
  const accepted: number[] = []
  if (ascii) {
    for (let cp = 0x41; cp <= 0x5a; cp++) {
      changed.push(cp)
      if (member(cp + 32)) accepted.push(cp)
    }
  } else {
    for (const [cp, lo] of caseTables().lowered) {
      changed.push(cp)
      if (member(lo)) accepted.push(cp)
    }
  }
  const kept = `[${members}--${rangesClass(pointsToRanges(changed))}]`
  const body = accepted.length > 0 ? `${kept}${rangesClass(pointsToRanges(accepted))}` : kept
  return `[${negate ? '^' : ''}${body}]`
}

function emitLiteral(cp: number, negate: boolean, flags: number): string {
  if (flags & FLAG.IGNORECASE) {
    const ascii = (flags & FLAG.UNICODE) === 0
    if (ascii ? asciiIsCased(cp) : isCased(cp)) {
      // LITERAL_UNI_IGNORE: the character lower-cased equals the literal lower-cased (or one of its
      // extra cases); unlike a set member, a literal outside the BMP is lower-cased too.
      const lo = ascii ? asciiLower(cp) : lower1(cp)
      const targets = ascii ? [lo] : [lo, ...(caseTables().extra.get(lo) ?? [])]
      const ranges = pointsToRanges(targets)
      const member = (x: number): boolean => targets.includes(x)
      return loweredMembershipClass(rangesClass(ranges), member, negate, ascii)
    }
  }
  return negate ? `[^${jsChar(cp)}]` : jsChar(cp)
}

function emitAt(at: AtCode, flags: number): string {
  switch (at) {
    case 'beginning':
      return flags & FLAG.MULTILINE ? '(?<![^\\n])' : '(?<![\\s\\S])'
    case 'end':
      return flags & FLAG.MULTILINE ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))'
    case 'beginning_string':
      return '(?<![\\s\\S])'
    case 'end_string':
      return '(?![\\s\\S])'
    case 'boundary': {
      const w = wordClass(flags)
      return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`
    }
    case 'non_boundary': {
      const w = wordClass(flags)
      return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[\\s\\S])|(?=[\\s\\S])))`
    }
  }
}

function quantifier(min: number, max: number): string {
  if (max >= MAXREPEAT) return min === 0 ? '*' : min === 1 ? '+' : `{${min},}`
  if (min === 0 && max === 1) return '?'
  if (min === max) return `{${min}}`
  return `{${min},${max}}`
}

function emitSequence(nodes: readonly PyNode[], state: EmitState): string {
  let out = ''
  for (const node of nodes) out += emitNode(node, state)
  return out
}

function atomicWrap(inner: string, state: EmitState): string {
  // (?>X) is (?=(X))\k: the lookahead matches once, and the backreference consumes exactly that.
  const n = ++state.js
  return `(?=(?<g${n}>${inner}))\\k<g${n}>`
}

function emitNode(node: PyNode, state: EmitState): string {
  const flags = state.flags
  switch (node.op) {
    case 'literal':
      return emitLiteral(node.cp, false, flags)
    case 'not_literal':
      return emitLiteral(node.cp, true, flags)
    case 'in':
      return emitSet(node.items, flags)
    case 'any':
      return flags & FLAG.DOTALL ? '[\\s\\S]' : '[^\\n]'
    case 'at':
      return emitAt(node.at, flags)
    case 'named_char':
      return unsupported(state, '\\N{...} named characters (carbonkit has no Unicode name table)')
    case 'branch': {
      const before = new Set(state.definite)
      const parts: string[] = []
      const sets: Set<number>[] = []
      for (const alternative of node.alternatives) {
        state.definite = new Set(before)
        parts.push(emitSequence(alternative, state))
        sets.push(state.definite)
      }
      state.definite = new Set([...sets[0]!].filter((g) => sets.every((s) => s.has(g))))
      return `(?:${parts.join('|')})`
    }
    case 'subpattern': {
      const saved = state.flags
      state.flags = combineFlags(flags, node.add, node.del)
      let out: string
      if (node.group !== null) {
        const n = ++state.js
        const body = emitSequence(node.body, state)
        state.groups.set(node.group, n)
        state.definite.add(node.group)
        out = `(?<g${n}>${body})`
      } else {
        out = `(?:${emitSequence(node.body, state)})`
      }
      state.flags = saved
      return out
    }
    case 'atomic':
      return atomicWrap(emitSequence(node.body, state), state)
    case 'repeat': {
      const before = new Set(state.definite)
      const body = emitSequence(node.body, state)
      if (node.min === 0) state.definite = before
      const repeated = `(?:${body})${quantifier(node.min, node.max)}${node.mode === 'lazy' ? '?' : ''}`
      return node.mode === 'possessive' ? atomicWrap(repeated, state) : repeated
    }
    case 'assert': {
      const before = new Set(state.definite)
      const body = emitSequence(node.body, state)
      if (node.negate || node.behind) state.definite = before
      const kind = (node.behind ? '<' : '') + (node.negate ? '!' : '=')
      return `(?${kind}${body})`
    }
    case 'groupref': {
      if (flags & FLAG.IGNORECASE) {
        return unsupported(state, 'a backreference under IGNORECASE (Python compares lower-cased characters)')
      }
      const js = state.groups.get(node.group)
      if (js === undefined || !state.definite.has(node.group)) {
        return unsupported(
          state,
          `a backreference to group ${node.group}, which may not take part in the match (Python then fails; JavaScript matches nothing)`,
        )
      }
      return `\\k<g${js}>`
    }
    case 'groupref_exists':
      return unsupported(state, 'a (?(group)yes|no) conditional')
  }
}

const SURROGATE = /[\ud800-\udfff]/

/**
 * re.search through the translation. V8 may try a match starting between the two halves of a
 * surrogate pair, where a look-behind sees no character, so a text with astral characters is searched
 * with a sticky regex at each code-point boundary instead.
 */
function searcher(source: string): (text: string) => boolean {
  const regex = new RegExp(source, 'v')
  const sticky = new RegExp(source, 'vy')
  return (text) => {
    if (!SURROGATE.test(text)) return regex.test(text)
    let index = 0
    for (;;) {
      sticky.lastIndex = index
      if (sticky.test(text)) return true
      if (index >= text.length) return false
      const cp = text.codePointAt(index)!
      index += cp > 0xffff ? 2 : 1
    }
  }
}

/** The JavaScript equivalent of a pattern, or why there is none. */
export type JsTranslation =
  | {
      ok: true
      source: string
      search: (text: string) => boolean
      /** Python group number to the JavaScript named group `g<n>` that holds it. */
      groups: ReadonlyMap<number, number>
    }
  | { ok: false; reason: string }

/** Translate a parsed pattern to JavaScript, with a re.search over the translation. Never throws. */
export function translateToJavaScript(parsed: ParsedPattern): JsTranslation {
  if (parsed.unknownNamedCharacter) {
    return { ok: false, reason: '\\N{...} named characters (carbonkit has no Unicode name table)' }
  }
  if (parsed.flags & FLAG.TEMPLATE) return { ok: false, reason: 'the deprecated (?t) TEMPLATE flag' }
  const state: EmitState = {
    flags: parsed.flags,
    js: 0,
    groups: new Map(),
    definite: new Set(),
    untranslatable: null,
  }
  const source = emitSequence(parsed.nodes, state)
  if (state.untranslatable !== null) return { ok: false, reason: state.untranslatable }
  try {
    return { ok: true, source, search: searcher(source), groups: state.groups }
  } catch (error) {
    return { ok: false, reason: `JavaScript rejects the translation (${(error as Error).message})` }
  }
}
