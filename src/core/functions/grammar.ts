// graphite-web 1.1.8's target grammar (render/grammar_unsafe.py, a pyparsing grammar) as a
// recursive-descent parser with the same alternatives in the same order, so that the same texts
// parse to the same trees:
//
//   expression := (template | call | pathExpression) ('|' call)*
//   call       := name '(' [args [',' kwargs]] ')'        args before kwargs; kwargs alone do not parse
//   arg        := boolean | number | none | string | inf | expression   (first alternative that matches)
//
// pyparsing's parseString is called without parseAll, so text after the first complete expression
// is ignored (`a.b)` is `a.b`, `sumSeries(a.b` is the path `sumSeries`), and only an expression that
// cannot start at all is an error. Whitespace is skipped between tokens, never inside a path.
// Strings keep their escapes (`"\1"` reaches re.sub as backslash-one). Pure.

import { ExpressionError } from './errors.js'

export type Node =
  | { kind: 'path'; text: string }
  | { kind: 'call'; name: string; args: Node[]; kwargs: [string, Node][]; raw: string }
  | { kind: 'template'; inner: Node; args: Node[]; kwargs: [string, Node][] }
  | { kind: 'int'; value: number; text: string }
  | { kind: 'float'; value: number; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'inf' }

/** Deepest nesting of calls accepted (graphite-web has none; Python's recursion limit is ~1000). */
export const MAX_DEPTH = 64

const SYMBOLS = `(){},.'"\\|`
const IDENT_START = /[A-Za-z_]/
const IDENT = /[A-Za-z0-9_]/
const WHITESPACE = /[ \t\n\r]/

function isMetricChar(c: string): boolean {
  const code = c.charCodeAt(0)
  return code >= 0x21 && code <= 0x7e && !SYMBOLS.includes(c)
}

class Parser {
  depth = 0
  constructor(readonly s: string) {}

  ws(i: number): number {
    while (i < this.s.length && WHITESPACE.test(this.s[i]!)) i++
    return i
  }

  /** A literal after optional whitespace; the position after it, or -1. */
  lit(i: number, text: string): number {
    const j = this.ws(i)
    return this.s.startsWith(text, j) ? j + text.length : -1
  }

  ident(i: number): [string, number] | undefined {
    const j = this.ws(i)
    if (j >= this.s.length || !IDENT_START.test(this.s[j]!)) return undefined
    let k = j + 1
    while (k < this.s.length && IDENT.test(this.s[k]!)) k++
    return [this.s.slice(j, k), k]
  }

  keyword(i: number, word: string): number {
    const j = this.ws(i)
    if (this.s.slice(j, j + word.length).toLowerCase() !== word) return -1
    const next = this.s[j + word.length]
    if (next !== undefined && /[A-Za-z0-9_$]/.test(next)) return -1
    return j + word.length
  }

  /** `,` `)` or the end of a line, after optional whitespace (pyparsing's FollowedBy). */
  afterNumber(i: number): boolean {
    let j = i
    while (j < this.s.length && (this.s[j] === ' ' || this.s[j] === '\t')) j++
    if (j >= this.s.length || this.s[j] === '\n') return true
    j = this.ws(j)
    return j < this.s.length && (this.s[j] === ',' || this.s[j] === ')')
  }

  number(i: number): [Node, number] | undefined {
    const j = this.ws(i)
    const rest = this.s.slice(j)
    const sci = /^-?\d+(?:\.\d+)?[eE]-?\d+/.exec(rest)
    if (sci && this.afterNumber(j + sci[0].length))
      return [{ kind: 'float', value: Number(sci[0]), text: sci[0] }, j + sci[0].length]
    const float = /^-?\d+\.\d+/.exec(rest)
    if (float && this.afterNumber(j + float[0].length))
      return [{ kind: 'float', value: Number(float[0]), text: float[0] }, j + float[0].length]
    const int = /^-?\d+/.exec(rest)
    if (int && this.afterNumber(j + int[0].length))
      return [{ kind: 'int', value: Number(int[0]), text: int[0] }, j + int[0].length]
    return undefined
  }

