// The Python-regex reader against CPython's own `re` (Debian's python3, the one carbon runs on): the
// same patterns must be accepted or rejected with the same message, and accepted ones must match the
// same strings through the JavaScript translation. Random patterns are seeded; replay a failure with
// CARBONKIT_SEED=<seed>.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compilePythonRegex } from '../../../../src/core/python/regex.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, needsReference } from '../../../helpers/reference.js'

const RANDOM_PATTERNS = Number(process.env.CARBONKIT_REGEX_CASES ?? 3000)

interface OracleRegex {
  error?: { type: string; message: string }
  matches?: boolean[]
}

const TEXTS = [
  '',
  'a',
  'ab',
  'abc',
  'A',
  'aB',
  'carbon.agents.host-a.cpu',
  'stats.timers.api.count',
  'stats_counts.x',
  'x.count',
  'x.count\n',
  'a\nb',
  '\n',
  'foo.bar;tag=1;z=2',
  'K',
  'k',
  '\u212a',
  'ı',
  'İ',
  'i',
  'I',
  'ſ',
  's',
  'S',
  'µ',
  'μ',
  'Σ',
  'ς',
  'σ',
  '\u0345',
  'ι',
  'é',
  'É',
  '𐐀',
  '𐐨',
  '١٢',
  '²',
  ' ',
  '\u00a0',
  '\u2028',
  '\x1c',
  '_',
  'a_b',
  '1',
  'a1',
  '.',
  'a.b.c',
  'ab ab',
  'aa',
  'abab',
]

/** Patterns that exercise each difference between Python's and JavaScript's reading. */
const HAND_PICKED = [
  '^carbon\\.',
  '.*',
  '^.*$',
  '\\.count$',
  'count\\Z',
  '(?P<host>[a-z]+)\\.(?P=host)',
  '(a)\\1',
  '(a)?b\\1',
  '(?:(a)|b)+\\1',
  '(?i)^CARBON',
  '(?i)k',
  '(?i)[a-z]',
  '(?i)[^k]',
  '(?i)[\\W]',
  '(?i)[ka]',
  '(?i)[𐐀x]',
  '(?i)𐐀',
  '(?i)σ',
  '(?i)µ',
  '(?i)s',
  '(?i)ß',
  '(?a)\\w+',
  '(?a)(?i)[k]',
  '\\w+',
  '\\d',
  '\\s',
  '\\S+',
  '\\b\\w',
  '\\B',
  'a\\B',
  '^$',
  '$',
  '(?m)^b',
  '(?m)a$',
  '(?s)a.b',
  'a.b',
  '(?x) a  b # comment',
  '(?x)[ ]',
  'a{,2}b',
  'a{2,}',
  'a{,}',
  'x{}',
  'a{1,2',
  '[]a]',
  '[^]a]',
  '[a-]',
  '[\\]]',
  '[\\b]',
  'a++b',
  'a*+a',
  '(?>a*)a',
  '(?>ab|a)b',
  '(?<=a)b',
  '(?<!a)b',
  '(?<=a|bc)d',
  '(?<=(a))\\1',
  '(?#comment)a',
  '(?i:a)B',
  '(?-i:a)',
  '(?i)(?-i:a)B',
  '\\x41',
  '\\u0041',
  '\\U0001f600',
  '\\101',
  '\\0',
  '\\08',
  '[\\101]',
  '(?=a)*',
  '(?:)*',
  '(a|)*b',
  'a|',
  '|',
  '()',
  '(?(1)a|b)',
  '(a)?(?(1)b|c)',
  '\\N{EM DASH}',
  '(?t)a',
  // invalid in Python
  '*',
  'a**',
  '(',
  ')',
  '[',
  '[]',
  '[a',
  'a{2,1}',
  '\\',
  '\\e',
  '\\z',
  '\\8',
  '[\\8]',
  '(?<n>a)',
  '(?P<1>a)',
  '(?P<n>a)(?P<n>b)',
  '(?P=x)',
  'a(?i)',
  '(?i',
  '(?L)a',
  '(?a)(?u)a',
  '(?au)a',
  'a{4294967295}',
  '\\x4',
  '[z-a]',
  '[\\d-z]',
  '(?<=a+)b',
  '(a)(?<=\\1+)',
  '\\1(a)',
  '(a\\1)',
  '(?P',
  '(?Px)',
  '(?',
  '(?<',
  '(?<x',
  '(?-',
  '(?-a:x)',
  '(?i-i:a)',
  '(?t:a)',
  '^*',
  '\\b+',
  '(?#',
  '\\400',
  '[\\400]',
  '(?(2)a)',
  '(?(a)b)',
  '(?(0)b)',
]

