// issue 17 (what is on a node): `wsp stale DIR --older-than D [--delete | --quarantine DIR]` judges by
// the newest point in the data, not by the mtime; removes only what it lists, and says how much.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

const NOW = 1800000000
const ENV = { CARBONKIT_NOW: String(NOW) }
const DAY = 86400

function wsp(args: string[]): ReturnType<typeof run> {
  const result = run('wsp', args, { env: ENV })
  return result
}

function makeTree(t: Parameters<typeof tempDir>[0]): string {
  const root = tempDir(t, 'carbonkit-stale-')
  const dir = path.join(root, 'whisper')
  const create = (name: string, point: number | null): string => {
    const file = path.join(dir, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    assert.equal(wsp(['create', file, '1m:1d', '1h:90d']).status, 0)
    if (point !== null) {
      const r = wsp(['update', file, `${point}:1`])
      assert.equal(r.status, 0, r.stderr)
    }
    return file
  }
  // Its only point is 40 days old (in the 1h archive alone); its mtime is now.
  const old = create('app.old', NOW - 40 * DAY)
  fs.utimesSync(old, NOW, NOW)
  // A point a minute ago, but an mtime 100 days old: the data decides.
  const fresh = create('app.fresh', NOW - 60)
  fs.utimesSync(fresh, NOW - 100 * DAY, NOW - 100 * DAY)
  create('app.never', null)
  create('other.recent', NOW - 10 * DAY)
  return dir
}

interface Report {
  checked: number
  cutoff: number
  stale: { name: string; newest: number | null; apparentBytes: number; action?: string }[]
}

test('issue 17: wsp stale judges by the newest point in any archive, not by the mtime', (t) => {
  const dir = makeTree(t)
  const result = wsp(['stale', dir, '--older-than', '30d', '--json'])
  assert.equal(result.status, 0, result.stderr)
  const report = JSON.parse(result.stdout) as Report
  assert.equal(report.checked, 4)
  assert.equal(report.cutoff, NOW - 30 * DAY)
  assert.deepEqual(
    report.stale.map((m) => [m.name, m.newest]),
    [
      ['app.never', null],
      ['app.old', NOW - 40 * DAY - ((NOW - 40 * DAY) % 3600)],
    ],
  )
  const narrower = JSON.parse(wsp(['stale', dir, 'other.*', '--older-than', '7d', '--json']).stdout) as Report
  assert.deepEqual(
    narrower.stale.map((m) => m.name),
    ['other.recent'],
  )
  const text = wsp(['stale', dir, '--older-than', '30d'])
  assert.match(
    text.stdout,
    /^app\.never {2}no points {2}\S+\napp\.old {2}newest 2026-12-06T08:00:00Z {2}\S+\n2 of 4 metrics stale \(no point after 2026-12-16T08:00:00Z\), \S+\n$/,
  )
  assert.ok(fs.existsSync(path.join(dir, 'app', 'old.wsp')), 'listing removes nothing')
})

test('issue 17: wsp stale --delete removes exactly the stale files and says how many bytes', (t) => {
  const dir = makeTree(t)
  const sizes = ['app/old.wsp', 'app/never.wsp'].reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0)
  const result = wsp(['stale', dir, '--older-than', '30d', '--delete', '--json'])
  assert.equal(result.status, 0, result.stderr)
  const report = JSON.parse(result.stdout) as Report
  assert.deepEqual(
    report.stale.map((m) => m.action),
    ['deleted', 'deleted'],
  )
  assert.equal(
    report.stale.reduce((n, m) => n + m.apparentBytes, 0),
    sizes,
  )
  assert.deepEqual(wsp(['ls', dir]).stdout, 'app.fresh\nother.recent\n')
})

test('issue 17: wsp stale --quarantine moves the stale files, keeping their paths', (t) => {
  const dir = makeTree(t)
  const quarantine = path.join(path.dirname(dir), 'quarantine')
  const result = wsp(['stale', dir, '--older-than', '30d', '--quarantine', quarantine])
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /app\.old .* moved to .*quarantine\/app\/old\.wsp\n/)
  assert.match(result.stdout, /2 of 4 metrics stale .*; 2 moved, \S+\n$/)
  assert.equal(wsp(['ls', quarantine]).stdout, 'app.never\napp.old\n')
  assert.equal(wsp(['ls', dir]).stdout, 'app.fresh\nother.recent\n')
})

test('issue 17: wsp stale refusals: one line, documented exit codes, nothing touched', (t) => {
  const dir = makeTree(t)
  assertOneLineError(wsp(['stale', dir]), 2, /--older-than/)
  assertOneLineError(wsp(['stale', dir, '--older-than', 'soon']), 2, /not a duration/)
  assertOneLineError(
    wsp(['stale', dir, '--older-than', '1d', '--delete', '--quarantine', '/tmp/q']),
    2,
    /--delete or --quarantine, not both/,
  )
  assertOneLineError(
    wsp(['stale', dir, '--older-than', '1d', '--quarantine', path.join(dir, 'q')]),
    2,
    /inside/,
  )
  assertOneLineError(
    wsp(['stale', path.join(dir, 'missing'), '--older-than', '1d']),
    3,
    /no such file or directory/,
  )
  assert.equal(wsp(['ls', dir]).stdout.split('\n').length - 1, 4)
})
