// Python 3.11 `re` patterns, as carbon compiles them (str patterns, re.search), parsed with Python's
// own grammar and translated to an equivalent JavaScript RegExp (flag `v`). Pure.
//
// Why not hand the pattern to JavaScript? The two dialects disagree on what is valid and on what a
// valid pattern means. Python has `(?P<name>...)`, `(?P=name)`, `(?#...)`, `\Z`, `{,n}`, inline
// flags, possessive quantifiers, atomic groups and conditionals; JavaScript rejects some and reads
// others differently. And where both accept a pattern: Python's `$` also matches before a final
// newline, `.` excludes only `\n`, `\d`, `\w`, `\s` and `\b` are Unicode-aware, case-insensitive
// matching lower-cases both sides (with a table of extra equivalences), and a backreference to a
// group that did not take part fails instead of matching the empty string.
//
// So the pattern is parsed exactly as Python 3.11's re._parser does (same errors, same positions,
// counted in code points), and every node is emitted as JavaScript with Python's meaning spelt out.
// What cannot be spelt out (conditionals, `\N{name}`, some backreferences, the deprecated TEMPLATE
// flag) is reported as untranslatable rather than guessed.

import { MAX_UINT32 } from '../whisper/format.js'

/** Python's MAXREPEAT (sre's 32-bit limit): `{n}` with n >= MAXREPEAT raises OverflowError. */
const MAXREPEAT = MAX_UINT32
const MAXGROUPS = 1073741823

const FLAG = {
  IGNORECASE: 2,
  LOCALE: 4,
  MULTILINE: 8,
  DOTALL: 16,
  UNICODE: 32,
  VERBOSE: 64,
  ASCII: 256,
  TEMPLATE: 1,
} as const
const TYPE_FLAGS = FLAG.ASCII | FLAG.LOCALE | FLAG.UNICODE
const GLOBAL_FLAGS = FLAG.TEMPLATE
const FLAG_LETTERS: Record<string, number> = {
  i: FLAG.IGNORECASE,
  L: FLAG.LOCALE,
  m: FLAG.MULTILINE,
  s: FLAG.DOTALL,
  x: FLAG.VERBOSE,
  a: FLAG.ASCII,
  t: FLAG.TEMPLATE,
  u: FLAG.UNICODE,
}

export type Category = 'digit' | 'not_digit' | 'space' | 'not_space' | 'word' | 'not_word'

export type SetItem =
  | { op: 'literal'; cp: number }
  | { op: 'range'; lo: number; hi: number }
  | { op: 'category'; category: Category }
  | { op: 'negate' }

export type AtCode = 'beginning' | 'end' | 'beginning_string' | 'end_string' | 'boundary' | 'non_boundary'

/** A node of the parsed pattern, as Python's SubPattern items (opcode and argument). */
export type PyNode =
  | { op: 'literal'; cp: number }
  | { op: 'not_literal'; cp: number }
  | { op: 'in'; items: SetItem[] }
  | { op: 'any' }
  | { op: 'at'; at: AtCode }
  | { op: 'branch'; alternatives: PyNode[][] }
  | { op: 'subpattern'; group: number | null; add: number; del: number; body: PyNode[] }
  | { op: 'atomic'; body: PyNode[] }
  | { op: 'repeat'; mode: 'greedy' | 'lazy' | 'possessive'; min: number; max: number; body: PyNode[] }
  | { op: 'assert'; behind: boolean; negate: boolean; body: PyNode[] }
  | { op: 'groupref'; group: number }
  | { op: 'groupref_exists'; group: number; yes: PyNode[]; no: PyNode[] | null }
  | { op: 'named_char'; name: string }

/** Python's exception for a pattern re.compile rejects: re.error, OverflowError or ValueError. */
export interface PyRegexError {
  pythonType: 're.error' | 'OverflowError' | 'ValueError'
  /** Python's message, with ` at position N` as str(re.error) adds it. */
  message: string
  /** Code-point offset in the pattern, when Python gives one. */
  position?: number
}

/** A construct Python reads one way and JavaScript, Go or PCRE another way (or not at all). */
export interface PythonOnlyFeature {
  feature: string
  position: number
}

export interface ParsedPattern {
  nodes: PyNode[]
  /** Global flags after Python's fix_flags (UNICODE added unless ASCII). */
  flags: number
  groups: number
  pythonOnly: PythonOnlyFeature[]
  /** A \N{...} inside a set (its code point is unknown here). */
  unknownNamedCharacter: boolean
}

export type PyRegex =
  | {
      valid: true
      pattern: string
      parsed: ParsedPattern
      /** The JavaScript equivalent, or why there is none. */
      js: { ok: true; source: string; search: (text: string) => boolean } | { ok: false; reason: string }
    }
  | { valid: false; pattern: string; error: PyRegexError }

