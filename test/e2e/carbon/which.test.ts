// carbon which end to end: the built binary on a copy of a configuration directory.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { FIXTURES } from '../../helpers/paths.js'
import { run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

function configDir(t: Parameters<typeof tempDir>[0], corpus: string, carbonConf?: string): string {
  const dir = tempDir(t)
  fs.cpSync(path.join(FIXTURES, 'config', 'corpus', corpus), dir, { recursive: true })
  if (carbonConf !== undefined) fs.writeFileSync(path.join(dir, 'carbon.conf'), carbonConf)
  return dir
}

const CARBON_CONF = '[cache]\nLOCAL_DATA_DIR = /var/lib/graphite/whisper/\nTAG_HASH_FILENAMES = False\n'

describe('carbon which', () => {
  test('schema, retentions, size, aggregation and file of plain and tagged names', (t) => {
    const dir = configDir(t, 'statsd', CARBON_CONF)
    const result = run('carbon', [
      'which',
      'stats.timers.api.count',
      'cpu.load;host=web01;env=prod',
      '--config-dir',
      dir,
    ])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    // Sizes from whisper's layout (16-byte header, 12 per archive, 12 per point); tagged file names
    // from carbon's rule (sha256 of the normalised name, tags sorted).
    const statsSize = 16 + 12 * 3 + 12 * (2160 + 8640 + 259200)
    const defaultSize = 16 + 12 * 3 + 12 * (1440 + 8640 + 26280)
    const tagged = 'cpu.load;env=prod;host=web01'
    const hash = createHash('sha256').update(tagged).digest('hex')
    const taggedDir = `/var/lib/graphite/whisper/_tagged/${hash.slice(0, 3)}/${hash.slice(3, 6)}`
    assert.equal(
      result.stdout,
      [
        'stats.timers.api.count',
        `  schema       [stats]  ${dir}/storage-schemas.conf:5  pattern ^stats.*`,
        '  retentions   10s:6h,1m:6d,10m:1800d  (10:2160 60:8640 600:259200)',
        `  size         ${statsSize.toLocaleString('en-US')} bytes (3.1 MiB), 1800d kept`,
        `  aggregation  sum, xFilesFactor 0.0  [count]  ${dir}/storage-aggregation.conf:16  pattern \\.count$`,
        '  file         /var/lib/graphite/whisper/stats/timers/api/count.wsp',
        '',
        'cpu.load;host=web01;env=prod',
        `  name         ${tagged}`,
        `  schema       [catchall]  ${dir}/storage-schemas.conf:13  pattern ^.*$`,
        '  retentions   60s:1d,5m:30d,1h:3y  (60:1440 300:8640 3600:26280)',
        `  size         ${defaultSize.toLocaleString('en-US')} bytes (426.1 KiB), 3y kept`,
        `  aggregation  average, xFilesFactor 0.3  [default_average]  ${dir}/storage-aggregation.conf:26  pattern .*`,
        `  file         ${taggedDir}/cpu_DOT_load;env=prod;host=web01.wsp`,
        `  hashed       ${taggedDir}/${hash}.wsp  (TAG_HASH_FILENAMES = True)`,
        `  unhashed     ${taggedDir}/cpu_DOT_load;env=prod;host=web01.wsp  (TAG_HASH_FILENAMES = False)`,
        '',
      ].join('\n'),
    )
  })

  test('--json: the same answer as data', (t) => {
    const dir = configDir(t, 'statsd', CARBON_CONF)
    const result = run('carbon', ['which', 'carbon.agents.a.cpu', 'x.sum', '--config-dir', dir, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const report = JSON.parse(result.stdout) as {
      schemaVersion: number
      metrics: {
        metric: string
        schema: {
          section: string
          line: number
          archives: { secondsPerPoint: number; points: number }[]
          fileSize: number
        }
        aggregation: { section: string | null; xFilesFactor: number; aggregationMethod: string }
        path: string
      }[]
    }
    assert.equal(report.schemaVersion, 1)
    assert.deepEqual(
      report.metrics.map((m) => [
        m.metric,
        m.schema.section,
        m.schema.line,
        m.schema.fileSize,
        m.aggregation.section,
        m.aggregation.aggregationMethod,
        m.aggregation.xFilesFactor,
        m.path,
      ]),
      [
        [
          'carbon.agents.a.cpu',
          'carbon',
          1,
          1555228,
          'default_average',
          'average',
          0.3,
          '/var/lib/graphite/whisper/carbon/agents/a/cpu.wsp',
        ],
        ['x.sum', 'catchall', 13, 436372, 'sum', 'sum', 0, '/var/lib/graphite/whisper/x/sum.wsp'],
      ],
    )
  })

  test("without carbon.conf: carbon's default data directory and hashed tagged files", (t) => {
    const dir = configDir(t, 'debian')
    const result = run('carbon', ['which', 'a;b=c', '--config-dir', dir, '--json'], {
      env: { GRAPHITE_ROOT: '/opt/graphite', GRAPHITE_STORAGE_DIR: undefined },
    })
    assert.equal(result.status, 0, result.stderr)
    const report = JSON.parse(result.stdout) as {
      metrics: { path: string; aggregation: { section: null } }[]
    }
    assert.match(
      report.metrics[0]!.path,
      /^\/opt\/graphite\/storage\/whisper\/_tagged\/[0-9a-f]{3}\/[0-9a-f]{3}\/[0-9a-f]{64}\.wsp$/,
    )
    assert.equal(report.metrics[0]!.aggregation.section, null)
  })

  test('a configuration carbon would not start with: exit 5', (t) => {
    const dir = configDir(t, 'article')
    const result = run('carbon', ['which', 'stats.x', '--config-dir', dir])
    assert.equal(result.status, 5)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      `carbon: ${dir}/storage-schemas.conf: line 11: carbon would not start: Invalid unit 'min' in section [Statsd] (retention "1min:6d") (carbon lint lists every problem)\n`,
    )
  })

  test('a pattern carbonkit cannot evaluate: exit 5 naming it', (t) => {
    const dir = tempDir(t)
    fs.writeFileSync(
      path.join(dir, 'storage-schemas.conf'),
      '[odd]\npattern = ^(a)?(?(1)b|c)\nretentions = 1m:1d\n',
    )
    const result = run('carbon', ['which', 'x', '--config-dir', dir])
    assert.equal(result.status, 5)
    assert.match(
      result.stderr,
      /line 2: \[odd\] pattern "\^\(a\)\?\(\?\(1\)b\|c\)" cannot be evaluated by carbonkit/,
    )
  })

  test('usage and missing directory', (t) => {
    const none = run('carbon', ['which'])
    assert.equal(none.status, 2)
    const dir = path.join(tempDir(t), 'nowhere')
    const missing = run('carbon', ['which', 'x', '--config-dir', dir])
    assert.equal(missing.status, 5)
    assert.equal(missing.stderr, `carbon: ${dir}: no such file or directory\n`)
  })
})
