import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { CorruptFileError, InvalidArgumentError, NotFoundError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { checkInfoField, readInfo } from '../../../../src/core/whisper/info.js'
import { tempDir } from '../../../helpers/tmp.js'

test("test_info_bogus_file: missing, corrupt metadata, corrupt archive info (whisper's info() returns None for a missing file)", (t) => {
  const dir = tempDir(t)
  assert.throws(() => readInfo(path.join(dir, 'missing.wsp')), NotFoundError)
  const file = path.join(dir, 'db.wsp')
  create(file, [[60, 10]])
  const bytes = fs.readFileSync(file)
  fs.writeFileSync(file, Buffer.concat([Buffer.from('garbage!'), bytes.subarray(8)]))
  assert.throws(() => readInfo(file), CorruptFileError)
  fs.writeFileSync(file, bytes.subarray(0, 20))
  assert.throws(
    () => readInfo(file),
    (e: unknown) => e instanceof CorruptFileError && /needs a 28-byte header/.test(e.message),
  )
})

test('a directory is a usage error, not a crash (whisper-info: TypeError traceback)', (t) => {
  assert.throws(
    () => readInfo(tempDir(t)),
    (e: unknown) => e instanceof InvalidArgumentError && /is a directory/.test(e.message),
  )
})

test("info keys come in whisper-info's order and fileSize is the file's size", (t) => {
  const file = path.join(tempDir(t), 'db.wsp')
  create(
    file,
    [
      [60, 10],
      [300, 12],
    ],
    { xFilesFactor: 0.3 },
  )
  const info = readInfo(file)
  assert.deepEqual(Object.keys(info), [
    'aggregationMethod',
    'maxRetention',
    'xFilesFactor',
    'archives',
    'fileSize',
  ])
  assert.equal(info.xFilesFactor, 0.30000001192092896)
  assert.equal(info.fileSize, 304)
})

test("unknown fields get whisper-info's message", () => {
  assert.equal(checkInfoField('archives'), 'archives')
  assert.throws(
    () => checkInfoField('foo'),
    (e: unknown) =>
      e instanceof InvalidArgumentError &&
      e.message ===
        'Unknown field "foo". Valid fields are aggregationMethod,maxRetention,xFilesFactor,archives,fileSize',
  )
})
