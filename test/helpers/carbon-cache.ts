// The reference carbon-cache (Debian's graphite-carbon 1.1.7) run in the foreground for a test file:
// a temporary GRAPHITE_ROOT and config, 127.0.0.1 only, free ports, stopped at the end (even when a
// test fails) through the `after` hook it is given.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { REFERENCE_PYTHON } from './reference.js'

export interface CarbonCache {
  readonly root: string
  /** The python process itself (it runs in the foreground: no wrapper, no fork). */
  readonly pid: number
  /** LOCAL_DATA_DIR: where the whisper files go. */
  readonly dataDir: string
  readonly linePort: number
  /** The UDP listener's port (the same number as linePort, as carbon's defaults have it). */
  readonly udpPort: number
  readonly picklePort: number
  readonly queryPort: number
  /** Everything carbon-cache printed so far (--debug logs go to stdout). */
  log(): string
  stop(): Promise<void>
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>
}

/** A port that is free for TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer()
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))
    })
    await new Promise((resolve) => server.close(resolve))
    const udp = dgram.createSocket('udp4')
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false))
      udp.bind(port, '127.0.0.1', () => resolve(true))
    })
    udp.close()
    if (udpFree) return port
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:`port` now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface StartOptions {
  /** A scratch directory (the test's tempDir). */
  root: string
  /** Extra [cache] settings, e.g. { CACHE_WRITE_STRATEGY: 'timesorted' }. */
  settings?: Record<string, string>
  /** storage-schemas.conf; default: everything 60s:1d. */
  schemas?: string
  /** Registers the stop; pass node:test's `after` (suite) or `t.after`. */
  after: (fn: () => Promise<void>) => void
  /**
   * true (default): `--debug`, debug logging on. false: `--nodaemon`, the foreground with carbon's
   * normal logging, as in production (benchmarks). Both log to stdout.
   */
  debug?: boolean
  env?: NodeJS.ProcessEnv
}

/** carbon-cache could not bind a port picked free a moment before: another process took it. */
class PortTaken extends Error {}

/**
 * Start carbon-cache and wait until all its listeners accept. carbon-cache takes no port 0 (0 turns
 * a listener off), so its ports are picked free here and bound by it a moment later: another process
 * can take one in between, and carbon-cache then exits at start-up with "Address already in use". It
 * is started again on other ports (at most 5 times).
 */
export async function startCarbonCache(options: StartOptions): Promise<CarbonCache> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options)
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 5) throw error
      // Its pid file, if the failed start left one, would stop the next start.
      fs.rmSync(path.join(options.root, 'storage', 'carbon-cache-a.pid'), { force: true })
    }
  }
}

async function startOnFreePorts(options: StartOptions): Promise<CarbonCache> {
  const root = options.root
  const conf = path.join(root, 'conf')
  const storage = path.join(root, 'storage')
  const dataDir = path.join(storage, 'whisper')
  fs.mkdirSync(conf, { recursive: true })
  fs.mkdirSync(dataDir, { recursive: true })
  const [linePort, picklePort, queryPort] = [await freePort(), await freePort(), await freePort()]
  const settings: Record<string, string> = {
    STORAGE_DIR: storage,
    LOCAL_DATA_DIR: dataDir,
    LOG_DIR: path.join(storage, 'log'),
    PID_DIR: storage,
    ENABLE_TAGS: 'False',
    LOG_UPDATES: 'False',
    LOG_CACHE_HITS: 'False',
    MAX_UPDATES_PER_SECOND: 'inf',
    MAX_CREATES_PER_MINUTE: 'inf',
    LINE_RECEIVER_INTERFACE: '127.0.0.1',
    LINE_RECEIVER_PORT: String(linePort),
    ENABLE_UDP_LISTENER: 'True',
    UDP_RECEIVER_INTERFACE: '127.0.0.1',
    UDP_RECEIVER_PORT: String(linePort),
    PICKLE_RECEIVER_INTERFACE: '127.0.0.1',
    PICKLE_RECEIVER_PORT: String(picklePort),
    CACHE_QUERY_INTERFACE: '127.0.0.1',
    CACHE_QUERY_PORT: String(queryPort),
    ...options.settings,
  }
  const lines = ['[cache]', ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`), '']
  fs.writeFileSync(path.join(conf, 'carbon.conf'), lines.join('\n'))
  fs.writeFileSync(
    path.join(conf, 'storage-schemas.conf'),
    options.schemas ?? '[default]\npattern = .*\nretentions = 60s:1d\n',
  )

  let output = ''
  const child: ChildProcess = spawn(
    REFERENCE_PYTHON,
    [
      '-W',
      'ignore',
      '/usr/bin/carbon-cache',
      `--config=${path.join(conf, 'carbon.conf')}`,
      options.debug === false ? '--nodaemon' : '--debug',
      'start',
    ],
    { env: { ...(options.env ?? process.env), GRAPHITE_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (status, signal) => resolve({ status, signal })),
  )
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
  options.after(stop)

  const udp = settings.ENABLE_UDP_LISTENER !== 'False'
  // Only a hang: twisted's start-up takes seconds of CPU, minutes on a loaded machine.
  const deadline = Date.now() + 180_000
  for (;;) {
    if (child.exitCode !== null) {
      const message = `carbon-cache exited ${child.exitCode} at startup:\n${output}`
      throw /Address already in use|CannotListenError/.test(output)
        ? new PortTaken(message)
        : new Error(message)
    }
    const ready =
      (await canConnect(linePort)) &&
      (await canConnect(picklePort)) &&
      (await canConnect(queryPort)) &&
      (!udp || output.includes(`MetricDatagramReceiver starting on ${linePort}`))
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`carbon-cache did not start within 180 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    root,
    pid: child.pid!,
    dataDir,
    linePort,
    udpPort: linePort,
    picklePort,
    queryPort,
    log: () => output,
    stop,
    exited,
  }
}
