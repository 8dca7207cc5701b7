// carbon.conf against carbon's own read_config (Debian graphite-carbon 1.1.7): for a corpus of files
// (hand-written and seeded random: [DEFAULT], %(name)s interpolation, instances, key case, int, float
// and string coercion, booleans, lists, continuation lines, errors), the settings carbonkit resolves
// must equal carbon's Settings key for key, with the same Python type, or both must fail.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import type { Program, Setting } from '../../../../src/core/config/carbon-conf.js'
import { parseCarbonConf, resolveCarbonSettings } from '../../../../src/core/config/carbon-conf.js'
import { FIXTURES } from '../../../helpers/paths.js'
import type { Random } from '../../../helpers/random.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { useOracle, f2h, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const RANDOM_FILES = Number(process.env.CARBONKIT_CONF_CASES ?? 300)

type Typed =
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'list'; v: string[] }
  | { t: 'none' }

interface OracleSettings {
  error?: { type: string; message: string }
  settings?: Record<string, Typed>
}

function typed(setting: Setting): Typed {
  switch (setting.type) {
    case 'int':
      return { t: 'int', v: String(setting.value) }
    case 'float':
      return { t: 'float', v: f2h(setting.value as number)! }
    case 'str':
      return { t: 'str', v: setting.value as string }
    case 'bool':
      return { t: 'bool', v: setting.value as boolean }
    case 'list':
      return { t: 'list', v: [...(setting.value as string[])] }
    case 'NoneType':
      return { t: 'none' }
  }
}

const KEYS = [
  'LOCAL_DATA_DIR',
  'STORAGE_DIR',
  'LOG_DIR',
  'PID_DIR',
  'CONF_DIR',
  'WHITELISTS_DIR',
  'MAX_CACHE_SIZE',
  'max_cache_size',
  'Max_Updates_Per_Second',
  'MAX_CREATES_PER_MINUTE',
  'LINE_RECEIVER_PORT',
  'LINE_RECEIVER_INTERFACE',
  'ENABLE_UDP_LISTENER',
  'LOG_UPDATES',
  'log_creates',
  'USE_FLOW_CONTROL',
  'DESTINATIONS',
  'BIND_PATTERNS',
  'CACHE_WRITE_STRATEGY',
  'USER',
  'CARBON_METRIC_PREFIX',
  'METRIC_CLIENT_IDLE_TIMEOUT',
  'TAG_HASH_FILENAMES',
  'MAX_UPDATES_PER_SECOND_ON_SHUTDOWN',
  'MY_OWN_KEY',
  'base',
]

const VALUES = [
  '0',
  '7',
  '2003',
  '-1',
  '+5',
  '1_000',
  '0x10',
  '1e3',
  '1.5',
  '.5',
  'inf',
  '-Infinity',
  'nan',
  '1,000',
  '500 # inline',
  '500 ; inline',
  'True',
  'false',
  'YES',
  'off',
  '1',
  'maybe',
  'None',
  'sorted',
  'Sorted',
  '127.0.0.1:2004, 127.0.0.1:2104:b',
  'a,,b',
  '/var/lib/graphite/',
  '/a//b/../c/',
  '~/graphite',
  '~root/x',
  '%(storage_dir)swhisper',
  '%(base)s/sub',
  '100%%',
  '100%',
  '%(missing)s',
  '%(base',
  'carbon.agents',
  'café',
  '',
]

function randomValue(r: Random): string {
  return r.pick(VALUES)
}

function randomSection(r: Random): string {
  return r.pick(['cache', 'cache', 'cache:a', 'cache:b', 'DEFAULT', 'relay', 'aggregator', 'Cache', 'cache:'])
}

