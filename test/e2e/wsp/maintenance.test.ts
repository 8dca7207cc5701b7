// The maintenance commands on the built binary: outputs against the whisper scripts where they are
// right, exit codes and one-line errors everywhere, the corruption corpus.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { create } from '../../../src/core/whisper/create.js'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { FIXTURES } from '../../helpers/paths.js'
import { REFERENCE_PYTHON, needsReference, runReferenceScript } from '../../helpers/reference.js'
import { tempDir } from '../../helpers/tmp.js'
import { parseTreeReport } from '../../helpers/tree-report.js'

const WHISPER = path.join(FIXTURES, 'whisper')
const CORRUPT = fs
  .readdirSync(path.join(WHISPER, 'corrupt'))
  .filter((f) => f.endsWith('.wsp'))
  .map((f) => path.join(WHISPER, 'corrupt', f))

/**
 * A file written by the reference with minute data from a whole hour five hours ago up to the real
 * clock (whole hours: every hourly bucket starts with a minute point, where whisper-resize and
 * whisper-fill are right).
 */
function referenceFile(file: string, archives: string, seed: number, gaps = 0): void {
  const script = `
import sys, time, random, whisper
path, archives, seed, gaps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
whisper.create(path, [whisper.parseRetentionDef(a) for a in archives.split(',')], 0.5, 'average')
rnd = random.Random(seed)
now = int(time.time())
first = now - 5 * 3600 - (now - 5 * 3600) % 3600
points = [(t, float(rnd.randint(1, 500))) for t in range(first, now - 60, 60) if not (gaps and rnd.random() < 0.1)]
whisper.update_many(path, points)
`
  const result = spawnSync(REFERENCE_PYTHON, ['-c', script, file, archives, String(seed), String(gaps)], {
    encoding: 'utf8',
  })
  assert.equal(result.status, 0, result.stderr)
}

/** Every archive's points, as whisper-dump lists them (slot order aside). */
function contents(file: string): string[][] {
  const dump = run('wsp', ['dump', '--json', file]).stdout.trim().split('\n').slice(1)
  const byArchive: string[][] = []
  for (const line of dump) {
    const p = JSON.parse(line) as { archive: number; timestamp: number; value: number | null }
    if (p.timestamp === 0) continue
    ;(byArchive[p.archive] ??= []).push(`${p.timestamp}:${p.value}`)
  }
  return byArchive.map((a) => a.sort())
}

describe('wsp diff', () => {
  test(
    "prints whisper-diff's four forms and its JSON; exits 1 when the files differ",
    needsReference(),
    (t) => {
      const dir = tempDir(t)
      const a = path.join(dir, 'a.wsp')
      const b = path.join(dir, 'b.wsp')
      referenceFile(a, '1m:1h,10m:1d', 1)
      referenceFile(b, '1m:1h,10m:1d', 2, 1)
      for (const flags of [
        [],
        ['--summary'],
        ['--columns'],
        ['--columns', '--no-headers'],
        ['--summary', '--columns'],
        ['--ignore-empty'],
        ['--json'],
        ['--json', '--summary'],
      ]) {
        for (let attempt = 0; ; attempt++) {
          const before = runReferenceScript('whisper-diff', [...flags, a, b]).stdout
          const ours = run('wsp', ['diff', ...flags, a, b])
          const after = runReferenceScript('whisper-diff', [...flags, a, b]).stdout
          if (before !== after && attempt < 4) continue
          assert.equal(ours.status, 1, ours.stderr)
          assert.equal(ours.stdout, after, flags.join(' '))
          break
        }
      }
      const same = run('wsp', ['diff', a, a])
      assert.equal(same.status, 0)
    },
  )

  test('unalike files: exit 2 with one line', (t) => {
    const dir = tempDir(t)
    assertOneLineError(
      run('wsp', ['diff', path.join(WHISPER, 'simple.wsp'), path.join(WHISPER, 'wrapped.wsp')]),
      2,
      /archive configurations are unalike\. Resize the input before diffing$/,
    )
    assertOneLineError(
      run('wsp', ['merge', path.join(WHISPER, 'simple.wsp'), path.join(dir, 'nope.wsp')]),
      3,
      /no such file or directory/,
    )
  })
})

