// create: whisper's bytes, validation before the disk is touched, atomic placement, no leftovers.
// Equivalents of test_whisper.py's test_create_and_info and the ENOSPC tests (named in the titles).

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import {
  CannotWriteError,
  InvalidAggregationMethodError,
  InvalidConfigurationError,
  InvalidXFilesFactorError,
  NotFoundError,
} from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { resize } from '../../../../src/core/whisper/resize.js'
import { fileUpdateManyFlat, updateManyFlat } from '../../../../src/core/whisper/update.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import { ROOT } from '../../../helpers/paths.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { tempDir } from '../../../helpers/tmp.js'

const ARCHIVES: [number, number][] = [
  [60, 5],
  [300, 3],
]

function entries(dir: string): string[] {
  return fs.readdirSync(dir).sort()
}

describe('create', () => {
  test('test_create_and_info: header, sizes and info', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'db.wsp')
    assert.throws(() => create(file, []), InvalidConfigurationError)
    const result = create(file, [
      [1, 60],
      [60, 60],
    ])
    assert.equal(result.fileSize, 16 + 24 + 12 * 120)
    assert.throws(
      () =>
        create(file, [
          [1, 60],
          [60, 60],
        ]),
      CannotWriteError,
    )
    const info = readInfo(file)
    assert.equal(info.maxRetention, 3600)
    assert.equal(info.aggregationMethod, 'average')
    assert.equal(info.xFilesFactor, 0.5)
    assert.deepEqual(
      info.archives.map((a) => [a.points, a.secondsPerPoint, a.retention]),
      [
        [60, 1, 60],
        [60, 60, 3600],
      ],
    )
  })

  test('writes the header then zeros, sorted by precision; sparse and fallocate give the same bytes', (t) => {
    const dir = tempDir(t)
    const plain = path.join(dir, 'plain.wsp')
    create(
      plain,
      [
        [300, 3],
        [60, 5],
      ],
      { xFilesFactor: 0.3, aggregationMethod: 'max' },
    )
    const bytes = fs.readFileSync(plain)
    assert.equal(bytes.length, 136)
    assert.equal(bytes.subarray(0, 16).toString('hex'), '000000040000038' + '43e99999a00000002')
    assert.ok(bytes.subarray(40).every((b) => b === 0))
    for (const options of [{ sparse: true }, { fallocate: true }, { sparse: true, fallocate: true }]) {
      const other = path.join(dir, `other-${JSON.stringify(options).replace(/\W/g, '')}.wsp`)
      create(other, ARCHIVES, { xFilesFactor: 0.3, aggregationMethod: 'max', ...options })
      assert.deepEqual(fs.readFileSync(other), bytes, JSON.stringify(options))
    }
  })

  test('a sparse file takes fewer blocks than a zero-filled one', (t) => {
    const dir = tempDir(t)
    create(path.join(dir, 'zeros.wsp'), [[1, 200000]])
    create(path.join(dir, 'sparse.wsp'), [[1, 200000]], { sparse: true })
    assert.ok(
      fs.statSync(path.join(dir, 'sparse.wsp')).blocks < fs.statSync(path.join(dir, 'zeros.wsp')).blocks,
    )
  })

  test('invalid input touches nothing: no 0-byte file (whisper leaves one)', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'x.wsp')
    assert.throws(() => create(file, ARCHIVES, { xFilesFactor: 2 }), InvalidXFilesFactorError)
    assert.throws(() => create(file, ARCHIVES, { xFilesFactor: NaN }), InvalidXFilesFactorError)
    assert.throws(() => create(file, ARCHIVES, { aggregationMethod: 'foo' }), InvalidAggregationMethodError)
    assert.throws(
      () =>
        create(file, [
          [60, 10],
          [90, 100000],
        ]),
      InvalidConfigurationError,
    )
    assert.throws(() => create(file, [[31536000, 200 * 365]]), InvalidConfigurationError)
    assert.throws(() => create(file, [[0, 10]]), InvalidConfigurationError)
    assert.throws(() => create(file, [[60, 0]]), InvalidConfigurationError)
    assert.deepEqual(entries(dir), [])
  })

  test('an existing file is never replaced without overwrite, and is replaced atomically with it', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'x.wsp')
    fs.writeFileSync(file, 'precious')
    assert.throws(
      () => create(file, ARCHIVES),
      (e: unknown) => e instanceof CannotWriteError && /file exists/.test(e.message),
    )
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious')
    // An invalid overwrite keeps the old file (whisper-create deletes it first).
    assert.throws(
      () =>
        create(
          file,
          [
            [60, 10],
            [90, 100000],
          ],
          { overwrite: true },
        ),
      InvalidConfigurationError,
    )
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious')
    const result = create(file, ARCHIVES, { overwrite: true })
    assert.equal(result.replaced, true)
    assert.equal(fs.statSync(file).size, 136)
    assert.deepEqual(entries(dir), ['x.wsp'])
  })

  test('a missing directory is reported as not found', (t) => {
    const dir = tempDir(t)
    assert.throws(() => create(path.join(dir, 'nope', 'x.wsp'), ARCHIVES), NotFoundError)
  })

  test('test_create_write_ENOSPC equivalent: a write failure leaves no file behind', (t) => {
    // A real write failure: the child runs create under a 1 KiB file-size limit (EFBIG).
    const dir = tempDir(t)
    const target = path.join(dir, 'big.wsp')
    const script = `import('${path.join(ROOT, 'build', 'src', 'core', 'whisper', 'create.js')}').then(({ create }) => {
      try { create(${JSON.stringify(target)}, [[1, 100000]]); process.stdout.write('created') }
      catch (e) { process.stdout.write(e.constructor.name + ': ' + e.message) } })`
    // SIGXFSZ ignored so that the write fails with EFBIG instead of killing the process.
    const result = spawnSync(
      'bash',
      ['-c', `ulimit -f 1; trap '' XFSZ; exec "${process.execPath}" --input-type=module -e "$0"`, script],
      {
        encoding: 'utf8',
      },
    )
    assert.match(
      result.stdout,
      /^CannotWriteError: .*big\.wsp: file too large/,
      result.stdout + result.stderr,
    )
    assert.deepEqual(entries(dir), [])
  })

  test('creators racing in separate processes: exactly one wins, the others see the file exists', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'race.wsp')
    const module = path.join(ROOT, 'build', 'src', 'core', 'whisper', 'create.js')
    const script = `import('${module}').then(({ create }) => {
      try { create(${JSON.stringify(file)}, [[1, 50000], [60, 10000]]); process.stdout.write('created') }
      catch (e) { process.stdout.write(e.constructor.name) } })`
    const outcomes = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script])
            let out = ''
            child.stdout.on('data', (d: Buffer) => (out += d.toString()))
            child.on('close', () => resolve(out))
          }),
      ),
    )
    assert.equal(outcomes.filter((o) => o === 'created').length, 1, outcomes.join(' '))
    assert.equal(outcomes.filter((o) => o === 'CannotWriteError').length, 5, outcomes.join(' '))
    assert.deepEqual(entries(dir), ['race.wsp'])
    assert.equal(fs.statSync(file).size, 16 + 24 + 12 * 60000)
  })
})

