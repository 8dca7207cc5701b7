// wsp audit on a tree of 1000 files with mixed drift: the report is exactly the drift, --apply makes
// the tree audit clean, and a run killed halfway finishes when started again.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { fetch } from '../../../src/core/whisper/fetch.js'
import { readInfo } from '../../../src/core/whisper/info.js'
import { updateMany } from '../../../src/core/whisper/update.js'
import { run } from '../../helpers/cli.js'
import { BIN } from '../../helpers/paths.js'
import { tempDir } from '../../helpers/tmp.js'

const FILES = 1000
const NOW = Math.floor(Date.now() / 1000)

/** A config dir and a tree where file i drifts by i % 4: none, retentions, xFilesFactor, method. */
function setUp(t: Parameters<typeof tempDir>[0]): {
  conf: string
  data: string
  expected: Map<string, string[]>
} {
  const root = tempDir(t)
  const conf = path.join(root, 'conf')
  const data = path.join(root, 'data')
  fs.mkdirSync(conf)
  fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${data}\n`)
  fs.writeFileSync(
    path.join(conf, 'storage-schemas.conf'),
    '[stats]\npattern = ^stats\\.\nretentions = 10s:1d,1m:30d\n\n[default]\npattern = .*\nretentions = 1m:1h\n',
  )
  fs.writeFileSync(
    path.join(conf, 'storage-aggregation.conf'),
    '[count]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n',
  )
  const expected = new Map<string, string[]>()
  for (let i = 0; i < FILES; i++) {
    const stats = i % 2 === 0
    const file = path.join(
      data,
      stats ? 'stats' : 'other',
      `host${i % 17}`,
      `m${i}${i % 3 === 0 ? '.count' : ''}.wsp`,
    )
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const count = i % 3 === 0
    const right = {
      archives: stats
        ? ([
            [10, 8640],
            [60, 43200],
          ] as [number, number][])
        : ([[60, 60]] as [number, number][]),
      xff: count ? 0 : 0.5,
      method: count ? 'sum' : 'average',
    }
    const drift = ['', 'retentions', 'xFilesFactor', 'aggregationMethod'][i % 4]!
    create(file, drift === 'retentions' ? [[60, 30]] : right.archives, {
      xFilesFactor: drift === 'xFilesFactor' ? 0.9 : right.xff,
      aggregationMethod: drift === 'aggregationMethod' ? 'max' : right.method,
    })
    updateMany(
      file,
      [
        [NOW - 120, i],
        [NOW - 60, i + 0.5],
      ],
      { now: NOW },
    )
    expected.set(file, drift === '' ? [] : [drift])
  }
  return { conf, data, expected }
}

describe('wsp audit', () => {
  test('reports exactly the drift; --apply leaves a clean tree with the data kept', (t) => {
    const { conf, data, expected } = setUp(t)
    const report = run('wsp', ['audit', data, '--config-dir', conf, '--json'])
    assert.equal(report.status, 1, report.stderr)
    const json = JSON.parse(report.stdout) as {
      files: { path: string; drift: string[] }[]
      summary: { drifted: number }
    }
    assert.equal(json.files.length, FILES)
    assert.deepEqual(new Map(json.files.map((f) => [f.path, f.drift])), expected)
    assert.equal(json.summary.drifted, (FILES * 3) / 4)
    const applied = run('wsp', ['audit', data, '--config-dir', conf, '--apply', '--quiet'])
    assert.equal(applied.status, 0, applied.stderr)
    assert.match(applied.stdout, /changed now\s+750\n/)
    assert.equal(run('wsp', ['audit', data, '--config-dir', conf]).status, 0)
    for (const file of expected.keys()) {
      const i = Number(/m(\d+)/.exec(file)![1])
      const values = fetch(file, NOW - 180, NOW - 60, { now: NOW })!.values.filter((v) => v !== null)
      assert.deepEqual(values, [i, i + 0.5], file)
    }
  })

  test('a run killed halfway finishes when started again', async (t) => {
    const { conf, data, expected } = setUp(t)
    const child = spawn(
      process.execPath,
      [path.join(BIN, 'wsp.cjs'), 'audit', data, '--config-dir', conf, '--apply', '--quiet'],
      { stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.on('exit', resolve))
    // Kill it once some files have been changed, long before all of them are.
    const changed = (): number =>
      [...expected.keys()].filter((f, i) => i % 4 === 1 && readInfo(f).archives[0]!.points !== 30).length
    const deadline = Date.now() + 30_000
    while (changed() < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2))
    child.kill('SIGKILL')
    await exited
    const halfway = changed()
    t.diagnostic(`killed after ${halfway} of ${FILES / 4} resizes`)
    assert.ok(halfway >= 10 && halfway < FILES / 4, `${halfway} of ${FILES / 4} resized when killed`)
    const again = run('wsp', ['audit', data, '--config-dir', conf, '--apply', '--quiet'])
    assert.equal(again.status, 0, again.stderr)
    assert.equal(run('wsp', ['audit', data, '--config-dir', conf]).status, 0)
    assert.equal(run('wsp', ['check', data, '--quiet']).status, 0)
    const leftovers = fs.readdirSync(data, { recursive: true }).filter((f) => String(f).includes('.wsp.'))
    assert.deepEqual(leftovers, [])
  })
})
