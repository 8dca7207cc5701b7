// openWhisperFile with a caller's head buffer (the render path's reused first read): the same
// header, size and first bytes as a plain open, for files shorter and longer than the buffer, and
// the same errors for a directory, an empty file and a truncated header.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { CorruptFileError, InvalidArgumentError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fileFetchColumns } from '../../../../src/core/whisper/fetch.js'
import type { WhisperFile } from '../../../../src/core/whisper/file.js'
import { withWhisperFile } from '../../../../src/core/whisper/file.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1_700_000_000

function facts(file: WhisperFile): unknown {
  const columns = fileFetchColumns(file, NOW - 86_400, NOW, { now: NOW })!
  return {
    header: file.header,
    size: file.fileSizeBytes,
    headStart: Buffer.from(file.headBytes.subarray(0, 64)).toString('hex'),
    values: [...columns.values],
    known: [...columns.known],
  }
}

describe('openWhisperFile with a head buffer', () => {
  for (const [title, retentions] of [
    ['a file shorter than the buffer (read whole, no fstat)', [[60, 1440]]],
    ['a file longer than the buffer', [[10, 8640]]],
  ] as const) {
    test(title, (t) => {
      const file = path.join(tempDir(t), 'db.wsp')
      create(
        file,
        retentions.map(([s, p]) => [s, p] as [number, number]),
      )
      updateMany(
        file,
        [
          [NOW - 120, 1.5],
          [NOW - 60, 2.5],
        ],
        { now: NOW },
      )
      const plain = withWhisperFile(file, { write: false, lock: false }, facts)
      const buffer = Buffer.alloc(32 << 10, 0xee)
      const shared = withWhisperFile(file, { write: false, lock: false, headBuffer: buffer }, facts)
      assert.deepEqual(shared, plain)
      assert.equal((shared as { size: number }).size, fs.statSync(file).size)
    })
  }

  test('a directory, an empty file and a truncated header fail as a plain open does', (t) => {
    const dir = tempDir(t)
    const buffer = Buffer.alloc(1024)
    const open = (file: string): unknown =>
      withWhisperFile(file, { write: false, lock: false, headBuffer: buffer }, () => 'opened')
    assert.throws(() => open(dir), InvalidArgumentError)
    const empty = path.join(dir, 'empty.wsp')
    fs.writeFileSync(empty, '')
    assert.throws(() => open(empty), CorruptFileError)
    const full = path.join(dir, 'full.wsp')
    create(full, [
      [60, 10],
      [300, 10],
    ])
    const truncated = path.join(dir, 'truncated.wsp')
    fs.writeFileSync(truncated, fs.readFileSync(full).subarray(0, 30))
    assert.throws(() => open(truncated), CorruptFileError)
    assert.throws(() => withWhisperFile(truncated, { write: false, lock: false }, () => 1), CorruptFileError)
  })
})
