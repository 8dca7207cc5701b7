// The inventory walk: the same files, in the same order, with the same facts on two worker threads
// as in-process; the newest point is found in any archive and any data extent of a sparse file.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { scanTree } from '../../../../src/core/inventory/scan.js'
import { decodeHeader } from '../../../../src/core/whisper/codec.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { makeSparseTree } from '../../../helpers/inventory-tree.js'
import { ROOT } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1_800_000_000
const WORKER = new URL(`file://${path.join(ROOT, 'dist', 'bin', 'inventory-worker.cjs')}`)

test('issue 17: the walk on worker threads gives what the in-process walk gives, in sorted order', async (t) => {
  const dir = path.join(tempDir(t), 'whisper')
  makeSparseTree(dir, 2500, NOW)
  fs.writeFileSync(path.join(dir, 'dc0', 'host0', 'm1.wsp.bak'), 'x')
  // Corrupt files among good ones (the threads send `newest` as a listing that marks them).
  fs.writeFileSync(path.join(dir, 'dc0', 'host0', 'm10x.wsp'), 'x')
  fs.writeFileSync(
    path.join(dir, 'dc0', 'host0', 'm5x.wsp'),
    fs.readFileSync(path.join(dir, 'dc0', 'host0', 'm5.wsp')).subarray(0, 5000),
  )
  for (const kind of ['names', 'sizes', 'long', 'newest', 'backups'] as const) {
    const depth = kind === 'sizes' ? 2 : undefined
    const alone = await scanTree(dir, { kind, depth })
    const threads = await scanTree(dir, { kind, depth, workerUrl: WORKER, workers: 2 })
    assert.deepEqual(threads, alone, kind)
    if (kind === 'newest') {
      const corrupt = threads.filter((f) => f.newest!.corrupt !== undefined).map((f) => f.name)
      assert.deepEqual(corrupt, ['dc0.host0.m10x', 'dc0.host0.m5x'])
      assert.equal(threads.filter((f) => typeof f.newest!.newest === 'number').length, 2500)
    }
  }
  const names = (await scanTree(dir, { kind: 'names' })).map((f) => f.name)
  assert.equal(names.length, 2502)
  assert.deepEqual(names, [...names].sort())
})

test('issue 17: the newest point of a sparse file is read from whichever archive and extent holds it', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'm.wsp')
  // 1s:2d is 2 MiB of points: a point far into it is in a data extent of its own.
  create(
    file,
    [
      [1, 2 * 86400],
      [60, 30 * 24 * 60],
    ],
    { sparse: true },
  )
  updateMany(file, [[NOW - 86400, 1]], { now: NOW })
  updateMany(file, [[NOW - 3, 2]], { now: NOW })
  const [found] = await scanTree(dir, { kind: 'newest' })
  assert.equal(found!.newest!.newest, NOW - 3)
})

test('issue 17: du sizes (fstatat relative to the directory) are what stat(2) by path says, per file and summed', async (t) => {
  const dir = path.join(tempDir(t), 'whisper')
  makeSparseTree(dir, 1200, NOW)
  const big = path.join(dir, 'dc0', 'host0', 'big.wsp')
  fs.writeFileSync(big, Buffer.alloc(5_000_000, 1))
  // A last write past 2038 and past 2^32 seconds: the stat's 64-bit fields read whole.
  fs.utimesSync(big, 10_000_000_000, 10_000_000_000)
  fs.utimesSync(path.join(dir, 'dc1', 'host1', 'm7.wsp'), 1, 1)
  for (const workers of [{}, { workerUrl: WORKER, workers: 2 }]) {
    const found = await scanTree(dir, { kind: 'sizes', ...workers })
    assert.equal(found.length, 1201)
    for (const f of found) {
      const stat = fs.statSync(f.path)
      assert.deepEqual(
        f.sizes,
        {
          apparentBytes: stat.size,
          allocatedBytes: stat.blocks * 512,
          lastWrite: Math.floor(stat.mtimeMs / 1000),
        },
        f.path,
      )
    }
    // Below the depth, a directory's files come back as one sum (no object per file): the same
    // totals as the stat(2) of each.
    const grouped = await scanTree(dir, { kind: 'sizes', depth: 1, ...workers })
    const totals = new Map<string, [number, number, number]>()
    for (const f of found) {
      const group = f.name.split('.')[0]!
      const t = totals.get(group) ?? [0, 0, 0]
      totals.set(group, [t[0] + 1, t[1] + f.sizes!.apparentBytes, t[2] + f.sizes!.allocatedBytes])
    }
    const sums = new Map<string, [number, number, number]>()
    for (const g of grouped) {
      const t = sums.get(g.group!) ?? [0, 0, 0]
      sums.set(g.group!, [t[0] + g.count!, t[1] + g.sizes!.apparentBytes, t[2] + g.sizes!.allocatedBytes])
    }
    assert.ok(grouped.length < found.length)
    assert.deepEqual(sums, totals)
  }
})

