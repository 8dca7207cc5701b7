import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RECLAIM_FORGOTTEN, ReclaimPolicy } from '../../../../src/core/daemon/reclaim.js'

test('issue 14 memory: sweeps that forgot names and files give memory back during a churn and once it settles', () => {
  const policy = new ReclaimPolicy()
  // A few names come and go: never worth a reclaim.
  assert.deepEqual([policy.swept(100), policy.swept(0), policy.swept(0)], [false, false, false])
  // A burst: 25,000 forgotten, then 6,000 (under the threshold)...
  assert.equal(policy.swept(0), false)
  assert.equal(policy.swept(25_000), true)
  assert.equal(policy.swept(6000), false)
  // ...but nothing more to forget: the churn settled, once.
  assert.equal(policy.swept(0), true)
  assert.equal(policy.swept(0), false)
})

test('issue 14 memory: files forgotten long after their names (writes lagging) still end in a reclaim', () => {
  const policy = new ReclaimPolicy()
  // The names of a burst are forgotten at once; the files trickle out of the persister's memory as
  // their writes finish, each sweep under the threshold.
  assert.equal(policy.swept(RECLAIM_FORGOTTEN), true)
  const trickle = [3000, 3000, 2000, 1000]
  assert.deepEqual(
    trickle.map((n) => policy.swept(n)),
    [false, false, false, false],
  )
  // Nothing more is forgotten: the files' memory is given back too (9,000 since the last reclaim).
  assert.equal(policy.swept(0), true)
})
