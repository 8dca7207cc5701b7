import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { assertOneLineError, run, shell } from '../../helpers/cli.js'
import { BIN, FIXTURES } from '../../helpers/paths.js'
import { REFERENCE_PYTHON, needsReference, runReferenceScript } from '../../helpers/reference.js'
import { tempDir } from '../../helpers/tmp.js'

const WHISPER = path.join(FIXTURES, 'whisper')

function needsPython(): { skip: string | false } {
  const probe = spawnSync(REFERENCE_PYTHON, ['-c', 'import fcntl'])
  return { skip: probe.status === 0 ? false : 'python3 is not installed' }
}
const FILES = fs
  .readdirSync(WHISPER)
  .filter((f) => f.endsWith('.wsp'))
  .map((f) => path.join(WHISPER, f))

describe('wsp dump', () => {
  test('prints what whisper-dump prints, plain, --pretty and -t (TZ=UTC)', needsReference(), () => {
    for (const file of FILES) {
      for (const flags of [[], ['--pretty'], ['--pretty', '-t', '%Y-%m-%d %H:%M:%S'], ['-t', '%H']]) {
        const ours = run('wsp', ['dump', ...flags, file])
        assert.equal(ours.status, 0, ours.stderr)
        assert.equal(
          ours.stdout,
          runReferenceScript('whisper-dump', [...flags, file]).stdout,
          `${file} ${flags.join(' ')}`,
        )
      }
    }
  })

  test('--raw lines are read back by wsp update into the same points', (t) => {
    const dir = tempDir(t)
    const source = path.join(WHISPER, 'specials.wsp')
    const raw = run('wsp', ['dump', '--raw', source])
    assert.equal(raw.status, 0)
    assert.match(raw.stdout, /^1795599981:nan\n1795599982:inf\n1795599983:-inf\n1795599984:-0\n/)
    const copy = path.join(dir, 'copy.wsp')
    assert.equal(
      run('wsp', ['create', copy, '1:20', '5:12', '--aggregation-method', 'max', '--x-files-factor', '0'])
        .status,
      0,
    )
    // Replay only archive 0's 20 slots, as update_many would with the file's own clock.
    const lines = raw.stdout.split('\n').slice(0, 20).join('\n')
    const restored = run('wsp', ['update', copy], { input: lines, env: { CARBONKIT_NOW: '1795600000' } })
    assert.equal(restored.status, 0, restored.stderr)
    const original = run('wsp', ['dump', '--raw', source]).stdout.split('\n').slice(0, 20)
    const copied = run('wsp', ['dump', '--raw', copy]).stdout.split('\n').slice(0, 20)
    assert.deepEqual(
      copied.filter((l) => !l.startsWith('0:')).sort(),
      original.filter((l) => !l.startsWith('0:')).sort(),
    )
  })

  test('--json is JSON Lines: the header, then one object per slot', () => {
    const result = run('wsp', ['dump', '--json', path.join(WHISPER, 'simple.wsp')])
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.equal(lines[0]!.schemaVersion, 1)
    assert.equal(lines[0]!.aggregationMethod, 'average')
    assert.equal(lines.length, 1 + 10 + 12)
    assert.deepEqual(Object.keys(lines[1]!), ['archive', 'slot', 'timestamp', 'value'])
    const specials = run('wsp', ['dump', '--json', path.join(WHISPER, 'specials.wsp')])
      .stdout.trim()
      .split('\n')
    assert.equal((JSON.parse(specials[1]!) as { value: unknown }).value, null)
  })

  test('a closed pipe ends quietly: wsp dump big.wsp | head', async (t) => {
    const file = path.join(tempDir(t), 'big.wsp')
    assert.equal(run('wsp', ['create', file, '1:200000']).status, 0)
    const result = await shell(
      `"${process.execPath}" "${path.join(BIN, 'wsp.cjs')}" dump "${file}" | head -3`,
    )
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(result.stdout.split('\n').length, 4)
  })

  test(
    'output that cannot be written is an error, not a quiet end: exit 73, one line',
    { skip: !fs.existsSync('/dev/full') },
    (t) => {
      const file = path.join(tempDir(t), 'big.wsp')
      assert.equal(run('wsp', ['create', file, '1:20000']).status, 0)
      for (const args of [
        ['dump', file],
        ['info', file],
      ]) {
        const full = fs.openSync('/dev/full', 'w')
        const result = spawnSync(process.execPath, [path.join(BIN, 'wsp.cjs'), ...args], {
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        })
        fs.closeSync(full)
        assertOneLineError(
          { stdout: '', stderr: result.stderr, status: result.status },
          73,
          /standard output: no space left on device/,
        )
      }
    },
  )

  test('a non-blocking stdout that fills up (EAGAIN) still gets every byte', needsPython(), (t) => {
    const file = path.join(tempDir(t), 'big.wsp')
    assert.equal(run('wsp', ['create', file, '1:50000']).status, 0)
    // A pipe whose writing end is O_NONBLOCK, read only after the command has filled it.
    const harness = [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(0.5)',
      'chunks = []',
      'while True:',
      '    chunk = os.read(r, 65536)',
      '    if not chunk: break',
      '    chunks.append(chunk)',
      'sys.stdout.buffer.write(b"".join(chunks))',
      'sys.exit(p.wait())',
    ].join('\n')
    const result = spawnSync(
      REFERENCE_PYTHON,
      ['-c', harness, process.execPath, path.join(BIN, 'wsp.cjs'), 'dump', file],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    )
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(result.stdout, run('wsp', ['dump', file]).stdout)
  })

  test('bad input: missing 3, corrupt 4, one line each', () => {
    assertOneLineError(run('wsp', ['dump', '/nonexistent.wsp']), 3, /no such file or directory/)
    for (const name of fs.readdirSync(path.join(WHISPER, 'corrupt')).filter((f) => f.endsWith('.wsp'))) {
      assertOneLineError(
        run('wsp', ['dump', path.join(WHISPER, 'corrupt', name)]),
        4,
        /corrupt whisper file: /,
      )
    }
  })
})
