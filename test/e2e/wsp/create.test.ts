import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { needsReference, runReferenceScript } from '../../helpers/reference.js'
import { tempDir } from '../../helpers/tmp.js'

describe('wsp create', () => {
  test("prints whisper-create's line and writes the file; camelCase flags work", (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'ex.wsp')
    const result = run('wsp', [
      'create',
      file,
      '1m:10m',
      '5m:1h',
      '--xFilesFactor',
      '0.3',
      '--aggregationMethod',
      'max',
    ])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, `Created: ${file} (304 bytes)\n`)
    assert.equal(fs.statSync(file).size, 304)
    const info = JSON.parse(run('wsp', ['info', '--json', file]).stdout) as {
      xFilesFactor: number
      aggregationMethod: string
    }
    assert.equal(info.aggregationMethod, 'max')
    assert.equal(info.xFilesFactor, 0.30000001192092896)
  })

  test('bad input: one line and the documented exit code; nothing left behind', (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'x.wsp')
    assertOneLineError(run('wsp', ['create', file, '60:x']), 2, /^wsp: Invalid retention specification 'x'$/)
    assertOneLineError(run('wsp', ['create', file, '60:1440', '90:100000']), 2, /must evenly divide/)
    assertOneLineError(
      run('wsp', ['create', '--xFilesFactor', '2', file, '60:10']),
      2,
      /^wsp: Invalid xFilesFactor 2.0, not between 0 and 1$/,
    )
    assertOneLineError(
      run('wsp', ['create', '--aggregation-method', 'foo', file, '60:10']),
      2,
      /^wsp: Unrecognized aggregation method: foo$/,
    )
    assertOneLineError(
      run('wsp', ['create', '--x-files-factor', 'abc', file, '60:10']),
      2,
      /invalid floating-point value: 'abc'/,
    )
    assertOneLineError(run('wsp', ['create', file]), 2, /needs a file and at least one retention/)
    assertOneLineError(
      run('wsp', ['create', path.join(dir, 'no', 'x.wsp'), '60:10']),
      3,
      /no such file or directory/,
    )
    assert.deepEqual(fs.readdirSync(dir), [])
    assert.equal(run('wsp', ['create', file, '60:10']).status, 0)
    assertOneLineError(
      run('wsp', ['create', file, '60:10']),
      73,
      /x\.wsp: file exists \(use --overwrite to replace it\)$/,
    )
    const overwrite = run('wsp', ['create', '--overwrite', file, '60:20'])
    assert.equal(overwrite.status, 0)
    assert.equal(overwrite.stdout, `Overwriting existing file: ${file}\nCreated: ${file} (268 bytes)\n`)
  })

  test('the same bytes as whisper-create, sparse and fallocate too', needsReference(), (t) => {
    const dir = tempDir(t)
    for (const flags of [[], ['--sparse'], ['--fallocate']]) {
      const args = [...flags, '--xFilesFactor', '0.25', '--aggregationMethod', 'absmax']
      const ours = path.join(dir, `ours${flags.join('')}.wsp`)
      const theirs = path.join(dir, `theirs${flags.join('')}.wsp`)
      assert.equal(run('wsp', ['create', ...args, ours, '1m:1d', '5m:1w', '1h:1y']).status, 0)
      const ref = runReferenceScript('whisper-create', [...args, theirs, '1m:1d', '5m:1w', '1h:1y'])
      assert.equal(ref.status, 0, ref.stderr)
      assert.deepEqual(fs.readFileSync(ours), fs.readFileSync(theirs), flags.join(' '))
    }
  })

  test("--estimate prints whisper-create --estimate's report", needsReference(), () => {
    for (const args of [['1m:1d', '5m:1w', '1h:1y'], ['60:1440,300:2016'], ['10s:6h', '1m:30d', '10m:5y']]) {
      const ours = run('wsp', ['create', '--estimate', ...args])
      const theirs = runReferenceScript('whisper-create', ['--estimate', ...args])
      assert.equal(ours.status, 0, ours.stderr)
      assert.equal(ours.stdout, theirs.stdout, args.join(' '))
    }
  })
})
