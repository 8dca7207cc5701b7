// The linter's proofs about patterns. Known cases first, then soundness against CPython's re: whenever
// carbonkit claims a pattern is a catch-all, or that an earlier pattern matches every name a later one
// matches, Python must agree on every name tried (seeded random names plus names built from the later
// pattern). A false "unreachable" would tell someone to delete a rule that works.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compilePythonRegex } from '../../../../src/core/python/regex.js'
import type { ParsedPattern } from '../../../../src/core/python/regex-parse.js'
import { exampleNames, isCatchAll, shadowedBy } from '../../../../src/core/config/rule-analysis.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, needsReference } from '../../../helpers/reference.js'

function parsed(pattern: string): ParsedPattern {
  const regex = compilePythonRegex(pattern)
  assert.ok(regex.valid, pattern)
  return regex.parsed
}

describe('catch-all patterns', () => {
  for (const pattern of [
    '.*',
    '^.*',
    '.*$',
    '^.*$',
    '.+',
    '^.+$',
    '^',
    '$',
    'x?',
    '(a|)',
    '(?s).*',
    '[\\s\\S]*',
    '(?i).*',
    '\\Z',
    '(?:foo)*',
  ]) {
    test(`${pattern} matches every name`, () => assert.equal(isCatchAll(parsed(pattern)), true))
  }
  for (const pattern of [
    '^carbon\\.',
    'a',
    '^$',
    '.',
    '.{2,}',
    '\\b',
    '(?=x)',
    '^.+\\.',
    '\\d*x',
    '.*+x',
    '^x*$',
  ]) {
    test(`${pattern} is not a catch-all`, () => assert.equal(isCatchAll(parsed(pattern)), false))
  }
})

describe('shadowing', () => {
  const covered: [string, string][] = [
    ['^carbon\\.', '^carbon\\.agents\\.'],
    ['^stats', '^stats\\.timers\\.'],
    ['^stats.*', '^stats_counts\\.'],
    ['\\.count$', '^stats\\..*\\.count$'],
    ['\\.count$', '\\.count\\Z'],
    ['count', '^stats\\.count\\.x'],
    ['count', '\\.count$'],
    ['.*', '^anything$'],
    ['^a$', '^a$'],
    ['^carbon\\.', '^carbon\\.(agents|relays)\\.'],
    ['(?i)^CARBON', '^carbon\\.x'],
    ['^(a|b)', '^a\\.x'],
    ['x', '^(?:ax|cx)'],
    ['^[ab]', '^a\\.x'],
  ]
  for (const [earlier, later] of covered) {
    test(`${earlier} covers ${later}`, () => {
      assert.ok(shadowedBy(parsed(later), [parsed(earlier)]))
    })
  }
  const open: [string, string][] = [
    ['^carbon\\.', 'carbon\\.'],
    ['^carbon\\.agents\\.', '^carbon\\.'],
    ['\\.count$', '\\.count'],
    ['^stats\\.', '(?i)^stats\\.'],
    ['.*^foo', 'xfoo'],
    ['foo$.*', 'foox'],
    ['\\bfoo', 'foo'],
    ['^a', '^(a|b)'],
    ['^a', '^[ab]'],
    ['x', '^(?:ab|cx)'],
    ['.*+a', 'a'],
    ['(?m)^x', 'ax'],
  ]
  for (const [earlier, later] of open) {
    test(`${earlier} does not cover ${later}`, () => {
      assert.equal(shadowedBy(parsed(later), [parsed(earlier)]), null)
    })
  }
  test('alternatives covered by different earlier rules', () => {
    const result = shadowedBy(parsed('^(carbon|stats)\\.x'), [parsed('^carbon'), parsed('^stats\\.')])
    assert.deepEqual(result?.coveredBy, [0, 1])
  })
})

describe('example names', () => {
  test('are matched by their pattern', () => {
    for (const pattern of [
      '^carbon\\.',
      '\\.count$',
      '^stats\\.timers\\..*\\.upper_\\d+$',
      ';env=prod',
      '(?i)^CPU',
    ]) {
      const regex = compilePythonRegex(pattern)
      const names = exampleNames(regex)
      assert.ok(names.length > 0, pattern)
      for (const name of names)
        assert.ok(regex.valid && regex.js.ok && regex.js.search(name), `${pattern} ${name}`)
    }
  })
})

