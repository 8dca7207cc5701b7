// `carbon send` end to end: the built binary against the reference carbon-cache (Debian's
// graphite-carbon 1.1.7, a temporary config, 127.0.0.1, free ports). Points sent with each protocol
// must land in carbon's whisper files with their values and timestamps.

import { spawn, spawnSync } from 'node:child_process'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { CorruptFileError } from '../../../src/core/errors.js'
import { decodePickle } from '../../../src/core/protocol/pickle.js'
import { fetch } from '../../../src/core/whisper/fetch.js'
import { runAsync } from '../../helpers/cli.js'
import type { CarbonCache } from '../../helpers/carbon-cache.js'
import { startCarbonCache } from '../../helpers/carbon-cache.js'
import { BIN } from '../../helpers/paths.js'
import { runOnTerminal } from '../../helpers/pty.js'
import { REFERENCE_PYTHON, needsReference } from '../../helpers/reference.js'

/** A minute boundary an hour ago: inside the 60s:1d schema, and stored exactly. */
const T = Math.floor(Date.now() / 1000 / 60) * 60 - 3600

function whisperPath(cache: CarbonCache, metric: string): string {
  return path.join(cache.dataDir, ...metric.split('.')) + '.wsp'
}

/** Wait until carbon has written `expected` ([timestamp, value]) to the metric's file. */
async function waitForPoints(
  cache: CarbonCache,
  metric: string,
  expected: [number, number][],
): Promise<void> {
  const file = whisperPath(cache, metric)
  const from = Math.min(...expected.map(([ts]) => ts)) - 60
  const until = Math.max(...expected.map(([ts]) => ts))
  const deadline = Date.now() + 120_000
  let last = ''
  for (;;) {
    // carbon-cache (whisper.create) writes a new file in place: it can be seen before its header is.
    let result: ReturnType<typeof fetch> | undefined
    try {
      if (fs.existsSync(file)) result = fetch(file, from, until)
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error
      last = `a file still being created (${error.message})`
    }
    if (result) {
      const stored = new Map(
        result.values.map((v, i) => [result.timeInfo.fromInterval + i * result.timeInfo.step, v]),
      )
      const got = expected.map(([ts]) => [ts, stored.get(ts) ?? null])
      last = JSON.stringify(got)
      if (JSON.stringify(got) === JSON.stringify(expected)) return
    }
    if (Date.now() > deadline)
      assert.fail(
        `${metric}: expected ${JSON.stringify(expected)} in ${file}, got ${last || 'no file'}\n${cache.log().slice(-3000)}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Run a shell command with a terminal (script(1)); resolves with what the terminal showed. */
function runInTerminal(command: string): Promise<string> {
  return new Promise((resolve) => {
    let out = ''
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', () => resolve(out.replace(/\r/g, '')))
  })
}

async function deadPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('carbon send against carbon-cache 1.1.7', needsReference('carbon'), () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-send-'))
  const stops: (() => Promise<void>)[] = []
  let cache: CarbonCache
  before(async () => {
    cache = await startCarbonCache({ root, after: (stop) => stops.push(stop) })
  })
  after(async () => {
    for (const stop of stops) await stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  test('plaintext over TCP (the default protocol)', async () => {
    const result = await runAsync('carbon', [
      'send',
      '--port',
      String(cache.linePort),
      'e2e.line',
      '3.5',
      String(T),
    ])
    assert.deepEqual(result, { status: 0, stdout: '', stderr: '' })
    await waitForPoints(cache, 'e2e.line', [[T, 3.5]])
  })

  test('UDP', async () => {
    const result = await runAsync('carbon', [
      'send',
      '--protocol',
      'udp',
      '--port',
      String(cache.udpPort),
      'e2e.udp',
      '1e3',
      String(T),
    ])
    assert.deepEqual(result, { status: 0, stdout: '', stderr: '' })
    await waitForPoints(cache, 'e2e.udp', [[T, 1000]])
  })

  test('pickle, with a negative value and a float timestamp', async () => {
    const result = await runAsync('carbon', [
      'send',
      '--protocol',
      'pickle',
      '-p',
      String(cache.picklePort),
      'e2e.pickle',
      '-7.25',
      `${T}.75`,
    ])
    assert.deepEqual(result, { status: 0, stdout: '', stderr: '' })
    await waitForPoints(cache, 'e2e.pickle', [[T, -7.25]])
  })

  test('no timestamp, or -1, means now', async () => {
    const before = Math.floor(Date.now() / 1000 / 60) * 60
    assert.equal((await runAsync('carbon', ['send', '-p', String(cache.linePort), 'e2e.now', '1'])).status, 0)
    assert.equal(
      (await runAsync('carbon', ['send', '-p', String(cache.linePort), 'e2e.now1', '2', '-1'])).status,
      0,
    )
    const now = Math.floor(Date.now() / 1000 / 60) * 60
    // The minute may have turned between the two clocks.
    await Promise.any([
      waitForPoints(cache, 'e2e.now', [[before, 1]]),
      waitForPoints(cache, 'e2e.now', [[now, 1]]),
    ])
    await Promise.any([
      waitForPoints(cache, 'e2e.now1', [[before, 2]]),
      waitForPoints(cache, 'e2e.now1', [[now, 2]]),
    ])
  })

  test('stdin lines over pickle: 1200 points in three frames, with --prefix', async () => {
    const lines: string[] = []
    const expected: [number, number][] = []
    for (let i = 0; i < 1200; i++) {
      const ts = T - i * 60
      lines.push(`bulk.series ${i / 4} ${ts}`)
      expected.push([ts, i / 4])
    }
    const result = await runAsync(
      'carbon',
      ['send', '--protocol', 'pickle', '-p', String(cache.picklePort), '--prefix', 'e2e'],
      {
        input: lines.join('\n') + '\n',
      },
    )
    assert.deepEqual(result, { status: 0, stdout: '', stderr: '' })
    await waitForPoints(cache, 'e2e.bulk.series', expected.reverse())
  })

  test('stdin JSON Lines over UDP, with --prefix and missing timestamps', async () => {
    const input = [
      JSON.stringify({ metric: 'json.a', value: 1.25, timestamp: T }),
      JSON.stringify({ metric: 'json.b', value: '42', timestamp: String(T - 60) }),
    ].join('\n')
    const result = await runAsync(
      'carbon',
      ['send', '--json', '--protocol', 'udp', '-p', String(cache.udpPort), '--prefix', 'e2e.'],
      { input },
    )
    assert.deepEqual(result, { status: 0, stdout: '', stderr: '' })
    await waitForPoints(cache, 'e2e.json.a', [[T, 1.25]])
    await waitForPoints(cache, 'e2e.json.b', [[T - 60, 42]])
  })

  test('bad input lines: each reported on stderr, the rest sent, exit 4', async () => {
    const input = `good.one 1 ${T}\nbad\ngood.two 2 ${T}\nvalue x ${T}\n`
    const result = await runAsync('carbon', ['send', '-p', String(cache.linePort), '--prefix', 'e2e'], {
      input,
    })
    assert.equal(result.status, 4)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      [
        'carbon: stdin:2: expected 2 or 3 fields (metric value [timestamp]), got 1: "bad"',
        `carbon: stdin:4: value 'x' is not a number: "value x ${T}"`,
        'carbon: stdin: 2 invalid lines skipped, 2 points sent',
        '',
      ].join('\n'),
    )
    await waitForPoints(cache, 'e2e.good.one', [[T, 1]])
    await waitForPoints(cache, 'e2e.good.two', [[T, 2]])
  })
})

describe('carbon send without a server', () => {
  test('a refused connection exits 6 with one line', async () => {
    const port = await deadPort()
    const result = await runAsync('carbon', ['send', '-p', String(port), 'a.b', '1'])
    assert.deepEqual(result, {
      status: 6,
      stdout: '',
      stderr: `carbon: 127.0.0.1:${port}: connection refused\n`,
    })
  })

  test('--retries retries with backoff, then says how many attempts were made', async () => {
    const port = await deadPort()
    const result = await runAsync('carbon', ['send', '-p', String(port), '--retries', '2', 'a.b', '1'])
    assert.deepEqual(result, {
      status: 6,
      stdout: '',
      stderr: `carbon: 127.0.0.1:${port}: connection refused (after 3 attempts)\n`,
    })
  })

  test('--retries reaches a server that comes up late', async (t) => {
    const port = await deadPort()
    let received = ''
    const server = net.createServer((socket) => socket.on('data', (d: Buffer) => (received += d.toString())))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    const running = runAsync('carbon', [
      'send',
      '-p',
      String(port),
      '--retries',
      '6',
      'late.metric',
      '5',
      '1700000000',
    ])
    setTimeout(() => server.listen(port, '127.0.0.1'), 700)
    assert.deepEqual(await running, { status: 0, stdout: '', stderr: '' })
    assert.equal(received, 'late.metric 5 1700000000\n')
  })

  test('a server that never closes the connection: exit 6 after --timeout', async (t) => {
    const server = net.createServer({ allowHalfOpen: true }, () => undefined)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => {
      server.close()
      server.unref()
    })
    const port = (server.address() as net.AddressInfo).port
    const result = await runAsync('carbon', ['send', '-p', String(port), '--timeout', '0.5', 'a.b', '1'])
    assert.deepEqual(result, {
      status: 6,
      stdout: '',
      stderr: `carbon: 127.0.0.1:${port}: timed out after 0.5 s waiting for the server to close the connection\n`,
    })
  })

  test('--dry-run prints the plaintext wire form and connects to nothing', async () => {
    const port = await deadPort()
    const result = await runAsync('carbon', [
      'send',
      '--dry-run',
      '-p',
      String(port),
      '--prefix',
      'p',
      'a.b',
      '0.1',
      '1700000000.9',
    ])
    assert.deepEqual(result, { status: 0, stdout: 'p.a.b 0.1 1700000000\n', stderr: '' })
  })

  test('--dry-run with pickle prints each frame as hex, which Python reads back', async () => {
    const input = Array.from({ length: 501 }, (_, i) => `m.${i} ${i} ${1700000000 + i}`).join('\n')
    const result = await runAsync('carbon', ['send', '--dry-run', '--protocol', 'pickle'], { input })
    assert.equal(result.status, 0)
    const frames = result.stdout.trimEnd().split('\n')
    assert.equal(frames.length, 2)
    for (const [i, hex] of frames.entries()) {
      const frame = Buffer.from(hex, 'hex')
      assert.equal(frame.readUInt32BE(0), frame.length - 4)
      const points = decodePickle(frame.subarray(4)) as unknown[]
      assert.equal(points.length, i === 0 ? 500 : 1)
    }
    const python = spawnSync(
      REFERENCE_PYTHON,
      ['-c', 'import pickle,sys; print(pickle.loads(bytes.fromhex(sys.argv[1])[4:])[-1])', frames[1]!],
      { encoding: 'utf8' },
    )
    assert.equal(python.stdout, "('m.500', (1700000500, 500.0))\n")
  })

  test('usage errors exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['send', 'a.b', 'abc'], /^carbon: invalid value 'abc': not a number\n$/],
      [['send', 'a.b', 'nan'], /^carbon: invalid value 'nan': carbon drops NaN values\n$/],
      [['send', 'a.b'], /^carbon: missing value for 'a.b'/],
      [['send', 'a.b', '1', 'tomorrow'], /^carbon: invalid timestamp 'tomorrow'/],
      [['send', '--protocol', 'http', 'a', '1'], /protocol/],
      [['send', '--port', '70000', 'a', '1'], /not a port number/],
      [['send', '--timeout', '0', 'a', '1'], /not a positive number of seconds/],
      [['send', '--json-input', 'a', '1'], /--json-input describes stdin/],
      [['send', '--json', 'a', '1'], /--json-input describes stdin/],
    ]
    for (const [args, pattern] of cases) {
      const result = await runAsync('carbon', args)
      assert.equal(result.status, 2, args.join(' '))
      assert.equal(result.stdout, '')
      assert.match(result.stderr, pattern)
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr)
    }
  })

  test('on a terminal, a summary on stderr: points, bytes, rate', async (t) => {
    const port = await deadPort()
    const server = net.createServer((socket) => socket.resume())
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    // script(1) gives the command a terminal; stdout goes to /dev/null, so what it prints is stderr.
    const command = `NO_COLOR=1 ${process.execPath} ${path.join(BIN, 'carbon.cjs')} send -p ${port} a.b 1.5 1700000000 > /dev/null`
    const result = await runInTerminal(command)
    assert.match(
      result,
      new RegExp(
        `^sent 1 point in 1 write \\(19 bytes\\) to 127\\.0\\.0\\.1:${port} over line in \\d+\\.\\d{3} s \\([\\d,]+ points/s\\)\n$`,
      ),
    )
  })
})

describe('issue 13.12: carbon send and query say what they wait for, and what they reached', () => {
  test('issue 13.12: carbon send with no points on a terminal says it reads stdin, and Ctrl-D ends it', async () => {
    const result = await runOnTerminal('carbon', ['send', '--dry-run'], {
      when: /end with Ctrl-D/,
      keys: 'a.b 1.5 1700000000\n\x04',
    })
    assert.equal(result.timedOut, false, result.output)
    assert.equal(result.status, 0, result.output)
    assert.match(
      result.output,
      /^carbon: reading `metric value \[timestamp\]` lines from stdin; end with Ctrl-D \(Ctrl-C cancels\)\r$/m,
    )
    // The dry run's wire form of the typed line.
    assert.match(result.output, /^a\.b 1\.5 1700000000\r$/m)
    const json = await runOnTerminal('carbon', ['send', '--dry-run', '--json'], {
      when: /end with Ctrl-D/,
      keys: '\x04',
    })
    assert.equal(json.status, 0, json.output)
    assert.match(json.output, /reading JSON Lines from stdin; end with Ctrl-D/)
    // Not on a terminal: no hint.
    const piped = await runAsync('carbon', ['send', '--dry-run'], { input: 'a.b 1.5 1700000000\n' })
    assert.deepEqual(piped, { status: 0, stdout: 'a.b 1.5 1700000000\n', stderr: '' })
  })

  test('issue 13.12: carbon send and query pointed at an HTTP server say so, exit 6', async (t) => {
    const server = http.createServer((_request, response) => response.end('hello\n'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    const port = String((server.address() as net.AddressInfo).port)
    const expected = `carbon: 127.0.0.1:${port}: looks like an HTTP server, not carbon (it answered "HTTP/1.1 400 Bad Request")\n`
    const cases: [string[], string?][] = [
      [['send', '-p', port, 'a.b', '1']],
      [['send', '-p', port, '--protocol', 'pickle', 'a.b', '1']],
      [['send', '-p', port], 'a.b 1 1700000000\n'],
      [['query', '-p', port, 'a.b']],
      [['query', '-p', port, 'a.b', 'c.d', '--metadata']],
    ]
    for (const [args, input] of cases) {
      // A timeout of 60 s: the answer must come from the reply, not from giving up.
      const result = await runAsync('carbon', [...args, '--timeout', '60'], { input })
      assert.deepEqual(result, { status: 6, stdout: '', stderr: expected }, args.join(' '))
    }
  })
})