class PatternError extends Error {
  constructor(readonly detail: PyRegexError) {
    super(detail.message)
  }
}

function reError(message: string, position?: number): PatternError {
  return new PatternError({
    pythonType: 're.error',
    message: position === undefined ? message : `${message} at position ${position}`,
    position,
  })
}

const DIGITS = '0123456789'
const OCTDIGITS = '01234567'
const HEXDIGITS = '0123456789abcdefABCDEF'
const ASCIILETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
const WHITESPACE = ' \t\n\r\v\f'
const SPECIAL_CHARS = '.\\[{()*+?^$|'
const REPEAT_CHARS = '*+?{'

const ESCAPES: Record<string, number> = {
  '\\a': 7,
  '\\b': 8,
  '\\f': 12,
  '\\n': 10,
  '\\r': 13,
  '\\t': 9,
  '\\v': 11,
  '\\\\': 92,
}
const CATEGORY_ESCAPES: Record<string, Category> = {
  '\\d': 'digit',
  '\\D': 'not_digit',
  '\\s': 'space',
  '\\S': 'not_space',
  '\\w': 'word',
  '\\W': 'not_word',
}
const AT_ESCAPES: Record<string, AtCode> = {
  '\\A': 'beginning_string',
  '\\b': 'boundary',
  '\\B': 'non_boundary',
  '\\Z': 'end_string',
}

/** Python's str.isidentifier(), approximated with Unicode's ID_Start / ID_Continue. */
function isIdentifier(name: string): boolean {
  return /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(name)
}

function inString(ch: string | null, set: string): boolean {
  return ch !== null && ch.length === 1 && set.includes(ch)
}

// re._parser.Tokenizer over code points: a token is one character or a backslash and the next one.
class Source {
  private readonly chars: string[]
  private index = 0
  next: string | null = null

  constructor(pattern: string) {
    this.chars = Array.from(pattern)
    this.advance()
  }

  private advance(): void {
    let index = this.index
    if (index >= this.chars.length) {
      this.next = null
      return
    }
    let char = this.chars[index]!
    if (char === '\\') {
      index += 1
      if (index >= this.chars.length) throw reError('bad escape (end of pattern)', this.chars.length - 1)
      char += this.chars[index]!
    }
    this.index = index + 1
    this.next = char
  }

  match(char: string): boolean {
    if (char === this.next) {
      this.advance()
      return true
    }
    return false
  }

  get(): string | null {
    const current = this.next
    this.advance()
    return current
  }

  getwhile(n: number, charset: string): string {
    let result = ''
    for (let i = 0; i < n; i++) {
      const c = this.next
      if (!inString(c, charset)) break
      result += c
      this.advance()
    }
    return result
  }

  getuntil(terminator: string, name: string): string {
    let result = ''
    for (;;) {
      const c = this.next
      this.advance()
      if (c === null) {
        if (!result) throw this.error(`missing ${name}`)
        throw this.error(`missing ${terminator}, unterminated name`, Array.from(result).length)
      }
      if (c === terminator) {
        if (!result) throw this.error(`missing ${name}`, 1)
        break
      }
      result += c
    }
    return result
  }

  tell(): number {
    return this.index - (this.next === null ? 0 : Array.from(this.next).length)
  }

  seek(index: number): void {
    this.index = index
    this.advance()
  }

  error(message: string, offset = 0): PatternError {
    return reError(message, this.tell() - offset)
  }

  checkgroupname(name: string, offset: number): void {
    if (!isIdentifier(name)) {
      throw this.error(`bad character in group name ${pyRepr(name)}`, Array.from(name).length + offset)
    }
  }
}

/** Python's repr() of a str, close enough for error messages. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0')
    else out += ch
  }
  return quote + out + quote
}

interface State {
  flags: number
  groupdict: Map<string, number>
  groupwidths: ([number, number] | null)[]
  lookbehindgroups: number | null
  grouprefpos: Map<number, number>
  pythonOnly: PythonOnlyFeature[]
  /** Where the first look-behind of variable width starts (the compiler rejects it after parsing). */
  variableLookbehind?: number
  /** A \N{...} inside a set: its value is unknown here, so the set cannot be translated. */
  namedInSet?: boolean
}

function groupCount(state: State): number {
  return state.groupwidths.length
}

function checkgroup(state: State, gid: number): boolean {
  return gid < groupCount(state) && state.groupwidths[gid] !== null
}

function checklookbehindgroup(state: State, gid: number, source: Source): void {
  if (state.lookbehindgroups !== null) {
    if (!checkgroup(state, gid)) throw source.error('cannot refer to an open group')
    if (gid >= state.lookbehindgroups)
      throw source.error('cannot refer to group defined in the same lookbehind subpattern')
  }
}

function note(state: State, feature: string, position: number): void {
  state.pythonOnly.push({ feature, position })
}

