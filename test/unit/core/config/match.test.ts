// matchMetric and whichMetrics beyond what the differential test compares: the lists verdict, the
// refusals, and the defaults when files are missing.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ConfigFileText } from '../../../../src/core/config/config-set.js'
import { parseConfigSet } from '../../../../src/core/config/config-set.js'
import { matchMetric, whichMetrics } from '../../../../src/core/config/match.js'
import { ConfigError } from '../../../../src/core/errors.js'

function set(files: Record<string, string>) {
  const texts: ConfigFileText[] = Object.entries(files).map(([kind, text]) => ({
    path: `/conf/${kind}`,
    kind: kind as ConfigFileText['kind'],
    text,
    invalidUtf8Line: null,
  }))
  return parseConfigSet(texts, { dir: '/conf', env: { GRAPHITE_ROOT: '/g' } }).set
}

const SCHEMAS = '[all]\npattern = .*\nretentions = 1m:1d\n'

describe('matchMetric', () => {
  test('with USE_WHITELIST: the blacklist first, then a non-empty whitelist', () => {
    const s = set({
      'carbon.conf': '[cache]\nUSE_WHITELIST = True\n',
      'storage-schemas.conf': SCHEMAS,
      'whitelist.conf': '^carbon\\.\n^stats\\.\n',
      'blacklist.conf': '^stats\\.noisy\\.\n',
    })
    assert.deepEqual(matchMetric('carbon.x', s).lists, {
      accepted: true,
      whitelisted: true,
      whitelistedBy: { file: '/conf/whitelist.conf', line: 1, pattern: '^carbon\\.' },
    })
    assert.equal(matchMetric('stats.noisy.x', s).lists?.accepted, false)
    assert.equal(matchMetric('stats.noisy.x', s).lists?.blacklistedBy?.line, 1)
    assert.deepEqual(matchMetric('other.x', s).lists, { accepted: false, whitelisted: false })
  })

  test('without USE_WHITELIST the lists do not apply', () => {
    const s = set({ 'carbon.conf': '[cache]\n', 'storage-schemas.conf': SCHEMAS, 'blacklist.conf': '.*\n' })
    assert.equal(matchMetric('x', s).lists, undefined)
  })

  test("no carbon.conf: the data directory from GRAPHITE_ROOT; no rule: carbon's and whisper's defaults", () => {
    const m = matchMetric(
      'a.b',
      set({ 'storage-schemas.conf': '[c]\npattern = ^carbon\\.\nretentions = 1m:1d\n' }),
    )
    assert.equal(m.path, '/g/storage/whisper/a/b.wsp')
    assert.deepEqual(
      [m.schema.section, m.schema.builtin, m.schema.retentions, m.schema.fileSize],
      ['default', true, '60s:7d', 16 + 12 + 12 * 10080],
    )
    assert.deepEqual(
      [
        m.aggregation.section,
        m.aggregation.xFilesFactor,
        m.aggregation.aggregationMethod,
        m.aggregation.xFilesFactorFrom,
      ],
      [null, 0.5, 'average', 'default'],
    )
  })

  test('a tagged name that does not parse is stored raw, under _tagged', () => {
    const m = matchMetric('e.badtag;a', set({ 'storage-schemas.conf': SCHEMAS }))
    assert.equal(m.name, 'e.badtag;a')
    assert.ok(m.tagError)
    assert.match(m.path, /\/_tagged\/[0-9a-f]{3}\/[0-9a-f]{3}\/[0-9a-f]{64}\.wsp$/)
  })

  test('a rule carbonkit cannot evaluate is refused only when it must be tried', () => {
    const s = set({
      'storage-schemas.conf':
        '[c]\npattern = ^carbon\\.\nretentions = 1m:1d\n[odd]\npattern = (a)?(?(1)b)\nretentions = 1m:2d\n',
    })
    assert.equal(matchMetric('carbon.x', s).schema.section, 'c')
    assert.throws(
      () => matchMetric('x', s),
      (e: unknown) => e instanceof ConfigError && /line 5: \[odd\]/.test(e.message),
    )
  })
})

describe('whichMetrics', () => {
  test('refuses a configuration carbon would not start with', () => {
    const s = set({ 'storage-schemas.conf': '[c]\npattern = ^c\nretentions = 10sec:1d\n' })
    assert.throws(() => whichMetrics(['x'], s), /line 3: carbon would not start: Invalid unit 'sec'/)
    const none = set({ 'carbon.conf': '[cache]\n' })
    assert.throws(
      () => whichMetrics(['x'], none),
      /storage-schemas\.conf: carbon would not start: missing required config/,
    )
  })
})