describe('wsp set-aggregation and set-xff', () => {
  test("print the scripts' lines; refuse bad values without touching the file", needsReference(), (t) => {
    const dir = tempDir(t)
    const ours = path.join(dir, 'ours.wsp')
    const theirs = path.join(dir, 'theirs.wsp')
    for (const f of [ours, theirs]) assert.equal(run('wsp', ['create', f, '1m:1h']).status, 0)
    const pairs: [string[], string, string[]][] = [
      [['set-aggregation', ours, 'last', '0.25'], 'whisper-set-aggregation-method', [theirs, 'last', '0.25']],
      [['set-aggregation-method', ours, 'max'], 'whisper-set-aggregation-method', [theirs, 'max']],
      [['set-xff', ours, '0.1'], 'whisper-set-xfilesfactor', [theirs, '0.1']],
      [['set-xfilesfactor', ours, '1'], 'whisper-set-xfilesfactor', [theirs, '1']],
    ]
    for (const [args, script, refArgs] of pairs) {
      const mine = run('wsp', args)
      assert.equal(mine.status, 0, mine.stderr)
      assert.equal(
        mine.stdout,
        runReferenceScript(script, refArgs).stdout.replaceAll(theirs, ours),
        args.join(' '),
      )
      assert.deepEqual(fs.readFileSync(ours), fs.readFileSync(theirs))
    }
    const bytes = fs.readFileSync(ours)
    assertOneLineError(
      run('wsp', ['set-aggregation', ours, 'foo']),
      2,
      /^wsp: Unrecognized aggregation method: foo$/,
    )
    assertOneLineError(
      run('wsp', ['set-aggregation', ours, 'sum', '2']),
      2,
      /^wsp: Invalid xFilesFactor 2\.0, not between 0 and 1$/,
    )
    assertOneLineError(
      run('wsp', ['set-aggregation', ours, 'sum', 'abc']),
      2,
      /^wsp: Invalid xFilesFactor abc, not a float$/,
    )
    assertOneLineError(run('wsp', ['set-xff', ours, 'nan']), 2, /Invalid xFilesFactor nan/)
    assertOneLineError(run('wsp', ['set-xff', ours, '1.5']), 2, /not between 0 and 1/)
    assert.deepEqual(fs.readFileSync(ours), bytes)
  })
})

describe('wsp set-aggregation and set-xff --json', () => {
  test('issue 15: one entry per file with the old and new header fields; a corrupt file fails with its code', (t) => {
    const dir = tempDir(t)
    const good = path.join(dir, 'a.wsp')
    assert.equal(run('wsp', ['create', good, '1m:1h']).status, 0)
    fs.copyFileSync(CORRUPT[0]!, path.join(dir, 'b.wsp'))
    const method = run('wsp', ['set-aggregation', dir, 'sum', '0.25', '--json'])
    assert.equal(method.status, 4, method.stderr)
    const json = parseTreeReport<{ old: unknown; new: unknown }>(method.stdout)
    assert.deepEqual(json.files[0], {
      path: good,
      ok: true,
      result: {
        old: { aggregationMethod: 'average', xFilesFactor: 0.5 },
        new: { aggregationMethod: 'sum', xFilesFactor: 0.25 },
      },
    })
    assert.equal(json.files[1]!.path, path.join(dir, 'b.wsp'))
    assert.equal(json.files[1]!.ok, false)
    assert.equal(json.files[1]!.error!.code, 'ERR_CORRUPT_FILE')
    assert.deepEqual(json.summary, { files: 2, failed: 1 })
    const xff = run('wsp', ['set-xff', good, '0', '--json'])
    assert.equal(xff.status, 0, xff.stderr)
    assert.deepEqual(parseTreeReport(xff.stdout).files, [
      {
        path: good,
        ok: true,
        result: {
          old: { aggregationMethod: 'sum', xFilesFactor: 0.25 },
          new: { aggregationMethod: 'sum', xFilesFactor: 0 },
        },
      },
    ])
  })
})