test('issue 17: files read ahead of their turn (more in a directory than the read-ahead, a glob that skips some, long headers, corrupt files) give the facts of stat(2) and a full read, and no descriptor stays open', async (t) => {
  const dir = path.join(tempDir(t), 'whisper')
  const sub = path.join(dir, 'a')
  fs.mkdirSync(sub, { recursive: true })
  // 21 archives: a header of 268 bytes, longer than the first read of ls --long (256).
  const many = Array.from({ length: 21 }, (_, i) => [60 * 2 ** i, 10] as [number, number])
  for (let i = 0; i < 150; i++) {
    const file = path.join(sub, `m${i}.wsp`)
    if (i % 37 === 5) fs.writeFileSync(file, `not whisper ${i}`)
    else {
      create(file, i % 11 === 0 ? many : [[60, 1440]], { sparse: true })
      updateMany(file, [[NOW - i * 60, i]], { now: NOW })
    }
  }
  // Files the walk does not read, among those it does.
  fs.writeFileSync(path.join(sub, 'm3.wsp.bak'), 'x')
  fs.writeFileSync(path.join(sub, 'm4.txt'), 'x')
  const openFds = (): number => fs.readdirSync('/proc/self/fd').length
  const before = openFds()
  for (const workers of [{}, { workerUrl: WORKER, workers: 2 }]) {
    for (const glob of [undefined, 'a.m1*', 'a.m{5,42,149}']) {
      const pattern = glob === undefined ? /./ : glob === 'a.m1*' ? /^a\.m1/ : /^a\.m(5|42|149)$/
      const expected = fs
        .readdirSync(sub)
        .filter((f) => f.endsWith('.wsp'))
        .map((f) => `a.${f.slice(0, -4)}`)
        .filter((name) => pattern.test(name))
        .sort()
      const long = await scanTree(dir, { kind: 'long', glob, ...workers })
      assert.deepEqual(
        long.map((f) => f.name),
        expected,
      )
      for (const f of long) {
        const bytes = fs.readFileSync(f.path)
        const stat = fs.statSync(f.path)
        let archives: { secondsPerPoint: number; points: number }[] | null = null
        try {
          archives = decodeHeader(bytes, f.path, bytes.length).archives.map((a) => ({
            secondsPerPoint: a.secondsPerPoint,
            points: a.points,
          }))
        } catch {
          archives = null
        }
        assert.deepEqual(f.header!.archives, archives, f.path)
        assert.equal(f.header!.apparentBytes, stat.size, f.path)
        assert.equal(f.header!.allocatedBytes, stat.blocks * 512, f.path)
      }
      const newest = await scanTree(dir, { kind: 'newest', glob, ...workers })
      assert.deepEqual(
        newest.map((f) => f.name),
        expected,
      )
      for (const f of newest) {
        if (Number(f.name.slice(3)) % 37 === 5) {
          assert.ok(f.newest!.corrupt, f.path)
          continue
        }
        // The newest point by its definition: every slot of every archive, the whole file read.
        const bytes = fs.readFileSync(f.path)
        let full = 0
        for (const a of decodeHeader(bytes, f.path, bytes.length).archives) {
          for (let at = a.offset; at < a.offset + a.size; at += 12)
            full = Math.max(full, bytes.readUInt32BE(at))
        }
        assert.ok(full > 0)
        assert.equal(f.newest!.newest, full, f.path)
      }
    }
  }
  assert.equal(openFds(), before)
})
