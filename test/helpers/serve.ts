// `carbon serve` run as a user runs it (bin/carbon.cjs), for end-to-end tests: every port 0 unless
// given, JSON logs on stderr parsed into events, stopped (SIGKILL) when the test ends if still up.
// Also the clients a test sends with: TCP, UDP, and the reference's own view of the files written.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { BIN, ROOT } from './paths.js'
import { REFERENCE_PYTHON } from './reference.js'

export interface ServeEvent {
  type: string
  [key: string]: unknown
}

export interface Serve {
  child: ChildProcess
  ports: { line?: number; udp?: number; pickle?: number; query?: number; http?: number }
  events: ServeEvent[]
  stderr(): string
  /** Resolves with the first event (past or future) that `match` accepts (within 120 s unless given). */
  waitFor(match: (event: ServeEvent) => boolean, timeoutMs?: number): Promise<ServeEvent>
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ status: number | null; signal: NodeJS.Signals | null }>
  exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>
}

/** Start `carbon serve --log-format json` with port 0 for every listener not given in `args`. */
export async function startServe(
  t: Pick<TestContext, 'after'>,
  args: readonly string[],
  /** `baseEnv` (default process.env) is what `env` is laid over. */
  options: { cwd?: string; env?: NodeJS.ProcessEnv; baseEnv?: NodeJS.ProcessEnv } = {},
): Promise<Serve> {
  const defaults: string[] = []
  for (const flag of ['--line-port', '--pickle-port', '--query-port', '--http-port'])
    if (!args.includes(flag)) defaults.push(flag, '0')
  const child = spawn(
    process.execPath,
    [path.join(BIN, 'carbon.cjs'), 'serve', '--log-format', 'json', ...defaults, ...args],
    {
      cwd: options.cwd,
      env: { ...(options.baseEnv ?? process.env), NO_COLOR: '1', TZ: 'UTC', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  let pending = ''
  const events: ServeEvent[] = []
  const waiters: { match: (e: ServeEvent) => boolean; resolve: (e: ServeEvent) => void }[] = []
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    pending += chunk.toString()
    let newline
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      let event: ServeEvent
      try {
        event = JSON.parse(line) as ServeEvent
      } catch {
        continue
      }
      events.push(event)
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(event)
        }
      }
    }
  })
  child.stdout!.resume()
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (status, signal) => resolve({ status, signal })),
  )
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  // The timeout only bounds a hang (an exit rejects at once): on a loaded machine a start that takes
  // half a second of CPU took 55 s (load 50 on 2 cores), and a write by a writer that yields the CPU (SCHED_IDLE) waits longer still.
  const waitFor = (match: (e: ServeEvent) => boolean, timeoutMs = 120_000): Promise<ServeEvent> => {
    const seen = events.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such event within ${timeoutMs} ms; stderr:\n${stderr}`)),
        timeoutMs,
      )
      waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) })
      void exited.then(() =>
        setTimeout(() => reject(new Error(`carbon serve exited; stderr:\n${stderr}`)), 100),
      )
    })
  }
  const listening = await waitFor((e) => e.type === 'listening')
  const ports: Serve['ports'] = {}
  for (const a of listening.addresses as { protocol: keyof Serve['ports']; port: number }[])
    ports[a.protocol] = a.port
  return {
    child,
    ports,
    events,
    stderr: () => stderr,
    waitFor,
    exited,
    stop(signal = 'SIGTERM') {
      child.kill(signal)
      return exited
    },
  }
}

/** Send bytes over one TCP connection and close it; resolves when the server has closed its side too. */
export function sendTcp(port: number, ...chunks: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      for (const chunk of chunks) socket.write(chunk)
      socket.end()
    })
    socket.on('error', reject)
    socket.on('close', () => resolve())
    socket.resume()
  })
}

export function sendUdp(port: number, ...datagrams: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4')
    let left = datagrams.length
    for (const d of datagrams) {
      socket.send(d, port, '127.0.0.1', (error) => {
        if (error) reject(error)
        if (--left === 0) socket.close(() => resolve())
      })
    }
  })
}

/** A 4-byte big-endian length, then the body. */
export function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.byteLength)
  return Buffer.concat([head, body])
}

/** Python's pickle of `expression` (evaluated by the reference python), protocol `protocol`. */
export function pythonPickle(expression: string, protocol: number): Buffer {
  const result = spawnSync(REFERENCE_PYTHON, [
    '-c',
    `import pickle, sys; sys.stdout.buffer.write(pickle.dumps(${expression}, protocol=${protocol}))`,
  ])
  if (result.status !== 0) throw new Error(result.stderr.toString())
  return result.stdout
}

export interface TreeFile {
  archives: [number, number][]
  aggregationMethod: string
  xFilesFactor: number
  points: [number, number][]
}

/** Every .wsp under `dir` as the reference whisper library reads it (finest archive's points). */
export function readTreeWithReference(
  dir: string,
  // A minute ahead: senders such as statsd round their clock up.
  now = Math.floor(Date.now() / 1000) + 60,
): Record<string, TreeFile> {
  const script = path.join(ROOT, 'test', 'helpers', 'read_whisper_tree.py')
  const result = spawnSync(REFERENCE_PYTHON, [script, dir, String(now)], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  })
  if (result.status !== 0) throw new Error(result.stderr)
  return JSON.parse(result.stdout) as Record<string, TreeFile>
}

/**
 * A carbon.conf for a test daemon under `root`, with storage-schemas.conf (a 60s:1d catch-all unless
 * given) and storage-aggregation.conf (when given) beside it: everything on 127.0.0.1, no write limit
 * unless `settings` says otherwise. Returns the carbon.conf's path.
 */
export function writeServeConfig(
  root: string,
  files: { settings?: Record<string, string>; schemas?: string; aggregation?: string } = {},
): string {
  const dir = path.join(root, 'conf')
  fs.mkdirSync(dir, { recursive: true })
  const storage = path.join(root, 'storage')
  const settings = {
    STORAGE_DIR: storage,
    LOCAL_DATA_DIR: path.join(storage, 'whisper'),
    LINE_RECEIVER_INTERFACE: '127.0.0.1',
    PICKLE_RECEIVER_INTERFACE: '127.0.0.1',
    CACHE_QUERY_INTERFACE: '127.0.0.1',
    UDP_RECEIVER_INTERFACE: '127.0.0.1',
    MAX_UPDATES_PER_SECOND: '100000',
    ...files.settings,
  }
  const conf = ['[cache]', ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`), ''].join('\n')
  fs.writeFileSync(path.join(dir, 'carbon.conf'), conf)
  fs.writeFileSync(
    path.join(dir, 'storage-schemas.conf'),
    files.schemas ?? '[default]\npattern = .*\nretentions = 60s:1d\n',
  )
  if (files.aggregation) fs.writeFileSync(path.join(dir, 'storage-aggregation.conf'), files.aggregation)
  return path.join(dir, 'carbon.conf')
}