describe('create with initialize (the daemon: a new file with its first points)', () => {
  test('writes exactly what create and then update_many write, over random files and batches', (t) => {
    const seed = runSeed()
    const random = createRandom(seed)
    const dir = tempDir(t)
    const methods = ['average', 'sum', 'last', 'max', 'min', 'avg_zero', 'absmax', 'absmin']
    for (let c = 0; c < 60; c++) {
      const archives: [number, number][] = []
      let step = [1, 5, 10, 60][random.int(0, 3)]!
      for (let a = random.int(1, 4); a > 0; a--) {
        // At least 5 points: enough to consolidate into the next archive (up to 5 times coarser).
        archives.push([step, random.int(5, 200)])
        step *= random.int(2, 5)
      }
      // Later archives must cover more time than earlier ones.
      for (let a = 1; a < archives.length; a++) {
        const need = Math.ceil((archives[a - 1]![0] * archives[a - 1]![1]) / archives[a]![0]) + 1
        archives[a]![1] = Math.max(archives[a]![1], need)
      }
      const now = 1_800_000_000 + random.int(0, 1000)
      const span = archives.at(-1)![0] * archives.at(-1)![1]
      const flat: number[] = []
      for (let i = random.int(1, 120); i > 0; i--) {
        // Mostly covered, some too old, some in the future; duplicates and any order.
        const t = now - random.int(-50, Math.floor(span * 1.2))
        flat.push(t, random.chance(0.1) ? NaN : random.int(-1000, 1000) / 8)
      }
      const points = Float64Array.from(flat)
      const options = {
        xFilesFactor: random.int(0, 4) / 4,
        aggregationMethod: methods[random.int(0, methods.length - 1)]!,
        sparse: random.chance(0.3),
      }
      const a = path.join(dir, `a${c}.wsp`)
      const b = path.join(dir, `b${c}.wsp`)
      create(a, archives, options)
      updateManyFlat(a, points, { now })
      create(b, archives, { ...options, initialize: (file) => fileUpdateManyFlat(file, points, now) })
      assert.ok(
        fs.readFileSync(a).equals(fs.readFileSync(b)),
        `seed ${seed}, case ${c}: ${JSON.stringify({ archives, options })}`,
      )
    }
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no temporary file left',
    )
  })

  test('a throw from initialize leaves no file and no temporary file', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'x.wsp')
    assert.throws(
      () =>
        create(file, [[60, 10]], {
          initialize: () => {
            throw new CannotWriteError(file, 'no space left on device')
          },
        }),
      /x\.wsp: no space left on device/,
    )
    assert.deepEqual(fs.readdirSync(dir), [])
  })
})

