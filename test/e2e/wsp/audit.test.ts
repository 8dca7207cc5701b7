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
import { assertOneLineError, run, shell } from '../../helpers/cli.js'
import { BIN, FIXTURES } from '../../helpers/paths.js'
import { tempDir } from '../../helpers/tmp.js'
import { parseTreeReport } from '../../helpers/tree-report.js'

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
    const json = parseTreeReport<{ drift: string[] }>(report.stdout)
    assert.equal(json.files.length, FILES)
    assert.deepEqual(new Map(json.files.map((f) => [f.path, f.result!.drift])), expected)
    // ok: as configured; the dry run changed nothing, so every drifted file is not ok, without an error.
    assert.equal(json.files.filter((f) => !f.ok && f.error === undefined).length, (FILES * 3) / 4)
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
    // Only the backups resize keeps (<file>.wsp.bak), no temporary file.
    const leftovers = fs
      .readdirSync(data, { recursive: true })
      .filter((f) => String(f).includes('.wsp.') && !String(f).endsWith('.wsp.bak'))
    assert.deepEqual(leftovers, [])
  })
})

/**
 * The Graphite article's storage-schemas.conf and storage-aggregation.conf in `conf`, with a
 * carbon.conf whose LOCAL_DATA_DIR is `dataDir`. The article's `1min` and `10min` stop carbon 1.1.7
 * (carbon lint says so), so they are written `1m` and `10m` as a carbon that runs has them;
 * `statsd` replaces the [statsd] retentions (a schema change).
 */
