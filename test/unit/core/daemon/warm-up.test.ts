// The start-up warm-up of the plaintext receive path (warm-up.ts): it runs the whole main-thread path
// on made-up points, leaves no trace in the daemon (cache, log, counts, files), and a stop asked for
// meanwhile ends it at once.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { parseConfigSet } from '../../../../src/core/config/config-set.js'
import { startDaemon } from '../../../../src/core/daemon/daemon.js'
import type { DaemonEvent } from '../../../../src/core/daemon/events.js'
import { defaultSettings } from '../../../../src/core/daemon/daemon-settings.js'
import type { DaemonSettings } from '../../../../src/core/daemon/daemon-settings.js'
import type { WarmUpReport } from '../../../../src/core/daemon/warm-up.js'
import { WARM_UP_POINTS, warmUpReceivePath } from '../../../../src/core/daemon/warm-up.js'
import { AbortedError } from '../../../../src/core/errors.js'

const WRITER = new URL('../../../../src/core/daemon/persister-worker.js', import.meta.url)
const PARSER = new URL('../../../../src/core/daemon/parser-worker.js', import.meta.url)
const config = parseConfigSet([], { dir: null, env: {} }).set

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-warm-up-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function settingsIn(dir: string): DaemonSettings {
  const settings = defaultSettings(dir)
  return {
    ...settings,
    line: { interface: '127.0.0.1', port: 0 },
    pickle: { ...settings.pickle, port: null },
    query: { ...settings.query, port: null },
    http: { ...settings.http, port: null },
    writers: 1,
  }
}

/** Every file under `dir`, with its size. */
function filesUnder(dir: string): Record<string, number> {
  const out: Record<string, number> = {}
  if (!fs.existsSync(dir)) return out
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    out[path.relative(dir, file)] = fs.statSync(file).size
  }
  return out
}

test('issue 14: the warm-up stores every made-up point through the receive path and logs every line, writing nothing', async (t) => {
  const dir = tempDir(t)
  const report = await warmUpReceivePath({
    settings: settingsIn(dir),
    config,
    clock: () => Date.now() / 1000,
  })
  assert.equal(report.stored, WARM_UP_POINTS)
  assert.equal(report.lines, WARM_UP_POINTS)
  // Every line went to the (throwaway) log: at least 40 bytes a line.
  assert.ok(report.loggedBytes > 40 * WARM_UP_POINTS, String(report.loggedBytes))
  // The log's writes were due in the turns that followed: still nothing on disk.
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(fs.readdirSync(dir), [])
})

test('issue 14: a stop asked for during the warm-up ends it at the next slice', async (t) => {
  const dir = tempDir(t)
  const stop = new AbortController()
  let turns = 0
  const count = (): void => {
    turns++
    if (turns === 2) stop.abort()
    else setImmediate(count)
  }
  setImmediate(count)
  const started = performance.now()
  await assert.rejects(
    warmUpReceivePath({
      settings: settingsIn(dir),
      config,
      clock: () => Date.now() / 1000,
      signal: stop.signal,
    }),
    AbortedError,
  )
  // One or two slices of 1,500 points, never the whole warm-up (16 slices).
  assert.ok(turns <= 3, String(turns))
  assert.ok(performance.now() - started < 5000)
})

test('issue 14: after the warm-up, before any client, the daemon holds nothing: no point cached, no record logged, nothing received, no file', async (t) => {
  const dir = tempDir(t)
  const settings = settingsIn(dir)
  // The daemon's threads and timers do not hold the process open (the CLI's sockets and signals
  // do): this test's process is held open as long as it runs.
  const keepAlive = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(keepAlive))
  const events: DaemonEvent[] = []
  let warmedUp: WarmUpReport | undefined
  const daemon = await startDaemon({
    settings,
    config,
    workerUrl: WRITER,
    parserWorkerUrl: PARSER,
    onEvent: (event) => events.push(event),
    warmUp: (report) => (warmedUp = report),
  })
  let stopped = false
  t.after(async () => {
    if (!stopped) await daemon.stop()
  })
  assert.equal(warmedUp?.stored, WARM_UP_POINTS, 'the warm-up ran')
  assert.deepEqual(daemon.totals(), { received: 0, written: 0, cached: 0, rejected: {} })
  // The log holds one segment, its header only (8 bytes); nothing else is on disk.
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.deepEqual(filesUnder(dir), { [path.join('storage', 'wal', '00000000000000000001.wal')]: 8 })
  assert.deepEqual(
    events.filter((e) => e.type !== 'listening'),
    [],
  )

  // And the daemon then takes real points as usual.
  const port = daemon.addresses.line!.port
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end('real.metric 1 1700000000\n'))
    socket.resume()
    socket.on('close', () => resolve())
    socket.on('error', reject)
  })
  assert.equal(daemon.totals().received, 1)
  stopped = true
  const report = await daemon.stop()
  assert.equal(report.written, 1)
  assert.ok(!JSON.stringify(filesUnder(dir)).includes('warm-up'), 'no file of a made-up metric')
})
