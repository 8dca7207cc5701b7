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
//
// regex-parse.ts is the parser, regex-case.ts sre's case tables, regex-emit.ts the JavaScript emitter.

import type { ParsedPattern, PyRegexError } from './regex-parse.js'
import { parsePythonPattern } from './regex-parse.js'
import type { JsTranslation } from './regex-emit.js'
import { translateToJavaScript } from './regex-emit.js'

export type PyRegex =
  | {
      valid: true
      pattern: string
      parsed: ParsedPattern
      /** The JavaScript equivalent, or why there is none. */
      js: JsTranslation
    }
  | { valid: false; pattern: string; error: PyRegexError }

/**
 * Compile a Python pattern: check it with Python's rules, then translate it to JavaScript. Pure.
 * Never throws: an invalid pattern gives `valid: false` with Python's exception.
 */
export function compilePythonRegex(pattern: string): PyRegex {
  const parsed = parsePythonPattern(pattern)
  if (!parsed.ok) return { valid: false, pattern, error: parsed.error }
  return { valid: true, pattern, parsed: parsed.parsed, js: translateToJavaScript(parsed.parsed) }
}
