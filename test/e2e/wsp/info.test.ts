import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { FIXTURES } from '../../helpers/paths.js'
import { needsReference, runReferenceScript } from '../../helpers/reference.js'
import { tempDir } from '../../helpers/tmp.js'

const WHISPER = path.join(FIXTURES, 'whisper')
const FILES = fs
  .readdirSync(WHISPER)
  .filter((f) => f.endsWith('.wsp'))
  .map((f) => path.join(WHISPER, f))

describe('wsp info', () => {
  test('--json and single fields print exactly what whisper-info prints', needsReference(), () => {
    for (const file of FILES) {
      assert.equal(
        run('wsp', ['info', '--json', file]).stdout,
        runReferenceScript('whisper-info', ['--json', file]).stdout,
        file,
      )
      for (const field of ['aggregationMethod', 'maxRetention', 'xFilesFactor', 'archives', 'fileSize']) {
        const ours = run('wsp', ['info', file, field])
        assert.equal(ours.status, 0)
        assert.equal(
          ours.stdout,
          runReferenceScript('whisper-info', [file, field]).stdout,
          `${file} ${field}`,
        )
      }
    }
  })

  test('the default output is a table with the same data', () => {
    const result = run('wsp', ['info', path.join(WHISPER, 'simple.wsp')])
    assert.equal(result.status, 0)
    assert.match(
      result.stdout,
      /^aggregationMethod\s+average\nmaxRetention\s+3600 \(1h\)\nxFilesFactor\s+0\.5\nfileSize\s+304\n/,
    )
    assert.match(
      result.stdout,
      /\narchive\s+secondsPerPoint\s+points\s+retention\s+offset\s+size\n0\s+60 \(1m\)\s+10\s+600 \(10m\)\s+40\s+120\n1\s+300 \(5m\)\s+12\s+3600 \(1h\)\s+160\s+144\n$/,
    )
  })

  test('bad input: missing 3, corrupt 4, directory and unknown field 2, one line each', (t) => {
    assertOneLineError(
      run('wsp', ['info', '/nonexistent/x.wsp']),
      3,
      /^wsp: \/nonexistent\/x\.wsp: no such file or directory$/,
    )
    for (const name of fs.readdirSync(path.join(WHISPER, 'corrupt')).filter((f) => f.endsWith('.wsp'))) {
      const file = path.join(WHISPER, 'corrupt', name)
      assertOneLineError(
        run('wsp', ['info', file]),
        4,
        new RegExp(`^wsp: ${file.replaceAll('.', '\\.')}: corrupt whisper file: `),
      )
    }
    assertOneLineError(run('wsp', ['info', tempDir(t)]), 2, /is a directory/)
    assertOneLineError(
      run('wsp', ['info', path.join(WHISPER, 'simple.wsp'), 'foo']),
      2,
      /^wsp: Unknown field "foo"\. Valid fields are /,
    )
  })
})
