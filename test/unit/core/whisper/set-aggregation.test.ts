import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { InvalidAggregationMethodError, InvalidXFilesFactorError } from '../../../../src/core/errors.js'
import { AGGREGATION_METHODS } from '../../../../src/core/whisper/format.js'
import { create } from '../../../../src/core/whisper/create.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import { setAggregationMethod, setXFilesFactor } from '../../../../src/core/whisper/set-aggregation.js'
import { tempDir } from '../../../helpers/tmp.js'

test('test_set_xfilesfactor: returns the old value, changes only the xFilesFactor, refuses bad values', (t) => {
  const file = path.join(tempDir(t), 'db.wsp')
  create(file, [
    [1, 60],
    [60, 60],
  ])
  const before = readInfo(file)
  const change = setXFilesFactor(file, 0.42)
  assert.equal(change.old.xFilesFactor, 0.5)
  const after = readInfo(file)
  assert.equal(after.xFilesFactor, Math.fround(0.42))
  assert.deepEqual({ ...after, xFilesFactor: 0 }, { ...before, xFilesFactor: 0 })
  const bytes = fs.readFileSync(file)
  for (const bad of [-1, 2, Number.NaN])
    assert.throws(() => setXFilesFactor(file, bad), InvalidXFilesFactorError)
  assert.deepEqual(fs.readFileSync(file), bytes)
})

test('test_setAggregation: every method and xFilesFactor; an unknown method leaves the file alone', (t) => {
  const file = path.join(tempDir(t), 'db.wsp')
  create(file, [
    [1, 60],
    [60, 60],
  ])
  const bytes = fs.readFileSync(file)
  assert.throws(
    () => setAggregationMethod(file, 'yummy beer'),
    (e: unknown) =>
      e instanceof InvalidAggregationMethodError &&
      e.message === 'Unrecognized aggregation method: yummy beer',
  )
  assert.deepEqual(fs.readFileSync(file), bytes)
  let previous = 'average'
  for (const method of AGGREGATION_METHODS) {
    for (const xff of [0, 0.2, 0.4, 0.7, 0.75, 1]) {
      const before = readInfo(file).xFilesFactor
      const change = setAggregationMethod(file, method)
      assert.equal(change.old.aggregationMethod, previous)
      assert.equal(readInfo(file).xFilesFactor, before)
      setAggregationMethod(file, method, xff)
      assert.equal(readInfo(file).aggregationMethod, method)
      assert.equal(readInfo(file).xFilesFactor, Math.fround(xff))
      previous = method
    }
  }
})
