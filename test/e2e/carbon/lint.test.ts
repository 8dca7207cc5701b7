// carbon lint end to end: the built binary on copies of the fixtures, stdout, stderr and exit status.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { FIXTURES } from '../../helpers/paths.js'
import { run } from '../../helpers/cli.js'
import { SGR, binCommand, runInTerminal } from '../../helpers/terminal.js'
import { tempDir } from '../../helpers/tmp.js'

function copyFixture(
  t: Parameters<typeof tempDir>[0],
  fixture: string,
  name = 'conf',
): { cwd: string; dir: string } {
  const cwd = tempDir(t)
  const dir = path.join(cwd, name)
  fs.cpSync(path.join(FIXTURES, 'config', fixture), dir, { recursive: true })
  fs.rmSync(path.join(dir, 'lint-options.json'), { force: true })
  return { cwd, dir }
}

function diagnosticLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^[^ ]+:\d+: (error|warning) /.test(line))
}

describe('carbon lint', () => {
  test("the Graphite article's configuration: every empty key, 1min, averaged counters, sparse data", (t) => {
    const { cwd } = copyFixture(t, 'article')
    const result = run('carbon', ['lint', 'conf', '--interval', '1m'], { cwd })
    assert.equal(result.status, 1, result.stderr)
    const lines = diagnosticLines(result.stdout)
    const template = fs
      .readFileSync(path.join(FIXTURES, 'config', 'article', 'carbon.conf'), 'utf8')
      .split('\n')
    const emptyKeys = template.flatMap((line, i) =>
      /^\w+\s*=\s*$/.test(line) ? [[line.split('=')[0]!.trim(), i + 1] as const] : [],
    )
    assert.equal(emptyKeys.length, 19)
    for (const [key, line] of emptyKeys) {
      assert.ok(
        lines.some(
          (l) =>
            l.startsWith(`conf/carbon.conf:${line}: `) && l.includes(` empty-value [cache] ${key} is empty`),
        ),
        `${key} (line ${line}) is not reported:\n${result.stdout}`,
      )
    }
    assert.ok(
      lines.includes(
        "conf/storage-schemas.conf:11: error retention-syntax [statsd] retentions = 10s:6h,1min:6d,10min:1800d: Invalid unit 'min' in section [Statsd] (retention \"1min:6d\"); carbon-cache does not start (whisper's own parser, used by whisper-create and validate-storage-schemas, accepts it, but carbon 1.1's units are exactly s, m, h, d, w, y)",
      ),
      result.stdout,
    )
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('conf/storage-aggregation.conf:19: warning counter-averaged ') &&
          l.includes('"example.requests.sum"'),
      ),
    )
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('conf/storage-aggregation.conf:18: warning sparse-data ') && l.includes('[highres]'),
      ),
    )
    // The schema sizes follow the diagnostics.
    assert.match(result.stdout, /\nsize of one metric file, per schema\n/)
    assert.match(
      result.stdout,
      /conf\/storage-schemas\.conf:1 +\[carbon\] +\^carbon\\\.\.\* +60:90d +1,555,228 bytes \(1\.5 MiB\)/,
    )
    // [default] (pattern = .*) catches every name: carbon's built-in schema is never used.
    assert.doesNotMatch(result.stdout, /\(built-in\)/)
    assert.match(result.stderr, /^carbon lint: \d+ errors, \d+ warnings in 3 files\n$/)
  })

  for (const fixture of ['article', 'corpus/article']) {
    test(`issue 13.10: ${fixture}: the counter-averaged suggestion is a rule that catches the flagged names`, (t) => {
      const { cwd, dir } = copyFixture(t, fixture)
      const result = run('carbon', ['lint', 'conf'], { cwd })
      const warning = diagnosticLines(result.stdout).find((l) => l.includes(' counter-averaged '))
      assert.ok(warning, result.stdout)
      const flagged = [...warning.split(' get ')[0]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
      assert.deepEqual(flagged, ['example.requests.sum', 'stats_counts.example.requests'])
      const suggested =
        /add a rule such as pattern = (\S+) with aggregationMethod = sum above \[default_average\]$/.exec(
          warning,
        )
      assert.ok(suggested, warning)
      const pattern = suggested[1]!
      // Not the rule the configuration already has (\.count$, which matches none of them)...
      const conf = path.join(dir, 'storage-aggregation.conf')
      const text = fs.readFileSync(conf, 'utf8')
      assert.ok(!text.includes(`pattern = ${pattern}\n`), `${pattern} is already in the configuration`)
      // ...but one that catches them: added above [default_average], the warning is gone.
      for (const name of flagged) assert.match(name, new RegExp(pattern))
      fs.writeFileSync(
        conf,
        text.replace(
          '[default_average]',
          `[counters]\npattern = ${pattern}\nxFilesFactor = 0\naggregationMethod = sum\n\n[default_average]`,
        ),
      )
      const fixed = run('carbon', ['lint', 'conf'], { cwd })
      assert.deepEqual(
        diagnosticLines(fixed.stdout).filter((l) => l.includes(' counter-averaged ')),
        [],
        fixed.stdout,
      )
    })
  }

  test('issue 13.10: a rule that sums the counters but comes too late is named: move it', (t) => {
    const { cwd, dir } = copyFixture(t, 'corpus/article')
    const conf = path.join(dir, 'storage-aggregation.conf')
    const line = fs.readFileSync(conf, 'utf8').split('\n').length + 1
    fs.appendFileSync(conf, '\n[sums]\npattern = \\.(sum|count)$\naggregationMethod = sum\n')
    const result = run('carbon', ['lint', 'conf'], { cwd })
    const warnings = diagnosticLines(result.stdout).filter((l) => l.includes(' counter-averaged '))
    assert.equal(warnings.length, 1, result.stdout)
    assert.ok(
      warnings[0]!.endsWith(
        `[sums] (line ${line}) sums some of them but comes after it: move it above [default_average]; add a rule such as pattern = ^stats_counts\\. with aggregationMethod = sum above [default_average] for "stats_counts.example.requests"`,
      ),
      warnings[0],
    )
  })

  test('issue 13.10: no built-in default row when a catch-all rule exists; one when none does', (t) => {
    const { cwd } = copyFixture(t, 'article')
    for (const dir of ['conf', 'conf/storage-schemas.conf']) {
      const text = run('carbon', ['lint', dir], { cwd })
      assert.match(text.stdout, /\[default\] +\.\* +60s:1d/)
      assert.doesNotMatch(text.stdout, /built-in|anything else/)
      const json = JSON.parse(run('carbon', ['lint', dir, '--format', 'json'], { cwd }).stdout) as {
        schemas: { status: string }[]
      }
      assert.deepEqual(
        json.schemas.filter((s) => s.status === 'builtin'),
        [],
      )
    }
    const open = copyFixture(t, 'no-catch-all/bad')
    const without = run('carbon', ['lint', 'conf'], { cwd: open.cwd })
    assert.match(without.stdout, /\(built-in\) +\[default\] +\(anything else\) +60s:7d +120,988 bytes/)
  })

  test('issue 13.10: a rule with several problems reports all of them', (t) => {
    const { cwd } = copyFixture(t, 'article')
    const result = run('carbon', ['lint', 'conf'], { cwd })
    const statsd = diagnosticLines(result.stdout).filter((l) =>
      l.startsWith('conf/storage-schemas.conf:11: error retention-syntax [statsd] '),
    )
    assert.equal(statsd.length, 2, result.stdout)
    assert.match(statsd[0]!, /Invalid unit 'min' in section \[Statsd\] \(retention "1min:6d"\)/)
    assert.match(statsd[1]!, /Invalid unit 'min' in section \[Statsd\] \(retention "10min:1800d"\)/)

    // Every problem of one rule, in both files: carbon stops at the first, lint names them all.
    const dir = path.join(cwd, 'many')
    fs.mkdirSync(dir)
    fs.writeFileSync(
      path.join(dir, 'storage-schemas.conf'),
      '[broken]\npattern = ^a(b\nretentions = 1min:1d,10min:30d\n\n[default]\npattern = .*\nretentions = 1m:1d\n',
    )
    fs.writeFileSync(
      path.join(dir, 'storage-aggregation.conf'),
      '[broken]\npattern = ^a(b\nxFilesFactor = 2\naggregationMethod = avg\n\n[default]\npattern = .*\naggregationMethod = sum\n',
    )
    const many = run('carbon', ['lint', 'many'], { cwd })
    assert.equal(many.status, 1)
    const found = diagnosticLines(many.stdout).map((l) => l.split(' ').slice(0, 3).join(' '))
    assert.deepEqual(found, [
      'many/storage-aggregation.conf:2: error invalid-regex',
      'many/storage-aggregation.conf:3: error bad-x-files-factor',
      'many/storage-aggregation.conf:4: error bad-aggregation-method',
      'many/storage-schemas.conf:2: error invalid-regex',
      'many/storage-schemas.conf:3: error retention-syntax',
      'many/storage-schemas.conf:3: error retention-syntax',
    ])
  })

  test('a clean directory: exit 0, sizes only, a summary on stderr', (t) => {
    const { cwd } = copyFixture(t, 'missing-file/good')
    const result = run('carbon', ['lint', '--config-dir', 'conf'], { cwd })
    assert.equal(result.status, 0, result.stdout + result.stderr)
    assert.deepEqual(diagnosticLines(result.stdout), [])
    assert.match(result.stdout, /^size of one metric file, per schema\n/)
    assert.equal(result.stderr, 'carbon lint: no problems in 3 files\n')
  })

  test('--format json: one document with schemaVersion 1, the same diagnostics', (t) => {
    const { cwd } = copyFixture(t, 'article')
    const text = run('carbon', ['lint', 'conf'], { cwd })
    const json = run('carbon', ['lint', 'conf', '--format', 'json'], { cwd })
    assert.equal(json.status, 1)
    assert.equal(json.stderr, '')
    const report = JSON.parse(json.stdout) as {
      schemaVersion: number
      diagnostics: { file: string; line: number; severity: string; rule: string; message: string }[]
      summary: { errors: number; warnings: number }
      schemas: { section: string; fileSize: number | null }[]
    }
    assert.equal(report.schemaVersion, 1)
    assert.deepEqual(
      report.diagnostics.map((d) => `${d.file}:${d.line}: ${d.severity} ${d.rule} ${d.message}`),
      diagnosticLines(text.stdout),
    )
    assert.equal(report.summary.errors, report.diagnostics.filter((d) => d.severity === 'error').length)
    assert.deepEqual(
      report.schemas.map((s) => [s.section, s.fileSize]),
      // whisper's layout: a 16-byte header, 12 bytes per archive and per point.
      [
        ['carbon', 16 + 12 + 12 * (90 * 1440)],
        ['highres', 16 + 24 + 12 * (86400 + 30 * 1440)],
        ['statsd', null],
        ['default', 16 + 12 + 12 * 1440],
      ],
    )
  })

  test('--format github: annotations, with GitHub escaping in properties and messages', (t) => {
    const { cwd } = copyFixture(t, 'interpolation/bad', 'odd,dir')
    const result = run('carbon', ['lint', 'odd,dir/carbon.conf', '--format', 'github'], { cwd })
    assert.equal(result.status, 1)
    assert.equal(
      result.stdout,
      '::error file=odd%2Cdir/carbon.conf,line=8,title=carbon lint interpolation::[cache] MAX_CACHE_SIZE: a lone \'%25\' (found "%25"): write %25%25 for a literal %25, or %25(name)s\n',
    )
  })

  test('on a colour terminal: a table with coloured severities', async (t) => {
    const { cwd } = copyFixture(t, 'drops-data/bad')
    const result = await runInTerminal(binCommand('carbon', ['lint', 'conf/carbon.conf']), { cwd })
    assert.equal(result.status, 0, result.output)
    assert.match(result.output, /┌/)
    assert.match(result.output, /\u001b\[33mwarning\u001b\[39m/)
    assert.match(result.output, /│ conf\/carbon\.conf:8 │/)
  })

  test('FORCE_COLOR into a pipe: colour, but the plain lines a pipe gets', (t) => {
    const { cwd } = copyFixture(t, 'drops-data/bad')
    const plain = run('carbon', ['lint', 'conf/carbon.conf'], { cwd })
    const forced = run('carbon', ['lint', 'conf/carbon.conf'], {
      cwd,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    })
    assert.equal(forced.status, 0)
    assert.doesNotMatch(forced.stdout, /┌/)
    assert.match(forced.stdout, /\u001b\[/)
    assert.equal(forced.stdout.replace(SGR, ''), plain.stdout)
  })

  test('issue 13.9: on an 80-column terminal the tables are at most 80 columns wide, and nothing is lost', async (t) => {
    const { cwd } = copyFixture(t, 'article')
    const result = await runInTerminal(binCommand('carbon', ['lint', 'conf']), { cwd, columns: 80 })
    assert.equal(result.status, 1, result.output)
    const lines = result.output.replace(SGR, '').split('\n')
    assert.ok(lines.filter((l) => l.startsWith('┌')).length >= 2, result.output)
    for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`)
    // Every word of every message is in the box, wrapped rather than cut.
    const inBox = lines
      .filter((l) => l.startsWith('│'))
      .join(' ')
      .replace(/[│]/g, ' ')
    const words = new Set(inBox.split(/\s+/))
    const json = run('carbon', ['lint', 'conf', '--format', 'json'], { cwd })
    const report = JSON.parse(json.stdout) as { diagnostics: { message: string }[] }
    for (const d of report.diagnostics) {
      for (const word of d.message.split(' ')) {
        if (word.length <= 20) assert.ok(inBox.includes(word), `${JSON.stringify(word)} of ${d.message}`)
      }
    }
    assert.ok(words.has('empty-value'))
    assert.match(result.output, /carbon lint: \d+ errors, \d+ warnings in 3 files\n/)
  })

  test('issue 13.9: stdout in a file while stderr is a terminal: no escape codes and no box in the file', async (t) => {
    const { cwd } = copyFixture(t, 'article')
    const result = await runInTerminal(`${binCommand('carbon', ['lint', 'conf'])} > out.txt`, {
      cwd,
      columns: 80,
    })
    assert.equal(result.status, 1, result.output)
    const file = fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8')
    assert.ok(!file.includes('\u001b'), file)
    assert.doesNotMatch(file, /[┌│└─]/)
    // What a pipe gets, byte for byte.
    assert.equal(file, run('carbon', ['lint', 'conf'], { cwd }).stdout)
    // The summary still reached the terminal.
    assert.match(result.output, /^carbon lint: \d+ errors, \d+ warnings in 3 files\n$/)
  })

  test('issue 13.9: NO_COLOR on a terminal: the same layout, without escape codes', async (t) => {
    const { cwd } = copyFixture(t, 'article')
    const command = binCommand('carbon', ['lint', 'conf'])
    const colored = await runInTerminal(command, { cwd, columns: 100 })
    const plain = await runInTerminal(command, { cwd, columns: 100, env: { NO_COLOR: '1' } })
    assert.match(colored.output, SGR)
    assert.ok(!plain.output.includes('\u001b'), plain.output)
    assert.match(plain.output, /┌/)
    assert.equal(plain.output, colored.output.replace(SGR, ''))
    const flag = await runInTerminal(binCommand('carbon', ['lint', 'conf', '--no-color']), {
      cwd,
      columns: 100,
    })
    assert.equal(flag.output, plain.output)
  })

  test('--strict turns warnings into a failure', (t) => {
    const { cwd } = copyFixture(t, 'drops-data/bad')
    const plain = run('carbon', ['lint', 'conf/carbon.conf'], { cwd })
    assert.equal(plain.status, 0, plain.stdout)
    assert.equal(diagnosticLines(plain.stdout).length, 1)
    assert.equal(plain.stderr, 'carbon lint: 0 errors, 1 warning in 1 file\n')
    const strict = run('carbon', ['lint', 'conf/carbon.conf', '--strict'], { cwd })
    assert.equal(strict.status, 1)
    assert.equal(strict.stdout, plain.stdout)
  })

  test('a file that cannot be read: exit 5', (t) => {
    const cwd = tempDir(t)
    const missing = run('carbon', ['lint', 'nowhere/storage-schemas.conf'], { cwd })
    assert.equal(missing.status, 5)
    assert.equal(missing.stdout, '')
    assert.equal(missing.stderr, 'carbon: nowhere/storage-schemas.conf: no such file or directory\n')
    const noDir = run('carbon', ['lint', '--config-dir', 'nowhere'], { cwd })
    assert.equal(noDir.status, 5)
    assert.equal(noDir.stderr, 'carbon: nowhere: no such file or directory\n')
    const empty = path.join(cwd, 'empty')
    fs.mkdirSync(empty)
    const none = run('carbon', ['lint', 'empty'], { cwd })
    assert.equal(none.status, 5)
    assert.match(none.stderr, /^carbon: empty: no carbon configuration files here/)
  })

  test(
    'a file that is not readable: exit 5',
    { skip: process.getuid?.() === 0 ? 'running as root' : undefined },
    (t) => {
      const { cwd, dir } = copyFixture(t, 'drops-data/bad')
      fs.chmodSync(path.join(dir, 'carbon.conf'), 0o000)
      const result = run('carbon', ['lint', 'conf'], { cwd })
      assert.equal(result.status, 5)
      assert.equal(result.stderr, 'carbon: conf/carbon.conf: permission denied\n')
    },
  )

  test('usage errors: exit 2', (t) => {
    const cwd = tempDir(t)
    const format = run('carbon', ['lint', '--format', 'xml'], { cwd })
    assert.equal(format.status, 2)
    assert.match(format.stderr, /xml/)
    const interval = run('carbon', ['lint', '--interval', '5x'], { cwd })
    assert.equal(interval.status, 2)
    assert.match(interval.stderr, /unknown unit 'x'/)
    fs.writeFileSync(path.join(cwd, 'mystery.txt'), 'hello\n')
    const kind = run('carbon', ['lint', 'mystery.txt'], { cwd })
    assert.equal(kind.status, 2)
    assert.match(kind.stderr, /cannot tell which carbon file this is/)
  })

  test('--help', () => {
    const result = run('carbon', ['lint', '--help'])
    assert.equal(result.status, 0)
    assert.match(result.stdout, /--format <format>/)
    assert.match(result.stdout, /--interval <duration>/)
  })
})
