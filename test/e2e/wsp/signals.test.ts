// Ctrl-C and SIGTERM on the built binary: every tree command and create stopped at a random point
// (seeded: CARBONKIT_SEED replays a run), with and without a terminal. The terminal case types ^C on a
// pseudo-terminal (script(1)): that is where a spinner in raw mode swallowed it. Each run must exit
// 130 within a second, leave every file as it was before or as an uninterrupted run leaves it, leave
// no temporary file, and pass wsp check.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { assertOneLineError, run } from '../../helpers/cli.js'
import { BIN } from '../../helpers/paths.js'
import { holdsDescriptorUnder } from '../../helpers/proc.js'
import { createRandom, runSeed } from '../../helpers/random.js'
import { mountTmpfs } from '../../helpers/tmpfs.js'
import { tempDir } from '../../helpers/tmp.js'
import { DAY, HOUR, makeTree } from '../../helpers/whisper-tree.js'

const SEED = runSeed()
const random = createRandom(SEED)
const NOW = Math.floor(Date.now() / 1000)
// Without CI: ora shows no spinner (one plain line) when CI is set, and the terminal runs wait for it.
const ENV = { ...process.env, NO_COLOR: '1', TZ: 'UTC', CARBONKIT_NOW: String(NOW), CI: undefined }
const WSP = path.join(BIN, 'wsp.cjs')

/** Every file under `dir` (names relative to it, hidden ones too) with a hash of its bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    const hash = crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex')
    files.set(path.relative(dir, file), hash)
  }
  return files
}

/**
 * Every file of `victim` is as in `before` or as in `after`, whole: a file and the files a run adds
 * beside it (its .bak) are all old or all new; nothing else (a temporary file) is there.
 */
function assertOldOrNew(
  victim: Map<string, string>,
  before: Map<string, string>,
  after: Map<string, string>,
): { old: number; new: number; same: number } {
  const counts = { old: 0, new: 0, same: 0 }
  for (const name of victim.keys()) {
    assert.ok(
      before.has(name) || after.has(name),
      `${name} is neither in the tree before nor after (seed ${SEED})`,
    )
  }
  for (const [name, hash] of before) {
    const companions = [...after.keys()].filter((n) => n.startsWith(`${name}.`) && !before.has(n))
    const isOld = victim.get(name) === hash && companions.every((n) => !victim.has(n))
    const isNew =
      victim.get(name) === after.get(name) && companions.every((n) => victim.get(n) === after.get(n))
    assert.ok(isOld || isNew, `${name} is neither as before nor as after an uninterrupted run (seed ${SEED})`)
    if (isOld && isNew) counts.same++
    else if (isOld) counts.old++
    else counts.new++
  }
  return counts
}

/** A frame of the progress spinner on the terminal: the command runs, its handlers in place. */
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/

/**
 * How long a stop may take: 1 s, times how oversubscribed the machine is (its load average over its
 * cores) when other test suites share it.
 */
function allowedStopMs(): number {
  return 1000 * Math.max(1, os.loadavg()[0]! / os.availableParallelism())
}

interface Stopped {
  /** The exit status (the `exit=` the shell printed, on a terminal). */
  status: number | null
  signal: NodeJS.Signals | null
  /** stderr, or what the terminal showed. */
  output: string
  /** From the signal to the end of the process. */
  stopMs: number
  /** From the start to the end of the process. */
  runMs: number
  /**
   * The command had done its work before it saw the signal, which then interrupted nothing: its
   * report is out on stdout (printed only after the last file; a run stopped sooner prints none).
   * Not told by the terminal's echo of ^C: the terminal discards the output still queued when it
   * sends the signal, so that a ^C after the last file can look as if typed in the middle.
   */
  completed: boolean
}

/**
 * Run wsp with `args` and stop it with `signal` `delayMs` after it started, once `ready` says so (by
 * default once its work is under way: on a terminal, its spinner shows; without one, it has a
 * descriptor open under `workDir`): sent to the process without a terminal; typed as ^C on a
 * pseudo-terminal with `tty`. Not at a time after the start alone: until wsp has set its handlers
 * a signal ends node the default way, and start-up takes many times longer under load.
 */