/** Python's SubPattern.getwidth(): the (min, max) number of characters a sequence can match. */
export function widthOf(
  nodes: readonly PyNode[],
  groupwidths: readonly ([number, number] | null)[],
): [number, number] {
  let lo = 0
  let hi = 0
  for (const node of nodes) {
    switch (node.op) {
      case 'branch': {
        let i = MAXREPEAT - 1
        let j = 0
        for (const alternative of node.alternatives) {
          const [l, h] = widthOf(alternative, groupwidths)
          i = Math.min(i, l)
          j = Math.max(j, h)
        }
        lo += i
        hi += j
        break
      }
      case 'atomic':
      case 'subpattern': {
        const [i, j] = widthOf(node.body, groupwidths)
        lo += i
        hi += j
        break
      }
      case 'repeat': {
        const [i, j] = widthOf(node.body, groupwidths)
        lo += i * node.min
        hi += j * node.max
        break
      }
      case 'any':
      case 'in':
      case 'literal':
      case 'not_literal':
      case 'named_char':
        lo += 1
        hi += 1
        break
      case 'groupref': {
        const [i, j] = groupwidths[node.group] ?? [0, 0]
        lo += i
        hi += j
        break
      }
      case 'groupref_exists': {
        let [i, j] = widthOf(node.yes, groupwidths)
        if (node.no !== null) {
          const [l, h] = widthOf(node.no, groupwidths)
          i = Math.min(i, l)
          j = Math.max(j, h)
        } else {
          i = 0
        }
        lo += i
        hi += j
        break
      }
      case 'at':
      case 'assert':
        break
    }
  }
  return [Math.min(lo, MAXREPEAT - 1), Math.min(hi, MAXREPEAT)]
}

function codePointOf(ch: string): number {
  return ch.codePointAt(0)!
}

function classEscape(source: Source, escape: string): SetItem | { op: 'named'; name: string } {
  const code = ESCAPES[escape]
  if (code !== undefined) return { op: 'literal', cp: code }
  const category = CATEGORY_ESCAPES[escape]
  if (category !== undefined) return { op: 'category', category }
  const c = escape.slice(1)
  if (c === 'x') {
    const digits = source.getwhile(2, HEXDIGITS)
    if (digits.length !== 2) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    return { op: 'literal', cp: parseInt(digits, 16) }
  }
  if (c === 'u') {
    const digits = source.getwhile(4, HEXDIGITS)
    if (digits.length !== 4) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    return { op: 'literal', cp: parseInt(digits, 16) }
  }
  if (c === 'U') {
    const digits = source.getwhile(8, HEXDIGITS)
    if (digits.length !== 8) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    const cp = parseInt(digits, 16)
    if (cp > 0x10ffff) throw source.error(`bad escape ${escape}${digits}`, 10)
    return { op: 'literal', cp }
  }
  if (c === 'N') {
    if (!source.match('{')) throw source.error('missing {')
    const name = source.getuntil('}', 'character name')
    return { op: 'named', name }
  }
  if (OCTDIGITS.includes(c)) {
    const more = source.getwhile(2, OCTDIGITS)
    const value = parseInt(c + more, 8)
    if (value > 0o377) {
      throw source.error(`octal escape value ${escape}${more} outside of range 0-0o377`, 2 + more.length)
    }
    return { op: 'literal', cp: value }
  }
  if (DIGITS.includes(c)) throw source.error(`bad escape ${escape}`, 2)
  if (ASCIILETTERS.includes(c)) throw source.error(`bad escape ${escape}`, 2)
  return { op: 'literal', cp: codePointOf(c) }
}

