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
import { binCommand, runInTerminal, shellQuote } from '../../helpers/terminal.js'

const NOW = Math.floor(Date.now() / 1000)
const ENV = { CARBONKIT_NOW: String(NOW) }
// Enough for the walk to take a few tenths of a second even on a fast, idle machine.
const FILES = 40_000

/** 1 s, times how oversubscribed the machine is when other suites share it. */
function allowedStopMs(): number {
  return 1000 * Math.max(1, os.loadavg()[0]! / os.availableParallelism())
}

/**
 * Start `wsp args` (on a pseudo-terminal with `tty`), and once it has shown `ready` (its progress on a
 * terminal; without one, after `delayMs`), stop it: ^C typed on the terminal, or SIGINT.
 */
function stopWhen(
  args: readonly string[],
  options: { tty: boolean; ready: RegExp; delayMs?: number },
): Promise<{ status: number | null; output: string; stopMs: number }> {
  const command = [process.execPath, path.join(BIN, 'wsp.cjs'), ...args].map(shellQuote).join(' ')
  const child = options.tty
    ? spawn(
        'script',
        [
          '-qec',
          `bash -c ${shellQuote(`stty cols 100 rows 24; ${command} >/dev/null; echo exit=$?`)}`,
          '/dev/null',
        ],
        // Without CI: ora shows no spinner (one plain line, no counts) when CI is set.
        { env: { ...process.env, CI: undefined }, stdio: ['pipe', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, [path.join(BIN, 'wsp.cjs'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let output = ''
  let sentAt = 0
  const started = performance.now()
  const send = (): void => {
    if (sentAt !== 0) return
    sentAt = performance.now()
    if (options.tty) child.stdin!.write('\x03')
    else child.kill('SIGINT')
  }
  const collect = (d: Buffer): void => {
    output += d.toString()
    if (options.ready.test(output)) send()
  }
  child.stdout?.on('data', collect)
  child.stderr!.on('data', collect)
  const timer = setInterval(() => {
    if (!options.tty && performance.now() - started >= (options.delayMs ?? 0)) send()
  }, 5)
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearInterval(timer)
      clearTimeout(killer)
      const stopMs = sentAt === 0 ? NaN : performance.now() - sentAt
      const shown = output.replace(/\r/g, '')
      const exit = /exit=(\d+)/.exec(shown)
      resolve({ status: options.tty ? (exit ? Number(exit[1]) : null) : status, output: shown, stopMs })
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
    test(`issue 17: ${tty ? '^C on a terminal' : 'SIGINT'} stops wsp stale and wsp ls -l at once: 130`, async () => {
      for (const args of [
        ['stale', dir, '--older-than', '30d'],
        ['ls', '-l', dir],
        ['stale', dir, '--older-than', '30d', '--quarantine', path.join(root, 'quarantine')],
      ]) {
        // Without a terminal, not before Node has started wsp (until then a signal ends node the
        // default way): tens of milliseconds on an idle machine, many times that under load.
        const started = performance.now()
        run('wsp', ['--version'])
        const delayMs = Math.round(2 * (performance.now() - started))
        // On a terminal, once the spinner shows (the walk has begun): waiting for its first count
        // could outlast a walk of the whole tree on an idle machine.
        const stopped = await stopWhen(args, { tty, ready: /\S (stale|ls)\b/, delayMs })
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
