// The newest point as `wsp stale` finds it (the first 4 KiB, st_blocks, a look where a recent point
// would be, then the data extents) against the plain definition: every slot of every archive of the
// whole file read, holes as zeros. Random files: sparse and not, archives that wrapped, gaps, points
// only in a lower archive, points written by hand anywhere (also in the future, and a point whose
// value lies in a hole), on the walk in-process and on worker threads.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { walkTree, scanTree } from '../../../../src/core/inventory/scan.js'
import { decodeHeader } from '../../../../src/core/whisper/codec.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { ROOT } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1_800_000_000
const DAY = 86400
const WORKER = new URL(`file://${path.join(ROOT, 'dist', 'bin', 'inventory-worker.cjs')}`)

/** The definition: the largest timestamp in any slot of any archive, the whole file read. */
function newestByFullRead(file: string): number | null {
  const bytes = fs.readFileSync(file)
  const header = decodeHeader(bytes, file, bytes.length)
  let newest = 0
  for (const archive of header.archives) {
    for (let at = archive.offset; at + 12 <= archive.offset + archive.size; at += 12) {
      newest = Math.max(newest, bytes.readUInt32BE(at))
    }
  }
  return newest === 0 ? null : newest
}

/** mulberry32: the same files for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeFiles(dir: string, count: number, seed: number): void {
  const rand = random(seed)
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `d${i % 7}`, `m${i}.wsp`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const first = pick([1, 10, 60])
    const layout: [number, number][] = [[first, pick([5, 60, 340, 341, 500, 1440, 3000])]]
    for (let a = int(0, 2); a > 0; a--) {
      const [step, points] = layout[layout.length - 1]!
      layout.push([step * pick([2, 6, 60].filter((f) => f <= points)), Math.max(points, int(10, 2000))])
    }
    create(file, layout, { sparse: rand() < 0.8 })
    const retention = layout[0]![0] * layout[0]![1]
    const kind = int(0, 6)
    if (kind === 1 || kind === 2) {
      // Written as whisper writes, up to `end`: over more than the first archive holds (it
      // wraps), with gaps, sometimes ending long ago.
      const end = kind === 1 ? NOW - int(0, 3 * retention) : NOW - int(0, 60) * DAY
      const span = int(1, 3) * retention
      const points: [number, number][] = []
      for (let t = end - span; t <= end; t += layout[0]![0] * int(1, 40)) points.push([t, rand()])
      for (let from = 0; from < points.length; from += 500) {
        updateMany(file, points.slice(from, from + 500), { now: end + int(0, 3600) })
      }
    } else if (kind === 3) {
      // One point older than the first archive holds: it is in a lower archive only.
      const at = NOW - retention - int(1, 40 * DAY)
      updateMany(file, [[at, 1]], { now: NOW })
    } else if (kind === 4 || kind === 5) {
      // Points written by hand into any slot of any archive, any timestamp (the future too);
      // with kind 5 only their timestamps (the value's bytes may stay a hole).
      const header = decodeHeader(fs.readFileSync(file), file, fs.statSync(file).size)
      const fd = fs.openSync(file, 'r+')
      for (let n = int(1, 4); n > 0; n--) {
        const archive = pick(header.archives)
        const slot = int(0, archive.points - 1)
        const point = Buffer.alloc(kind === 5 ? 4 : 12)
        point.writeUInt32BE(NOW - int(-DAY, 90 * DAY), 0)
        if (kind === 4) point.writeDoubleBE(rand(), 4)
        fs.writeSync(fd, point, 0, point.length, archive.offset + slot * 12)
      }
      fs.closeSync(fd)
    } else if (kind === 6) {
      // A timestamp's last bytes just before 8 KiB, its value after it, in a hole when sparse.
      const fd = fs.openSync(file, 'r+')
      const size = fs.fstatSync(fd).size
      const header = decodeHeader(fs.readFileSync(file), file, size)
      const archive = header.archives.find((a) => a.offset < 8188 && a.offset + a.size > 8200)
      if (archive) {
        const at = archive.offset + Math.floor((8192 - archive.offset) / 12) * 12
        const ts = Buffer.alloc(4)
        ts.writeUInt32BE(NOW - int(0, 60) * DAY, 0)
        if (at < 8192 && at + 12 > 8192) fs.writeSync(fd, ts, 0, 4, at)
      }
      fs.closeSync(fd)
    }
  }
}

test('issue 17: the newest point equals a full read of every archive, for random files', async (t) => {
  const seed = Number(process.env.CARBONKIT_TEST_SEED ?? 17)
  const dir = tempDir(t)
  makeFiles(dir, 400, seed)
  const truth = new Map<string, number | null>()
  for (const sub of fs.readdirSync(dir)) {
    for (const name of fs.readdirSync(path.join(dir, sub))) {
      const file = path.join(dir, sub, name)
      truth.set(file, newestByFullRead(file))
    }
  }
  assert.equal(truth.size, 400)
  for (const workers of [{}, { workerUrl: WORKER, workers: 2 }]) {
    const found = await scanTree(dir, { kind: 'newest', ...workers })
    assert.equal(found.length, truth.size)
    for (const f of found) assert.equal(f.newest!.newest, truth.get(f.path), `${f.path} (seed ${seed})`)
    const rand = random(seed + 1)
    for (let round = 0; round < 12; round++) {
      // Every other cutoff is a file's newest point, among the most recent (where the look for a
      // recent point finds them): a point at the cutoff is not after it.
      const known = [...new Set(truth.values())].filter((n) => n !== null && n <= NOW).sort((a, b) => b! - a!)
      const cutoff = round % 2 === 0 ? NOW - Math.floor(rand() * 70 * DAY) : known[round >> 1]!
      const { files, fresh } = await walkTree(dir, {
        kind: 'newest',
        fresh: { cutoff, now: NOW },
        ...workers,
      })
      const expected = [...truth].filter(([, newest]) => newest === null || newest <= cutoff)
      assert.deepEqual(
        files.map((f) => [f.path, f.newest!.newest]),
        expected.sort(([a], [b]) => (a < b ? -1 : 1)),
        `cutoff ${cutoff} (seed ${seed})`,
      )
      assert.equal(fresh, truth.size - expected.length)
    }
  }
})
