// whitelist.conf and blacklist.conf as carbon 1.1.7 reads them (regexlist.RegexList.read_list). Pure.
//
// One Python regex per line, matched with re.search against the name as received (before tag
// normalisation). A line is a comment only when its first character is `#`, so an indented `# x`
// is compiled as a pattern. Blank lines are skipped. A pattern re.compile rejects with re.error is
// logged and skipped; any other exception (OverflowError, ValueError) escapes and stops carbon.

import { pyStrip, splitLines } from './ini-lines.js'
import type { PyRegex } from '../python/regex.js'
import { compilePythonRegex } from '../python/regex.js'
import type { RuleProblem, RuleStatus } from './rule-file.js'

export interface ListEntry {
  line: number
  pattern: string
  regex: PyRegex
  status: RuleStatus
  problem?: RuleProblem
  /** The raw line starts with whitespace and then `#`: a pattern, though it looks like a comment. */
  looksLikeComment: boolean
}

export interface RegexListFile {
  file: string
  entries: ListEntry[]
  fatal: RuleProblem | null
}

/** Parse a whitelist or blacklist. Never throws. */
export function parseRegexList(text: string, file: string): RegexListFile {
  const entries: ListEntry[] = []
  splitLines(text).forEach((raw, index) => {
    const pattern = pyStrip(raw)
    if (raw.startsWith('#') || !pattern) return
    const regex = compilePythonRegex(pattern)
    const entry: ListEntry = {
      line: index + 1,
      pattern,
      regex,
      status: 'active',
      looksLikeComment: pattern.startsWith('#'),
    }
    if (!regex.valid) {
      entry.status = regex.error.pythonType === 're.error' ? 'skipped' : 'fatal'
      entry.problem = {
        code: 'regex',
        line: index + 1,
        message: `${regex.error.pythonType}: ${regex.error.message}`,
      }
    }
    entries.push(entry)
  })
  const fatal = entries.find((e) => e.status === 'fatal')?.problem ?? null
  return { file, entries, fatal }
}
