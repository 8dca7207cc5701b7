// issue 15.1: one unit table, read with whisper's spellings or carbon's, and one duration formatter.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'
import {
  DURATION_UNITS,
  formatDuration,
  unitByLetter,
  unitByPrefix,
} from '../../../../src/core/format/duration.js'
import { UNIT_MULTIPLIERS } from '../../../../src/core/whisper/retention.js'
import { REFERENCE_PYTHON, needsReference } from '../../../helpers/reference.js'

describe('the unit table', () => {
  test(
    'issue 15.1: is whisper.UnitMultipliers and carbon.util.UnitMultipliers, in their order',
    needsReference('carbon'),
    () => {
      const result = spawnSync(
        REFERENCE_PYTHON,
        [
          '-c',
          'import json, whisper\nfrom carbon import util\n' +
            'print(json.dumps([list(whisper.UnitMultipliers.items()), list(util.UnitMultipliers.items())]))',
        ],
        { encoding: 'utf8' },
      )
      assert.equal(result.status, 0, result.stderr)
      const [whisperUnits, carbonUnits] = JSON.parse(result.stdout) as [string, number][][]
      assert.deepEqual(
        DURATION_UNITS.map((u) => [u.name, u.seconds]),
        whisperUnits,
      )
      assert.deepEqual(
        DURATION_UNITS.map((u) => [u.letter, u.seconds]),
        carbonUnits,
      )
      assert.deepEqual(Object.entries(UNIT_MULTIPLIERS), whisperUnits)
    },
  )

  test("issue 15.1: whisper's spellings are prefixes of the name, first match in table order", () => {
    const table: [string, string | undefined][] = [
      ['s', 'seconds'],
      ['sec', 'seconds'],
      ['seconds', 'seconds'],
      ['m', 'minutes'],
      ['min', 'minutes'],
      ['minutes', 'minutes'],
      ['h', 'hours'],
      ['hours', 'hours'],
      ['d', 'days'],
      ['w', 'weeks'],
      ['y', 'years'],
      ['mo', undefined],
      ['mins', undefined],
      ['x', undefined],
      ['S', undefined],
    ]
    for (const [text, name] of table) assert.equal(unitByPrefix(text)?.name, name, text)
  })

  test("issue 15.1: carbon's spellings are exactly one letter", () => {
    const table: [string, number | undefined][] = [
      ['s', 1],
      ['m', 60],
      ['h', 3600],
      ['d', 86400],
      ['w', 604800],
      ['y', 31536000],
      ['sec', undefined],
      ['min', undefined],
      ['hours', undefined],
      ['seconds', undefined],
      ['M', undefined],
      ['', undefined],
    ]
    for (const [text, seconds] of table) assert.equal(unitByLetter(text)?.seconds, seconds, text)
  })
})

describe('formatDuration', () => {
  test('issue 15.1: the largest unit that divides exactly, never weeks', () => {
    const table: [number, string][] = [
      [0, '0s'],
      [1, '1s'],
      [59, '59s'],
      [60, '1m'],
      [90, '90s'],
      [5400, '90m'],
      [3600, '1h'],
      [86400, '1d'],
      [604800, '7d'],
      [2592000, '30d'],
      [31536000, '1y'],
      [63072000, '2y'],
      [31536000 + 86400, '366d'],
      [155520000, '1800d'],
    ]
    for (const [seconds, text] of table) assert.equal(formatDuration(seconds), text, String(seconds))
  })
})
