// Tables: the layout follows whether stdout is a terminal (never colour), and fits its width.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Context } from '../../../../src/cli/shared/context.js'
import { fitColumns, renderColumns, renderTable } from '../../../../src/cli/shared/table.js'
import { PLAIN_THEME, createTheme } from '../../../../src/cli/shared/theme.js'

function context(overrides: Partial<Context>): Context {
  return {
    theme: PLAIN_THEME,
    stderrTheme: PLAIN_THEME,
    stdoutIsTerminal: false,
    stdoutColumns: undefined,
    ...overrides,
  } as Context
}

const HEAD = ['location', 'severity', 'message']
const ROWS = [
  ['conf/storage-aggregation.conf:19', 'warning', 'counters such as "a.sum" get average: '.repeat(6).trim()],
  ['conf/carbon.conf:2', 'error', 'short'],
]

describe('fitColumns', () => {
  test('nothing to do when the table fits or the width is unknown', () => {
    assert.equal(fitColumns([10, 20], 80), undefined)
    assert.equal(fitColumns([100, 200], undefined), undefined)
  })

  test('narrow columns stay whole, the wide ones share the rest, exactly the width', () => {
    const widths = fitColumns([7, 16, 35, 300], 80)!
    assert.deepEqual(widths.slice(0, 2), [7, 16])
    assert.equal(widths.reduce((a, b) => a + b, 0) + 3 * 4 + 1, 80)
    assert.ok(widths[3]! >= widths[2]!)
  })
})

describe('renderTable', () => {
  test('not a terminal: plain columns, whatever the colour', async () => {
    const colour = await createTheme(true)
    for (const theme of [PLAIN_THEME, colour]) {
      assert.equal(renderTable(context({ theme }), HEAD, ROWS), renderColumns(HEAD, ROWS))
    }
  })

  test('a terminal 60 columns wide: a box no wider, every word kept', () => {
    const out = renderTable(context({ stdoutIsTerminal: true, stdoutColumns: 60 }), HEAD, ROWS)
    const lines = out.split('\n')
    assert.match(lines[0]!, /^┌/)
    for (const line of lines) assert.ok(line.length <= 60, `${line.length}: ${line}`)
    const text = lines.join(' ')
    for (const word of ROWS.flat().join(' ').split(' ')) {
      if (word.length < 10) assert.ok(text.includes(word), word)
    }
  })

  test('a terminal of unknown width: the box as wide as its content', () => {
    const out = renderTable(context({ stdoutIsTerminal: true }), HEAD, ROWS)
    assert.ok(out.split('\n').some((l) => l.includes(ROWS[0]![2]!)))
  })
})