describe('wsp resize', () => {
  test(
    'lengthening archives keeps the same points as whisper-resize where whisper-resize is right',
    needsReference(),
    (t) => {
      const dir = tempDir(t)
      const ours = path.join(dir, 'ours.wsp')
      const theirs = path.join(dir, 'theirs.wsp')
      // Minute data for the last 5 hours in a 1m:6h,1h:7d file: the hourly archive's data is all covered by
      // the minute archive, which whisper-resize handles correctly.
      referenceFile(ours, '1m:6h,1h:7d', 3)
      fs.copyFileSync(ours, theirs)
      for (let attempt = 0; ; attempt++) {
        fs.copyFileSync(ours, `${ours}.orig`)
        fs.copyFileSync(ours, theirs)
        const second = Math.floor(Date.now() / 1000)
        const mine = run('wsp', ['resize', ours, '1m:12h', '1h:14d', '--nobackup'])
        assert.equal(mine.status, 0, mine.stderr)
        assert.equal(
          runReferenceScript('whisper-resize', [theirs, '1m:12h', '1h:14d', '--nobackup']).status,
          0,
        )
        if (Math.floor(Date.now() / 1000) !== second && attempt < 4) {
          fs.copyFileSync(`${ours}.orig`, ours)
          continue
        }
        break
      }
      assert.deepEqual(contents(ours), contents(theirs))
    },
  )

  test('one line per file and a summary over a tree; --dry-run writes nothing; --json', (t) => {
    const dir = tempDir(t)
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true })
    for (const f of ['a/x.wsp', 'a/b/y.wsp', 'z.wsp'])
      assert.equal(run('wsp', ['create', path.join(dir, f), '1m:1h']).status, 0)
    fs.writeFileSync(path.join(dir, 'a', 'notes.txt'), 'not whisper')
    const dry = run('wsp', ['resize', dir, '1m:2h', '--dry-run'])
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stdout, /a\/b\/y\.wsp: would resize 60:60 -> 60:120/)
    assert.match(dry.stdout, /total\s+3\n/)
    assert.equal(fs.statSync(path.join(dir, 'z.wsp')).size, 16 + 12 + 720)
    const json = parseTreeReport<{ before: { sizeBytes: number }; after: { sizeBytes: number } }>(
      run('wsp', ['resize', dir, '1m:2h', '--json', '--nobackup']).stdout,
    )
    assert.equal(json.dryRun, false)
    assert.deepEqual(
      json.files.map((f) => [path.relative(dir, f.path), f.ok, f.result!.after.sizeBytes]),
      [
        ['a/b/y.wsp', true, 16 + 12 + 1440],
        ['a/x.wsp', true, 16 + 12 + 1440],
        ['z.wsp', true, 16 + 12 + 1440],
      ],
    )
    assert.deepEqual(json.summary, {
      files: 3,
      failed: 0,
      changed: 3,
      unchanged: 0,
      pointsLost: 0,
      pointsMerged: 0,
    })
    assert.equal(fs.statSync(path.join(dir, 'z.wsp')).size, 16 + 12 + 1440)
    assertOneLineError(
      run('wsp', ['resize', dir, '1m:2h', '--newfile', path.join(dir, 'n.wsp')]),
      2,
      /--newfile takes a single file/,
    )
    assertOneLineError(
      run('wsp', ['resize', path.join(dir, 'z.wsp'), '60:x']),
      2,
      /Invalid retention specification 'x'/,
    )
  })
})

describe('wsp fill', () => {
  test('fills multi-point gaps as whisper-fill does where their results agree', needsReference(), (t) => {
    const dir = tempDir(t)
    const src = path.join(dir, 'src.wsp')
    const ours = path.join(dir, 'ours.wsp')
    const theirs = path.join(dir, 'theirs.wsp')
    referenceFile(src, '1m:6h,1h:7d', 4)
    // dst: the same data with multi-point gaps, so that whisper-fill's quirks (single gaps, the point
    // after a gap) change nothing: the point after each gap has the source's value anyway.
    referenceFile(ours, '1m:6h,1h:7d', 4)
    const deleted = spawnSync(
      REFERENCE_PYTHON,
      [
        '-c',
        `
import sys, struct, whisper
path = sys.argv[1]
info = whisper.info(path)
a = info['archives'][0]
with open(path, 'r+b') as fh:
    for slot in list(range(20, 30)) + list(range(100, 140)):
        fh.seek(a['offset'] + 12 * slot)
        fh.write(b'\\0' * 12)
`,
        ours,
      ],
      { encoding: 'utf8' },
    )
    assert.equal(deleted.status, 0, deleted.stderr)
    fs.copyFileSync(ours, theirs)
    assert.equal(run('wsp', ['fill', src, ours]).status, 0)
    assert.equal(runReferenceScript('whisper-fill', [src, theirs]).status, 0)
    // Every gap took the source's points, so both archives now hold what the source holds.
    assert.deepEqual(contents(ours), contents(src))
    // whisper-fill agrees on the minute archive, but for the first point after the leading gap: it
    // fetches that gap from the source's hourly archive and writes the hourly average over the
    // minute value (whisper-fill's bug; carbonkit keeps the minute value).
    const first = contents(ours)[0]![0]!
    assert.deepEqual(
      contents(ours)[0]!.slice(1),
      contents(theirs)[0]!.filter((p) => !p.startsWith(first.split(':')[0]!)),
    )
  })
})