function runAndStop(
  args: readonly string[],
  options: {
    tty: boolean
    delayMs: number
    signal?: 'SIGINT' | 'SIGTERM'
    ready?: (pid: number | undefined, output: string) => boolean
    workDir?: string
  },
): Promise<Stopped> {
  const quoted = [process.execPath, WSP, ...args].map((a) => `'${a}'`).join(' ')
  // On a terminal, stdout goes to a file, where the report is seen whole (stderr, with the progress
  // and the messages, stays on the terminal).
  const reportFile = path.join(os.tmpdir(), `carbonkit-signals-report-${process.pid}-${crypto.randomUUID()}`)
  // A terminal with a size (a 0-column pty confuses the spinner); `exit=` tells an exit status from
  // a death by the signal (where bash dies too and prints nothing).
  const child = options.tty
    ? spawn(
        'script',
        ['-qec', `bash -c "stty cols 80 rows 24; ${quoted} > '${reportFile}'; echo exit=\\$?"`, '/dev/null'],
        {
          env: ENV,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
    : spawn(process.execPath, [WSP, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let report = ''
  const collect = (d: Buffer): void => void (output += d.toString())
  if (options.tty) child.stdout.on('data', collect)
  else child.stdout.on('data', (d: Buffer) => void (report += d.toString()))
  child.stderr.on('data', collect)
  let sentAt = 0
  const send = (): void => {
    sentAt = performance.now()
    if (options.tty) child.stdin!.write('\x03')
    else child.kill(options.signal ?? 'SIGINT')
  }
  const started = performance.now()
  const ready =
    options.ready ??
    ((pid: number | undefined, shown: string): boolean =>
      options.tty ? SPINNER.test(shown) : holdsDescriptorUnder(pid, options.workDir!))
  const poll = setInterval(() => {
    if (sentAt === 0 && performance.now() - started >= options.delayMs && ready(child.pid, output)) send()
  }, 5)
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      // NaN when the command ended before the signal was sent: the test then fails on the time.
      const stopMs = sentAt === 0 ? NaN : performance.now() - sentAt
      const runMs = performance.now() - started
      clearInterval(poll)
      clearTimeout(killer)
      if (options.tty) {
        const shown = output.replace(/\r/g, '')
        const exit = /exit=(\d+)/.exec(shown)
        let completed = false
        try {
          completed = fs.readFileSync(reportFile, 'utf8') !== ''
          fs.rmSync(reportFile)
        } catch {
          // Not made: the shell was stopped before it ran wsp.
        }
        resolve({ status: exit ? Number(exit[1]) : null, signal, output: shown, stopMs, runMs, completed })
      } else {
        resolve({ status, signal, output, stopMs, runMs, completed: report !== '' })
      }
    })
  })
}

function runTimed(args: readonly string[]): { ms: number; status: number | null; stderr: string } {
  const started = performance.now()
  const result = run('wsp', args, { env: { CARBONKIT_NOW: String(NOW) } })
  return { ms: performance.now() - started, status: result.status, stderr: result.stderr }
}

interface TreeCase {
  name: string
  /** Builds a tree of about `scale` times the base size in `dir` (and what else it reads, under `aside`). */
  build(dir: string, aside: string, scale: number): void
  /** The command's arguments for the tree at `dir`. */
  args(dir: string, aside: string): string[]
}

