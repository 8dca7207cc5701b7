// Python 3.11 `re` patterns, parsed exactly as Python 3.11's re._parser parses a str pattern (the
// kind carbon compiles): the same errors at the same positions, counted in code points, and the same
// tree (SubPattern items: opcode and argument). regex-emit.ts translates the tree to JavaScript and
// config/rule-analysis.ts reasons about it; regex.ts is the entry point. Pure.

/** Python's MAXREPEAT (sre's 32-bit limit): `{n}` with n >= MAXREPEAT raises OverflowError. */
export const MAXREPEAT = 4294967295
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
export const TYPE_FLAGS = FLAG.ASCII | FLAG.LOCALE | FLAG.UNICODE
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

/** How many hex digits `\\x`, `\\u` and `\\U` take: the same in and outside a class. */
const HEX_ESCAPE_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 }

/** The code point of a `\\xhh`, `\\uhhhh` or `\\Uhhhhhhhh` escape, with sre_parse's errors; undefined for any other escape. */
function hexEscape(source: Source, escape: string): number | undefined {
  const length = HEX_ESCAPE_DIGITS[escape.slice(1)]
  if (length === undefined) return undefined
  const digits = source.getwhile(length, HEXDIGITS)
  if (digits.length !== length) throw source.error(`incomplete escape ${escape}${digits}`, 2 + digits.length)
  const cp = parseInt(digits, 16)
  if (cp > 0x10ffff) throw source.error(`bad escape ${escape}${digits}`, 10)
  return cp
}

function classEscape(source: Source, escape: string): SetItem | { op: 'named'; name: string } {
  const code = ESCAPES[escape]
  if (code !== undefined) return { op: 'literal', cp: code }
  const category = CATEGORY_ESCAPES[escape]
  if (category !== undefined) return { op: 'category', category }
  const c = escape.slice(1)
  const hex = hexEscape(source, escape)
  if (hex !== undefined) return { op: 'literal', cp: hex }
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
  const hex = hexEscape(source, escape)
  if (hex !== undefined) return { op: 'literal', cp: hex }
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

/** The flags in force inside `(?add-del:...)` within a pattern whose flags are `flags`. */
export function combineFlags(flags: number, add: number, del: number): number {
  let out = flags
  if (add & TYPE_FLAGS) out &= ~TYPE_FLAGS
  return (out | add) & ~del
}

export const PY_FLAGS = FLAG