describe('wsp check', () => {
  test('flags every corrupt file with a reason, exits 1; --json; --quarantine moves them', (t) => {
    const dir = tempDir(t)
    fs.mkdirSync(path.join(dir, 'sub'))
    for (const f of CORRUPT) fs.copyFileSync(f, path.join(dir, 'sub', path.basename(f)))
    fs.copyFileSync(path.join(WHISPER, 'simple.wsp'), path.join(dir, 'good.wsp'))
    const result = run('wsp', ['check', dir])
    assert.equal(result.status, 1)
    const lines = result.stdout.trim().split('\n')
    assert.equal(lines.filter((l) => /: corrupt: /.test(l)).length, CORRUPT.length)
    assert.match(
      lines.at(-1)!,
      new RegExp(
        `^checked ${CORRUPT.length + 1} files \\(\\d+ points\\): ${CORRUPT.length} corrupt, 0 with warnings$`,
      ),
    )
    // issue 15: one meaning of ok: false for a corrupt file (its problems in result, no error).
    const json = parseTreeReport<{ problems: { severity: string }[] }>(
      run('wsp', ['check', '--json', dir]).stdout,
    )
    const corrupt = json.files.filter((f) => !f.ok)
    assert.equal(corrupt.length, CORRUPT.length)
    assert.ok(corrupt.every((f) => f.error === undefined && f.result!.problems[0]!.severity === 'corrupt'))
    assert.deepEqual(
      json.files.filter((f) => f.ok).map((f) => f.path),
      [path.join(dir, 'good.wsp')],
    )
    assert.equal(json.summary.corrupt, CORRUPT.length)
    const quarantine = path.join(tempDir(t), 'q')
    const moved = run('wsp', ['check', dir, '--quarantine', quarantine, '--json'])
    assert.equal(moved.status, 1)
    const movedJson = parseTreeReport<{ movedTo?: string }>(moved.stdout)
    assert.deepEqual(
      movedJson.files.filter((f) => !f.ok).map((f) => f.result!.movedTo),
      CORRUPT.map((f) => path.join(quarantine, 'sub', path.basename(f))).sort(),
    )
    assert.equal(movedJson.summary.quarantined, CORRUPT.length)
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), [])
    assert.equal(fs.readdirSync(path.join(quarantine, 'sub')).length, CORRUPT.length)
    assert.equal(run('wsp', ['check', dir]).status, 0)
    assertOneLineError(run('wsp', ['check', path.join(dir, 'missing')]), 3, /no such file or directory/)
  })

  test('every other command exits 4 with one line on every corrupt file', (t) => {
    const dir = tempDir(t)
    const good = path.join(dir, 'good.wsp')
    fs.copyFileSync(path.join(WHISPER, 'simple.wsp'), good)
    for (const file of CORRUPT) {
      for (const args of [
        ['info', file],
        ['fetch', file],
        ['dump', file],
        ['update', file, 'N:1'],
        ['resize', file, '1m:2h'],
        ['fill', good, file],
        ['fill', file, good],
        ['merge', file, good],
        ['diff', good, file],
        ['set-aggregation', file, 'sum'],
        ['set-xff', file, '0.1'],
      ]) {
        assertOneLineError(
          run(
            'wsp',
            [...args, '--quiet'].filter(
              (a) => a !== '--quiet' || ['resize', 'set-aggregation', 'set-xff'].includes(args[0]!),
            ),
          ),
          4,
          /corrupt whisper file: /,
        )
      }
    }
  })
})

