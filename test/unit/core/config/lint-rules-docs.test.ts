// The lint rule tables in the README and in man/carbon.1 are checked against LINT_RULES, so that a rule
// added, renamed or reworded in the code cannot leave the documentation behind.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { LINT_RULES } from '../../../../src/core/config/lint/rule-table.js'
import { ROOT } from '../../../helpers/paths.js'

/** Text as groff needs it in a paragraph: backslashes and hyphens escaped, no control line. */
function roffText(text: string): string {
  const escaped = text.replaceAll('\\', '\\e').replaceAll('-', '\\-')
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped
}

/** The man page's rule list: one .TP entry per rule, in LINT_RULES order. */
function renderManRules(): string {
  return Object.entries(LINT_RULES)
    .map(([id, rule]) => `.TP\n.B ${roffText(id)}\n(${rule.severity}) ${roffText(rule.summary)}\n`)
    .join('')
}

test('the README lint rule table lists LINT_RULES: same ids, order, severities and summaries', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const rows = [...readme.matchAll(/^\| `([a-z-]+)` +\| (error|warning) +\| (.+?) +\|$/gm)].map((m) => ({
    id: m[1],
    severity: m[2],
    summary: m[3],
  }))
  const expected = Object.entries(LINT_RULES).map(([id, rule]) => ({
    id,
    severity: rule.severity,
    summary: rule.summary,
  }))
  assert.deepEqual(rows, expected)
})

test('man/carbon.1 lists LINT_RULES under LINT RULES, in order', () => {
  const man = fs.readFileSync(path.join(ROOT, 'man', 'carbon.1'), 'utf8')
  const section = /\n\.SH LINT RULES\n([\s\S]*?)(?=\n\.SH )/.exec(man)?.[1]
  assert.ok(section, 'man/carbon.1 has no LINT RULES section')
  assert.equal(section.replace(/^\.PP\n[\s\S]*?(?=\.TP\n)/, '') + '\n', renderManRules())
})