function articleConf(conf: string, dataDir: string, statsd?: string): void {
  const article = path.join(FIXTURES, 'config', 'article')
  fs.mkdirSync(conf, { recursive: true })
  let schemas = fs
    .readFileSync(path.join(article, 'storage-schemas.conf'), 'utf8')
    .replaceAll(/(\d+)min:/g, '$1m:')
  if (statsd) schemas = schemas.replace('retentions = 10s:6h,1m:6d,10m:1800d', `retentions = ${statsd}`)
  assert.match(schemas, statsd ? new RegExp(`retentions = ${statsd}`) : /1m:6d/)
  fs.writeFileSync(path.join(conf, 'storage-schemas.conf'), schemas)
  fs.copyFileSync(path.join(article, 'storage-aggregation.conf'), path.join(conf, 'storage-aggregation.conf'))
  fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${dataDir}\n`)
}

describe('wsp audit: names it can vouch for, losses it says and asks for', () => {
  const NOW = 1795600000 - (1795600000 % 3600)
  const env = { CARBONKIT_NOW: String(NOW) }
  const wsp = (args: string[]): ReturnType<typeof run> => run('wsp', args, { env })

  test('issue 13.1: a directory outside LOCAL_DATA_DIR is refused unless --root says where names start', (t) => {
    const dir = tempDir(t)
    const conf = path.join(dir, 'conf')
    // The Docker case: carbon.conf names the path inside the container; the files are on the host.
    articleConf(conf, '/opt/graphite/storage/whisper/')
    const whisper = path.join(dir, 'volumes', 'graphite', 'whisper')
    const cpu = path.join(whisper, 'carbon', 'agents', 'vm-a', 'cpuUsage.wsp')
    const mem = path.join(whisper, 'carbon', 'agents', 'vm-a', 'memUsage.wsp')
    fs.mkdirSync(path.dirname(cpu), { recursive: true })
    // cpuUsage is as [carbon] (60:90d) made it, with a point 30 days old that [default] (60s:1d) would drop;
    // memUsage predates a change of [carbon] from 1y.
    assert.equal(wsp(['create', cpu, '60:90d']).status, 0)
    assert.equal(wsp(['create', mem, '60:1y']).status, 0)
    for (const f of [cpu, mem])
      assert.equal(wsp(['update', f, `${NOW - 30 * 86400}:1`, `${NOW - 60}:2`]).status, 0)
    const before = fs.readFileSync(cpu)
    const sub = path.join(whisper, 'carbon')
    assertOneLineError(
      wsp(['audit', sub, '--config-dir', conf, '--apply']),
      2,
      /^wsp: .*volumes\/graphite\/whisper\/carbon is not under LOCAL_DATA_DIR \/opt\/graphite\/storage\/whisper .*: pass --root DIR/,
    )
    assert.deepEqual(fs.readFileSync(cpu), before)
    assert.equal(fs.readFileSync(mem).byteLength, 16 + 12 + 12 * 525600)
    // A root the directory is not under is refused too.
    assertOneLineError(
      wsp(['audit', sub, '--config-dir', conf, '--root', path.join(sub, 'agents')]),
      2,
      /is not under --root .*\/carbon\/agents/,
    )
    // With --root, names are right and shown: both files are carbon.*, under [carbon].
    const dry = wsp(['audit', sub, '--config-dir', conf, '--root', whisper])
    assert.equal(dry.status, 1, dry.stderr)
    assert.match(dry.stdout, new RegExp(`^metric names: paths under ${whisper} \\(--root\\)\n`))
    assert.match(
      dry.stdout,
      /memUsage\.wsp: retentions differ\n {2}metric {3}carbon\.agents\.vm-a\.memUsage\n/,
    )
    assert.match(dry.stdout, /expected 60:129600 average xff 0\.5\n {2}from {5}schema \[carbon\]/)
    assert.doesNotMatch(dry.stdout, /cpuUsage/)
    const json = parseTreeReport<{ metric: string; drift: string[] }>(
      wsp(['audit', sub, '--config-dir', conf, '--root', whisper, '--json']).stdout,
    )
    assert.equal(json.rootFrom, 'option')
    assert.deepEqual(
      json.files.map((f) => [path.basename(f.path), f.ok, f.result!.metric, f.result!.drift]),
      [
        ['cpuUsage.wsp', true, 'carbon.agents.vm-a.cpuUsage', []],
        ['memUsage.wsp', false, 'carbon.agents.vm-a.memUsage', ['retentions']],
      ],
    )
    const applied = wsp(['audit', sub, '--config-dir', conf, '--root', whisper, '--apply', '--quiet'])
    assert.equal(applied.status, 0, applied.stderr)
    assert.deepEqual(fs.readFileSync(cpu), before)
    assert.equal(fs.readFileSync(mem).byteLength, 16 + 12 + 12 * 129600)
    // A path that reaches LOCAL_DATA_DIR through a symlink (a bind mount) is under it.
    const link = path.join(dir, 'link')
    fs.symlinkSync(whisper, link)
    articleConf(conf, whisper)
    const linked = wsp(['audit', path.join(link, 'carbon'), '--config-dir', conf, '--json'])
    assert.equal(linked.status, 0, linked.stderr)
    const names = parseTreeReport<{ metric: string }>(linked.stdout).files.map((f) => f.result!.metric)
    assert.deepEqual(names, ['carbon.agents.vm-a.cpuUsage', 'carbon.agents.vm-a.memUsage'])
  })

  test('issue 13.2: points a change discards are counted per file; applying them needs --allow-loss; backups kept', async (t) => {
    const dir = tempDir(t)
    const conf = path.join(dir, 'conf')
    const data = path.join(dir, 'data')
    // The schema change of the report: [statsd] from 10s:6h,1m:6d,10m:1800d to 1m:1d.
    articleConf(conf, data, '1m:1d')
    const lossy = path.join(data, 'stats', 'a', 'lossy.wsp')
    const empty = path.join(data, 'stats', 'a', 'empty.wsp')
    const other = path.join(data, 'stats', 'b', 'other.wsp')
    for (const f of [lossy, empty, other]) {
      fs.mkdirSync(path.dirname(f), { recursive: true })
      assert.equal(wsp(['create', f, '10s:6h', '1m:6d', '10m:1800d']).status, 0)
    }
    // 20 minutes of 10-second points (120, merged into 1-minute averages) and a point 3 days old
    // (outside 1m:1d: lost).
    const lines = [
      `${NOW - 3 * 86400}:7`,
      ...Array.from({ length: 120 }, (_, i) => `${NOW - 10 * (i + 1)}:${i}`),
    ]
    for (const f of [lossy, other])
      assert.equal(run('wsp', ['update', f], { env, input: lines.join('\n') + '\n' }).status, 0)
    const original = fs.readFileSync(lossy)

    const dry = wsp(['audit', data, '--config-dir', conf])
    assert.equal(dry.status, 1, dry.stderr)
    assert.match(
      dry.stdout,
      /lossy\.wsp: retentions differ\n(?: .*\n){4} {2}change {3}would resize: 1 point would be lost \(.*\): 1 outside the new archives' retention; 120 points would be merged into coarser aggregates \(their own values gone\); --apply needs --allow-loss for it\n/,
    )
    assert.match(
      dry.stdout,
      /empty\.wsp: retentions differ\n(?: .*\n){4} {2}change {3}would resize: nothing lost\n/,
    )
    assert.match(dry.stdout, /would discard points\s+2\n/)
    assert.match(dry.stdout, /points that would be lost\s+2\n/)
    assert.match(
      dry.stdout,
      /2 files would discard points: --apply leaves them as they are unless --allow-loss is given\n/,
    )
    const json = parseTreeReport<{ change: { status: string; lost: { points: number }; merged: number } }>(
      wsp(['audit', data, '--config-dir', conf, '--json']).stdout,
    )
    const lossyEntry = json.files.find((f) => f.path === lossy)!.result!
    assert.equal(lossyEntry.change.status, 'planned')
    assert.equal(lossyEntry.change.lost.points, 1)
    assert.equal(lossyEntry.change.merged, 120)
    assert.deepEqual([json.summary.lossy, json.summary.pointsLost, json.summary.pointsMerged], [2, 2, 240])
    assert.deepEqual(fs.readFileSync(lossy), original)

    // Without --allow-loss: the lossy files are refused and left alone, the others are changed.
    const refused = wsp(['audit', data, '--config-dir', conf, '--apply', '--nobackup', '--quiet'])
    assertOneLineError(
      refused,
      1,
      /^wsp: 2 files were not changed because the change would discard points; run again with --allow-loss/,
    )
    assert.match(
      refused.stdout,
      /lossy\.wsp: retentions differ\n(?: .*\n){4} {2}change {3}not resized: 1 point would be lost .*; --allow-loss applies it\n/,
    )
    assert.match(refused.stdout, /changed now\s+1\n/)
    assert.match(refused.stdout, /refused \(would discard points\)\s+2\n/)
    assert.deepEqual(fs.readFileSync(lossy), original)
    assert.equal(fs.existsSync(`${empty}.bak`), false, '--nobackup')
    assert.equal(readInfo(empty).archives.length, 1)
    // issue 15: in the JSON of an --apply, a refused file is not ok and has no error (the answer for
    // it is "no", exit 1); the files changed before are ok, with nothing left to change.
    const again = wsp(['audit', data, '--config-dir', conf, '--apply', '--nobackup', '--json'])
    assert.equal(again.status, 1, again.stderr)
    const settled = parseTreeReport<{ change?: { status: string } }>(again.stdout)
    assert.deepEqual(
      settled.files.filter((f) => !f.ok).map((f) => [f.result!.change?.status, f.error]),
      [
        ['refused', undefined],
        ['refused', undefined],
      ],
    )
    assert.ok(settled.files.filter((f) => f.ok).every((f) => f.result!.change === undefined))
    assert.deepEqual(fs.readFileSync(lossy), original)

    // With it: applied, each with its backup, and the summary says how to remove them.
    const allowed = wsp(['audit', data, '--config-dir', conf, '--apply', '--allow-loss', '--quiet'])
    assert.equal(allowed.status, 0, allowed.stderr)
    assert.match(
      allowed.stdout,
      /lossy\.wsp: retentions differ\n(?: .*\n){4} {2}change {3}resized, 1 point lost \(.*\): 1 outside the new archives' retention; 120 points merged into coarser aggregates \(their own values gone\); backup .*lossy\.wsp\.bak\n/,
    )
    assert.match(allowed.stdout, /points lost\s+2\n/)
    assert.match(allowed.stdout, /backups left\s+2\n/)
    assert.deepEqual(fs.readFileSync(`${lossy}.bak`), original)
    const remove = /\n {2}(find .* -name '\*\.wsp\.bak' -delete)\n/.exec(allowed.stdout)
    assert.ok(remove, allowed.stdout)
    assert.equal((await shell(remove[1]!)).status, 0)
    assert.deepEqual(
      fs.readdirSync(data, { recursive: true }).filter((f) => String(f).endsWith('.bak')),
      [],
    )
    assert.equal(wsp(['audit', data, '--config-dir', conf]).status, 0)
  })

  test('issue 13.7: audit names xFilesFactor as the cause and the rule that sets it', (t) => {
    const dir = tempDir(t)
    const conf = path.join(dir, 'conf')
    const data = path.join(dir, 'data')
    articleConf(conf, data)
    // Made under an older [default] of 10s:1d and fed once a minute: [default] is 60s:1d now.
    const file = path.join(data, 'app', 'requests.wsp')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    assert.equal(wsp(['create', file, '10s:1d']).status, 0)
    const lines = Array.from({ length: 30 }, (_, i) => `${NOW - 60 * (i + 1)}:${i}`)
    assert.equal(run('wsp', ['update', file], { env, input: lines.join('\n') + '\n' }).status, 0)
    const dry = wsp(['audit', data, '--config-dir', conf])
    assert.equal(dry.status, 1, dry.stderr)
    assert.match(
      dry.stdout,
      /change {3}would resize: 30 points would be lost \(.*\): 30 because xFilesFactor 0\.5 refuses roll-ups of sparse data \(a lower xFilesFactor in \[default_average\] of storage-aggregation\.conf keeps them\)/,
    )
  })
})