function randomFile(r: Random): string {
  const lines: string[] = []
  if (r.chance(0.03)) lines.push('LOOSE = 1')
  const sections = r.int(1, 4)
  const used = new Set<string>()
  for (let s = 0; s < sections; s++) {
    let section = randomSection(r)
    if (used.has(section) && section !== 'DEFAULT' && !r.chance(0.05)) continue
    used.add(section)
    lines.push(r.chance(0.05) ? `  [${section}]` : `[${section}]`)
    const keys = new Set<string>()
    const count = r.int(0, 6)
    for (let k = 0; k < count; k++) {
      const key = r.pick(KEYS)
      if (keys.has(key.toLowerCase()) && !r.chance(0.05)) continue
      keys.add(key.toLowerCase())
      const delimiter = r.chance(0.1) ? ':' : r.pick(['=', ' = ', '= ', '  =  '])
      lines.push(`${key}${delimiter}${randomValue(r)}`)
      if (r.chance(0.08)) lines.push(`    ${randomValue(r)}`)
      if (r.chance(0.05)) lines.push('')
      if (r.chance(0.05)) lines.push(r.pick(['# comment', '; comment', '  # indented comment']))
      if (r.chance(0.02)) lines.push('no delimiter here')
      if (section === 'cache:') section = 'cache'
    }
  }
  return lines.join(r.chance(0.05) ? '\r\n' : '\n') + '\n'
}

const PROGRAMS: Program[] = ['cache', 'relay', 'aggregator']

describe('carbon.conf settings against carbon 1.1.7', needsReference('carbon'), () => {
  const oracle = useOracle('carbon_oracle.py')
  const seed = runSeed()

  let comparedKeys = 0

  async function compare(
    file: string,
    text: string,
    program: Program,
    instance: string,
    where: string,
  ): Promise<'ok' | 'failed'> {
    fs.writeFileSync(file, text)
    const env = { HOME: '/home/carbonkit', GRAPHITE_STORAGE_DIR: '/srv/graphite' }
    const theirs = await oracle().call<OracleSettings>('settings', {
      config: file,
      program,
      instance,
      root: '/opt/graphite',
      env,
    })
    const mine = resolveCarbonSettings(parseCarbonConf(text, file), {
      program,
      instance,
      configPath: file,
      env: { ...env, GRAPHITE_ROOT: '/opt/graphite' },
      homeOf: (user) => (user === 'root' ? '/root' : undefined),
    })
    const label = `${where} [${program}:${instance}]\n--- carbon.conf\n${text}---`
    if (theirs.error) {
      assert.ok(
        mine.failure,
        `${label}\ncarbon fails (${theirs.error.type}: ${theirs.error.message}) but carbonkit resolves it`,
      )
      return 'failed'
    }
    assert.equal(
      mine.failure,
      null,
      `${label}\ncarbon reads it but carbonkit fails: ${mine.failure?.message}`,
    )
    const expected = theirs.settings!
    assert.deepEqual(Object.keys(mine.settings).sort(), Object.keys(expected).sort(), `${label}\nthe keys`)
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(typed(mine.settings[key]!), value, `${label}\n${key}`)
      comparedKeys++
    }
    return 'ok'
  }

  test('the corpus of carbon.conf files, for every program and instances a and b', async (t) => {
    const dir = tempDir(t)
    const corpus = path.join(FIXTURES, 'config', 'carbon-conf-corpus')
    const names = fs
      .readdirSync(corpus)
      .filter((n) => n.endsWith('.conf'))
      .sort()
    assert.ok(names.length >= 10)
    const outcomes = { ok: 0, failed: 0 }
    for (const name of names) {
      const text = fs.readFileSync(path.join(corpus, name), 'utf8')
      for (const program of PROGRAMS) {
        for (const instance of ['a', 'b']) {
          outcomes[await compare(path.join(dir, 'carbon.conf'), text, program, instance, `corpus ${name}`)]++
        }
      }
    }
    t.diagnostic(
      `${names.length} files: ${outcomes.ok} resolved, ${outcomes.failed} refused, ${comparedKeys} settings compared`,
    )
    assert.ok(outcomes.ok > 0 && outcomes.failed > 0)
  })

  test(`${RANDOM_FILES} random carbon.conf files (seed ${seed})`, async (t) => {
    const dir = tempDir(t)
    const r = createRandom(seed)
    const outcomes = { ok: 0, failed: 0 }
    for (let c = 0; c < RANDOM_FILES; c++) {
      const text = randomFile(r)
      const program = r.pick(PROGRAMS)
      const instance = r.pick(['a', 'a', 'b'])
      outcomes[
        await compare(
          path.join(dir, 'carbon.conf'),
          text,
          program,
          instance,
          `random case ${c} (seed ${seed})`,
        )
      ]++
    }
    t.diagnostic(`seed ${seed}: ${outcomes.ok} resolved, ${outcomes.failed} refused`)
  })
})
