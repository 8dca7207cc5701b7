import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { ApiContext } from '../../../../src/core/http/api.js'
import { DEFAULT_LIMITS, find, keptFindAnswer } from '../../../../src/core/http/api.js'
import { FIND_FORMATS } from '../../../../src/core/http/formats.js'
import { compileGlob, segmentMatches } from '../../../../src/core/http/glob.js'
import { MetricIndex } from '../../../../src/core/http/index.js'
import { ReadPool } from '../../../../src/core/http/pool.js'
import { parseRequest } from '../../../../src/core/http/request.js'
import { create } from '../../../../src/core/whisper/create.js'
import { tempDir } from '../../../helpers/tmp.js'

interface Setup {
  ctx: ApiContext
  index: MetricIndex
  dir: string
  /** index.find calls so far: a kept answer makes none. */
  globs: () => number
  setNow: (now: number) => void
  ask: (query: string, format: string, extra?: string) => Promise<Buffer>
}

async function setup(t: { after: (fn: () => void) => void }, files: string[]): Promise<Setup> {
  const dir = tempDir(t)
  for (const name of files) {
    const file = path.join(dir, ...name.split('.')) + '.wsp'
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, [[60, 1440]], { sparse: true })
  }
  const index = new MetricIndex(dir)
  await index.refresh()
  let globs = 0
  const indexFind = index.find.bind(index)
  index.find = (...args) => {
    globs++
    return indexFind(...args)
  }
  let now = 1_800_000_000.25
  const ctx: ApiContext = {
    index,
    dataDir: dir,
    cacheQuery: () => [],
    clock: () => now,
    limits: DEFAULT_LIMITS,
    hostname: 'test',
    reads: new ReadPool(undefined, 0, () => {}),
  }
  const signal = new AbortController().signal
  return {
    ctx,
    index,
    dir,
    globs: () => globs,
    setNow: (value) => (now = value),
    ask: async (query, format, extra = '') => {
      const url = `/metrics/find/?format=${format}&query=${encodeURIComponent(query)}${extra}`
      const answer = await find(ctx, parseRequest(url, {}, Buffer.alloc(0)), signal)
      return Buffer.from(answer.body)
    },
  }
}

const NAMES = ['a.b.c1', 'a.b.c2', 'a.b', 'a.d.c1', 'a.e.x', 'z.y']

test('issue 16 find cache: a find asked again is answered without globbing, byte for byte the fresh answer, its intervals at the new now, in every format', async (t) => {
  const s = await setup(t, NAMES)
  for (const format of FIND_FORMATS) {
    for (const query of ['a.*.c*', 'a.{b,d}.*', 'a.*', 'a.b.c1']) {
      s.setNow(1_800_000_000.25)
      const first = await s.ask(query, format)
      const globs = s.globs()
      // Later: the intervals' start (now - maxRetention) moves, the rest stays.
      s.setNow(1_800_000_777.5)
      const again = await s.ask(query, format)
      assert.equal(s.globs(), globs, `${format} ${query}: answered from the kept answer`)
      const fresh = await s.ask(query, format, '&noCache=1')
      assert.equal(s.globs(), globs + 1, `${format} ${query}: noCache=1 globs again`)
      assert.deepEqual(again, fresh, `${format} ${query}`)
      if (format === 'pickle' || format === 'json' || format === 'msgpack')
        assert.notDeepEqual(first, again, `${format} ${query}: intervals moved with now`)
    }
  }
})

test('issue 16 find cache: metrics added, removed, walked in or written are seen by the next find at once', async (t) => {
  const s = await setup(t, NAMES)
  const paths = async (query: string, extra = ''): Promise<unknown> =>
    JSON.parse((await s.ask(query, 'json', extra)).toString()) as unknown
  const same = async (query: string): Promise<unknown> => {
    const kept = await paths(query)
    assert.deepEqual(kept, await paths(query, '&noCache=1'))
    return kept
  }
  const names = async (query: string): Promise<string[]> =>
    ((await same(query)) as { path: string }[]).map((n) => n.path)
  assert.deepEqual(await names('a.*.c*'), ['a.b.c1', 'a.b.c2', 'a.d.c1'])
  // The daemon created a file.
  create(path.join(s.dir, 'a', 'b', 'c3.wsp'), [[60, 1440]], { sparse: true })
  s.index.addMetric('a.b.c3')
  assert.deepEqual(await names('a.*.c*'), ['a.b.c1', 'a.b.c2', 'a.b.c3', 'a.d.c1'])
  // The admin API removed one.
  fs.rmSync(path.join(s.dir, 'a', 'b', 'c2.wsp'))
  s.index.removeMetric('a.b.c2')
  assert.deepEqual(await names('a.*.c*'), ['a.b.c1', 'a.b.c3', 'a.d.c1'])
  // Another process created one, found by the next walk.
  fs.mkdirSync(path.join(s.dir, 'a', 'f'))
  create(path.join(s.dir, 'a', 'f', 'c9.wsp'), [[60, 1440]], { sparse: true })
  await s.index.refresh()
  assert.deepEqual(await names('a.*.c*'), ['a.b.c1', 'a.b.c3', 'a.d.c1', 'a.f.c9'])
  // The daemon wrote one: its interval's end is its new mtime.
  fs.utimesSync(path.join(s.dir, 'a', 'b', 'c1.wsp'), 1_799_999_000, 1_799_999_999.5)
  s.index.metricWritten('a.b.c1')
  const written = (await same('a.*.c*')) as { path: string; intervals: { end: number }[] }[]
  assert.equal(written[0]!.intervals[0]!.end, 1_799_999_999.5)
  // Its file gone meanwhile: listed without intervals, as a fresh answer says.
  fs.rmSync(path.join(s.dir, 'a', 'd', 'c1.wsp'))
  s.index.metricWritten('a.d.c1')
  const gone = (await same('a.*.c*')) as { path: string; intervals: unknown[] }[]
  assert.deepEqual(gone.find((n) => n.path === 'a.d.c1')!.intervals, [])
  // A literal name not indexed yet, created by another process: looked for again, not kept empty.
  assert.deepEqual(await names('q.r'), [])
  fs.mkdirSync(path.join(s.dir, 'q'))
  create(path.join(s.dir, 'q', 'r.wsp'), [[60, 1440]], { sparse: true })
  assert.deepEqual(await names('q.r'), ['q.r'])
})

