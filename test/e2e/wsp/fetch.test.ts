import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunResult } from '../../helpers/cli.js'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { REFERENCE_PYTHON, needsReference, runReferenceScript } from '../../helpers/reference.js'

/** A file written by the reference with points up to the real clock, with or without NaN and infinities. */
function referenceFile(file: string, specials: boolean): void {
  const script = `
import sys, time, whisper
path, specials = sys.argv[1], sys.argv[2] == '1'
whisper.create(path, [(60, 120), (300, 288), (3600, 48)], 0.5, 'average')
now = int(time.time())
values = [1.5, -3.0, 0.1, 7.0, 1e-07, 123456.789, 0.0, -0.0, 2.5, 1/3]
if specials: values += [float('nan'), float('inf'), -1e300]
points = []
for i in range(0, 200):
    if i % 7 == 3: continue
    points.append((now - 60 * i, values[i % len(values)]))
points += [(now - 3600 * 10 - 300 * i, float(i)) for i in range(20)]
whisper.update_many(path, points)
`
  const result = spawnSync(REFERENCE_PYTHON, ['-c', script, file, specials ? '1' : '0'], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
}

/** Ours between two runs of the reference, retried until the reference agrees with itself (a second may tick). */
function sandwich(args: readonly string[], file: string): { ours: RunResult; theirs: RunResult } {
  for (let attempt = 0; ; attempt++) {
    const first = runReferenceScript('whisper-fetch', [...args, file])
    const ours = run('wsp', ['fetch', ...args, file])
    const second = runReferenceScript('whisper-fetch', [...args, file])
    if (first.stdout === second.stdout || attempt === 4) return { ours, theirs: second }
  }
}

describe('wsp fetch against whisper-fetch', needsReference(), () => {
  let dir: string
  let plain: string
  let specials: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-fetch-'))
    plain = path.join(dir, 'plain.wsp')
    specials = path.join(dir, 'specials.wsp')
    referenceFile(plain, false)
    referenceFile(specials, true)
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('text output, line for line, over many windows', () => {
    const now = Math.floor(Date.now() / 1000)
    const windows = [
      [],
      ['--from', String(now - 3000)],
      ['--from', String(now - 7000)],
      ['--from', String(now - 7300), '--until', String(now - 3000)],
      ['--from', String(now - 86400), '--until', String(now - 36000)],
      ['--from', String(now - 600), '--until', String(now - 600)],
      ['--from', String(now - 100000), '--until', String(now)],
    ]
    for (const file of [plain, specials]) {
      for (const window of windows) {
        const { ours, theirs } = sandwich(window, file)
        assert.equal(ours.status, 0, ours.stderr)
        assert.equal(ours.stdout, theirs.stdout, `${path.basename(file)} ${window.join(' ')}`)
      }
    }
  })

  test('--pretty and -t print the same local times (TZ=UTC)', () => {
    const now = Math.floor(Date.now() / 1000)
    for (const extra of [
      ['--pretty'],
      ['--pretty', '-t', '%Y-%m-%d %H:%M'],
      ['--pretty', '-t', '%a %d %b %j %p %%'],
    ]) {
      const { ours, theirs } = sandwich(['--from', String(now - 3000), ...extra], plain)
      assert.equal(ours.stdout, theirs.stdout, extra.join(' '))
    }
  })

  test("--json is whisper-fetch's document when that is valid JSON, and valid JSON with null otherwise", () => {
    const now = Math.floor(Date.now() / 1000)
    const { ours, theirs } = sandwich(['--json', '--from', String(now - 7000)], plain)
    assert.equal(ours.stdout, theirs.stdout)
    const special = sandwich(['--json', '--from', String(now - 7000)], specials)
    assert.throws(() => JSON.parse(special.theirs.stdout))
    const document = JSON.parse(special.ours.stdout) as {
      start: number
      end: number
      step: number
      values: (number | null)[]
    }
    const text = run('wsp', ['fetch', '--from', String(now - 7000), specials])
      .stdout.trim()
      .split('\n')
    assert.equal(document.values.length, text.length)
    text.forEach((line, i) => {
      const value = line.split('\t')[1]!
      const expected = value === 'None' || value === 'nan' || value.endsWith('inf') ? null : Number(value)
      const got = document.values[i]!
      assert.ok(
        expected === null ? got === null : Math.abs(got! - expected) < 1e-6 * Math.max(1, Math.abs(expected)),
        `${i}: ${line} vs ${got}`,
      )
    })
  })

  test('--drop keeps every value with its own timestamp (whisper-fetch 1.1.4 shifts them)', () => {
    // The expectation comes from the reference library: fetch, then drop values but keep each one's
    // own timestamp (what upstream whisper-fetch does since PR #342).
    const expected = (from: number, mode: string): string => {
      const script = `
import sys, whisper
keep = {'nulls': lambda x: x is not None, 'zeroes': lambda x: x != 0, 'empty': lambda x: x != 0 and x is not None}[sys.argv[3]]
(start, end, step), values = whisper.fetch(sys.argv[1], int(sys.argv[2]))
for i, v in enumerate(values):
    if keep(v): print('%d\\t%s' % (start + i * step, 'None' if v is None else '%f' % v))
`
      return spawnSync(REFERENCE_PYTHON, ['-c', script, plain, String(from), mode], { encoding: 'utf8' })
        .stdout
    }
    for (const mode of ['nulls', 'zeroes', 'empty']) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const from = Math.floor(Date.now() / 1000) - 3000
        const before = expected(from, mode)
        const ours = run('wsp', ['fetch', '--from', String(from), '--drop', mode, plain])
        if (before !== expected(from, mode) && attempt < 4) continue
        assert.equal(ours.stdout, before, mode)
        assert.ok(before.split('\n').length > 20, mode)
        break
      }
    }
    const from = Math.floor(Date.now() / 1000) - 3000
    const json = JSON.parse(
      run('wsp', ['fetch', '--json', '--from', String(from), '--drop', 'nulls', plain]).stdout,
    ) as {
      timestamps: number[]
      values: number[]
    }
    const text = run('wsp', ['fetch', '--from', String(from), '--drop', 'nulls', plain])
      .stdout.trim()
      .split('\n')
    assert.deepEqual(
      json.timestamps,
      text.map((l) => Number(l.split('\t')[0])),
    )
    assert.equal(json.values.length, json.timestamps.length)
  })

  test('no data, a bad window and a bad time: exit codes and one line', () => {
    const now = Math.floor(Date.now() / 1000)
    const empty = run('wsp', ['fetch', '--from', String(now + 1000), '--until', String(now + 2000), plain])
    assertOneLineError(empty, 1, /^wsp: No data in selected timerange$/)
    assertOneLineError(
      run('wsp', ['fetch', '--from', String(now), '--until', String(now - 10), plain]),
      2,
      /Invalid time interval: from time '\d+' \(--from \d+\) is after until time '\d+' \(--until \d+\)$/,
    )
    assertOneLineError(
      run('wsp', ['fetch', '--from', 'yesterday', plain]),
      2,
      /--from yesterday: invalid time/,
    )
    assertOneLineError(run('wsp', ['fetch', path.join(dir, 'missing.wsp')]), 3, /no such file or directory/)
  })

  test('relative and ISO times select the same windows as epoch seconds', () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = Math.floor(Date.now() / 1000)
      const iso = new Date((now - 3000) * 1000).toISOString().replace('.000', '')
      const a = run('wsp', ['fetch', '--from', '-50min', plain])
      const b = run('wsp', ['fetch', '--from', String(now - 3000), plain])
      const c = run('wsp', ['fetch', '--from', iso, plain])
      if (Math.floor(Date.now() / 1000) !== now) continue
      assert.equal(a.stdout, b.stdout)
      assert.equal(c.stdout, b.stdout)
      return
    }
  })
})
