// carbon serve's log lines: the replay's line says how many replayed points belonged to metrics
// deleted (through the admin API) after they were logged, only when there were some.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderServeEvent } from '../../../../src/cli/carbon/render/serve-log.js'

const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
const replayed = {
  type: 'wal-replayed',
  dir: '/var/lib/carbon/wal',
  points: 1200,
  segments: 2,
  bytes: 65_536,
  seconds: 0.25,
} as const

test('issue 14/17: the replay line names the points of deleted metrics it dropped', () => {
  assert.equal(
    renderServeEvent({ ...replayed, deletedPoints: 0 }, 'text', at),
    '2026-01-02T03:04:05.000Z replayed 1200 points from the write-ahead log in /var/lib/carbon/wal (2 segments, 65536 bytes, 0.3 s)\n',
  )
  assert.match(
    renderServeEvent({ ...replayed, deletedPoints: 40 }, 'text', at),
    /\(2 segments, 65536 bytes, 0\.3 s\); 40 points of metrics deleted since dropped\n$/,
  )
  assert.equal(JSON.parse(renderServeEvent({ ...replayed, deletedPoints: 40 }, 'json', at)).deletedPoints, 40)
})

test('issue 14: a reclaim, once done, is one line saying what is still known and whether the churn is over', () => {
  assert.equal(
    renderServeEvent({ type: 'reclaimed', names: 12, files: 1, settled: true }, 'text', at),
    '2026-01-02T03:04:05.000Z memory given back after idle metrics were forgotten (12 names and 1 file still known)\n',
  )
  assert.match(
    renderServeEvent({ type: 'reclaimed', names: 0, files: 3840, settled: false }, 'text', at),
    /\(0 names and 3840 files still known; more to forget\)\n$/,
  )
  assert.equal(
    JSON.parse(renderServeEvent({ type: 'reclaimed', names: 0, files: 0, settled: true }, 'json', at))
      .settled,
    true,
  )
})