const POOL = [
  '^carbon\\.',
  '^carbon',
  'carbon',
  '^carbon\\.agents\\.',
  '^carbon\\..*$',
  '^stats',
  '^stats\\.',
  '^stats.*',
  '^stats\\.timers\\.',
  '\\.count$',
  'count$',
  'count',
  '\\.count\\Z',
  '^stats\\..*\\.count$',
  '.*',
  '^.*$',
  '.+',
  '^.+',
  '$',
  '^',
  'x?',
  '(?i)^CARBON',
  '(?i)count',
  '^(carbon|stats)\\.',
  '^c(arbon)?',
  'a|b',
  '^a',
  '^ab',
  'ab$',
  '^ab$',
  '^(?:a|ab)c',
  'a*b',
  '\\bcount\\b',
  '(?=a)a',
  '^a.*b$',
  '.*a',
  'a.*',
  '^a?b',
  'x{2}',
  '^x{2}y',
  '(?m)^a',
  '(?s)a.b',
  'a(?!b)',
  '^a$|^b$',
]

function randomName(r: Random): string {
  const alphabet = [
    'a',
    'b',
    'c',
    'x',
    '.',
    'carbon',
    'stats',
    'count',
    'agents',
    'timers',
    'CARBON',
    'ab',
    'y',
    '_',
    ' ',
  ]
  let out = ''
  const n = r.int(1, 6)
  for (let i = 0; i < n; i++) out += r.pick(alphabet)
  return out
}

describe('the proofs are sound against CPython', needsReference('carbon'), () => {
  const oracle = useOracle('carbon_oracle.py')
  const seed = runSeed()

  test(`catch-all claims hold on random names (seed ${seed})`, async () => {
    const r = createRandom(seed)
    const names = Array.from({ length: 300 }, () => randomName(r))
    const claimed = POOL.filter((p) => isCatchAll(parsed(p)))
    const results = await oracle().call<{ matches: boolean[] }[]>('regex', {
      patterns: claimed,
      texts: names,
    })
    claimed.forEach((pattern, i) => {
      names.forEach((name, j) =>
        assert.ok(results[i]!.matches[j], `${pattern} claimed catch-all, misses ${JSON.stringify(name)}`),
      )
    })
  })

  test(`unreachable claims hold: every name the later pattern matches, the earlier one does (seed ${seed})`, async (t) => {
    const r = createRandom(seed ^ 0xa11)
    const names = Array.from({ length: 400 }, () => randomName(r))
    let claims = 0
    for (const later of POOL) {
      for (const earlier of POOL) {
        if (!shadowedBy(parsed(later), [parsed(earlier)])) continue
        claims++
        const laterRegex = compilePythonRegex(later)
        const texts = [...names, ...exampleNames(laterRegex)]
        const [e, l] = await oracle().call<{ matches: boolean[] }[]>('regex', {
          patterns: [earlier, later],
          texts,
        })
        texts.forEach((text, k) => {
          if (l!.matches[k]) {
            assert.ok(
              e!.matches[k],
              `${earlier} claimed to cover ${later}, but only ${later} matches ${JSON.stringify(text)}`,
            )
          }
        })
      }
    }
    t.diagnostic(`${claims} covering claims checked`)
    assert.ok(claims > 40)
  })

  test(`unreachable claims hold for random patterns (seed ${seed})`, async (t) => {
    const r = createRandom(seed ^ 0xbee)
    const fragments = [
      '^',
      '$',
      'carbon',
      'stats',
      '\\.',
      '.',
      '.*',
      '.+',
      'x?',
      'a',
      'b',
      '(a|b)',
      '[ab]',
      'count',
      '(?:ab)*',
      '\\Z',
      '\\b',
      '(?i)',
    ]
    const randomPattern = (): string => {
      let out = ''
      for (let i = r.int(1, 5); i > 0; i--) out += r.pick(fragments)
      return out
    }
    const names = Array.from({ length: 200 }, () => randomName(r))
    let claims = 0
    for (let i = 0; i < 4000 && claims < 300; i++) {
      const earlier = randomPattern()
      const later = randomPattern()
      const e = compilePythonRegex(earlier)
      const l = compilePythonRegex(later)
      if (!e.valid || !l.valid || !shadowedBy(l.parsed, [e.parsed])) continue
      claims++
      const texts = [...names, ...exampleNames(l)]
      const [em, lm] = await oracle().call<{ matches: boolean[] }[]>('regex', {
        patterns: [earlier, later],
        texts,
      })
      texts.forEach((text, k) => {
        if (lm!.matches[k]) {
          assert.ok(
            em!.matches[k],
            `${earlier} claimed to cover ${later}, but only ${later} matches ${JSON.stringify(text)}`,
          )
        }
      })
    }
    t.diagnostic(`seed ${seed}: ${claims} random covering claims checked`)
  })
})