function escapeNode(source: Source, escape: string, state: State): PyNode {
  const at = AT_ESCAPES[escape]
  if (at !== undefined) {
    if (escape === '\\Z') note(state, '\\Z (end of string only)', source.tell() - 2)
    return { op: 'at', at }
  }
  const category = CATEGORY_ESCAPES[escape]
  if (category !== undefined) return { op: 'in', items: [{ op: 'category', category }] }
  const code = ESCAPES[escape]
  if (code !== undefined) return { op: 'literal', cp: code }
  const c = escape.slice(1)
  if (c === 'x') {
    const digits = source.getwhile(2, HEXDIGITS)
    if (digits.length !== 2) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    return { op: 'literal', cp: parseInt(digits, 16) }
  }
  if (c === 'u') {
    const digits = source.getwhile(4, HEXDIGITS)
    if (digits.length !== 4) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    return { op: 'literal', cp: parseInt(digits, 16) }
  }
  if (c === 'U') {
    const digits = source.getwhile(8, HEXDIGITS)
    if (digits.length !== 8) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
    const cp = parseInt(digits, 16)
    if (cp > 0x10ffff) throw source.error(`bad escape ${escape}${digits}`, 10)
    return { op: 'literal', cp }
  }
  if (c === 'N') {
    const position = source.tell() - 2
    if (!source.match('{')) throw source.error('missing {')
    const name = source.getuntil('}', 'character name')
    note(state, '\\N{...} named character', position)
    return { op: 'named_char', name }
  }
  if (c === '0') {
    const more = source.getwhile(2, OCTDIGITS)
    return { op: 'literal', cp: parseInt(c + more, 8) }
  }
  if (DIGITS.includes(c)) {
    let digits = c
    if (inString(source.next, DIGITS)) {
      digits += source.get()!
      if (
        OCTDIGITS.includes(digits[0]!) &&
        OCTDIGITS.includes(digits[1]!) &&
        inString(source.next, OCTDIGITS)
      ) {
        digits += source.get()!
        const value = parseInt(digits, 8)
        if (value > 0o377) {
          throw source.error(`octal escape value \\${digits} outside of range 0-0o377`, 1 + digits.length)
        }
        return { op: 'literal', cp: value }
      }
    }
    const group = Number(digits)
    if (group < groupCount(state)) {
      if (!checkgroup(state, group)) throw source.error('cannot refer to an open group', 1 + digits.length)
      checklookbehindgroup(state, group, source)
      return { op: 'groupref', group }
    }
    throw source.error(`invalid group reference ${group}`, digits.length)
  }
  if (ASCIILETTERS.includes(c)) throw source.error(`bad escape ${escape}`, 2)
  return { op: 'literal', cp: codePointOf(c) }
}

function sameNode(a: PyNode, b: PyNode): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function uniqueItems(items: SetItem[]): SetItem[] {
  const seen = new Set<string>()
  const out: SetItem[] = []
  for (const item of items) {
    const key = JSON.stringify(item)
    if (!seen.has(key)) {
      seen.add(key)
      out.push(item)
    }
  }
  return out
}

function parseSub(source: Source, state: State, verbose: boolean, nested: number): PyNode[] {
  const items: PyNode[][] = []
  for (;;) {
    items.push(parseSequence(source, state, verbose, nested + 1, nested === 0 && items.length === 0))
    if (!source.match('|')) break
    if (nested === 0) verbose = (state.flags & FLAG.VERBOSE) !== 0
  }
  if (items.length === 1) return items[0]!

  // Python moves a prefix common to every alternative out of the branch, and turns a branch of
  // single characters into a set. Kept because a set and a literal differ under IGNORECASE.
  const out: PyNode[] = []
  for (;;) {
    let prefix: PyNode | null = null
    let common = true
    for (const item of items) {
      if (item.length === 0) {
        common = false
        break
      }
      if (prefix === null) prefix = item[0]!
      else if (!sameNode(item[0]!, prefix)) {
        common = false
        break
      }
    }
    if (!common || prefix === null) break
    for (const item of items) item.shift()
    out.push(prefix)
  }
  const set: SetItem[] = []
  let allSingle = true
  for (const item of items) {
    if (item.length !== 1) {
      allSingle = false
      break
    }
    const node = item[0]!
    if (node.op === 'literal') set.push({ op: 'literal', cp: node.cp })
    else if (node.op === 'in' && node.items[0]?.op !== 'negate') set.push(...node.items)
    else {
      allSingle = false
      break
    }
  }
  if (allSingle) {
    out.push({ op: 'in', items: uniqueItems(set) })
    return out
  }
  out.push({ op: 'branch', alternatives: items })
  return out
}

function parseFlags(source: Source, state: State, first: string): { add: number; del: number } | null {
  let add = 0
  let del = 0
  let char: string | null = first
  if (char !== '-') {
    for (;;) {
      const flag = FLAG_LETTERS[char!]!
      if (char === 'L') throw source.error("bad inline flags: cannot use 'L' flag with a str pattern")
      add |= flag
      if (flag & TYPE_FLAGS && (add & TYPE_FLAGS) !== flag) {
        throw source.error("bad inline flags: flags 'a', 'u' and 'L' are incompatible")
      }
      char = source.get()
      if (char === null) throw source.error('missing -, : or )')
      if (')-:'.includes(char) && char.length === 1) break
      if (FLAG_LETTERS[char] === undefined) {
        throw source.error(
          /^\p{L}$/u.test(char) ? 'unknown flag' : 'missing -, : or )',
          Array.from(char).length,
        )
      }
    }
  }
  if (char === ')') {
    state.flags |= add
    return null
  }
  if (add & GLOBAL_FLAGS) throw source.error('bad inline flags: cannot turn on global flag', 1)
  if (char === '-') {
    char = source.get()
    if (char === null) throw source.error('missing flag')
    if (FLAG_LETTERS[char] === undefined) {
      throw source.error(/^\p{L}$/u.test(char) ? 'unknown flag' : 'missing flag', Array.from(char).length)
    }
    for (;;) {
      const flag = FLAG_LETTERS[char]!
      if (flag & TYPE_FLAGS) throw source.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'")
      del |= flag
      char = source.get()
      if (char === null) throw source.error('missing :')
      if (char === ':') break
      if (FLAG_LETTERS[char] === undefined) {
        throw source.error(/^\p{L}$/u.test(char) ? 'unknown flag' : 'missing :', Array.from(char).length)
      }
    }
  }
  if (del & GLOBAL_FLAGS) throw source.error('bad inline flags: cannot turn off global flag', 1)
  if (add & del) throw source.error('bad inline flags: flag turned on and off', 1)
  return { add, del }
}

