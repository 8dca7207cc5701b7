// whisper's retention rules, including equivalents of test_whisper.py's tests (named in each title).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { InvalidConfigurationError, InvalidRetentionError } from '../../../../src/core/errors.js'
import {
  checkArchiveListStorable,
  getUnitString,
  parseRetentionDef,
  validateArchiveList,
} from '../../../../src/core/whisper/retention.js'

function throwsWith(fn: () => unknown, type: new (...args: never[]) => Error, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof type && e.message === message)
}

describe('parseRetentionDef', () => {
  test('test_valid_retentions and a table verified against parseRetentionDef in whisper.py', () => {
    const table: [string, [number, number]][] = [
      ['60:10', [60, 10]],
      ['10:60', [10, 60]],
      ['10s:10h', [10, 3600]],
      ['60:1440', [60, 1440]],
      ['1m:1d', [60, 1440]],
      ['15s:7d', [15, 40320]],
      ['1h:7d', [3600, 168]],
      ['12h:2y', [43200, 1460]],
      ['1w:1y', [604800, 52]],
      ['5m:1y', [300, 105120]],
      ['1sec:1min', [1, 60]],
      ['1second:1minutes', [1, 60]],
      [' 60:10 ', [60, 10]],
      ['60:0', [60, 0]],
      ['0:10', [0, 10]],
      ['7s:1m', [7, 8]],
    ]
    for (const [def, expected] of table) assert.deepEqual(parseRetentionDef(def), expected, def)
  })

  test('test_invalid_retentions and the verified errors', () => {
    const table: [string, string][] = [
      ['10x:10', "Invalid unit 'x'"],
      ['60:10x', "Invalid unit 'x'"],
      ['10', "Invalid retention definition '10'"],
      ['10X:10', "Invalid precision specification '10X'"],
      ['10:10$', "Invalid retention specification '10$'"],
      ['60: 10', "Invalid retention specification ' 10'"],
      ['-60:10', "Invalid precision specification '-60'"],
      ['1M:1d', "Invalid precision specification '1M'"],
      ['1min:1mo', "Invalid unit 'mo'"],
      ['1mins:1d', "Invalid unit 'mins'"],
      ['10:', "Invalid retention specification ''"],
      ['60:10:20', "Invalid retention specification '10:20'"],
      ['60:10,300:10', "Invalid retention specification '10,300:10'"],
    ]
    for (const [def, message] of table)
      throwsWith(() => parseRetentionDef(def), InvalidRetentionError, message)
  })

  test('a zero precision with a duration is an error, not a division by zero', () => {
    assert.throws(() => parseRetentionDef('0:1d'), InvalidRetentionError)
  })
})

describe('getUnitString', () => {
  test('TestgetUnitString.test_function', () => {
    assert.equal(getUnitString('s'), 'seconds')
    assert.equal(getUnitString('m'), 'minutes')
    assert.equal(getUnitString('h'), 'hours')
    assert.equal(getUnitString('d'), 'days')
    assert.equal(getUnitString('w'), 'weeks')
    assert.equal(getUnitString('y'), 'years')
  })
  test('TestgetUnitString.test_invalid_unit', () => {
    throwsWith(() => getUnitString('z'), InvalidRetentionError, "Invalid unit 'z'")
  })
})

describe('validateArchiveList', () => {
  test('test_validate_archive_list', () => {
    throwsWith(
      () => validateArchiveList([]),
      InvalidConfigurationError,
      'You must specify at least one archive configuration!',
    )
  })
  test('test_duplicate', () => {
    assert.doesNotThrow(() =>
      validateArchiveList([
        [1, 60],
        [60, 60],
      ]),
    )
    throwsWith(
      () =>
        validateArchiveList([
          [1, 60],
          [60, 60],
          [1, 60],
        ]),
      InvalidConfigurationError,
      'A Whisper database may not be configured having two archives with the same precision (archive0: (1, 60), archive1: (1, 60))',
    )
  })
  test('test_even_precision_division', () => {
    assert.deepEqual(
      validateArchiveList([
        [60, 60],
        [6, 60],
      ]),
      [
        [6, 60],
        [60, 60],
      ],
    )
    throwsWith(
      () =>
        validateArchiveList([
          [60, 60],
          [7, 60],
        ]),
      InvalidConfigurationError,
      "Higher precision archives' precision must evenly divide all lower precision archives' precision (archive0: 7, archive1: 60)",
    )
  })
  test('test_timespan_coverage', () => {
    throwsWith(
      () =>
        validateArchiveList([
          [1, 60],
          [10, 1],
        ]),
      InvalidConfigurationError,
      'Lower precision archives must cover larger time intervals than higher precision archives (archive0: 60 seconds, archive1: 10 seconds)',
    )
  })
  test('test_number_of_points', () => {
    throwsWith(
      () =>
        validateArchiveList([
          [1, 30],
          [60, 60],
        ]),
      InvalidConfigurationError,
      "Each archive must have at least enough points to consolidate to the next archive (archive1 consolidates 60 of archive0's points but it has only 30 total points)",
    )
  })
  test("the caller's list is left as given", () => {
    const list: [number, number][] = [
      [60, 60],
      [6, 60],
    ]
    validateArchiveList(list)
    assert.deepEqual(list, [
      [60, 60],
      [6, 60],
    ])
  })
})

describe('checkArchiveListStorable (what whisper accepts but cannot use)', () => {
  test('zero precision, zero points and sizes past 32 bits are refused', () => {
    assert.throws(() => checkArchiveListStorable([[0, 10]]), InvalidConfigurationError)
    assert.throws(() => checkArchiveListStorable([[60, 0]]), InvalidConfigurationError)
    assert.throws(
      () => checkArchiveListStorable(validateArchiveList([parseRetentionDef('1y:200y')])),
      InvalidConfigurationError,
    )
    assert.doesNotThrow(() =>
      checkArchiveListStorable([
        [60, 1440],
        [300, 2016],
      ]),
    )
  })
})
