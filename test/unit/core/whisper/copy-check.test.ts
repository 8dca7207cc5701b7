// issue 17.5: the check after a copy: every source point must be at the destination at its timestamp
// (the destination's own value may differ: it won), in every archive both files have.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { checkCopy } from '../../../../src/core/whisper/copy-check.js'
import { create } from '../../../../src/core/whisper/create.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { tempDir } from '../../../helpers/tmp.js'

const NOW = 1_700_003_600

test('issue 17.5: a copy missing a source point fails the check; a superseded value passes', (t) => {
  const dir = tempDir(t, 'carbonkit-verify-')
  const source = path.join(dir, 'source.wsp')
  const destination = path.join(dir, 'destination.wsp')
  const archives: [number, number][] = [
    [60, 120],
    [600, 24],
  ]
  create(source, archives)
  create(destination, archives)
  const points = Array.from(
    { length: 60 },
    (_, i) => [Math.floor((NOW - 3000) / 60) * 60 + i * 60, i] as const,
  )
  updateMany(source, points, { now: NOW })
  // The destination has every point but one, and another with its own value.
  updateMany(
    destination,
    points.filter((_, i) => i !== 30).map(([ts, v], i) => [ts, i === 10 ? 99 : v] as const),
    { now: NOW },
  )
  const missing = checkCopy(fs.readFileSync(source), fs.readFileSync(destination), NOW)
  assert.equal(missing.missing, 1)
  assert.deepEqual(missing.examples, [`${points[30]![0]}@60s`])
  assert.ok(missing.checked >= 40, String(missing.checked))
  updateMany(destination, [points[30]!], { now: NOW })
  const complete = checkCopy(fs.readFileSync(source), fs.readFileSync(destination), NOW)
  assert.equal(complete.missing, 0)
  assert.equal(complete.checked, missing.checked)
})
