// Python's re.search and re.sub over series names (aliasSub, grep, exclude), with Python's pattern
// syntax and meaning (../python/regex.ts) and Python's replacement templates: `\1`..`\99`,
// `\g<n>`, the character escapes, and a group that did not take part giving ''. Pure.

import { compilePythonRegex } from '../python/regex.js'
import { FunctionInputError } from './errors.js'

interface Compiled {
  regex: RegExp
  groups: ReadonlyMap<number, number>
  count: number
}

const cache = new Map<string, Compiled>()

function compile(pattern: string): Compiled {
  let compiled = cache.get(pattern)
  if (compiled) return compiled
  const py = compilePythonRegex(pattern)
  if (!py.valid) throw new FunctionInputError(`invalid regular expression '${pattern}': ${py.error.message}`)
  if (!py.js.ok)
    throw new FunctionInputError(`regular expression '${pattern}' not supported: ${py.js.reason}`)
  compiled = { regex: new RegExp(py.js.source, 'gv'), groups: py.js.groups, count: py.parsed.groups - 1 }
  if (cache.size > 1000) cache.clear()
  cache.set(pattern, compiled)
  return compiled
}

type Piece = string | number

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
}

function parseTemplate(template: string, groupCount: number): Piece[] {
  const pieces: Piece[] = []
  let literal = ''
  const group = (n: number): void => {
    if (n > groupCount) throw new FunctionInputError(`invalid group reference ${n} in '${template}'`)
    pieces.push(literal, n)
    literal = ''
  }
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!
    if (c !== '\\') {
      literal += c
      continue
    }
    const e = template[i + 1]
    if (e === undefined) throw new FunctionInputError(`bad escape (end of pattern) in '${template}'`)
    i++
    if (e === 'g') {
      const m = /^<([^>]*)>/.exec(template.slice(i + 1))
      if (!m || !/^[0-9]+$/.test(m[1]!)) throw new FunctionInputError(`bad group name in '${template}'`)
      group(Number(m[1]))
      i += m[0].length
    } else if (e === '0') {
      const m = /^[0-7]{0,2}/.exec(template.slice(i + 1))![0]
      literal += String.fromCharCode(parseInt('0' + m, 8))
      i += m.length
    } else if (/[1-9]/.test(e)) {
      const three = /^[0-7]{2}/.test(template.slice(i + 1)) && /[0-7]/.test(e)
      if (three) {
        const code = parseInt(template.slice(i, i + 3), 8)
        if (code > 0o377) throw new FunctionInputError(`octal escape value out of range in '${template}'`)
        literal += String.fromCharCode(code)
        i += 2
      } else if (/[0-9]/.test(template[i + 1] ?? '')) {
        group(Number(e + template[i + 1]))
        i++
      } else group(Number(e))
    } else if (ESCAPES[e] !== undefined) {
      literal += ESCAPES[e]
    } else if (/[A-Za-z]/.test(e)) {
      throw new FunctionInputError(`bad escape \\${e} in '${template}'`)
    } else {
      literal += '\\' + e
    }
  }
  pieces.push(literal)
  return pieces
}

/** Python's re.search(pattern, text) is not None. */
export function pySearch(pattern: string, text: string): boolean {
  const { regex } = compile(pattern)
  regex.lastIndex = 0
  return regex.test(text)
}

/** Python's re.sub(pattern, replacement, text). */
export function pySub(pattern: string, replacement: string, text: string): string {
  const { regex, groups, count } = compile(pattern)
  const pieces = parseTemplate(replacement, count)
  regex.lastIndex = 0
  return text.replace(regex, (...args: unknown[]) => {
    const named = args[args.length - 1] as Record<string, string | undefined> | undefined
    const whole = args[0] as string
    let out = ''
    for (const piece of pieces) {
      if (typeof piece === 'string') out += piece
      else if (piece === 0) out += whole
      else out += named?.[`g${groups.get(piece)}`] ?? ''
    }
    return out
  })
}
