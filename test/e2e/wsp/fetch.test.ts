import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunResult } from '../../helpers/cli.js'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { REFERENCE_PYTHON, needsReference, runReferenceScript } from '../../helpers/reference.js'
import { BIN } from '../../helpers/paths.js'

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

describe('wsp fetch --explain', () => {
  const now = 1800001234
  const env = { CARBONKIT_NOW: String(now) }
  let dir: string
  let file: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-explain-'))
    file = path.join(dir, 'f.wsp')
    assert.equal(
      run('wsp', ['create', file, '10s:1h', '1m:6h', '1h:7d', '--x-files-factor', '0.5']).status,
      0,
    )
    // The last 10 minutes at 10 s, except one minute with only 2 of its 6 points: too few for
    // xFilesFactor 0.5, so that minute has no 1-minute roll-up.
    const sparseMinute = now - (now % 60) - 300
    const points: string[] = []
    for (let t = now - (now % 10) - 590; t <= now; t += 10) {
      if (t >= sparseMinute && t < sparseMinute + 60 && t >= sparseMinute + 20) continue
      points.push(`${t}:1`)
    }
    const written = run('wsp', ['update', file, ...points], { env })
    assert.equal(written.status, 0, written.stderr)
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  const explain = (args: string[]): RunResult => run('wsp', ['fetch', file, '--explain', ...args], { env })

  test('issue 13.8: --explain names the archive and why it answered, its window and step, and why nulls are null', () => {
    const recent = explain(['--from', '-30min'])
    assert.equal(recent.status, 0, recent.stderr)
    // The data on stdout is what fetch prints without --explain.
    assert.equal(recent.stdout, run('wsp', ['fetch', file, '--from', '-30min'], { env }).stdout)
    const lines = recent.stderr.trim().split('\n')
    assert.ok(
      lines.every((l) => l.startsWith('explain: ')),
      recent.stderr,
    )
    assert.match(
      lines[0]!,
      /archive 0 \(10s, holds 1h\) answered: --from is 30m ago, within the finest archive/,
    )
    assert.match(
      lines[1]!,
      /window \(1799999434, 1800001234\]: 180 values every 10s from 1799999440 to 1800001230: 56 stored, 124 null/,
    )
    assert.match(recent.stderr, /null 1799999440 to 1800000630 \(120\): no data written\n/)

    const older = explain(['--from', '-2h'])
    assert.match(
      older.stderr,
      /^explain: archive 1 \(1m, holds 6h\) answered: --from is 2h ago, beyond archive 0 \(10s, holds 1h\); whisper chooses by the age of --from\n/,
    )
    assert.match(older.stderr, /window \(\d+, 1800001234\]: 120 values every 1m /)
    // The roll-up xFilesFactor refused, with the counts from the finer archive.
    assert.match(
      older.stderr,
      /null 1800000900: roll-up refused by xFilesFactor 0\.5: archive 0 \(10s\) holds 2 of 6 points there, 3 needed\n/,
    )
    // Older than archive 0 reaches, but archive 0 was written up to now: nothing was written there.
    assert.match(
      older.stderr,
      /null \d+ to 1800000540 \(\d+\): no data written \(no finer archive holds a point there\)\n/,
    )

    const asked = explain(['--from', '-2h', '--archive', '10s'])
    assert.match(asked.stderr, /^explain: archive 0 \(10s, holds 1h\) answered: --archive 10s asked for it\n/)
    assert.match(
      asked.stderr,
      /: older than archive 0 \(10s\) reaches back \(1h\); without --archive a coarser archive answers\n/,
    )

    const week = explain(['--from', '-30d', '--until', '+1h'])
    assert.match(
      week.stderr,
      /--from is beyond the file's retention \(7d\): the window starts at 1799396434\n/,
    )
    assert.match(week.stderr, /--until is in the future: the window ends now \(1800001234\)\n/)
    assert.match(week.stderr, /archive 2 \(1h, holds 7d\) answered/)
    assert.match(
      week.stderr,
      /the finer archives no longer reach back this far to tell whether nothing was written or xFilesFactor 0\.5 refused the roll-ups/,
    )

    const future = explain(['--from', 'now', '--until', 'now'])
    assert.match(future.stderr, /null 1800001240: in the future \(now is 1800001234\)\n/)
    const none = explain(['--from', '+1h', '--until', '+2h'])
    assert.equal(none.status, 1)
    assert.match(
      none.stderr,
      /^explain: no data: --from \(1800004834\) is in the future \(now is 1800001234\)\nwsp: No data in selected timerange\n$/,
    )
  })

  test('issue 13.8: --json --explain adds an "explain" object to the fetch document', () => {
    const plain = JSON.parse(run('wsp', ['fetch', file, '--from', '-2h', '--json'], { env }).stdout) as object
    const result = explain(['--from', '-2h', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stderr, '')
    const document = JSON.parse(result.stdout) as {
      explain: Record<string, unknown> & { nullRuns: object[] }
    }
    const { explain: explanation, ...rest } = document
    assert.deepEqual(rest, plain)
    assert.equal(explanation.schemaVersion, 1)
    assert.equal(explanation.archive, 1)
    assert.deepEqual(explanation.choice, { by: 'age', age: 7200 })
    assert.deepEqual(explanation.timeInfo, { fromInterval: 1799994060, untilInterval: 1800001260, step: 60 })
    assert.deepEqual(explanation.nullRuns.at(-1), {
      reason: 'xff',
      finerArchive: 0,
      presentMin: 2,
      presentMax: 2,
      total: 6,
      needed: 3,
      from: 1800000900,
      until: 1800000960,
      count: 1,
    })
  })

  test('issue 13.8: on a terminal, a fetch of nothing but nulls says on stderr that --explain exists', () => {
    const onTerminal = (args: string): string =>
      spawnSync(
        'script',
        ['-qc', `"${process.execPath}" "${path.join(BIN, 'wsp.cjs')}" fetch "${file}" ${args}`, '/dev/null'],
        {
          env: { ...process.env, ...env, NO_COLOR: '1', TZ: 'UTC' },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ).stdout.replaceAll('\r\n', '\n')
    const hint = 'wsp: all 120 values are null: wsp fetch --explain says why\n'
    const empty = onTerminal('--from -3h --until -1h --archive 1m --drop nulls')
    assert.equal(empty, hint)
    const lines = onTerminal('--from -3h --until -1h --archive 1m').split('\n')
    assert.equal(lines.filter((l) => l.endsWith('\tNone')).length, 120)
    // Not when something is there, not with --explain, not in a pipe.
    assert.doesNotMatch(onTerminal('--from -2h'), /--explain/)
    assert.doesNotMatch(onTerminal('--from -3h --until -1h --explain'), /says why/)
    const piped = run('wsp', ['fetch', file, '--from', '-3h', '--until', '-1h', '--archive', '1m'], { env })
    assert.equal(piped.status, 0)
    assert.equal(piped.stderr, '')
  })
})