const ATOMS = [
  'a',
  'b',
  'c',
  'k',
  'K',
  's',
  'ı',
  'é',
  '.',
  '\\.',
  '\\d',
  '\\w',
  '\\W',
  '\\s',
  '\\S',
  '\\b',
  '\\B',
  '^',
  '$',
  '\\A',
  '\\Z',
  '[abc]',
  '[^a]',
  '[a-c]',
  '[]a]',
  '[\\d.]',
  '[k-s]',
  '[^\\w]',
  '\\n',
  ' ',
  '#',
  '(',
  ')',
  '(?:',
  '(?P<n1>',
  '(?P=n1)',
  '\\1',
  '\\2',
  '(?=',
  '(?!',
  '(?<=',
  '(?<!',
  '(?>',
  '|',
  '*',
  '+',
  '?',
  '*?',
  '+?',
  '*+',
  '{2}',
  '{1,3}',
  '{,2}',
  '{',
  '}',
  '(?i)',
  '(?m)',
  '(?s)',
  '(?x)',
  '(?a)',
  '(?i:',
  '(?-i:',
  '(?#c)',
  '\\',
  ']',
  '[',
  '-',
]

function randomPattern(r: Random): string {
  const length = r.int(1, 8)
  let out = ''
  for (let i = 0; i < length; i++) out += r.pick(ATOMS)
  return out
}

function randomText(r: Random): string {
  const chars = ['a', 'b', 'c', 'A', 'k', 'K', '.', 'x', '\n', '1', ' ', '_', 'é', 'ı', 's', 'S', '𐐀', '-']
  const length = r.int(0, 6)
  let out = ''
  for (let i = 0; i < length; i++) out += r.pick(chars)
  return out
}

describe('python/regex against CPython re', needsReference('carbon'), () => {
  const oracle = useOracle('carbon_oracle.py')
  const seed = runSeed()

  async function compare(
    patterns: string[],
    texts: string[],
    where: string,
  ): Promise<{ untranslatable: number }> {
    const theirs = await oracle().call<OracleRegex[]>('regex', { patterns, texts })
    let untranslatable = 0
    patterns.forEach((pattern, i) => {
      const reference = theirs[i]!
      const mine = compilePythonRegex(pattern)
      const label = `${where}: pattern ${JSON.stringify(pattern)}`
      if (reference.error) {
        assert.equal(mine.valid, false, `${label}: Python rejects it (${reference.error.message})`)
        if (!mine.valid) {
          assert.equal(mine.error.message, reference.error.message, `${label}: message`)
          const pythonType = reference.error.type === 'error' ? 're.error' : reference.error.type
          assert.equal(mine.error.pythonType, pythonType, `${label}: exception type`)
        }
        return
      }
      assert.equal(
        mine.valid,
        true,
        `${label}: Python accepts it, we say ${!mine.valid && mine.error.message}`,
      )
      if (!mine.valid) return
      if (!mine.js.ok) {
        untranslatable++
        return
      }
      const search = mine.js.search
      texts.forEach((text, j) => {
        assert.equal(
          search(text),
          reference.matches![j],
          `${label} on ${JSON.stringify(text)} (js ${mine.js.ok && mine.js.source})`,
        )
      })
    })
    return { untranslatable }
  }

  test('hand-picked patterns: validity, messages and matches', async () => {
    const { untranslatable } = await compare(HAND_PICKED, TEXTS, 'hand-picked')
    // Conditionals, \N{...}, (?t), and the backreferences to groups that may not take part.
    assert.ok(untranslatable <= 8, `${untranslatable} hand-picked patterns untranslatable`)
  })

  test(`${RANDOM_PATTERNS} random patterns (seed ${seed})`, async (t) => {
    const r = createRandom(seed)
    const patterns = Array.from({ length: RANDOM_PATTERNS }, () => randomPattern(r))
    const texts = [...TEXTS, ...Array.from({ length: 40 }, () => randomText(r))]
    const { untranslatable } = await compare(patterns, texts, `seed ${seed}`)
    t.diagnostic(`seed ${seed}: ${patterns.length} patterns, ${untranslatable} untranslatable`)
  })

  test("case-insensitive matches of sre's _EXTRA_CASES (ſ and s, K and k, ΐ and ΐ) are Python's", async () => {
    const extra = await oracle().call<Record<string, number[]>>('casefix')
    const patterns: string[] = []
    const texts = new Set<string>()
    for (const [key, values] of Object.entries(extra)) {
      const ch = String.fromCodePoint(Number(key))
      patterns.push(`(?i)\\U${Number(key).toString(16).padStart(8, '0')}`)
      for (const text of [ch, ...values.map((v) => String.fromCodePoint(v))])
        for (const variant of [text, text.toUpperCase(), text.toLowerCase()]) texts.add(variant)
    }
    assert.ok(patterns.length > 10, `${patterns.length} extra cases`)
    const { untranslatable } = await compare(patterns, [...texts], 'extra cases')
    assert.equal(untranslatable, 0)
  })
})
