import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { checkFile, checkReason } from '../../../../src/core/whisper/check.js'
import { encodePoint } from '../../../../src/core/whisper/codec.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { FIXTURES } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1795600000 - (1795600000 % 3600)

test('every file of the corruption corpus is flagged, with a reason; the good fixtures pass', () => {
  const dir = path.join(FIXTURES, 'whisper', 'corrupt')
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.wsp'))) {
    const result = checkFile(path.join(dir, name), { now: NOW })
    assert.equal(result.ok, false, name)
    assert.ok(checkReason(result), name)
  }
  for (const name of fs.readdirSync(path.join(FIXTURES, 'whisper')).filter((f) => f.endsWith('.wsp'))) {
    const result = checkFile(path.join(FIXTURES, 'whisper', name), { now: NOW })
    assert.equal(result.ok, true, `${name}: ${checkReason(result)}`)
  }
})

test('truncated data, which find-corrupt-whisper-files misses, is corrupt', () => {
  const result = checkFile(path.join(FIXTURES, 'whisper', 'corrupt', 'truncated-data.wsp'), { now: NOW })
  assert.match(checkReason(result)!, /ends at byte \d+ but the file has \d+ bytes \(truncated\)/)
})

function damaged(t: Parameters<typeof tempDir>[0], damage: (bytes: Buffer) => void): string {
  const file = path.join(tempDir(t), 'db.wsp')
  create(
    file,
    [
      [60, 10],
      [600, 12],
    ],
    { xFilesFactor: 0 },
  )
  updateMany(
    file,
    Array.from({ length: 8 }, (_, i) => [NOW - 60 * i, i] as const),
    { now: NOW },
  )
  const bytes = fs.readFileSync(file)
  damage(bytes)
  fs.writeFileSync(file, bytes)
  return file
}

test('data checks: misaligned, misplaced and orphaned points are corrupt', (t) => {
  const clean = checkFile(
    damaged(t, () => undefined),
    { now: NOW },
  )
  assert.equal(clean.ok, true)
  assert.equal(clean.stats.points, 8 + 2)
  const misaligned = checkFile(
    damaged(t, (b) => encodePoint(b, 40 + 12, NOW - 59, 1)),
    { now: NOW },
  )
  assert.deepEqual(
    misaligned.problems.map((p) => p.kind),
    ['misaligned'],
  )
  const misplaced = checkFile(
    damaged(t, (b) => b.copy(b, 40 + 24, 40 + 12, 40 + 24)),
    { now: NOW },
  )
  assert.deepEqual(
    misplaced.problems.map((p) => p.kind),
    ['misplaced'],
  )
  const orphaned = checkFile(
    damaged(t, (b) => b.fill(0, 40, 52)),
    { now: NOW },
  )
  assert.deepEqual(
    orphaned.problems.map((p) => p.kind),
    ['orphaned'],
  )
})

test('layout checks: order, maxRetention; trailing bytes and future points are warnings', (t) => {
  const swapped = checkFile(
    damaged(t, (b) => b.writeUInt32BE(600, 20)),
    { now: NOW },
  )
  assert.equal(swapped.ok, false)
  assert.ok(swapped.problems.some((p) => p.kind === 'layout'))
  const maxRetention = checkFile(
    damaged(t, (b) => b.writeUInt32BE(1, 4)),
    { now: NOW },
  )
  assert.match(checkReason(maxRetention)!, /maxRetention is 1, the archives retain 7200/)
  const file = damaged(t, () => undefined)
  fs.appendFileSync(file, Buffer.alloc(5))
  const trailing = checkFile(file, { now: NOW })
  assert.equal(trailing.ok, true)
  assert.deepEqual(
    trailing.problems.map((p) => p.kind),
    ['trailing'],
  )
  const future = checkFile(
    damaged(t, () => undefined),
    { now: NOW - 3600 },
  )
  assert.equal(future.ok, true)
  assert.ok(future.problems.some((p) => p.kind === 'future'))
})

test('NaN and infinite values are counted, not corrupt', (t) => {
  const file = path.join(tempDir(t), 'db.wsp')
  create(file, [[60, 10]])
  updateMany(
    file,
    [
      [NOW, Number.NaN],
      [NOW - 60, Infinity],
      [NOW - 120, -Infinity],
    ],
    { now: NOW },
  )
  const result = checkFile(file, { now: NOW })
  assert.equal(result.ok, true)
  assert.deepEqual([result.stats.nan, result.stats.infinite], [1, 2])
})

test('a missing file or a directory is reported as unreadable', (t) => {
  const dir = tempDir(t)
  assert.equal(checkFile(path.join(dir, 'nope.wsp')).problems[0]!.kind, 'unreadable')
  assert.equal(checkFile(dir).problems[0]!.kind, 'unreadable')
})