function parseSequence(
  source: Source,
  state: State,
  verbose: boolean,
  nested: number,
  first: boolean,
): PyNode[] {
  const subpattern: PyNode[] = []
  for (;;) {
    const current = source.next
    if (current === null) break
    if (current === '|' || current === ')') break
    source.get()

    if (verbose) {
      if (inString(current, WHITESPACE)) continue
      if (current === '#') {
        for (;;) {
          const c = source.get()
          if (c === null || c === '\n') break
        }
        continue
      }
    }

    if (current[0] === '\\') {
      subpattern.push(escapeNode(source, current, state))
    } else if (!inString(current, SPECIAL_CHARS)) {
      subpattern.push({ op: 'literal', cp: codePointOf(current) })
    } else if (current === '[') {
      const here = source.tell() - 1
      const set: SetItem[] = []
      const negate = source.match('^')
      for (;;) {
        const token = source.get()
        if (token === null) throw source.error('unterminated character set', source.tell() - here)
        if (token === ']' && set.length > 0) break
        let code1: SetItem | { op: 'named'; name: string }
        if (token[0] === '\\') code1 = classEscape(source, token)
        else code1 = { op: 'literal', cp: codePointOf(token) }
        if (code1.op === 'named') {
          note(state, '\\N{...} named character', here)
          state.namedInSet = true
          code1 = { op: 'literal', cp: 0xfffd }
        }
        if (source.match('-')) {
          const that = source.get()
          if (that === null) throw source.error('unterminated character set', source.tell() - here)
          if (that === ']') {
            set.push(code1)
            set.push({ op: 'literal', cp: 45 })
            break
          }
          let code2: SetItem | { op: 'named'; name: string }
          if (that[0] === '\\') code2 = classEscape(source, that)
          else code2 = { op: 'literal', cp: codePointOf(that) }
          if (code2.op === 'named') {
            state.namedInSet = true
            code2 = { op: 'literal', cp: 0xfffd }
          }
          if (code1.op !== 'literal' || code2.op !== 'literal') {
            throw source.error(
              `bad character range ${token}-${that}`,
              Array.from(token).length + 1 + Array.from(that).length,
            )
          }
          if (code2.cp < code1.cp) {
            throw source.error(
              `bad character range ${token}-${that}`,
              Array.from(token).length + 1 + Array.from(that).length,
            )
          }
          set.push({ op: 'range', lo: code1.cp, hi: code2.cp })
        } else {
          set.push(code1)
        }
      }
      const unique = uniqueItems(set)
      const only = unique.length === 1 ? unique[0]! : undefined
      if (only !== undefined && only.op === 'literal') {
        const cp = only.cp
        subpattern.push(negate ? { op: 'not_literal', cp } : { op: 'literal', cp })
      } else {
        subpattern.push({ op: 'in', items: negate ? [{ op: 'negate' }, ...unique] : unique })
      }
    } else if (inString(current, REPEAT_CHARS)) {
      const here = source.tell()
      let min: number
      let max: number
      if (current === '?') {
        min = 0
        max = 1
      } else if (current === '*') {
        min = 0
        max = MAXREPEAT
      } else if (current === '+') {
        min = 1
        max = MAXREPEAT
      } else {
        if (source.next === '}') {
          subpattern.push({ op: 'literal', cp: 123 })
          continue
        }
        min = 0
        max = MAXREPEAT
        let lo = ''
        let hi = ''
        while (inString(source.next, DIGITS)) lo += source.get()!
        if (source.match(',')) {
          while (inString(source.next, DIGITS)) hi += source.get()!
          if (!lo) note(state, '{,n} quantifier (a literal in JavaScript and PCRE)', here - 1)
        } else {
          hi = lo
        }
        if (!source.match('}')) {
          subpattern.push({ op: 'literal', cp: 123 })
          source.seek(here)
          continue
        }
        if (lo) {
          min = Number(lo)
          if (min >= MAXREPEAT) throw overflow()
        }
        if (hi) {
          max = Number(hi)
          if (max >= MAXREPEAT) throw overflow()
          if (max < min) throw source.error('min repeat greater than max repeat', source.tell() - here)
        }
      }
      const last = subpattern[subpattern.length - 1]
      if (last === undefined || last.op === 'at') {
        throw source.error('nothing to repeat', source.tell() - here + current.length)
      }
      if (last.op === 'repeat') throw source.error('multiple repeat', source.tell() - here + current.length)
      const body =
        last.op === 'subpattern' && last.group === null && last.add === 0 && last.del === 0
          ? last.body
          : [last]
      let mode: 'greedy' | 'lazy' | 'possessive' = 'greedy'
      if (source.match('?')) mode = 'lazy'
      else if (source.match('+')) {
        mode = 'possessive'
        note(state, 'possessive quantifier', source.tell() - 1)
      }
      subpattern[subpattern.length - 1] = { op: 'repeat', mode, min, max, body }
    } else if (current === '.') {
      subpattern.push({ op: 'any' })
    } else if (current === '(') {
      const start = source.tell() - 1
      let capture = true
      let atomic = false
      let name: string | null = null
      let add = 0
      let del = 0
      if (source.match('?')) {
        const char = source.get()
        if (char === null) throw source.error('unexpected end of pattern')
        if (char === 'P') {
          if (source.match('<')) {
            name = source.getuntil('>', 'group name')
            source.checkgroupname(name, 1)
            note(state, '(?P<name>...) named group', start)
          } else if (source.match('=')) {
            const refName = source.getuntil(')', 'group name')
            source.checkgroupname(refName, 1)
            const gid = state.groupdict.get(refName)
            if (gid === undefined) {
              throw source.error(`unknown group name ${pyRepr(refName)}`, Array.from(refName).length + 1)
            }
            if (!checkgroup(state, gid)) {
              throw source.error('cannot refer to an open group', Array.from(refName).length + 1)
            }
            checklookbehindgroup(state, gid, source)
            note(state, '(?P=name) backreference', start)
            subpattern.push({ op: 'groupref', group: gid })
            continue
          } else {
            const next = source.get()
            if (next === null) throw source.error('unexpected end of pattern')
            throw source.error(`unknown extension ?P${next}`, Array.from(next).length + 2)
          }
        } else if (char === ':') {
          capture = false
        } else if (char === '#') {
          for (;;) {
            if (source.next === null) {
              throw source.error('missing ), unterminated comment', source.tell() - start)
            }
            if (source.get() === ')') break
          }
          note(state, '(?#...) comment', start)
          continue
        } else if (char === '=' || char === '!' || char === '<') {
          let behind = false
          let kind = char
          let outerLookbehind: number | null = null
          if (char === '<') {
            const next = source.get()
            if (next === null) throw source.error('unexpected end of pattern')
            if (next !== '=' && next !== '!')
              throw source.error(`unknown extension ?<${next}`, Array.from(next).length + 2)
            kind = next
            behind = true
            outerLookbehind = state.lookbehindgroups
            if (outerLookbehind === null) state.lookbehindgroups = groupCount(state)
          }
          const body = parseSub(source, state, verbose, nested + 1)
          if (behind && outerLookbehind === null) state.lookbehindgroups = null
          if (!source.match(')'))
            throw source.error('missing ), unterminated subpattern', source.tell() - start)
          if (behind) {
            const [lo, hi] = widthOf(body, state.groupwidths)
            if (lo !== hi) state.variableLookbehind ??= start
          }
          subpattern.push({ op: 'assert', behind, negate: kind === '!', body })
          continue
        } else if (char === '(') {
          const condname = source.getuntil(')', 'group name')
          let condgroup: number
          if (isIdentifier(condname)) {
            source.checkgroupname(condname, 1)
            const gid = state.groupdict.get(condname)
            if (gid === undefined) {
              throw source.error(`unknown group name ${pyRepr(condname)}`, Array.from(condname).length + 1)
            }
            condgroup = gid
          } else {
            const value = /^[+-]?\d+$/u.test(condname.trim()) ? Number(condname.trim()) : NaN
            if (!Number.isInteger(value) || value < 0) {
              throw source.error(
                `bad character in group name ${pyRepr(condname)}`,
                Array.from(condname).length + 1,
              )
            }
            condgroup = value
            if (condgroup === 0) throw source.error('bad group number', Array.from(condname).length + 1)
            if (condgroup >= MAXGROUPS) {
              throw source.error(`invalid group reference ${condgroup}`, Array.from(condname).length + 1)
            }
            if (!state.grouprefpos.has(condgroup)) {
              state.grouprefpos.set(condgroup, source.tell() - Array.from(condname).length - 1)
            }
          }
          checklookbehindgroup(state, condgroup, source)
          const yes = parseSequence(source, state, verbose, nested + 1, false)
          let no: PyNode[] | null = null
          if (source.match('|')) {
            no = parseSequence(source, state, verbose, nested + 1, false)
            if (source.next === '|') throw source.error('conditional backref with more than two branches')
          }
          if (!source.match(')'))
            throw source.error('missing ), unterminated subpattern', source.tell() - start)
          note(state, '(?(group)yes|no) conditional', start)
          subpattern.push({ op: 'groupref_exists', group: condgroup, yes, no })
          continue
        } else if (char === '>') {
          capture = false
          atomic = true
          note(state, '(?>...) atomic group', start)
        } else if (FLAG_LETTERS[char] !== undefined || char === '-') {
          const flags = parseFlags(source, state, char)
          if (flags === null) {
            if (!first || subpattern.length > 0) {
              throw source.error('global flags not at the start of the expression', source.tell() - start)
            }
            note(state, '(?flags) inline flags', start)
            verbose = (state.flags & FLAG.VERBOSE) !== 0
            continue
          }
          add = flags.add
          del = flags.del
          capture = false
          note(state, '(?flags:...) scoped flags', start)
        } else {
          throw source.error(`unknown extension ?${char}`, char.length + 1)
        }
      }
      let group: number | null = null
      if (capture) {
        group = groupCount(state)
        state.groupwidths.push(null)
        if (groupCount(state) > MAXGROUPS) throw source.error('too many groups', name ? name.length + 1 : 0)
        if (name !== null) {
          const previous = state.groupdict.get(name)
          if (previous !== undefined) {
            throw source.error(
              `redefinition of group name ${pyRepr(name)} as group ${group}; was group ${previous}`,
              Array.from(name).length + 1,
            )
          }
          state.groupdict.set(name, group)
        }
      }
      const subVerbose = (verbose || (add & FLAG.VERBOSE) !== 0) && (del & FLAG.VERBOSE) === 0
      const body = parseSub(source, state, subVerbose, nested + 1)
      if (!source.match(')')) throw source.error('missing ), unterminated subpattern', source.tell() - start)
      if (group !== null) state.groupwidths[group] = widthOf(body, state.groupwidths)
      if (atomic) subpattern.push({ op: 'atomic', body })
      else subpattern.push({ op: 'subpattern', group, add, del, body })
    } else if (current === '^') {
      subpattern.push({ op: 'at', at: 'beginning' })
    } else if (current === '$') {
      subpattern.push({ op: 'at', at: 'end' })
    }
  }
  // Python unpacks non-capturing groups without flags into the sequence.
  const out: PyNode[] = []
  for (const node of subpattern) {
    if (node.op === 'subpattern' && node.group === null && node.add === 0 && node.del === 0)
      out.push(...node.body)
    else out.push(node)
  }
  return out
}