  string(i: number): [Node, number] | undefined {
    const j = this.ws(i)
    const q = this.s[j]
    if (q !== '"' && q !== "'") return undefined
    let k = j + 1
    for (;;) {
      const c = this.s[k]
      if (c === undefined || c === '\n' || c === '\r') return undefined
      if (c === q) {
        if (this.s[k + 1] === q) {
          k += 2
          continue
        }
        break
      }
      if (c === '\\') {
        const e = this.s[k + 1]
        if (e === undefined) return undefined
        if (e === 'x') {
          const hex = /^[0-9a-fA-F]+/.exec(this.s.slice(k + 2))
          if (!hex) return undefined
          k += 2 + hex[0].length
        } else k += 2
        continue
      }
      k++
    }
    return [{ kind: 'string', value: this.s.slice(j + 1, k) }, k + 1]
  }

  /** One path element's run of plain and escaped characters; '' when none. */
  partial(i: number): [string, number] {
    let out = ''
    let k = i
    for (;;) {
      const c = this.s[k]
      if (c === undefined) break
      if (c === '\\') {
        const e = this.s[k + 1]
        if (e !== undefined && (SYMBOLS + '=').includes(e)) {
          out += e
          k += 2
          continue
        }
        break
      }
      if (!isMetricChar(c)) break
      out += c
      k++
    }
    return [out, k]
  }

  matchEnum(i: number): [string, number] | undefined {
    if (this.s[i] !== '{') return undefined
    const parts: string[] = []
    let k = i + 1
    for (;;) {
      const [part, next] = this.partial(k)
      if (part === '') return undefined
      parts.push(part)
      k = next
      if (this.s[k] === ',') k++
      else break
    }
    if (this.s[k] !== '}') return undefined
    return [`{${parts.join(',')}}`, k + 1]
  }

  element(i: number): [string, number] | undefined {
    let out = ''
    let k = i
    for (;;) {
      const [part, next] = this.partial(k)
      if (part !== '') {
        out += part
        k = next
        continue
      }
      const e = this.matchEnum(k)
      if (e === undefined) break
      out += e[0]
      k = e[1]
    }
    return out === '' ? undefined : [out, k]
  }

  path(i: number): [Node, number] | undefined {
    const j = this.ws(i)
    const first = this.element(j)
    if (first === undefined) return undefined
    let text = first[0]
    let k = first[1]
    while (this.s[k] === '.') {
      const next = this.element(k + 1)
      if (next === undefined) break
      text += '.' + next[0]
      k = next[1]
    }
    return [{ kind: 'path', text }, k]
  }

  kwarg(i: number): [[string, Node], number] | undefined {
    const name = this.ident(i)
    if (!name) return undefined
    const eq = this.lit(name[1], '=')
    if (eq < 0) return undefined
    const value = this.arg(eq)
    if (!value) return undefined
    return [[name[0], value[0]], value[1]]
  }

  arg(i: number): [Node, number] | undefined {
    for (const [word, node] of [
      ['true', { kind: 'bool', value: true }],
      ['false', { kind: 'bool', value: false }],
    ] as const) {
      const k = this.keyword(i, word)
      if (k >= 0) return [node, k]
    }
    const n = this.number(i)
    if (n) return n
    let k = this.keyword(i, 'none')
    if (k >= 0) return [{ kind: 'none' }, k]
    const str = this.string(i)
    if (str) return str
    k = this.keyword(i, 'inf')
    if (k >= 0) return [{ kind: 'inf' }, k]
    return this.expression(i)
  }

  /** `args [, kwargs]` then `)`; undefined when that does not parse. */
  argList(
    i: number,
    literalOnly: boolean,
  ): { args: Node[]; kwargs: [string, Node][]; end: number } | undefined {
    const args: Node[] = []
    const kwargs: [string, Node][] = []
    const one = literalOnly ? (k: number) => this.literal(k) : (k: number) => this.arg(k)
    let k = i
    if (!this.kwarg(k)) {
      const first = one(k)
      if (first) {
        args.push(first[0])
        k = first[1]
        for (;;) {
          const comma = this.lit(k, ',')
          if (comma < 0 || this.kwarg(comma)) break
          const next = one(comma)
          if (!next) break
          args.push(next[0])
          k = next[1]
        }
        const comma = this.lit(k, ',')
        const kw = comma >= 0 ? this.kwarg(comma) : undefined
        if (kw) {
          kwargs.push(kw[0])
          k = kw[1]
          for (;;) {
            const c = this.lit(k, ',')
            const more = c >= 0 ? this.kwarg(c) : undefined
            if (!more) break
            kwargs.push(more[0])
            k = more[1]
          }
        }
      }
    } else if (literalOnly) {
      // template's literal arguments: positional or keyword, not both.
      for (;;) {
        const kw = this.kwarg(k)
        if (!kw) break
        kwargs.push(kw[0])
        k = kw[1]
        const c = this.lit(k, ',')
        if (c < 0 || !this.kwarg(c)) break
        k = c
      }
    }
    const close = this.lit(k, ')')
    if (close < 0) return undefined
    return { args, kwargs, end: close }
  }