/** Whether filefrag(8) reports an extent of `file` as unwritten: reserved by fallocate, never written. */
function unwrittenExtents(file: string): boolean | undefined {
  const result = spawnSync('filefrag', ['-v', file], { encoding: 'utf8' })
  if (result.status !== 0) return undefined
  return /unwritten/.test(result.stdout)
}

test('fallocate reserves the blocks without writing zeros (create and resize), and the bytes are the same', (t) => {
  const dir = tempDir(t)
  const probe = path.join(dir, 'probe')
  fs.writeFileSync(probe, 'x')
  if (unwrittenExtents(probe) === undefined) return t.skip('filefrag cannot map extents here')
  const allocated = path.join(dir, 'allocated.wsp')
  const zeros = path.join(dir, 'zeros.wsp')
  create(allocated, [[1, 86400]], { fallocate: true })
  create(zeros, [[1, 86400]])
  assert.deepEqual(fs.readFileSync(allocated), fs.readFileSync(zeros))
  const stat = fs.statSync(allocated)
  assert.ok(stat.blocks * 512 >= stat.size, 'every block is allocated')
  // ext4 and xfs mark fallocated extents unwritten; zeros written by hand are ordinary extents.
  const where = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).stdout.trim()
  if (!['ext2/ext3', 'ext4', 'xfs'].includes(where))
    return t.skip(`${where} does not report unwritten extents`)
  assert.equal(unwrittenExtents(allocated), true, 'posix_fallocate was used')
  assert.equal(unwrittenExtents(zeros), false)

  const resized = path.join(dir, 'resized.wsp')
  create(resized, [[60, 1440]], { sparse: true })
  resize(resized, [[1, 86400]], { fallocate: true, backup: false })
  assert.equal(unwrittenExtents(resized), true, 'resize --fallocate uses posix_fallocate too')
})