function overflow(): PatternError {
  return new PatternError({ pythonType: 'OverflowError', message: 'the repetition number is too large' })
}

/**
 * Parse a pattern as Python 3.11's re.compile does (str pattern, no flags argument). Pure.
 * @returns the parse, or the exception Python raises
 */
export function parsePythonPattern(
  pattern: string,
): { ok: true; parsed: ParsedPattern } | { ok: false; error: PyRegexError } {
  const state: State = {
    flags: 0,
    groupdict: new Map(),
    groupwidths: [null],
    lookbehindgroups: null,
    grouprefpos: new Map(),
    pythonOnly: [],
  }
  state.groupwidths[0] = [0, 0]
  try {
    const source = new Source(pattern)
    const nodes = parseSub(source, state, false, 0)
    if (state.flags & FLAG.ASCII && state.flags & FLAG.UNICODE) {
      throw new PatternError({
        pythonType: 'ValueError',
        message: 'ASCII and UNICODE flags are incompatible',
      })
    }
    if (!(state.flags & FLAG.ASCII)) state.flags |= FLAG.UNICODE
    if (source.next !== null) throw source.error('unbalanced parenthesis')
    for (const [group, position] of state.grouprefpos) {
      if (group >= groupCount(state)) throw reError(`invalid group reference ${group}`, position)
    }
    // The compiler, not the parser, checks look-behind widths (without a position).
    if (state.variableLookbehind !== undefined) throw reError('look-behind requires fixed-width pattern')
    if (state.flags & FLAG.TEMPLATE) note(state, '(?t) template flag', 0)
    return {
      ok: true,
      parsed: {
        nodes,
        flags: state.flags,
        groups: groupCount(state),
        pythonOnly: state.pythonOnly,
        unknownNamedCharacter: state.namedInSet === true,
      },
    }
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, error: error.detail }
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------
// Case-insensitive matching as sre does it for str patterns: both sides lower-cased with the simple
// mapping (the first code point of Unicode's full mapping), plus "extra cases": different lower-case
// letters whose upper case is the same (i and dotless ı, s and long ſ, µ and μ...).

function lower1(cp: number): number {
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0)!
}

