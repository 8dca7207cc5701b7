// carbon serve and the operator's mistakes, end to end: each gets one line on stderr and its exit
// status (2 usage, 5 configuration, 73 cannot write), never "internal error"; a stop asked for while
// starting is honoured; `npm start` under a supervisor stops when npm is told to.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { run } from '../../helpers/cli.js'
import { BIN, ROOT } from '../../helpers/paths.js'
import { startServe } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'
import { WriteAheadLog, encodeWalName } from '../../../src/core/daemon/wal.js'

const PORTS = ['--line-port', '0', '--pickle-port', '0', '--query-port', '0']

/** One line on stderr, starting with `carbon: `. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, stderr)
  assert.match(lines[0]!, /^carbon: /)
  assert.doesNotMatch(stderr, /internal error|    at /)
  return lines[0]!
}

/**
 * `carbon serve` as a user without root's rights (as root, through setpriv as nobody): root writes
 * through permission bits, the mistake must be made by someone it stops.
 */
function serveUnprivileged(
  t: TestContext,
  args: string[],
): { status: number | null; stderr: string } | undefined {
  const argv = [process.execPath, path.join(BIN, 'carbon.cjs'), 'serve', ...PORTS, ...args]
  const root = process.getuid?.() === 0
  if (root && spawnSync('setpriv', ['--version']).status !== 0) {
    t.skip('as root, this needs setpriv (util-linux) to run as nobody')
    return undefined
  }
  const [cmd, ...rest] = root
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv]
    : argv
  const result = spawnSync(cmd!, rest, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { status: result.status, stderr: result.stderr }
}

test('issue 14: a storage directory that cannot be created (permission denied): one line, exit 73', (t) => {
  const root = tempDir(t)
  fs.chmodSync(root, 0o755)
  const parent = path.join(root, 'locked')
  fs.mkdirSync(parent, { mode: 0o555 })
  fs.chmodSync(parent, 0o555)
  const result = serveUnprivileged(t, ['--storage-dir', path.join(parent, 'storage')])
  if (!result) return
  assert.equal(result.status, 73, result.stderr)
  assert.equal(
    oneLine(result.stderr),
    `carbon: ${path.join(parent, 'storage')}: cannot create the directory: permission denied`,
  )
  assert.deepEqual(fs.readdirSync(parent), [])
})

test('issue 14: an existing data directory that cannot be written: one line, exit 73, before accepting anything', (t) => {
  const root = tempDir(t)
  fs.chmodSync(root, 0o755)
  const storage = path.join(root, 'storage')
  // The storage directory is anyone's; its whisper directory is not the daemon user's.
  fs.mkdirSync(path.join(storage, 'whisper'), { recursive: true })
  fs.chmodSync(storage, 0o777)
  fs.chmodSync(path.join(storage, 'whisper'), 0o755)
  const result = serveUnprivileged(t, ['--storage-dir', storage])
  if (!result) return
  assert.equal(result.status, 73, result.stderr)
  assert.equal(
    oneLine(result.stderr),
    `carbon: ${path.join(storage, 'whisper')}: cannot write in the directory: permission denied`,
  )
  assert.deepEqual(fs.readdirSync(storage), ['whisper'], 'no log started')
})

test('issue 14: a storage directory under a file: one line, exit 73', (t) => {
  const root = tempDir(t)
  fs.writeFileSync(path.join(root, 'file'), '')
  const result = run('carbon', ['serve', ...PORTS, '--storage-dir', path.join(root, 'file', 'storage')])
  assert.equal(result.status, 73, result.stderr)
  assert.match(oneLine(result.stderr), /file\/storage: cannot create the directory: /)
})

test('issue 14: out-of-range numbers on the command line: one line, exit 2', (t) => {
  const root = tempDir(t)
  for (const [flag, value] of [
    ['--line-port', '99999'],
    ['--pickle-port', '65536'],
    ['--query-port', '1e3'],
    ['--writers', '0'],
    ['--writers', '1000'],
    ['--shutdown-timeout', '9999999999'],
  ] as const) {
    const result = run('carbon', ['serve', '--storage-dir', root, flag, value], { cwd: root })
    assert.equal(result.status, 2, `${flag} ${value}: ${result.stderr}`)
    assert.match(oneLine(result.stderr), new RegExp(`${flag}.*'${value}'`))
  }
  assert.deepEqual(fs.readdirSync(root), [], 'nothing created')
})

