import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parsePythonFloat, parsePythonInt } from '../../../src/core/py-parse.js'

test("float() accepts what Python's float() accepts", () => {
  const accepted: [string, number][] = [
    ['1.5', 1.5],
    [' 1.5 ', 1.5],
    ['1_000', 1000],
    ['+1', 1],
    ['-7.5', -7.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['1_0.2_5e1_0', 10.25e10],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['+INF', Infinity],
  ]
  for (const [text, value] of accepted) assert.equal(parsePythonFloat(text), value, text)
  assert.ok(Number.isNaN(parsePythonFloat('nan')))
  assert.ok(Number.isNaN(parsePythonFloat('-NaN')))
})

test("float() refuses what Python's float() refuses", () => {
  for (const text of [
    '',
    ' ',
    'abc',
    '0x10',
    '1,5',
    'true',
    '1__0',
    '_1',
    '1_',
    '1e',
    'e3',
    '1.5.2',
    'infinit',
    'nana',
    '- 1',
  ]) {
    assert.equal(parsePythonFloat(text), undefined, JSON.stringify(text))
  }
})

test("int() accepts base-10 integers as Python's int() does", () => {
  assert.equal(parsePythonInt(' 42 '), 42)
  assert.equal(parsePythonInt('-17'), -17)
  assert.equal(parsePythonInt('+5'), 5)
  assert.equal(parsePythonInt('1_000'), 1000)
  assert.equal(parsePythonInt('007'), 7)
  assert.equal(parsePythonInt('-0'), 0)
  for (const text of ['1.5', '1e3', '', 'N', '0x10', '1__0', 'inf'])
    assert.equal(parsePythonInt(text), undefined, text)
})
