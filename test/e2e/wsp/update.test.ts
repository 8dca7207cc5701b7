import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { FIXTURES } from '../../helpers/paths.js'
import { runOnTerminal } from '../../helpers/pty.js'
import { needsReference, runReferenceScript } from '../../helpers/reference.js'
import { tempDir } from '../../helpers/tmp.js'

const NOW = 1795600000

function fetchText(file: string, from: number): string {
  return run('wsp', ['fetch', '--from', String(from), '--until', String(NOW), file], {
    env: { CARBONKIT_NOW: String(NOW) },
  }).stdout
}

describe('wsp update', () => {
  test('N: means now; one point and several points; points from stdin', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'u.wsp')
    assert.equal(run('wsp', ['create', file, '60:10']).status, 0)
    const env = { CARBONKIT_NOW: String(NOW) }
    assert.equal(run('wsp', ['update', file, 'N:42'], { env }).status, 0)
    assert.equal(run('wsp', ['update', file, `${NOW - 60}:1.5`, `${NOW - 120}:2.5`], { env }).status, 0)
    assert.equal(
      run('wsp', ['update', file], { env, input: `${NOW - 180}:3.5\n\n${NOW - 240}:nan\n` }).status,
      0,
    )
    assert.equal(
      fetchText(file, NOW - 300),
      [NOW - 240, NOW - 180, NOW - 120, NOW - 60, NOW]
        .map((ts, i) => `${ts - (ts % 60)}\t${['nan', '3.500000', '2.500000', '1.500000', '42.000000'][i]}`)
        .join('\n') + '\n',
    )
  })

  test('bad input: one line and the documented exit code', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'u.wsp')
    assert.equal(run('wsp', ['create', file, '60:10']).status, 0)
    const env = { CARBONKIT_NOW: String(NOW) }
    assertOneLineError(
      run('wsp', ['update', file, '1.5:2'], { env }),
      2,
      /^wsp: invalid point '1\.5:2': timestamp '1\.5' is not an integer$/,
    )
    assertOneLineError(run('wsp', ['update', file, 'N:abc'], { env }), 2, /value 'abc' is not a number/)
    assertOneLineError(run('wsp', ['update', file, 'N'], { env }), 2, /expected timestamp:value/)
    assertOneLineError(
      run('wsp', ['update', file, `${NOW + 60}:1`], { env }),
      2,
      /^wsp: Timestamp not covered by any archives in this database\.$/,
    )
    assertOneLineError(
      run('wsp', ['update', file], { env, input: 'N:1\nbogus\n' }),
      4,
      /^wsp: stdin:2: invalid point 'bogus'/,
    )
    assertOneLineError(
      run('wsp', ['update', path.join(dir, 'missing.wsp'), 'N:1'], { env }),
      3,
      /no such file or directory/,
    )
    assertOneLineError(
      run('wsp', ['update', path.join(FIXTURES, 'whisper', 'corrupt', 'truncated-data.wsp'), 'N:1'], { env }),
      4,
      /truncated/,
    )
    // Several points out of range are dropped, as whisper-update does.
    assert.equal(run('wsp', ['update', file, `${NOW - 100000}:1`, `${NOW - 100001}:2`], { env }).status, 0)
  })

  test('writes the bytes whisper-update writes', needsReference(), (t) => {
    const dir = tempDir(t)
    const now = Math.floor(Date.now() / 1000)
    const ours = path.join(dir, 'ours.wsp')
    const theirs = path.join(dir, 'theirs.wsp')
    for (const file of [ours, theirs]) {
      assert.equal(
        runReferenceScript('whisper-create', ['--aggregationMethod', 'sum', file, '1m:1d', '10m:30d']).status,
        0,
      )
    }
    // Timestamps well inside archive 0, so that a second ticking between the runs changes nothing.
    const batches = [
      [`${now - 3600}:1`],
      [`${now - 3000}:2`, `${now - 2940}:3`, `${now - 2880}:4`, `${now - 3000}:5`],
      Array.from({ length: 30 }, (_, i) => `${now - 7200 + 60 * i}:${i}.25`),
    ]
    for (const batch of batches) {
      assert.equal(run('wsp', ['update', ours, ...batch]).status, 0)
      assert.equal(runReferenceScript('whisper-update', [theirs, ...batch]).status, 0)
      assert.deepEqual(fs.readFileSync(ours), fs.readFileSync(theirs), batch.join(' '))
    }
  })
})

test('issue 13.12: wsp update with no points on a terminal says it reads stdin, and Ctrl-D ends it', async (t) => {
  const file = path.join(tempDir(t), 'u.wsp')
  assert.equal(run('wsp', ['create', file, '60:10']).status, 0)
  const env = { CARBONKIT_NOW: String(NOW) }
  const result = await runOnTerminal('wsp', ['update', file], {
    when: /end with Ctrl-D/,
    keys: `${NOW - 60}:7\n\x04`,
    env,
  })
  assert.equal(result.timedOut, false, result.output)
  assert.equal(result.status, 0, result.output)
  assert.match(
    result.output,
    /^wsp: reading `timestamp:value` lines from stdin; end with Ctrl-D \(Ctrl-C cancels\)\r$/m,
  )
  assert.match(fetchText(file, NOW - 120), /^1795599900\t7\.000000$/m)
  // Not on a terminal: no hint.
  const piped = run('wsp', ['update', file], { env, input: `${NOW - 120}:8\n` })
  assert.deepEqual(piped, { status: 0, stdout: '', stderr: '' })
})