function upper1(cp: number): number {
  return String.fromCodePoint(cp).toUpperCase().codePointAt(0)!
}

function isCased(cp: number): boolean {
  return lower1(cp) !== cp || upper1(cp) !== cp
}

interface CaseTables {
  /** Code points whose lower case differs from themselves, with that lower case. */
  lowered: Map<number, number>
  /** Code points whose upper case differs from themselves, with that upper case. */
  uppered: Map<number, number>
  /** sre's _EXTRA_CASES: a lower-case letter to the other lower-case letters with the same upper case. */
  extra: Map<number, number[]>
}

let caseTables: CaseTables | undefined

function tables(): CaseTables {
  if (caseTables) return caseTables
  const lowered = new Map<number, number>()
  const uppered = new Map<number, number>()
  const byUpper = new Map<string, Set<number>>()
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const ch = String.fromCodePoint(cp)
    const lower = ch.toLowerCase()
    const upper = ch.toUpperCase()
    if (lower === ch && upper === ch) continue
    const l = lower.codePointAt(0)!
    const u = upper.codePointAt(0)!
    if (l !== cp) lowered.set(cp, l)
    if (u !== cp) uppered.set(cp, u)
    const key = String.fromCodePoint(l).toUpperCase()
    let group = byUpper.get(key)
    if (!group) byUpper.set(key, (group = new Set()))
    group.add(l)
  }
  const extra = new Map<number, number[]>()
  for (const group of byUpper.values()) {
    if (group.size < 2) continue
    for (const l of group)
      extra.set(
        l,
        [...group].filter((x) => x !== l).sort((a, b) => a - b),
      )
  }
  caseTables = { lowered, uppered, extra }
  return caseTables
}