  literal(i: number): [Node, number] | undefined {
    return this.number(i) ?? this.string(i)
  }

  call(i: number): [Node, number] | undefined {
    const start = this.ws(i)
    const name = this.ident(start)
    if (!name) return undefined
    const open = this.lit(name[1], '(')
    if (open < 0) return undefined
    if (++this.depth > MAX_DEPTH)
      throw new ExpressionError(`expression nested deeper than ${MAX_DEPTH} calls`)
    try {
      const list = this.argList(open, false)
      if (!list) return undefined
      return [
        {
          kind: 'call',
          name: name[0],
          args: list.args,
          kwargs: list.kwargs,
          raw: this.s.slice(start, list.end),
        },
        list.end,
      ]
    } finally {
      this.depth--
    }
  }

  template(i: number): [Node, number] | undefined {
    const open = this.lit(i, 'template')
    if (open < 0) return undefined
    const paren = this.lit(open, '(')
    if (paren < 0) return undefined
    const inner = this.call(paren) ?? this.path(paren)
    if (!inner) return undefined
    let k = inner[1]
    const comma = this.lit(k, ',')
    let args: Node[] = []
    let kwargs: [string, Node][] = []
    if (comma >= 0) {
      const list = this.argList(comma, true)
      if (list && (list.args.length > 0 || list.kwargs.length > 0)) {
        if (list.args.length > 0 && list.kwargs.length > 0) return undefined
        args = list.args
        kwargs = list.kwargs
        return [{ kind: 'template', inner: inner[0], args, kwargs }, list.end]
      }
    }
    const close = this.lit(k, ')')
    if (close < 0) return undefined
    k = close
    return [{ kind: 'template', inner: inner[0], args, kwargs }, k]
  }

  expression(i: number): [Node, number] | undefined {
    let head = this.template(i) ?? this.call(i) ?? this.path(i)
    if (!head) return undefined
    // Pipes: `x | f(a)` is f(x, a).
    for (;;) {
      let k = head[1]
      while (this.s[k] === ' ') k++
      if (this.s[k] !== '|') break
      k++
      while (this.s[k] === ' ') k++
      const next = this.call(k)
      if (!next) break
      const call = next[0] as Extract<Node, { kind: 'call' }>
      head = [{ ...call, args: [head[0], ...call.args] }, next[1]]
    }
    return head
  }
}

/**
 * The tree of a target expression, as graphite-web parses it (text after a complete expression is
 * ignored, as graphite-web ignores it).
 * @throws ExpressionError when no expression starts the text, or it nests too deep
 */
export function parseTarget(text: string): Node {
  const parser = new Parser(text)
  const parsed = parser.expression(0)
  if (!parsed) {
    const at = parser.ws(0)
    throw new ExpressionError(
      `invalid target expression '${text}': expected a function call or a metric path at character ${at + 1}`,
    )
  }
  return parsed[0]
}

/** The first path expression of a name, as graphite-web's _getFirstPathExpression finds it. */
export function firstPathExpression(name: string): string | undefined {
  let node: Node | undefined
  try {
    node = parseTarget(name)
  } catch {
    return undefined
  }
  while (node) {
    if (node.kind === 'path') return node.text
    if (node.kind === 'call') node = node.args[0]
    else if (node.kind === 'template') node = node.inner
    else return undefined
  }
  return undefined
}

/** True when the whole text is one path expression with nothing to unescape (a plain glob). */
export function isPlainPath(text: string): boolean {
  if (text.includes('\\') || /^\s/.test(text)) return false
  const parsed = new Parser(text).path(0)
  return parsed !== undefined && parsed[1] === text.length
}