test('issue 16 index: a glob with a literal prefix or braces of names finds what matching every child finds', async (t) => {
  const dir = tempDir(t)
  const index = new MetricIndex(dir)
  await index.refresh()
  // Names around the prefixes' edges: characters below and above '.', '-', digits, hidden-looking.
  const parts = ['h0', 'h00', 'h0-', 'h0.', 'h1', 'h', 'H0', 'h0~', 'h0\u00e9', 'g9', 'i', 'h0a', 'x']
  const all: string[] = []
  for (const a of parts)
    for (const b of ['m1', 'm10', 'm2', 'm1x', 'n']) {
      if (a.includes('.')) continue
      all.push(`r.${a}.${b}`)
      index.addMetric(`r.${a}.${b}`)
    }
  for (const pattern of [
    'r.h0*.m1*',
    'r.h*.*',
    'r.{h0,h1,x}.m1',
    'r.{h0,zz}.*',
    'r.h0*.m1*x',
    'r.H*.n',
    'r.*.m1*',
  ]) {
    const matchers = compileGlob(pattern)
    const expected = all.filter((name) =>
      name.split('.').every((part, i) => segmentMatches(matchers[i]!, part)),
    )
    const found = (await index.find(matchers)).map((n) => n.path)
    assert.deepEqual(found, expected.sort(), pattern)
  }
  // A child added after a glob sorted the names is found by the next one.
  index.addMetric('r.h0b.m1')
  assert.ok((await index.find(compileGlob('r.h0*.m1'))).some((n) => n.path === 'r.h0b.m1'))
})

test('issue 16 find cache: within a second the bytes made are sent again; a write, a new metric or the next second make them again, byte for byte the fresh answer', async (t) => {
  const s = await setup(t, NAMES)
  const signal = new AbortController().signal
  const answer = async (format: string, extra = ''): Promise<Uint8Array | string> => {
    const url = `/metrics/find/?format=${format}&query=a.*.c*${extra}`
    return (await find(s.ctx, parseRequest(url, {}, Buffer.alloc(0)), signal)).body
  }
  const atOnce = (format: string): Uint8Array | string | undefined =>
    keptFindAnswer(s.ctx, parseRequest(`/metrics/find/?format=${format}&query=a.*.c*`, {}, Buffer.alloc(0)))
      ?.body
  for (const [i, format] of ['pickle', 'json', 'msgpack'].entries()) {
    s.setNow(1_800_000_100.25 + 10 * i)
    const first = await answer(format)
    s.setNow(1_800_000_100.75 + 10 * i)
    // The same second: the very bytes made for the first (nothing encoded again), the fresh
    // answer's (intervals at whole seconds).
    const again = await answer(format)
    assert.equal(again, first, `${format}: the bytes made are sent again`)
    assert.equal(atOnce(format), first, `${format}: answered at once`)
    assert.deepEqual(Buffer.from(await answer(format, '&noCache=1')), Buffer.from(first), format)
    // The daemon wrote a leaf, in the same second: made again, as fresh.
    fs.utimesSync(path.join(s.dir, 'a', 'b', 'c1.wsp'), 1_800_000_000, 1_800_000_050.5 + i)
    s.index.metricWritten('a.b.c1')
    assert.equal(atOnce(format), undefined, `${format}: a written leaf is read again first`)
    const written = await answer(format)
    assert.notDeepEqual(Buffer.from(written), Buffer.from(first), format)
    assert.deepEqual(Buffer.from(written), Buffer.from(await answer(format, '&noCache=1')), format)
    assert.equal(await answer(format), written, `${format}: kept again once read`)
    // The next second: the intervals' start moves.
    s.setNow(1_800_000_101 + 10 * i)
    const next = await answer(format)
    assert.notDeepEqual(Buffer.from(next), Buffer.from(written), format)
    assert.deepEqual(Buffer.from(next), Buffer.from(await answer(format, '&noCache=1')), format)
  }
  // A metric created by the daemon in the same second: found at once.
  create(path.join(s.dir, 'a', 'b', 'c7.wsp'), [[60, 1440]], { sparse: true })
  s.index.addMetric('a.b.c7')
  assert.equal(atOnce('json'), undefined)
  const added = JSON.parse(String(await answer('json'))) as { path: string }[]
  assert.ok(added.some((n) => n.path === 'a.b.c7'))
})

