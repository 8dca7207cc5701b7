// issue 17 (what is on a node): `wsp ls DIR [GLOB]` and `wsp du DIR [--depth N]` on real files
// made by `wsp create`, checked against stat(2) and the files' own headers.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

interface Listed {
  name: string
  path: string
  details?: {
    archives: { secondsPerPoint: number; points: number }[] | null
    error?: string
    apparentBytes: number
    allocatedBytes: number
    lastWrite: number
  }
}

function makeTree(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t, 'carbonkit-ls-')
  const create = (name: string, ...args: string[]): void => {
    const file = path.join(dir, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const result = run('wsp', ['create', file, ...args])
    assert.equal(result.status, 0, result.stderr)
  }
  create('servers.web1.cpu.user', '1m:1d', '1h:30d')
  create('servers.web1.cpu.system', '1m:1d')
  create('servers.web2.cpu.user', '10s:6h', '--sparse')
  create('servers.web2.load', '1m:1d')
  create('stats.counts.api', '1m:7d', '--sparse')
  fs.writeFileSync(path.join(dir, 'stats', 'broken.wsp'), 'not whisper')
  fs.writeFileSync(path.join(dir, 'servers', 'notes.txt'), 'not a metric')
  fs.mkdirSync(path.join(dir, '.hidden'))
  fs.writeFileSync(path.join(dir, '.hidden', 'x.wsp'), '')
  return dir
}

test('issue 17: wsp ls lists metric names, sorted, and filters them with Graphite globs', (t) => {
  const dir = makeTree(t)
  const all = run('wsp', ['ls', dir])
  assert.equal(all.status, 0, all.stderr)
  assert.equal(
    all.stdout,
    [
      '.hidden.x',
      'servers.web1.cpu.system',
      'servers.web1.cpu.user',
      'servers.web2.cpu.user',
      'servers.web2.load',
      'stats.broken',
      'stats.counts.api',
      '',
    ].join('\n'),
  )
  const glob = run('wsp', ['ls', dir, 'servers.*.cpu.{user,idle}'])
  assert.equal(glob.stdout, 'servers.web1.cpu.user\nservers.web2.cpu.user\n')
  assert.equal(run('wsp', ['ls', dir, 'servers.web[2-9].*']).stdout, 'servers.web2.load\n')
  assert.equal(run('wsp', ['ls', dir, '*.x']).stdout, '', 'a wildcard never matches a hidden entry')
  assert.equal(run('wsp', ['ls', dir, 'nothing.*']).status, 0)
})

test('issue 17: wsp ls --long and --json: archives, apparent and allocated bytes, last write (from stat)', (t) => {
  const dir = makeTree(t)
  const fixed = path.join(dir, 'servers', 'web1', 'cpu', 'user.wsp')
  fs.utimesSync(fixed, 1700000000, 1700000000)
  const result = run('wsp', ['ls', '--long', '--json', dir, 'servers.web*.cpu.user'])
  assert.equal(result.status, 0, result.stderr)
  const report = JSON.parse(result.stdout) as { schemaVersion: number; metrics: Listed[] }
  assert.equal(report.schemaVersion, 1)
  assert.deepEqual(
    report.metrics.map((m) => m.name),
    ['servers.web1.cpu.user', 'servers.web2.cpu.user'],
  )
  for (const metric of report.metrics) {
    const stat = fs.statSync(metric.path)
    assert.equal(metric.details!.apparentBytes, stat.size)
    assert.equal(metric.details!.allocatedBytes, stat.blocks * 512)
  }
  assert.deepEqual(report.metrics[0]!.details!.archives, [
    { secondsPerPoint: 60, points: 1440 },
    { secondsPerPoint: 3600, points: 720 },
  ])
  assert.equal(report.metrics[0]!.details!.lastWrite, 1700000000)
  const sparse = report.metrics[1]!.details!
  assert.ok(sparse.allocatedBytes < sparse.apparentBytes, 'a sparse file allocates less than its size')

  const text = run('wsp', ['ls', '-l', dir, 'stats.*'])
  assert.equal(text.status, 0, text.stderr)
  const lines = text.stdout.trimEnd().split('\n')
  assert.match(lines[0]!, /^corrupt \(header is 11 bytes, need 16\) .* stats\.broken$/)
  assert.equal(lines.length, 1)
  assert.match(
    run('wsp', ['ls', '-l', dir, 'servers.web1.cpu.user']).stdout,
    /^60:1440,3600:720 +25K +\S+ +2023-11-14T22:13:20Z {2}servers\.web1\.cpu\.user\n$/,
  )
})

test('issue 17: wsp du sums apparent and allocated bytes and files per subtree, largest first', (t) => {
  const dir = makeTree(t)
  const result = run('wsp', ['du', dir, '--depth', '2', '--json'])
  assert.equal(result.status, 0, result.stderr)
  const report = JSON.parse(result.stdout) as {
    total: { files: number; apparentBytes: number; allocatedBytes: number }
    subtrees: { name: string; files: number; apparentBytes: number; allocatedBytes: number }[]
  }
  const files = run('wsp', ['ls', '--long', '--json', dir])
  const metrics = (JSON.parse(files.stdout) as { metrics: Listed[] }).metrics
  assert.equal(report.total.files, metrics.length)
  assert.equal(
    report.total.apparentBytes,
    metrics.reduce((n, m) => n + m.details!.apparentBytes, 0),
  )
  assert.equal(
    report.total.allocatedBytes,
    metrics.reduce((n, m) => n + m.details!.allocatedBytes, 0),
  )
  assert.deepEqual(report.subtrees.map((s) => s.name).sort(), [
    '.hidden.x',
    'servers.web1',
    'servers.web2',
    'stats.broken',
    'stats.counts',
  ])
  const web1 = report.subtrees.find((s) => s.name === 'servers.web1')!
  assert.equal(web1.files, 2)
  const allocated = report.subtrees.map((s) => s.allocatedBytes)
  assert.deepEqual(
    allocated,
    [...allocated].sort((a, b) => b - a),
  )

  const text = run('wsp', ['du', dir])
  assert.equal(text.status, 0, text.stderr)
  assert.match(text.stdout, /^ *on disk +size +files  subtree\n/)
  assert.match(text.stdout, /\n +\S+ +\S+ +4  servers\n/)
  assert.match(text.stdout, /\n +\S+ +\S+ +7  total \(.*\)\n$/)
})

