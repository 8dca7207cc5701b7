import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { pythonSetOrder } from '../../../../src/core/python/set-order.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { REFERENCE_PYTHON } from '../../../helpers/reference.js'

test('small sets iterate in table order (hash & 7)', () => {
  // CPython: {16, 1, 9} -> slot 0: 16, slot 1: 1, slot 2: 9 (9 & 7 = 1 is taken, linear probe)
  assert.deepEqual(pythonSetOrder([16, 1, 9]), [16, 1, 9])
  assert.deepEqual(pythonSetOrder([9, 1, 16]), [16, 9, 1])
  assert.deepEqual(pythonSetOrder([5, 5, 5]), [5])
})

const python = spawnSync(REFERENCE_PYTHON, ['-c', 'print(1)']).status === 0
test(
  'iteration order equals CPython for random timestamp sets',
  { skip: python ? undefined : 'no python3' },
  () => {
    const seed = runSeed()
    const r = createRandom(seed)
    const cases: number[][] = []
    for (let i = 0; i < 2000; i++) {
      const n = r.pick([1, 2, 3, 5, 8, 13, 40, 200, 2000])
      const step = r.pick([1, 60, 300, 3600, 7, 10])
      const base = r.int(0, 4_000_000_000)
      cases.push(Array.from({ length: n }, () => base - (base % step) + step * r.int(0, n * 2)))
    }
    const result = spawnSync(
      REFERENCE_PYTHON,
      ['-c', 'import json,sys\nprint(json.dumps([list(set(c)) for c in json.load(sys.stdin)]))'],
      {
        input: JSON.stringify(cases),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    )
    const expected = JSON.parse(result.stdout) as number[][]
    cases.forEach((keys, i) => assert.deepEqual(pythonSetOrder(keys), expected[i], `seed ${seed}, case ${i}`))
  },
)