test('issue 16 find speed: a walk that finds the same names keeps the tree and the kept answers (no glob again), its leaves read again; one that finds others replaces them', async (t) => {
  const s = await setup(t, NAMES)
  const generation = s.index.generation
  const first = await s.ask('a.*.c*', 'json')
  const globs = s.globs()
  // Another process wrote a file: the next walk reads its interval again, as it always did.
  fs.utimesSync(path.join(s.dir, 'a', 'b', 'c2.wsp'), 1_799_999_000, 1_799_999_900.5)
  await s.index.refresh()
  assert.equal(s.index.generation, generation, 'the same names: the same tree')
  const again = await s.ask('a.*.c*', 'json')
  assert.equal(s.globs(), globs, 'answered from the kept answer')
  assert.notDeepEqual(again, first)
  assert.match(again.toString(), /1799999900\.5/)
  assert.deepEqual(again, await s.ask('a.*.c*', 'json', '&noCache=1'))
  // A name another process created, one it removed, one renamed (the counts stay the same):
  // the walk's tree replaces the index's.
  for (const change of [
    () => create(path.join(s.dir, 'a', 'd', 'c7.wsp'), [[60, 1440]], { sparse: true }),
    () => fs.rmSync(path.join(s.dir, 'a', 'd', 'c7.wsp')),
    () => fs.renameSync(path.join(s.dir, 'a', 'b', 'c1.wsp'), path.join(s.dir, 'a', 'b', 'c8.wsp')),
  ]) {
    change()
    const before = s.index.generation
    await s.index.refresh()
    assert.notEqual(s.index.generation, before)
    assert.deepEqual(await s.ask('a.*.c*', 'json'), await s.ask('a.*.c*', 'json', '&noCache=1'))
    assert.deepEqual(await s.ask('a.*', 'treejson'), await s.ask('a.*', 'treejson', '&noCache=1'))
  }
  assert.deepEqual(
    (JSON.parse((await s.ask('a.*.c*', 'json')).toString()) as { path: string }[]).map((n) => n.path),
    ['a.b.c2', 'a.b.c8', 'a.d.c1'],
  )
})

test('issue 16 find p99: after a walk that found the same names, a kept find is sent at once with the facts known before it while its leaves are read again in the background; a file the daemon wrote since, or one gone, is not bridged', async (t) => {
  const s = await setup(t, NAMES)
  const request = (extra = ''): ReturnType<typeof parseRequest> =>
    parseRequest(`/metrics/find/?format=json&query=a.*.c*${extra}`, {}, Buffer.alloc(0))
  const now = (): Buffer | undefined => {
    const answer = keptFindAnswer(s.ctx, request())
    return answer && Buffer.from(answer.body)
  }
  const first = await s.ask('a.*.c*', 'json')
  assert.deepEqual(now(), first, 'kept')
  // Another process wrote a file; the walk drops every leaf's facts.
  fs.utimesSync(path.join(s.dir, 'a', 'b', 'c2.wsp'), 1_799_999_000, 1_799_999_900.5)
  await s.index.refresh()
  assert.deepEqual(now(), first, 'sent at once, as known before the walk')
  // Read again in the background: the next answers carry the new facts, as a fresh answer does.
  let again = now()
  for (let i = 0; i < 500 && !again?.toString().includes('1799999900.5'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    again = now()
  }
  assert.match(again?.toString() ?? 'none', /1799999900\.5/)
  assert.deepEqual(again, await s.ask('a.*.c*', 'json', '&noCache=1'))

  // A walk, then a write of the daemon's: that leaf is read before answering (no bridge).
  await s.index.refresh()
  fs.utimesSync(path.join(s.dir, 'a', 'b', 'c1.wsp'), 1_799_999_000, 1_799_999_950.5)
  s.index.metricWritten('a.b.c1')
  assert.equal(now(), undefined, 'not answered at once')
  const written = await s.ask('a.*.c*', 'json')
  assert.match(written.toString(), /1799999950\.5/)
  assert.deepEqual(now(), written)

  // A walk, then a file gone: the background read drops the kept answer; the next is made afresh.
  await s.index.refresh()
  fs.rmSync(path.join(s.dir, 'a', 'd', 'c1.wsp'))
  assert.deepEqual(now(), written, 'sent at once')
  for (let i = 0; i < 500 && now() !== undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(now(), undefined, 'dropped once the file is found gone')
  const gone = JSON.parse((await s.ask('a.*.c*', 'json')).toString()) as {
    path: string
    intervals: unknown[]
  }[]
  assert.deepEqual(gone.find((n) => n.path === 'a.d.c1')!.intervals, [])
})
