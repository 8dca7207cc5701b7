// issue 17 (what is on a node, "progress on a terminal"): wsp ls, du and stale count the files they
// walk on stderr when it is a terminal (a pseudo-terminal from script(1)), print nothing there on a
// pipe or with --json, and stop at once on Ctrl-C (130) on a terminal and on SIGINT without one.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { run } from '../../helpers/cli.js'
import { makeSparseTree } from '../../helpers/inventory-tree.js'
import { BIN } from '../../helpers/paths.js'
import { holdsDescriptorUnder } from '../../helpers/proc.js'
import { binCommand, runInTerminal, shellQuote } from '../../helpers/terminal.js'

const NOW = Math.floor(Date.now() / 1000)
const ENV = { CARBONKIT_NOW: String(NOW) }
// Enough for the walk to take a few tenths of a second even on a fast, idle machine.
const FILES = 40_000

/** 1 s, times how oversubscribed the machine is when other suites share it. */
function allowedStopMs(): number {
  return 1000 * Math.max(1, os.loadavg()[0]! / os.availableParallelism())
}

interface Stopped {
  status: number | null
  output: string
  /** From the stop to the end of the process; NaN if it ended before the stop was sent. */
  stopMs: number
  /**
   * The walk had ended before the stop came, which then interrupted nothing: its output is out on
   * stdout (written only after the walk). Not told by the terminal's echo of ^C: the terminal
   * discards the output still queued when it sends the signal.
   */
  completed: boolean
}

/**
 * Start `wsp args` (on a pseudo-terminal with `tty`), and once it has shown `ready` (its progress on a
 * terminal; without one, once it walks `dir`: a descriptor open there), stop it: ^C typed on the
 * terminal, or SIGINT.
 */
function stopWhen(
  args: readonly string[],
  options: { tty: boolean; ready: RegExp; dir: string; out: string },
): Promise<Stopped> {
  const command = [process.execPath, path.join(BIN, 'wsp.cjs'), ...args].map(shellQuote).join(' ')
  const child = options.tty
    ? spawn(
        'script',
        [
          '-qec',
          `bash -c ${shellQuote(`stty cols 100 rows 24; ${command} > ${shellQuote(options.out)}; echo exit=$?`)}`,
          '/dev/null',
        ],
        // Without CI: ora shows no spinner (one plain line, no counts) when CI is set.
        { env: { ...process.env, CI: undefined }, stdio: ['pipe', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, [path.join(BIN, 'wsp.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let listed = ''
  let sentAt = 0
  const send = (): void => {
    if (sentAt !== 0) return
    sentAt = performance.now()
    if (options.tty) child.stdin!.write('\x03')
    else child.kill('SIGINT')
  }
  const collect = (d: Buffer): void => {
    output += d.toString()
    if (options.tty && options.ready.test(output)) send()
  }
  if (options.tty) child.stdout.on('data', collect)
  else child.stdout.on('data', (d: Buffer) => void (listed += d.toString()))
  child.stderr.on('data', collect)
  const timer = setInterval(() => {
    if (!options.tty && holdsDescriptorUnder(child.pid, options.dir)) send()
  }, 5)
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearInterval(timer)
      clearTimeout(killer)
      const stopMs = sentAt === 0 ? NaN : performance.now() - sentAt
      const shown = output.replace(/\r/g, '')
      const exit = /exit=(\d+)/.exec(shown)
      let completed = listed !== ''
      if (options.tty) {
        try {
          completed = fs.readFileSync(options.out, 'utf8') !== ''
          fs.rmSync(options.out)
        } catch {
          // Not made: the shell was stopped before it ran wsp.
        }
      }
      resolve({
        status: options.tty ? (exit ? Number(exit[1]) : null) : status,
        output: shown,
        stopMs,
        completed,
      })
    })
  })
}

describe('issue 17: wsp ls, du and stale at a terminal', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-inventory-tty-'))
  after(() => fs.rmSync(root, { recursive: true, force: true }))
  const dir = path.join(root, 'whisper')
  makeSparseTree(dir, FILES, NOW)

  test('issue 17: progress on a terminal: the files walked and their rate on stderr; nothing on a pipe', async () => {
    for (const args of [
      ['stale', dir, '--older-than', '30d'],
      ['du', dir],
      ['ls', '-l', dir],
    ]) {
      const onTerminal = await runInTerminal(
        `${binCommand('wsp', args)} > ${shellQuote(path.join(root, 'out.txt'))}`,
        {
          columns: 100,
          env: ENV,
        },
      )
      assert.equal(onTerminal.status, 0, onTerminal.output)
      const label = args[0]!
      assert.match(
        onTerminal.output,
        new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] ${label} \\d+ files, [\\d.]+/s`),
        onTerminal.output,
      )
      // The output itself is the same as on a pipe, whose stderr stays empty.
      const piped = run('wsp', args, { env: ENV })
      assert.equal(piped.status, 0, piped.stderr)
      assert.equal(piped.stderr, '')
      assert.equal(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), piped.stdout)
      const json = await runInTerminal(`${binCommand('wsp', [...args, '--json'])} > /dev/null`, {
        columns: 100,
        env: ENV,
      })
      assert.equal(json.status, 0, json.output)
      assert.equal(json.output, '', 'no progress with --json')
    }
    const listed = run('wsp', ['ls', dir])
    assert.equal(listed.stdout.split('\n').length - 1, FILES)
  })

  for (const tty of [true, false]) {
    test(`issue 17: ${tty ? '^C on a terminal' : 'SIGINT'} stops wsp stale and wsp ls -l at once: 130`, async (t) => {
      for (const args of [
        ['stale', dir, '--older-than', '30d'],
        ['ls', '-l', dir],
        ['stale', dir, '--older-than', '30d', '--quarantine', path.join(root, 'quarantine')],
      ]) {
        // On a terminal, once the spinner shows (the walk has begun): waiting for its first count
        // could outlast a walk of the whole tree on an idle machine. Without one, once wsp walks the
        // tree (not at a time after its start: until wsp has started, a signal ends node the
        // default way, and start-up takes many times longer under load than on an idle machine).
        // A walk that had ended before the stop came (see Stopped.completed) interrupted nothing:
        // it is run again, at most 4 times.
        let stopped: Stopped
        for (let attempt = 1; ; attempt++) {
          stopped = await stopWhen(args, {
            tty,
            ready: /\S (stale|ls)\b/,
            dir,
            out: path.join(root, 'stopped.txt'),
          })
          if (!(Number.isNaN(stopped.stopMs) || stopped.completed) || attempt === 4) break
          t.diagnostic(`${args.join(' ')}: the walk had ended before the stop came; again`)
        }
        const context = `${args.join(' ')}: ${stopped.output.slice(-500)}`
        assert.equal(stopped.status, 130, context)
        assert.ok(stopped.stopMs < allowedStopMs(), `${Math.round(stopped.stopMs)} ms to stop; ${context}`)
      }
      // Whatever the stop interrupted, every file is in the tree or in the quarantine.
      const quarantined = fs.existsSync(path.join(root, 'quarantine'))
        ? run('wsp', ['ls', path.join(root, 'quarantine')]).stdout.split('\n').length - 1
        : 0
      assert.equal(run('wsp', ['ls', dir]).stdout.split('\n').length - 1 + quarantined, FILES)
    })
  }
})