test('issue 14: a port out of range in carbon.conf: one line, exit 5', (t) => {
  const root = tempDir(t)
  const conf = path.join(root, 'carbon.conf')
  fs.writeFileSync(conf, `[cache]\nSTORAGE_DIR = ${root}/storage\nLINE_RECEIVER_PORT = 99999\n`)
  fs.writeFileSync(path.join(root, 'storage-schemas.conf'), '[default]\npattern = .*\nretentions = 60s:1d\n')
  const result = run('carbon', ['serve', '--config', conf])
  assert.equal(result.status, 5, result.stderr)
  assert.equal(
    oneLine(result.stderr),
    `carbon: ${conf}: LINE_RECEIVER_PORT = 99999: not a port number (0-65535)`,
  )
})

test('issue 14: SIGTERM while the write-ahead log is replayed: the start ends there, exit 0, the log kept whole', async (t) => {
  const root = tempDir(t)
  const storage = path.join(root, 'storage')
  // Many small segments: a replay long enough to be interrupted, and progress events between them.
  const wal = new WriteAheadLog({ dir: path.join(storage, 'wal'), sync: 'off', segmentBytes: 4096 })
  await wal.replay(() => undefined)
  wal.open()
  const t0 = Math.floor(Date.now() / 1000) - 3600
  const segments = 3000
  let points = 0
  for (let s = 0; s < segments; s++) {
    for (let p = 0; p < 100; p++, points++) wal.append(encodeWalName(`replay.m${p % 7}`), t0 + s, p)
    wal.writeNow()
  }
  wal.close({ discard: false })
  const files = fs.readdirSync(path.join(storage, 'wal')).length
  assert.ok(files > 1000, String(files))

  const child = spawn(
    process.execPath,
    [path.join(BIN, 'carbon.cjs'), 'serve', '--log-format', 'json', ...PORTS, '--storage-dir', storage],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  t.after(() => child.kill('SIGKILL'))
  let stderr = ''
  let signalled = false
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    if (!signalled && stderr.includes('"wal-replaying"')) {
      signalled = true
      child.kill('SIGTERM')
    }
  })
  const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const events = stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; wal?: string })
  assert.equal(status, 0, stderr)
  assert.ok(!events.some((e) => e.type === 'listening'), 'never listened')
  const stoppedLines = events.filter((e) => e.type !== 'wal-replaying')
  assert.deepEqual(
    stoppedLines.map((e) => [e.type, e.wal]),
    [['stopped-starting', path.join(storage, 'wal')]],
    stderr,
  )
  assert.equal(fs.readdirSync(path.join(storage, 'wal')).length, files, 'no segment deleted or added')

  // The next start replays every point.
  const again = await startServe(t, ['--storage-dir', storage])
  const replayed = await again.waitFor((e) => e.type === 'wal-replayed')
  assert.equal(replayed.points, points)
  await again.stop()
})

test('issue 14: `npm start` under a supervisor: SIGTERM to npm stops carbon serve and frees its ports', async (t) => {
  if (spawnSync('npm', ['--version']).status !== 0) return t.skip('npm is not on the PATH')
  const storage = tempDir(t)
  const npm = spawn(
    'npm',
    ['start', '--silent', '--', '--log-format', 'json', ...PORTS, '--storage-dir', storage],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  )
  // Whatever happens, nothing of this test outlives it (the whole process group).
  t.after(() => {
    try {
      process.kill(-npm.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  })
  let stderr = ''
  const listening = new Promise<{ port: number }[]>((resolve) =>
    npm.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const line = stderr.split('\n').find((l) => l.includes('"listening"'))
      if (line) resolve((JSON.parse(line) as { addresses: { port: number }[] }).addresses)
    }),
  )
  const addresses = await listening
  const exited = new Promise<number | null>((resolve) => npm.on('close', (code) => resolve(code)))
  // Only npm is signalled, as a supervisor that knows only its own child would.
  npm.kill('SIGTERM')
  await exited
  // The daemon stops too: its ports are free within the stop's time (only a hang bounds the wait: a
  // daemon that outlived npm would hold them for ever; its stop writes its cache, slow when loaded).
  const deadline = Date.now() + 120_000
  for (const { port } of addresses) {
    for (;;) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port })
        socket.on('connect', () => (socket.destroy(), resolve(false)))
        socket.on('error', () => resolve(true))
      })
      if (refused) break
      assert.ok(Date.now() < deadline, `port ${port} still open: carbon serve outlived npm\n${stderr}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  assert.match(stderr, /"stopped"/, 'carbon serve stopped cleanly (wrote its cache)')
})