describe('xFilesFactor named as the cause', () => {
  const NOW = 1795600000 - (1795600000 % 3600)
  const env = { CARBONKIT_NOW: String(NOW) }

  /** A 10s:1d,1m:30d file (xFilesFactor 0.5) fed one point a minute for `minutes` minutes. */
  function sparseFile(file: string, minutes: number): void {
    assert.equal(run('wsp', ['create', file, '10s:1d', '1m:30d'], { env }).status, 0)
    const lines = Array.from({ length: minutes }, (_, i) => `${NOW - 60 * (i + 1)}:${i}`).join('\n')
    const update = run('wsp', ['update', file], { env, input: lines + '\n' })
    assert.equal(update.status, 0, update.stderr)
  }

  test('issue 13.7: resize says the points are lost to xFilesFactor 0.5 on sparse data', (t) => {
    const file = path.join(tempDir(t), 'f.wsp')
    sparseFile(file, 30)
    const dry = run('wsp', ['resize', file, '1m:1d', '--dry-run'], { env })
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(
      dry.stdout,
      /30 points would be lost \(.*\): 30 because xFilesFactor 0\.5 refuses roll-ups of sparse data \(use --x-files-factor 0/,
    )
    assert.doesNotMatch(dry.stdout, /retention|coarser/)
    const json = parseTreeReport<{ lost: { points: number; byCause: Record<string, number> } }>(
      run('wsp', ['resize', file, '1m:1d', '--dry-run', '--json'], { env }).stdout,
    )
    assert.equal(json.dryRun, true)
    assert.deepEqual(json.files[0]!.result!.lost.byCause, { retention: 0, resolution: 0, xFilesFactor: 30 })
    // The advice works: with xFilesFactor 0 every point is kept.
    const kept = run('wsp', ['resize', file, '1m:1d', '--x-files-factor', '0', '--nobackup'], { env })
    assert.equal(kept.status, 0, kept.stderr)
    assert.match(kept.stdout, /, 30 points merged into coarser aggregates \(their own values gone\)\n/)
    assert.doesNotMatch(kept.stdout, /lost/)
    // A loss that is the layout's says so, and does not blame xFilesFactor.
    const short = path.join(path.dirname(file), 'short.wsp')
    sparseFile(short, 30)
    const layout = run('wsp', ['resize', short, '10s:10m', '--dry-run'], { env })
    assert.match(layout.stdout, /21 points would be lost \(.*\): 21 outside the new archives' retention\n/)
  })

  test('issue 13.7: fill says which gaps xFilesFactor 0.5 left empty', (t) => {
    const dir = tempDir(t)
    const src = path.join(dir, 'src.wsp')
    const dst = path.join(dir, 'dst.wsp')
    sparseFile(src, 180)
    assert.equal(run('wsp', ['create', dst, '1m:1h', '10m:1d'], { env }).status, 0)
    const filled = run('wsp', ['fill', src, dst], { env })
    assert.equal(filled.status, 0, filled.stderr)
    // The 10-minute archive before the last hour: the source has 10 of 60 points per interval.
    assert.match(
      filled.stdout,
      /\n {2}12 gaps left empty \(archive 1: 12\) because xFilesFactor 0\.5 refuses roll-ups of sparse data; wsp set-xff .*dst\.wsp 0 first/,
    )
    assert.equal(run('wsp', ['set-xff', dst, '0'], { env }).status, 0)
    const again = run('wsp', ['fill', src, dst, '--json'], { env })
    const json = parseTreeReport<{ source: string; refused: number }>(again.stdout)
    assert.deepEqual(
      json.files.map((f) => [f.path, f.ok, f.result!.source, f.result!.refused]),
      [[dst, true, src, 0]],
    )
  })
})

describe('exit status after a large output', () => {
  test('a tree command whose JSON fills the pipe after its workers ran keeps its exit status', (t) => {
    // Worker threads leave stdout non-blocking; the output then waits for the pipe to drain, and
    // the failure of a file must still set the status (it used to end with 0).
    const dir = tempDir(t)
    for (let i = 0; i < 300; i++) {
      const file = path.join(dir, `f${String(i).padStart(3, '0')}.wsp`)
      create(file, [[60, 60]])
    }
    fs.copyFileSync(CORRUPT[0]!, path.join(dir, 'zz-corrupt.wsp'))
    const result = run('wsp', ['resize', dir, '1m:2h', '--nobackup', '--json'])
    assert.ok(result.stdout.length > 1 << 17, `${result.stdout.length} bytes`)
    const json = parseTreeReport(result.stdout)
    assert.equal(json.files.length, 301)
    assert.deepEqual(json.files.at(-1)!.error?.code, 'ERR_CORRUPT_FILE')
    assert.equal(result.status, 4, result.stderr)
  })
})
