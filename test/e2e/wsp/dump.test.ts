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
/** The written points of one archive of `file`, sorted, as `timestamp:value`. */
function runHeld(file: string, precision: string): string[] {
  return run('wsp', ['dump', '--raw', '--archive', precision, file])
    .stdout.split('\n')
    .filter((l) => /^\d/.test(l))
    .sort()
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

  test('--raw lines of one archive are read back by wsp update into the same points', (t) => {
    const dir = tempDir(t)
    const source = path.join(WHISPER, 'specials.wsp')
    const raw = run('wsp', ['dump', '--raw', '--archive', '1', source])
    assert.equal(raw.status, 0)
    assert.match(
      raw.stdout,
      /^# archive 0: seconds per point 1, points 20\n1795599981:nan\n1795599982:inf\n1795599983:-inf\n1795599984:-0\n/,
    )
    const copy = path.join(dir, 'copy.wsp')
    assert.equal(
      run('wsp', ['create', copy, '1:20', '5:12', '--aggregation-method', 'max', '--x-files-factor', '0'])
        .status,
      0,
    )
    // Replay archive 0, as update_many would with the file's own clock.
    const restored = run('wsp', ['update', copy], { input: raw.stdout, env: { CARBONKIT_NOW: '1795600000' } })
    assert.equal(restored.status, 0, restored.stderr)
    const copied = run('wsp', ['dump', '--raw', '--archive', '1', copy]).stdout.split('\n')
    assert.deepEqual(copied.sort(), raw.stdout.split('\n').sort())
  })

  test('issue 13.3: the copy recipe (create with the same layout, then merge) gives a file wsp diff finds equal', (t) => {
    const dir = tempDir(t)
    const old = path.join(dir, 'old.wsp')
    const copy = path.join(dir, 'new.wsp')
    const now = 1800001234
    const layout = ['10s:1h', '1m:6h', '1h:7d', '--x-files-factor', '0.5', '--aggregation-method', 'average']
    assert.equal(run('wsp', ['create', old, ...layout]).status, 0)
    // Two hours of 10 s points as carbon writes them (archive 0 holds one, so its ring has wrapped),
    // with a sparse stretch that xFilesFactor keeps out of the coarser archives.
    for (let batch = 12; batch >= 1; batch--) {
      const start = now - batch * 600
      const points: string[] = []
      for (let t = start; t < start + 600; t += 10) {
        if (batch >= 5 && batch <= 7 && t % 40 >= 10) continue
        points.push(`${t}:${((t / 10) % 97) + 0.5}`)
      }
      const written = run('wsp', ['update', old, ...points], { env: { CARBONKIT_NOW: String(start + 600) } })
      assert.equal(written.status, 0, written.stderr)
    }
    // Old data that only the coarse archives hold: 3 days ago (archive 2 only) and 4 hours ago (archive 1 on).
    const past = [
      now - 3 * 86400,
      now - 3 * 86400 + 3600,
      now - 3 * 86400 + 7200,
      now - 4 * 3600,
      now - 4 * 3600 + 60,
    ]
    const env = { CARBONKIT_NOW: String(now) }
    assert.equal(run('wsp', ['update', old, ...past.map((t, i) => `${t}:${i + 1}`)], { env }).status, 0)
    const held = (precision: string): string[] =>
      run('wsp', ['dump', '--raw', '--archive', precision, old])
        .stdout.split('\n')
        .filter((l) => /^\d/.test(l))
    assert.ok(held('10s').length > 200)
    assert.ok(held('1m').length > 50)
    assert.ok(held('1h').some((l) => l.startsWith(`${now - 3 * 86400 - ((now - 3 * 86400) % 3600)}:`)))

    // The recipe the README and the man page give.
    assert.equal(run('wsp', ['create', copy, ...layout], { env }).status, 0)
    const merged = run('wsp', ['merge', old, copy], { env })
    assert.equal(merged.status, 0, merged.stderr)
    const diff = run('wsp', ['diff', old, copy, '--summary'], { env })
    assert.equal(diff.status, 0, diff.stdout)
    // Nothing invented: each archive of the copy holds points of the same archive of the original
    // (which may hold more: old points behind its window, which fetch and diff do not reach).
    for (const precision of ['10s', '1m', '1h']) {
      const original = new Set(held(precision))
      const copied = runHeld(copy, precision)
      assert.ok(copied.length > 0 && copied.every((p) => original.has(p)), precision)
    }
    assert.ok(
      runHeld(copy, '1h').some((l) => l.startsWith(`${now - 3 * 86400 - ((now - 3 * 86400) % 3600)}:`)),
    )

    // The old recipe, a whole file's --raw into update, is refused before anything is written.
    const fresh = path.join(dir, 'fresh.wsp')
    assert.equal(run('wsp', ['create', fresh, ...layout]).status, 0)
    const before = fs.readFileSync(fresh)
    const piped = run('wsp', ['update', fresh], { input: run('wsp', ['dump', '--raw', old]).stdout, env })
    assertOneLineError(piped, 2, /stdin: the points of 3 archives .*--archive.*wsp merge/)
    assert.deepEqual(fs.readFileSync(fresh), before)
  })

  test('issue 13.3: --raw prints written slots only, each archive after its own line; --archive picks one', (t) => {
    const file = path.join(tempDir(t), 'f.wsp')
    assert.equal(run('wsp', ['create', file, '10s:1h', '1m:1d', '--x-files-factor', '0']).status, 0)
    const now = 1800000000
    const env = { CARBONKIT_NOW: String(now) }
    assert.equal(
      run('wsp', ['update', file, `${now - 20}:1`, `${now - 10}:2`, `${now - 7200}:5`], { env }).status,
      0,
    )
    const raw = run('wsp', ['dump', '--raw', file])
    assert.equal(raw.status, 0, raw.stderr)
    // 2 points in archive 0; in archive 1 their average and the 2-hour-old point written there
    // only, in slot order.
    assert.deepEqual(raw.stdout.split('\n'), [
      '# archive 0: seconds per point 10, points 360',
      `${now - 20}:1`,
      `${now - 10}:2`,
      '# archive 1: seconds per point 60, points 1440',
      `${now - 60}:1.5`,
      `${now - 7200}:5`,
      '',
    ])
    const coarse = run('wsp', ['dump', '--raw', '--archive', '1m', file])
    assert.equal(
      coarse.stdout,
      `# archive 1: seconds per point 60, points 1440\n${now - 60}:1.5\n${now - 7200}:5\n`,
    )
    // The points of one archive are the values fetch reads from it.
    const fetched = run(
      'wsp',
      ['fetch', '--archive', '1m', '--from', String(now - 86400), '--drop', 'nulls', file],
      {
        env,
      },
    )
    assert.deepEqual(fetched.stdout.trim().split('\n'), [`${now - 7200}\t5.000000`, `${now - 60}\t1.500000`])
    // --json and the plain dump take --archive too; the plain dump without it stays whisper-dump's.
    const json = run('wsp', ['dump', '--json', '--archive', '10s', file]).stdout.trim().split('\n')
    assert.equal(json.length, 1 + 360)
    assert.ok(json.slice(1).every((l) => (JSON.parse(l) as { archive: number }).archive === 0))
    const plain = run('wsp', ['dump', '--archive', '1m', file]).stdout
    assert.doesNotMatch(plain, /Archive 0 data:/)
    assert.match(plain, /Archive 0 info:[^]*Archive 1 data:\n0: /)
    assertOneLineError(run('wsp', ['dump', '--raw', '--archive', '5m', file]), 2, /5m|300/)
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
