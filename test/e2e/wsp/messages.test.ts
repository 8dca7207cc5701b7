// Issue 13.13: the small things operators read. Numbers and words in wsp's own (human) formats:
// xFilesFactor as the float32 it is, durations as a retention is written, counted nouns, errors
// that show what was typed and what would have worked. The whisper-compatible outputs (info's
// single field and --json, set-xff's line) keep Python's repr; info.test.ts compares those.

import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

test('issue 13.13: wsp info shows xFilesFactor as its float32 (0.1) and retentions as written (30d)', (t) => {
  const file = path.join(tempDir(t), 'x.wsp')
  assert.equal(run('wsp', ['create', file, '1m:30d', '1h:1y', '--x-files-factor', '0.1']).status, 0)
  const info = run('wsp', ['info', file])
  assert.equal(info.status, 0, info.stderr)
  assert.match(info.stdout, /^xFilesFactor +0\.1$/m)
  assert.match(info.stdout, /^0 +60 \(1m\) +43200 +2592000 \(30d\) /m)
  assert.match(info.stdout, /^maxRetention +31536000 \(1y\)$/m)
  // whisper-info's own outputs keep the widened double.
  assert.equal(run('wsp', ['info', file, 'xFilesFactor']).stdout, '0.10000000149011612\n')
  assert.match(run('wsp', ['info', file, '--json']).stdout, /"xFilesFactor": 0\.10000000149011612/)
  for (const [xff, shown] of [
    ['0.3', '0.3'],
    ['0.33', '0.33'],
    ['0', '0.0'],
    ['1', '1.0'],
  ] as const) {
    assert.equal(run('wsp', ['set-xff', file, xff]).status, 0)
    assert.match(
      run('wsp', ['info', file]).stdout,
      new RegExp(`^xFilesFactor +${shown.replace('.', '\\.')}$`, 'm'),
    )
  }
})

test('issue 13.13: counted nouns are singular for one ("1 file", "1 point")', (t) => {
  const file = path.join(tempDir(t), 'one.wsp')
  assert.equal(run('wsp', ['create', file, '1m:1h']).status, 0)
  assert.equal(run('wsp', ['update', file, 'N:1'], { env: { CARBONKIT_NOW: '1796540000' } }).status, 0)
  const check = run('wsp', ['check', file])
  assert.equal(check.status, 0, check.stderr)
  assert.match(check.stdout, /^checked 1 file \(1 point\): 0 corrupt, 0 with warnings$/m)
})

test('issue 13.13: time errors show the flag and the time as typed', (t) => {
  const file = path.join(tempDir(t), 'f.wsp')
  assert.equal(run('wsp', ['create', file, '1m:1d']).status, 0)
  assertOneLineError(
    run('wsp', ['fetch', '--from', 'yesterdayy', file]),
    2,
    /^wsp: --from yesterdayy: invalid time: use epoch seconds, 'now', an offset such as -1d or -6h, or an ISO 8601 date$/,
  )
  assertOneLineError(
    run('wsp', ['fetch', '--until', '-3 parsecs', file]),
    2,
    /^wsp: --until '-3 parsecs': invalid time/,
  )
  assertOneLineError(
    run('wsp', ['fetch', '--from', 'now', '--until', '-1h', file]),
    2,
    /^wsp: Invalid time interval: from time '\d+' \(--from now\) is after until time '\d+' \(--until -1h\)$/,
  )
  const other = path.join(path.dirname(file), 'g.wsp')
  assert.equal(run('wsp', ['create', other, '1m:1d']).status, 0)
  assertOneLineError(
    run('wsp', ['merge', file, other, '--from', 'lastweek']),
    2,
    /^wsp: --from lastweek: invalid time/,
  )
  assertOneLineError(
    run('wsp', ['diff', file, other, '--until', 'soon']),
    2,
    /^wsp: --until soon: invalid time/,
  )
})

test("issue 13.13: --archive with a precision the file lacks lists the file's precisions", (t) => {
  const file = path.join(tempDir(t), 'f.wsp')
  assert.equal(run('wsp', ['create', file, '1m:1d', '1h:30d']).status, 0)
  assertOneLineError(
    run('wsp', ['fetch', '--archive', '5m', file]),
    2,
    /^wsp: Invalid granularity: 300: no archive of 5m precision; the file's archives have 1m, 1h$/,
  )
})

test('issue 13.13: an unknown aggregation method suggests the one meant (avg -> average)', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'f.wsp')
  assertOneLineError(
    run('wsp', ['create', file, '1m:1d', '--aggregation-method', 'avg']),
    2,
    /^wsp: Unrecognized aggregation method: avg \(did you mean average\?\)$/,
  )
  assert.equal(run('wsp', ['create', file, '1m:1d']).status, 0)
  for (const [typed, meant] of [
    ['avg', 'average'],
    ['Max', 'max'],
    ['absmaxx', 'absmax'],
    ['total', 'sum'],
  ] as const) {
    assertOneLineError(
      run('wsp', ['set-aggregation', file, typed]),
      2,
      new RegExp(`^wsp: Unrecognized aggregation method: ${typed} \\(did you mean ${meant}\\?\\)$`),
    )
  }
  // Nothing close: whisper's message alone.
  assertOneLineError(
    run('wsp', ['set-aggregation', file, 'foo']),
    2,
    /^wsp: Unrecognized aggregation method: foo$/,
  )
})
