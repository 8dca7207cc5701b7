// The scanner's line numbers and configparser's quirks, case by case (the differential tests cover
// the values against Python itself).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { interpolate, pyStrip, scanIni, splitLines } from '../../../../src/core/config/ini-lines.js'

describe('scanIni', () => {
  test('sections, keys and values with their lines', () => {
    const doc = scanIni('# c\n[cache]\nA = 1\nb: two words\n\n[relay]\nC=3\n')
    assert.equal(doc.fatal, null)
    assert.deepEqual(
      doc.sections.map((s) => [s.name, s.line, [...s.keys.values()].map((k) => [k.name, k.value, k.line])]),
      [
        [
          'cache',
          2,
          [
            ['a', '1', 3],
            ['b', 'two words', 4],
          ],
        ],
        ['relay', 6, [['c', '3', 7]]],
      ],
    )
  })
  test('no inline comments: the value keeps them', () => {
    const doc = scanIni('[cache]\nX = 500 # per second\n')
    assert.equal(doc.sections[0]!.keys.get('x')!.value, '500 # per second')
  })
  test('indented lines continue a value, blank lines inside it are kept, comments are not', () => {
    const doc = scanIni('[s]\nk = a\n\n  b\n# c\n  c\n\nnext = 1\n')
    const k = doc.sections[0]!.keys.get('k')!
    assert.equal(k.value, 'a\n\nb\nc')
    assert.deepEqual([k.line, k.lastLine], [2, 6])
  })
  test('the first delimiter wins', () => {
    const doc = scanIni('[s]\nurl: http://x = y\n')
    assert.equal(doc.sections[0]!.keys.get('url')!.value, 'http://x = y')
  })
  test('a header with text after it is a section for configparser, but carbon does not list it', () => {
    const doc = scanIni('[a] # note\np = 1\n[b]\n')
    assert.deepEqual(
      doc.sections.map((s) => s.name),
      ['a', 'b'],
    )
    assert.deepEqual(
      doc.listedSections.map((s) => s.name),
      ['b'],
    )
  })
  test('an indented [x] inside a value is listed by carbon but is no section', () => {
    const doc = scanIni('[a]\nk = 1\n  [x]\n')
    assert.deepEqual(
      doc.sections.map((s) => s.name),
      ['a'],
    )
    assert.deepEqual(
      doc.listedSections.map((s) => s.name),
      ['a', 'x'],
    )
  })
  test('errors: what configparser raises first', () => {
    assert.equal(scanIni('k = 1\n[a]\n').fatal?.kind, 'missing-section-header')
    assert.equal(scanIni('[a]\nk\n[a]\n').fatal?.kind, 'duplicate-section')
    assert.equal(scanIni('[a]\nk\n').fatal?.kind, 'parse-error')
    assert.equal(scanIni('[a]\nk = 1\nK = 2\n').fatal?.line, 3)
    assert.equal(scanIni('\ufeff[a]\n').fatal?.kind, 'missing-section-header')
    assert.equal(scanIni('[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n').fatal, null)
  })
  test('universal newlines', () => {
    assert.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd'])
    assert.deepEqual(splitLines('a\n'), ['a'])
    assert.deepEqual(splitLines(''), [])
  })
  test("Python's strip, not JavaScript's trim", () => {
    assert.equal(pyStrip('\x1c a \x85'), 'a')
    assert.equal(pyStrip('\ufeffa'), '\ufeffa')
  })
})

describe('interpolate', () => {
  const doc = scanIni(
    '[DEFAULT]\nroot = /srv\n[s]\nk = %(root)s/x %% %(ROOT)s\nbad = 90%\nloop = %(loop)s\nmissing = %(nope)s\n',
  )
  const keys = doc.sections[0]!.keys
  test('references, %% and case-insensitive names', () => {
    assert.deepEqual(interpolate(doc, 's', keys.get('k')!), { ok: true, value: '/srv/x % /srv' })
  })
  test('a lone %, a loop and a missing name fail', () => {
    const kinds = ['bad', 'loop', 'missing'].map((k) => {
      const r = interpolate(doc, 's', keys.get(k)!)
      return r.ok ? 'ok' : r.error.kind
    })
    assert.deepEqual(kinds, ['syntax', 'depth', 'missing'])
  })
})
