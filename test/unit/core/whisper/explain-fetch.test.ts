import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pointsNeeded } from '../../../../src/core/whisper/explain-fetch.js'

test("points needed for a roll-up: whisper's known / total >= xFilesFactor, at least one", () => {
  assert.equal(pointsNeeded(0.5, 6), 3)
  assert.equal(pointsNeeded(0, 6), 1)
  assert.equal(pointsNeeded(1, 60), 60)
  assert.equal(pointsNeeded(0.5, 5), 3)
  // 0.3 is stored as the float32 0.30000001192092896: 3 of 10 is not enough.
  assert.equal(pointsNeeded(Math.fround(0.3), 10), 4)
  assert.equal(pointsNeeded(0.25, 4), 1)
})