test('issue 17: wsp ls and du refusals: one line, documented exit codes', (t) => {
  const dir = makeTree(t)
  assertOneLineError(run('wsp', ['ls', path.join(dir, 'missing')]), 3, /missing: no such file or directory/)
  assertOneLineError(run('wsp', ['du', path.join(dir, 'missing')]), 3, /missing: no such file or directory/)
  assertOneLineError(
    run('wsp', ['ls', path.join(dir, 'servers', 'notes.txt')]),
    2,
    /notes\.txt: not a directory/,
  )
  assertOneLineError(run('wsp', ['du', dir, '--depth', 'x']), 2, /not a non-negative integer/)
  const huge = 'a.' + '{0,1,2,3,4,5,6,7,8,9}'.repeat(3) + '{0,1}'
  assertOneLineError(run('wsp', ['ls', dir, huge]), 2, /expands to more than 1000 patterns/)
})

test('issue 17: wsp ls --backups lists the backups resize and audit left; --backups --delete removes them, saying how much', (t) => {
  const dir = makeTree(t)
  const conf = tempDir(t, 'carbonkit-ls-conf-')
  const resized = path.join(dir, 'servers', 'web1', 'cpu', 'system.wsp')
  const audited = path.join(dir, 'stats', 'counts', 'api.wsp')
  const r = run('wsp', ['update', resized, `${Math.floor(Date.now() / 1000) - 120}:5`])
  assert.equal(r.status, 0, r.stderr)
  const resize = run('wsp', ['resize', resized, '1m:2d', '--quiet'])
  assert.equal(resize.status, 0, resize.stderr)
  fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${dir}\n`)
  fs.writeFileSync(
    path.join(conf, 'storage-schemas.conf'),
    '[stats]\npattern = ^stats\\.counts\\.\nretentions = 1m:14d\n\n[default]\npattern = .*\nretentions = 1m:1d\n',
  )
  const audit = run('wsp', [
    'audit',
    path.join(dir, 'stats', 'counts'),
    '--config-dir',
    conf,
    '--apply',
    '--quiet',
  ])
  assert.equal(audit.status, 0, audit.stdout + audit.stderr)
  const backups = [audited + '.bak', resized + '.bak']
  for (const b of backups) assert.ok(fs.existsSync(b), `${b} left by resize or audit`)
  // The metrics are listed as ever, the backups only with --backups.
  assert.doesNotMatch(run('wsp', ['ls', dir]).stdout, /bak/)

  const listed = run('wsp', ['ls', dir, '--backups', '--json'])
  assert.equal(listed.status, 0, listed.stderr)
  const report = JSON.parse(listed.stdout) as {
    backups: { name: string; path: string; apparentBytes: number; allocatedBytes: number }[]
    apparentBytes: number
    allocatedBytes: number
  }
  assert.deepEqual(
    report.backups.map((b) => [b.name, b.path]),
    [
      ['servers.web1.cpu.system', resized + '.bak'],
      ['stats.counts.api', audited + '.bak'],
    ],
  )
  for (const b of report.backups) {
    const stat = fs.statSync(b.path)
    assert.equal(b.apparentBytes, stat.size)
    assert.equal(b.allocatedBytes, stat.blocks * 512)
  }
  const onDisk = backups.reduce((n, b) => n + fs.statSync(b).blocks * 512, 0)
  assert.equal(report.allocatedBytes, onDisk)
  assert.equal(run('wsp', ['ls', dir, 'stats.*.*', '--backups', '--json']).stdout.match(/"path"/g)?.length, 1)
  const text = run('wsp', ['ls', dir, '--backups'])
  assert.match(text.stdout, /servers\/web1\/cpu\/system\.wsp\.bak\n/)
  assert.match(
    text.stdout,
    /\n2 backups, \S+ on disk \(\S+ apparent\); wsp ls --backups --delete removes them\n$/,
  )
  assert.ok(
    backups.every((b) => fs.existsSync(b)),
    'listing removes nothing',
  )

  assertOneLineError(run('wsp', ['ls', dir, '--delete']), 2, /--delete deletes backups: give --backups/)
  const deleted = run('wsp', ['ls', dir, '--backups', '--delete', '--json'])
  assert.equal(deleted.status, 0, deleted.stderr)
  const done = JSON.parse(deleted.stdout) as { deleted: { files: number; allocatedBytes: number } }
  assert.deepEqual(done.deleted, { files: 2, apparentBytes: report.apparentBytes, allocatedBytes: onDisk })
  assert.ok(
    backups.every((b) => !fs.existsSync(b)),
    'both backups deleted',
  )
  assert.ok(fs.existsSync(resized) && fs.existsSync(audited), 'the metrics themselves stay')
  assert.equal(run('wsp', ['ls', dir]).stdout.split('\n').length - 1, 7)
  const none = run('wsp', ['ls', dir, '--backups', '--delete'])
  assert.equal(none.stdout, 'deleted 0 of 0 backups, 0 on disk (0 apparent): 0 freed\n')
})
