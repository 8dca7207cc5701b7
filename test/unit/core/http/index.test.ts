import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { compileGlob } from '../../../../src/core/http/glob.js'
import { answerFind } from '../../../../src/core/http/find.js'
import { MetricIndex, leafFile } from '../../../../src/core/http/index.js'
import { ReadPool } from '../../../../src/core/http/pool.js'
import { create } from '../../../../src/core/whisper/create.js'
import { tempDir } from '../../../helpers/tmp.js'

function touch(dir: string, relative: string): void {
  const file = path.join(dir, relative)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, '')
}

async function find(index: MetricIndex, pattern: string): Promise<string[]> {
  return (await index.find(compileGlob(pattern))).map((n) => `${n.path}${n.isLeaf ? '' : '/'}`)
}

test('issue 16 index: built by walking the data dir; branches, leaves, a name both; hidden and non-wsp skipped', async (t) => {
  const dir = tempDir(t)
  for (const f of [
    'acc/web/node1/cpu.wsp',
    'acc/web/node2/cpu.wsp',
    'acc/web/node2.wsp',
    'acc/db/x.wsp',
    'acc/.hidden/y.wsp',
    'acc/notes.txt',
  ])
    touch(dir, f)
  fs.mkdirSync(path.join(dir, 'empty'))
  const index = new MetricIndex(dir)
  await index.refresh()
  await index.ready
  assert.deepEqual(await find(index, 'acc.web.*'), ['acc.web.node1/', 'acc.web.node2/', 'acc.web.node2'])
  assert.deepEqual(await find(index, 'acc.*.*.cpu'), ['acc.web.node1.cpu', 'acc.web.node2.cpu'])
  assert.deepEqual(await find(index, 'acc.*'), ['acc.db/', 'acc.web/'])
  assert.deepEqual(await find(index, '*'), ['acc/', 'empty/'])
  assert.deepEqual(await find(index, 'acc.web.node{1,2}.c?u'), ['acc.web.node1.cpu', 'acc.web.node2.cpu'])
  assert.deepEqual(await find(index, 'nope.*'), [])
  assert.deepEqual(index.stats().metrics, 4)
  assert.deepEqual(await index.allMetrics(), [
    'acc.db.x',
    'acc.web.node1.cpu',
    'acc.web.node2',
    'acc.web.node2.cpu',
  ])
})

test('issue 16 index: addMetric is found at once and survives a refresh that started before the file existed', async (t) => {
  const dir = tempDir(t)
  touch(dir, 'a/b.wsp')
  const index = new MetricIndex(dir)
  await index.refresh()
  index.addMetric('a.c.d')
  assert.deepEqual(await find(index, 'a.*'), ['a.b', 'a.c/'])
  // A refresh that walks while the daemon adds a name keeps it; files removed by others go away.
  fs.rmSync(path.join(dir, 'a', 'b.wsp'))
  const walking = index.refresh()
  index.addMetric('a.e')
  await walking
  // a.c.d was added before the walk and has no file: the walk drops it; a.e came during the walk.
  assert.deepEqual(await find(index, 'a.*'), ['a.e'])
  // Files others create appear at the next refresh.
  touch(dir, 'z/y.wsp')
  assert.deepEqual(await find(index, 'z.*'), [])
  await index.refresh()
  assert.deepEqual(await find(index, 'z.*'), ['z.y'])
})

test('issue 16 index: a symbolic link is followed only inside the data directory', async (t) => {
  const outside = tempDir(t)
  touch(outside, 'secret.wsp')
  const dir = tempDir(t)
  touch(dir, 'real/m.wsp')
  fs.symlinkSync(outside, path.join(dir, 'escape'))
  fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'))
  const index = new MetricIndex(dir)
  await index.refresh()
  assert.deepEqual(await find(index, '*.*'), ['alias.m', 'real.m'])
})

test('issue 16 index: a name becomes a file path only without empty, dot-dot or NUL components', () => {
  assert.equal(leafFile('/data', 'a.b'), path.join('/data', 'a', 'b.wsp'))
  for (const bad of ['a..b', '..', 'a./etc', 'a\0b', '.a', 'a.'])
    assert.equal(leafFile('/data', bad), undefined, bad)
})

test('issue 16 find: intervals come from memory (no stat per find); a write by the daemon makes the next find read the file again', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'a', 'b.wsp')
  fs.mkdirSync(path.dirname(file))
  create(file, [[60, 1440]])
  fs.utimesSync(file, 1_700_000_000, 1_700_000_000.25)
  const index = new MetricIndex(dir)
  await index.refresh()
  const reads = new ReadPool(undefined, 0, () => {})
  const signal = new AbortController().signal
  const now = 1_700_001_000
  const interval = async (): Promise<unknown> => {
    const found = await index.find(compileGlob('a.*'))
    const body = (
      await answerFind({ index, dataDir: dir, reads }, 'json', true, now, [{ query: 'a.*', found }], signal)
    ).body as string
    return (JSON.parse(body) as { intervals: unknown[] }[])[0]!.intervals
  }
  assert.deepEqual(await interval(), [{ start: now - 86400, end: 1_700_000_000.25 }])
  // Changed behind the index's back: the next find answers from memory, without looking.
  fs.utimesSync(file, 1_700_000_500, 1_700_000_500.5)
  assert.deepEqual(await interval(), [{ start: now - 86400, end: 1_700_000_000.25 }])
  // The daemon says it wrote the file: read again.
  index.metricWritten('a.b')
  assert.deepEqual(await interval(), [{ start: now - 86400, end: 1_700_000_500.5 }])
  // Gone since: listed without intervals (a render skips it), not an error.
  fs.rmSync(file)
  index.metricWritten('a.b')
  assert.deepEqual(await interval(), [])
})