/** sre's _EXTRA_CASES as this JavaScript engine's Unicode tables give it (for tests). */
export function extraCases(): ReadonlyMap<number, readonly number[]> {
  return tables().extra
}

// ---------------------------------------------------------------------------------------------------
// Emitting JavaScript (flag v). Characters other than ASCII letters and digits are written as \u{...},
// which is valid everywhere in a v-mode pattern.

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

function combineFlags(flags: number, add: number, del: number): number {
  let out = flags
  if (add & TYPE_FLAGS) out &= ~TYPE_FLAGS
  return (out | add) & ~del
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
  const t = tables()
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
    for (const [cp, lo] of tables().lowered) {
      changed.push(cp)
      if (member(lo)) accepted.push(cp)
    }
  }
  const kept = `[${members}--${rangesClass(pointsToRanges(changed))}]`
  const body = accepted.length > 0 ? `${kept}${rangesClass(pointsToRanges(accepted))}` : kept
  return `[${negate ? '^' : ''}${body}]`
}

function asciiLower(cp: number): number {
  return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp
}

function asciiUpper(cp: number): number {
  return cp >= 0x61 && cp <= 0x7a ? cp - 32 : cp
}

function asciiIsCased(cp: number): boolean {
  return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
}

function emitLiteral(cp: number, negate: boolean, flags: number): string {
  if (flags & FLAG.IGNORECASE) {
    const ascii = (flags & FLAG.UNICODE) === 0
    if (ascii ? asciiIsCased(cp) : isCased(cp)) {
      // LITERAL_UNI_IGNORE: the character lower-cased equals the literal lower-cased (or one of its
      // extra cases); unlike a set member, a literal outside the BMP is lower-cased too.
      const lo = ascii ? asciiLower(cp) : lower1(cp)
      const targets = ascii ? [lo] : [lo, ...(tables().extra.get(lo) ?? [])]
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

/**
 * Compile a Python pattern: check it with Python's rules, then translate it to JavaScript. Pure.
 * Never throws: an invalid pattern gives `valid: false` with Python's exception.
 */
export function compilePythonRegex(pattern: string): PyRegex {
  const parsed = parsePythonPattern(pattern)
  if (!parsed.ok) return { valid: false, pattern, error: parsed.error }
  const state: EmitState = {
    flags: parsed.parsed.flags,
    js: 0,
    groups: new Map(),
    definite: new Set(),
    untranslatable: null,
  }
  if (parsed.parsed.unknownNamedCharacter) {
    return {
      valid: true,
      pattern,
      parsed: parsed.parsed,
      js: { ok: false, reason: '\\N{...} named characters (carbonkit has no Unicode name table)' },
    }
  }
  if (parsed.parsed.flags & FLAG.TEMPLATE) {
    return {
      valid: true,
      pattern,
      parsed: parsed.parsed,
      js: { ok: false, reason: 'the deprecated (?t) TEMPLATE flag' },
    }
  }
  const source = emitSequence(parsed.parsed.nodes, state)
  if (state.untranslatable !== null) {
    return { valid: true, pattern, parsed: parsed.parsed, js: { ok: false, reason: state.untranslatable } }
  }
  try {
    return { valid: true, pattern, parsed: parsed.parsed, js: { ok: true, source, search: searcher(source) } }
  } catch (error) {
    return {
      valid: true,
      pattern,
      parsed: parsed.parsed,
      js: { ok: false, reason: `JavaScript rejects the translation (${(error as Error).message})` },
    }
  }
}

export const PY_FLAGS = FLAG
