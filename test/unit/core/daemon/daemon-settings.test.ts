// carbon serve's settings: the default number of writer threads comes from the machine, bounded.

import assert from 'node:assert/strict'
import os from 'node:os'
import { test } from 'node:test'
import {
  MAX_WRITERS,
  applyOverrides,
  defaultSettings,
  defaultWriters,
} from '../../../../src/core/daemon/daemon-settings.js'

test('issue 14: the default writers are one per core, at least 1 and at most 4', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 8, 64].map((cores) => defaultWriters(cores)),
    [1, 1, 2, 3, 4, 4, 4],
  )
  assert.equal(defaultSettings('/x').writers, Math.min(4, os.availableParallelism()))
})

test('issue 14: --writers is kept within 1 and MAX_WRITERS', () => {
  const base = defaultSettings('/x')
  assert.equal(applyOverrides(base, { writers: 0 }).writers, 1)
  assert.equal(applyOverrides(base, { writers: 1000 }).writers, MAX_WRITERS)
  assert.equal(applyOverrides(base, { writers: 3 }).writers, 3)
})
