// A property of carbon lint: it never throws, whatever the text of the files. Random texts mix
// INI and regex fragments with arbitrary characters; the seed is in the test name (replay with
// CARBONKIT_SEED=<seed>).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ConfigFileKind, ConfigFileText } from '../../../../src/core/config/config-set.js'
import { CONFIG_FILE_KINDS, parseConfigSet } from '../../../../src/core/config/config-set.js'
import { lintConfigSet } from '../../../../src/core/config/lint.js'
import { RULE_IDS } from '../../../../src/core/config/lint/rule-table.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'

const CASES = Number(process.env.CARBONKIT_LINT_CASES ?? 1500)

const FRAGMENTS = [
  '[',
  ']',
  '[cache]',
  '[cache:a]',
  '[DEFAULT]',
  '[relay]',
  '[x] # y',
  '\n',
  '\n',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '  ',
  '\t',
  '=',
  ' = ',
  ':',
  '#',
  ';',
  '%',
  '%%',
  '%(',
  ')s',
  '%(a)s',
  'a',
  'pattern',
  'retentions',
  'xFilesFactor',
  'aggregationMethod',
  'LINE_RECEIVER_PORT',
  'MAX_CACHE_SIZE',
  'USE_WHITELIST',
  'True',
  'None',
  '60s:1d',
  '1m:7d',
  ',',
  '0',
  '1.5',
  'inf',
  'nan',
  '-',
  '^',
  '$',
  '.*',
  '(',
  ')',
  '(?',
  '(?P<',
  '>',
  '\\',
  '\\d',
  '[^',
  '{',
  '}',
  '{,2}',
  '*',
  '+',
  '?',
  '|',
  '(?i)',
  '(?(1)',
  '\\N{',
  '\u00e9',
  '\ufeff',
  '\u0000',
  '😀',
  '\u2028',
  '\udc00',
]

function randomText(r: Random): string {
  let out = ''
  const n = r.int(0, 60)
  for (let i = 0; i < n; i++) {
    out += r.chance(0.85) ? r.pick(FRAGMENTS) : String.fromCharCode(r.int(0, 0xffff))
  }
  return out
}

describe('carbon lint on random text', () => {
  const seed = runSeed()
  test(`never throws on ${CASES} random configuration sets (seed ${seed})`, () => {
    const r = createRandom(seed)
    const seen = new Set<string>()
    for (let c = 0; c < CASES; c++) {
      const files: ConfigFileText[] = CONFIG_FILE_KINDS.filter(() => r.chance(0.6)).map(
        (kind: ConfigFileKind) => ({
          path: `/random/${kind}`,
          kind,
          text: randomText(r),
          invalidUtf8Line: r.chance(0.05) ? 1 : null,
        }),
      )
      const interval = r.chance(0.5) ? r.int(1, 600) : undefined
      try {
        const { set } = parseConfigSet(files, { dir: r.chance(0.5) ? '/random' : null, env: {} })
        const report = lintConfigSet(set, files, { interval })
        for (const d of report.diagnostics) {
          assert.ok(RULE_IDS.includes(d.rule))
          assert.ok(d.line >= 1 && Number.isInteger(d.line))
          assert.ok(!d.message.includes('\n'), d.message)
          seen.add(d.rule)
        }
      } catch (error) {
        const shown = files.map((f) => `--- ${f.kind}\n${JSON.stringify(f.text)}`).join('\n')
        assert.fail(`seed ${seed}, case ${c}: lint threw ${(error as Error).stack}\n${shown}`)
      }
    }
    assert.ok(seen.size >= 10, `only ${seen.size} rules fired`)
  })
})