test('issue 17.admin: removeMetric forgets a leaf and the branches left empty, not the others', async (t) => {
  const dir = tempDir(t)
  touch(dir, 'a/b/c.wsp')
  touch(dir, 'a/d.wsp')
  touch(dir, 'a/b.wsp')
  const index = new MetricIndex(dir)
  await index.refresh()
  index.removeMetric('a.b.c')
  // a.b is still a leaf (a/b.wsp): kept, with no children under it.
  assert.deepEqual(await find(index, 'a.*'), ['a.b', 'a.d'])
  index.removeMetric('a.b')
  index.removeMetric('a.d')
  assert.deepEqual(await find(index, '*'), [])
  assert.equal(index.stats().metrics, 0)
  index.removeMetric('never.there')
})

test('issue 14 memory: the compact index keeps 100,000 names (packed, rehashed) and answers as a tree of Maps would', async () => {
  const index = new MetricIndex('/nonexistent')
  const names: string[] = []
  // Long and non-ASCII components too: packed strings hold any UTF-16.
  for (let m = 0; m < 100_000; m++) names.push(`p.d${String(m % 1000).padStart(3, '0')}.m${m}`)
  names.push(`p.x.${'l'.repeat(300)}`, 'p.x.ünï', 'p.x.日本', 'p.x.a b')
  for (const name of names) index.addMetric(name)
  assert.equal(index.stats().metrics, names.length)
  assert.equal(index.stats().branches, 1 + 1000 + 1)
  for (const name of ['p.d007.m7', 'p.d999.m99999', 'p.x.ünï', 'p.x.日本', `p.x.${'l'.repeat(300)}`])
    assert.equal(index.lookup(name) !== undefined, true, name)
  assert.equal(index.lookup('p.d007.m8'), undefined)
  // A branch is a node too (a find lists it), not a metric.
  assert.equal(index.lookup('p.d007') !== undefined, true)
  assert.deepEqual(await find(index, 'p.d042.m1*'), [
    'p.d042.m10042',
    'p.d042.m1042',
    'p.d042.m11042',
    'p.d042.m12042',
    'p.d042.m13042',
    'p.d042.m14042',
    'p.d042.m15042',
    'p.d042.m16042',
    'p.d042.m17042',
    'p.d042.m18042',
    'p.d042.m19042',
  ])
  assert.deepEqual(await find(index, 'p.x.*'), [`p.x.a b`, `p.x.${'l'.repeat(300)}`, 'p.x.ünï', 'p.x.日本'])
  assert.deepEqual(await find(index, 'p.x.[ü日]*'), ['p.x.ünï', 'p.x.日本'])
  assert.deepEqual(await find(index, 'p.d00{1,2}.m100?'), ['p.d001.m1001', 'p.d002.m1002'])
  assert.deepEqual((await index.allMetrics()).length, names.length)
  assert.deepEqual(await index.allMetrics(), [...names].sort())
})

test('issue 14 memory: a name removed and added again is found again, in prefix globs too', async () => {
  const index = new MetricIndex('/nonexistent')
  for (const name of ['a.b.c1', 'a.b.c2', 'a.bb.c1']) index.addMetric(name)
  // The sorted children behind `b*` are made, then must follow each change.
  assert.deepEqual(await find(index, 'a.b*'), ['a.b/', 'a.bb/'])
  index.removeMetric('a.b.c1')
  index.removeMetric('a.b.c2')
  assert.deepEqual(await find(index, 'a.b*'), ['a.bb/'])
  assert.deepEqual(await find(index, 'a.b.*'), [])
  assert.equal(index.lookup('a.b.c1'), undefined)
  assert.equal(index.stats().metrics, 1)
  assert.equal(index.stats().branches, 2)
  index.addMetric('a.b.c2')
  assert.deepEqual(await find(index, 'a.b*'), ['a.b/', 'a.bb/'])
  assert.deepEqual(await find(index, 'a.b.c*'), ['a.b.c2'])
  assert.deepEqual(await find(index, 'a.*.c1'), ['a.bb.c1'])
  assert.deepEqual(await index.allMetrics(), ['a.b.c2', 'a.bb.c1'])
  // A leaf's facts go with it.
  const [leaf] = await index.find(compileGlob('a.b.c2'))
  leaf!.node!.stat = { maxRetention: 60, mtime: 1 }
  assert.deepEqual(index.lookup('a.b.c2')!.stat, { maxRetention: 60, mtime: 1 })
  index.removeMetric('a.b.c2')
  index.addMetric('a.b.c2')
  assert.equal(index.lookup('a.b.c2')!.stat, undefined)
  assert.equal(index.stats().metrics, 2)
})
