// The legacy shutdown dump round-trips exactly and refuses what is not one.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { MetricPoints } from '../../../../src/core/daemon/cache.js'
import { readDump } from '../../../../src/core/daemon/legacy-dump.js'
import { CorruptFileError } from '../../../../src/core/errors.js'
import { metricPoints, writeDump } from '../../../helpers/legacy-dump.js'
import { tempDir } from '../../../helpers/tmp.js'

test('a dump reads back exactly: names in any script, infinities, fractional timestamps', (t) => {
  const file = path.join(tempDir(t), 'sub', 'cache.dump')
  const entries: [string, MetricPoints][] = [
    ['a.b', metricPoints([1, 2.5], [Infinity, -0])],
    ['été.日本;tag=x', metricPoints([3], [1e308])],
    ['empty', metricPoints([], [])],
  ]
  assert.equal(writeDump(file, entries), 3)
  assert.deepEqual(readDump(file), entries)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['cache.dump'])
})

test('a file that is not a dump, or is cut short, is a CorruptFileError', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'cache.dump')
  fs.writeFileSync(file, 'hello')
  assert.throws(() => readDump(file), CorruptFileError)
  writeDump(file, [['a', metricPoints([1, 2], [3, 4])]])
  fs.truncateSync(file, fs.statSync(file).size - 1)
  assert.throws(() => readDump(file), /cut short/)
})
