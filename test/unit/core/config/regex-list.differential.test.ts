// whitelist.conf / blacklist.conf against carbon's own RegexList (Debian graphite-carbon 1.1.7):
// the same lines kept, the same names matched, the same files that stop carbon.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { parseRegexList } from '../../../../src/core/config/regex-list.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const LINES = [
  '^carbon\\.',
  '.*',
  '\\.\\.',
  '^\\.',
  '\\.$',
  '^some\\.noisy\\.metric\\.prefix\\..*',
  '# a comment',
  '  # indented: a pattern',
  '',
  '   ',
  '(unbalanced',
  'x{4294967295}',
  '(?a)(?u)x',
  ';env=dev',
  '(?i)^TEST\\.',
  '\t^stats_counts\\.',
  '😀',
]
const NAMES = [
  'carbon.agents.a',
  'a..b',
  '.a',
  'a.',
  'test.x',
  'TEST.y',
  'x;env=dev',
  'stats_counts.x',
  '# a pattern',
  'ok.name',
  '😀.x',
]

interface OracleList {
  error?: { type: string; message: string }
  patterns?: string[]
  contains?: boolean[]
}

describe('white/blacklists against carbon 1.1.7', needsReference('carbon'), () => {
  const oracle = useOracle('carbon_oracle.py')
  const seed = runSeed()

  test(`300 random lists (seed ${seed})`, async (t) => {
    const dir = tempDir(t)
    const r = createRandom(seed)
    let stops = 0
    for (let c = 0; c < 300; c++) {
      const text =
        Array.from({ length: r.int(0, 8) }, () => r.pick(LINES)).join(r.chance(0.1) ? '\r\n' : '\n') + '\n'
      const file = path.join(dir, `list${c}.conf`)
      fs.writeFileSync(file, text)
      const theirs = await oracle().call<OracleList>('regexlist', { path: file, names: NAMES })
      const mine = parseRegexList(text, file)
      const label = `seed ${seed} case ${c}:\n${text}`
      if (theirs.error) {
        assert.ok(mine.fatal, `${label}carbon stops (${theirs.error.type}) but carbonkit reads it`)
        stops++
        continue
      }
      assert.equal(mine.fatal, null, label)
      const active = mine.entries.filter((e) => e.status === 'active')
      assert.deepEqual(
        active.map((e) => e.pattern),
        theirs.patterns,
        `${label}kept patterns`,
      )
      const contains = NAMES.map((name) =>
        active.some((e) => e.regex.valid && e.regex.js.ok && e.regex.js.search(name)),
      )
      assert.deepEqual(contains, theirs.contains, `${label}matches`)
    }
    t.diagnostic(`seed ${seed}: ${stops} lists stop carbon`)
  })
})
