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

test('issue 14 memory: a churn whose tail forgets more after it settled (writes stalled, then resumed) ends in another reclaim', () => {
  const policy = new ReclaimPolicy()
  assert.equal(policy.swept(RECLAIM_FORGOTTEN), true)
  // A sweep forgot nothing (the writers stalled under load): the churn settled...
  assert.equal(policy.swept(0), true)
  // ...but the last files written are forgotten a sweep later, under the threshold.
  assert.equal(policy.swept(256), false)
  // Their memory is given back at the end of that tail, once.
  assert.equal(policy.swept(0), true)
  assert.equal(policy.swept(0), false)
  // Quiet for a whole sweep: a few names coming and going cost nothing again.
  assert.deepEqual([policy.swept(100), policy.swept(0)], [false, false])
})

test('issue 14 memory: a churn interrupted by sweeps that forgot nothing counts whole at its end', () => {
  const policy = new ReclaimPolicy()
  // Writes stall between trickles: each stretch is under the threshold, the whole is not (a reclaim
  // while it goes on)...
  assert.deepEqual(
    [4000, 0, 3500, 0, 3000].map((n) => policy.swept(n)),
    [false, false, false, false, true],
  )
  // ...and once more when it is over, once.
  assert.deepEqual([policy.swept(0), policy.swept(0)], [true, false])
})
