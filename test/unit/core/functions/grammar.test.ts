// graphite-web's target grammar: the trees of the forms graphite-web accepts, its quirks (trailing
// text ignored, kwargs only after positional arguments, escapes kept in strings), and the errors.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExpressionError } from '../../../../src/core/functions/errors.js'
import {
  MAX_DEPTH,
  firstPathExpression,
  isPlainPath,
  parseTarget,
} from '../../../../src/core/functions/grammar.js'

test('calls, literals, keyword arguments and pipes parse as graphite-web parses them', () => {
  assert.deepEqual(parseTarget('summarize(a.b, \'1h\', func="max")'), {
    kind: 'call',
    name: 'summarize',
    args: [
      { kind: 'path', text: 'a.b' },
      { kind: 'string', value: '1h' },
    ],
    kwargs: [['func', { kind: 'string', value: 'max' }]],
    raw: 'summarize(a.b, \'1h\', func="max")',
  })
  const literals = parseTarget('f(1, -2.5, 1e3, TRUE, none, inf, "\\1 A", 1min.x)')
  assert.equal(literals.kind, 'call')
  if (literals.kind !== 'call') return
  assert.deepEqual(
    literals.args.map((a) => (a.kind === 'path' ? a.text : a.kind === 'string' ? a.value : a.kind)),
    ['int', 'float', 'float', 'bool', 'none', 'inf', '\\1 A', '1min.x'],
  )
  const piped = parseTarget('a.*.b | sumSeries() |alias("x")')
  assert.equal(piped.kind === 'call' && piped.name, 'alias')
  assert.equal(piped.kind === 'call' && piped.args[0]!.kind === 'call' && piped.args[0]!.name, 'sumSeries')
})

test('paths: braces, escapes, and text graphite-web ignores after a complete expression', () => {
  assert.deepEqual(parseTarget('a.{b,c}d.e\\(x\\)'), { kind: 'path', text: 'a.{b,c}d.e(x)' })
  assert.deepEqual(parseTarget('a.b)garbage'), { kind: 'path', text: 'a.b' })
  // kwargs alone do not parse as a call: graphite-web reads the path `f` and ignores the rest.
  assert.deepEqual(parseTarget('f(x=1)'), { kind: 'path', text: 'f' })
  assert.equal(parseTarget('template(a.$1, "b")').kind, 'template')
  assert.equal(isPlainPath('a.*.b'), true)
  assert.equal(isPlainPath('a.b)'), false)
  assert.equal(isPlainPath(' a.b'), false)
  assert.equal(firstPathExpression('aliasByNode(sumSeries(a.*.b), 1)'), 'a.*.b')
})

test('what cannot start an expression, and nesting past the limit, are ExpressionErrors', () => {
  for (const bad of ['(', ')', ',x', '"', '|sum()'])
    assert.throws(() => parseTarget(bad), ExpressionError, bad)
  const deep = 'scale('.repeat(MAX_DEPTH + 1) + 'a' + ',1)'.repeat(MAX_DEPTH + 1)
  assert.throws(() => parseTarget(deep), /nested deeper than 64 calls/)
  const ok = 'scale('.repeat(MAX_DEPTH) + 'a' + ',1)'.repeat(MAX_DEPTH)
  assert.equal(parseTarget(ok).kind, 'call')
})