/** A carbon config for audit whose LOCAL_DATA_DIR is `data`. */
function auditConfig(aside: string, data: string): string {
  const conf = path.join(aside, `conf-${path.basename(data)}`)
  fs.mkdirSync(conf, { recursive: true })
  fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${data}\n`)
  fs.writeFileSync(
    path.join(conf, 'storage-schemas.conf'),
    '[default]\npattern = .*\nretentions = 10s:2d,1m:60d\n',
  )
  fs.writeFileSync(
    path.join(conf, 'storage-aggregation.conf'),
    '[default]\npattern = .*\nxFilesFactor = 0.5\naggregationMethod = average\n',
  )
  return conf
}

// Sizes for a run of a few seconds on this 2-core machine: a resize takes tens of milliseconds a
// file, a header rewrite about one.
const CASES: TreeCase[] = [
  {
    name: 'resize',
    build: (dir, _aside, scale) => makeTree(dir, 50 * scale, DAY, { hours: 6, now: NOW }),
    args: (dir) => ['resize', dir, '10s:2d', '1m:60d'],
  },
  {
    name: 'fill',
    build: (dir, aside, scale) => {
      makeTree(dir, 250 * scale, DAY, { hours: 12, now: NOW, gaps: true })
      makeTree(path.join(aside, 'source'), 250, DAY, { hours: 12, now: NOW })
    },
    args: (dir, aside) => ['fill', path.join(aside, 'source'), dir],
  },
  {
    name: 'check',
    build: (dir, _aside, scale) => makeTree(dir, 400 * scale, DAY, { hours: 6, now: NOW }),
    args: (dir) => ['check', dir],
  },
  {
    name: 'set-aggregation',
    build: (dir, _aside, scale) => makeTree(dir, 2000 * scale, HOUR, { hours: 0, now: NOW }),
    args: (dir) => ['set-aggregation', dir, 'max', '0.25'],
  },
  {
    name: 'set-xff',
    build: (dir, _aside, scale) => makeTree(dir, 2000 * scale, HOUR, { hours: 0, now: NOW }),
    args: (dir) => ['set-xff', dir, '0.25'],
  },
  {
    name: 'audit --apply',
    build: (dir, _aside, scale) => makeTree(dir, 50 * scale, DAY, { hours: 6, now: NOW }),
    args: (dir, aside) => ['audit', dir, '--config-dir', auditConfig(aside, dir), '--apply'],
  },
]

describe('issue 13.5: Ctrl-C stops every tree command between files', () => {
  for (const c of CASES) {
    describe(`wsp ${c.name}`, () => {
      let root: string
      let aside: string
      let before0: Map<string, string>
      let after0: Map<string, string>
      let fullMs: number
      before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-signals-'))
        aside = path.join(root, 'aside')
        const original = path.join(root, 'original')
        const done = path.join(root, 'done')
        // A run of at least 1.5 s, whatever the load: a larger tree when it was quicker.
        for (let scale = 1; ; scale *= 2) {
          fs.rmSync(root, { recursive: true, force: true })
          fs.mkdirSync(root)
          c.build(original, aside, scale)
          before0 = snapshot(original)
          fs.cpSync(original, done, { recursive: true })
          const full = runTimed(c.args(done, aside))
          assert.equal(full.status, 0, full.stderr)
          fullMs = full.ms
          if (fullMs >= 1500 || scale >= 8) break
        }
        after0 = snapshot(done)
      })
      after(() => {
        if (process.env.CARBONKIT_KEEP_TMP !== '1') fs.rmSync(root, { recursive: true, force: true })
      })

      for (const tty of [false, true]) {
        test(`issue 13.5: wsp ${c.name}: ${tty ? '^C on a terminal' : 'SIGINT'} at a random point exits 130 within 1 s, every file old or new`, async (t) => {
          const victim = path.join(root, `victim-${tty ? 'tty' : 'pipe'}`)
          // Somewhere in the middle of the run, after start-up (a signal during start-up exits 130
          // too, having done nothing).
          let delayMs = Math.round(fullMs * (0.2 + 0.4 * random.next()))
          assert.ok(
            fullMs > 1000,
            `the tree is too small to interrupt: the run took ${Math.round(fullMs)} ms`,
          )
          let stopped: Stopped
          let counts: { old: number; new: number; same: number }
          let said: RegExpExecArray | null
          // The load of a shared machine varies: a run that ended before its signal, or had done its
          // work when it saw it (see Stopped.completed), interrupted nothing, and is run again,
          // signalled somewhere in the middle of the time that run took.
          for (let attempt = 1; ; attempt++) {
            fs.rmSync(victim, { recursive: true, force: true })
            fs.cpSync(path.join(root, 'original'), victim, { recursive: true })
            stopped = await runAndStop(c.args(victim, aside), { tty, delayMs, workDir: victim })
            counts = assertOldOrNew(snapshot(victim), before0, after0)
            said =
              /wsp: interrupted: .* stopped after (\d+) of (\d+) files; the other (\d+) (was|were) not touched/.exec(
                stopped.output,
              )
            if (!(Number.isNaN(stopped.stopMs) || stopped.completed) || attempt === 4) break
            t.diagnostic(
              `the run had ended before it saw the signal after ${delayMs} ms (it took ${Math.round(stopped.runMs)} ms)`,
            )
            delayMs = Math.round(stopped.runMs * (0.2 + 0.4 * random.next()))
          }
          const allowedMs = allowedStopMs()
          t.diagnostic(
            `seed ${SEED}; uninterrupted run ${Math.round(fullMs)} ms; signal after ${delayMs} ms; ${Math.round(allowedMs)} ms allowed to stop`,
          )
          const context = `seed ${SEED}, delay ${delayMs} ms:\n${stopped.output}`
          assert.equal(stopped.status, 130, context)
          assert.ok(
            stopped.stopMs < allowedMs,
            `stopped ${Math.round(stopped.stopMs)} ms after the signal; ${context}`,
          )
          assert.doesNotMatch(stopped.output, /\n\s+at /, context)
          t.diagnostic(`${counts.new} files new, ${counts.old} old, ${counts.same} unchanged by the command`)
          // What was done and what not; only a signal before the run started (the walk, audit's
          // reading of the headers) ends it without a word, having changed nothing.
          if (!said) assert.equal(counts.new, 0, context)
          else if (counts.same === 0)
            assert.deepEqual([Number(said[1]), Number(said[3])], [counts.new, counts.old], context)
          const check = run('wsp', ['check', '-q', victim])
          assert.equal(check.status, 0, check.stdout + check.stderr)
        })
      }
    })
  }
})

describe('issue 13.4: wsp create on a signal, the free space and a large file', () => {
  const temporaries = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.includes('.create-'))

  for (const [tty, signal] of [
    [false, 'SIGINT'],
    [true, 'SIGINT'],
    [false, 'SIGTERM'],
  ] as const) {
    test(`issue 13.4: ${tty ? '^C on a terminal' : signal} while wsp create writes leaves no file and no temp file`, async (t) => {
      const dir = tempDir(t)
      const file = path.join(dir, 'huge.wsp')
      // 3.8 GB of zeros: stopped at a random point once the temporary file is there.
      const delayMs = random.int(0, 300)
      t.diagnostic(`seed ${SEED}; signal ${delayMs} ms after the temporary file appears`)
      let seenAt = 0
      const stopped = await runAndStop(['create', file, '1s:10y', '--yes'], {
        tty,
        signal,
        delayMs: 0,
        ready: () => {
          if (seenAt === 0 && temporaries(dir).length > 0) seenAt = performance.now()
          return seenAt > 0 && performance.now() - seenAt >= delayMs
        },
      })
      const context = `seed ${SEED}, delay ${delayMs} ms:\n${stopped.output}`
      assert.equal(stopped.status, signal === 'SIGINT' ? 130 : 143, context)
      assert.ok(
        stopped.stopMs < allowedStopMs(),
        `stopped ${Math.round(stopped.stopMs)} ms after the signal; ${context}`,
      )
      assert.match(stopped.output, /wsp: .*huge\.wsp: not created \(interrupted\)/, context)
      assert.deepEqual(fs.readdirSync(dir), [], context)
    })
  }

  test('issue 13.4: free space is checked first: exit 73, one line with the size needed and available', (t) => {
    const mounted = mountTmpfs(t, '4m')
    if ('why' in mounted) return t.skip(mounted.why)
    const file = path.join(mounted.dir, 'year.wsp')
    assertOneLineError(
      run('wsp', ['create', file, '1m:1y']),
      73,
      /^wsp: .*year\.wsp: not enough space: the file needs 6\.0 MiB, 4\.0 MiB available$/,
    )
    assert.deepEqual(fs.readdirSync(mounted.dir), [])
    // A sparse file takes its header's block now.
    assert.equal(run('wsp', ['create', '--sparse', file, '1m:1y']).status, 0)
  })

  test('issue 13.4: a file over 1 GiB needs --yes without a terminal, and a yes on one', async (t) => {
    const dir = tempDir(t)
    const file = path.join(dir, 'huge.wsp')
    assertOneLineError(
      run('wsp', ['create', '--sparse', file, '1s:100y']),
      2,
      /^wsp: .*huge\.wsp: the file would take 35\.2 GiB \(37843200028 bytes\), over 1 GiB: pass --yes to create it$/,
    )
    assert.deepEqual(fs.readdirSync(dir), [])
    const answer = async (reply: string): Promise<string> => {
      const child = spawn(
        'script',
        [
          '-qec',
          `stty cols 80 rows 24; '${process.execPath}' '${WSP}' create --sparse '${file}' 1s:100y; echo exit=$?`,
          '/dev/null',
        ],
        { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] },
      )
      let out = ''
      let asked = false
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (!asked && out.includes('[y/N]')) {
          asked = true
          child.stdin.write(`${reply}\n`)
        }
      })
      await new Promise((resolve) => child.on('close', resolve))
      return out.replace(/\r/g, '')
    }
    const no = await answer('n')
    assert.match(no, /huge\.wsp will take 35\.2 GiB \(37843200028 bytes\)\. Create it\? \[y\/N\]/)
    assert.match(no, /wsp: .*huge\.wsp: not created\nexit=1/)
    assert.deepEqual(fs.readdirSync(dir), [])
    const yes = await answer('y')
    assert.match(yes, /Created: .*huge\.wsp \(37843200028 bytes\)\nexit=0/)
    assert.equal(fs.statSync(file).size, 37843200028)
    assert.equal(run('wsp', ['create', '--yes', '--sparse', `${file}2`, '1s:100y']).status, 0)
  })

  test('issue 13.13: wsp create DIR says that it is a directory', (t) => {
    const dir = tempDir(t)
    assertOneLineError(
      run('wsp', ['create', dir, '1m:1d']),
      2,
      /^wsp: .*: is a directory, not a whisper file$/,
    )
    assertOneLineError(
      run('wsp', ['create', '--overwrite', dir, '1m:1d']),
      2,
      /^wsp: .*: is a directory, not a whisper file$/,
    )
    assert.deepEqual(fs.readdirSync(dir), [])
  })
})
