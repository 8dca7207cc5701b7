import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { loadServeConfig } from '../../../core/daemon/serve-config.js'
import type { Daemon } from '../../../core/daemon/daemon.js'
import { startDaemon } from '../../../core/daemon/daemon.js'
import { MAX_WRITERS } from '../../../core/daemon/daemon-settings.js'
import type { WalSync } from '../../../core/daemon/wal.js'
import { WAL_SYNC_MODES } from '../../../core/daemon/wal.js'
import { AbortedError, InvalidArgumentError as CoreInvalidArgumentError } from '../../../core/errors.js'
import { DEFAULT_MAX_UPLOAD_BYTES, peerUrl } from '../../../core/http/admin.js'
import { readAdminToken } from '../../../core/http/admin-token.js'
import { choice, parseCountOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { reclaimMemory } from '../../shared/memory.js'
import { packageVersion } from '../../shared/program.js'
import { handleSignals, onFatal, processResources } from '../../shared/signals.js'
import { renderServeEvent } from '../render/serve-log.js'

interface ServeFlags {
  config?: string
  instance?: string
  storageDir?: string
  linePort?: number
  picklePort?: number
  queryPort?: number
  udp?: boolean
  interface?: string
  httpPort?: number
  httpInterface?: string
  writers?: number
  logFormat: 'text' | 'json'
  shutdownTimeout?: number
  wal: boolean
  walSync?: WalSync
  walMaxSize?: number
  adminTokenFile?: string
  adminMaxUpload?: number
  adminPeer: string[]
}

/** A size in bytes: a count, or one with K, M or G (powers of 1024; KiB, MB... spellings too). */
function parseSizeOption(text: string): number {
  const match = /^\s*([0-9]+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text)
  if (!match) throw new InvalidArgumentError(`not a size (bytes, or a number with K, M or G): '${text}'`)
  const bytes = Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase())
  if (bytes < 1 << 20) throw new InvalidArgumentError(`at least 1M: '${text}'`)
  return bytes
}

/** A whole number from `min` to `max`; anything else is a usage error (exit 2). */
function parseBounded(min: number, max: number, what: string): (text: string) => number {
  return (text) => {
    const n = parseCountOption(text)
    if (n < min || n > max) throw new InvalidArgumentError(`${what} from ${min} to ${max}: '${text}'`)
    return n
  }
}

/** 0 is any free port. */
const parsePort = parseBounded(0, 65535, 'a port')
const parseWriters = parseBounded(1, MAX_WRITERS, 'writer threads')
/** Node's timers take at most 2^31-1 ms: a longer deadline would fire at once. */
const parseShutdownTimeout = parseBounded(0, Math.floor((2 ** 31 - 1) / 1000), 'seconds')

function parseHttpPort(text: string): number {
  if (text.trim() === '-1') return -1
  const port = parseCountOption(text)
  if (port > 65535) throw new InvalidArgumentError(`not a port number (0-65535, or -1 for off): '${text}'`)
  return port
}

/** The admin API's settings: the token read now (an unreadable or empty file stops the start, exit 5). */
function adminSettings(
  flags: ServeFlags,
  httpOn: boolean,
  cwd: string,
): { token: string; maxUploadBytes: number; version: string; peers: string[] } | undefined {
  if (flags.adminTokenFile === undefined) {
    if (flags.adminMaxUpload !== undefined)
      throw new CoreInvalidArgumentError('--admin-max-upload needs --admin-token-file')
    if (flags.adminPeer.length > 0)
      throw new CoreInvalidArgumentError('--admin-peer needs --admin-token-file')
    return undefined
  }
  if (!httpOn) throw new CoreInvalidArgumentError('--admin-token-file needs the HTTP API (--http-port)')
  return {
    token: readAdminToken(path.resolve(cwd, flags.adminTokenFile)),
    maxUploadBytes: flags.adminMaxUpload ?? DEFAULT_MAX_UPLOAD_BYTES,
    version: packageVersion(),
    peers: flags.adminPeer,
  }
}

export function registerServe(program: Command, ctx: Context): void {
  program
    .command('serve')
    .description(
      'run a carbon-cache compatible daemon in the foreground (SIGTERM/SIGINT: write the cache and stop; SIGHUP: reload rules)',
    )
    .option('--config <file>', 'carbon.conf (its directory holds storage-schemas.conf and the rest)')
    .option('--instance <name>', 'the [cache:<name>] section and the self-metrics name (default a)')
    .option('--storage-dir <dir>', 'data in <dir>/whisper (default: STORAGE_DIR, or ./storage)')
    .option('--line-port <port>', 'plaintext port (0: any free port)', parsePort)
    .option('--pickle-port <port>', 'pickle port (0: any free port)', parsePort)
    .option('--query-port <port>', 'CarbonLink port (0: any free port)', parsePort)
    .option('--udp', 'also listen for plaintext over UDP on the line port')
    .option('--interface <address>', 'listen on this address instead of the configured ones')
    .option(
      '--http-port <port>',
      'HTTP read API port (default 8080; 0: any free port; -1: off)',
      parseHttpPort,
    )
    .option(
      '--http-interface <address>',
      'HTTP read API address (default 127.0.0.1; --interface does not move it)',
    )
    .option(
      '--writers <n>',
      `writer threads, 1 to ${MAX_WRITERS} (default: one per core, at most 4)`,
      parseWriters,
    )
    .option('--log-format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .option(
      '--shutdown-timeout <seconds>',
      'on stop, leave what is not written by then in the write-ahead log; the next start replays it',
      parseShutdownTimeout,
    )
    .option(
      '--wal-sync <when>',
      'fsync the write-ahead log: interval (at most every second), always (before acknowledging), off',
      choice(WAL_SYNC_MODES),
    )
    .option('--no-wal', 'no write-ahead log: a crash loses the points in memory')
    .option(
      '--wal-max-size <bytes>',
      'pause TCP receivers when the write-ahead log is this big (default 2G)',
      parseSizeOption,
    )
    .option('--admin-token-file <file>', 'serve the admin API (/admin/) to clients with the token in <file>')
    .option(
      '--admin-max-upload <bytes>',
      `the largest whisper file the admin API accepts (default ${DEFAULT_MAX_UPLOAD_BYTES >> 20}M)`,
      parseSizeOption,
    )
    .option(
      '--admin-peer <url>',
      "another node's admin URL this node may pull metrics from, with its own token (repeatable)",
      (value: string, previous: string[]) => {
        if (peerUrl(value) === undefined)
          throw new InvalidArgumentError(`not an http URL without query or credentials: '${value}'`)
        return [...previous, value]
      },
      [] as string[],
    )
    .action(async (flags: ServeFlags) => {
      const { settings, config, reload, warnings } = loadServeConfig({ ...flags, cwd: ctx.cwd, env: ctx.env })
      const admin = adminSettings(flags, settings.http.port !== null, ctx.cwd)
      // Log lines go out in one write per turn of the event loop: stderr is a pipe or a file, written
      // synchronously, and a burst of events (10,000 files created) must not cost a syscall each.
      let pending: string[] = []
      const flush = (): void => {
        if (pending.length > 0) ctx.stderr.write(pending.join(''))
        pending = []
      }
      const onEvent = (event: Parameters<typeof renderServeEvent>[0]): void => {
        if (pending.length === 0) setImmediate(flush)
        pending.push(renderServeEvent(event, flags.logFormat, new Date()))
      }
      const bundled = new URL('./persister-worker.cjs', import.meta.url)
      const workerUrl = fs.existsSync(bundled)
        ? bundled
        : new URL('../../../core/daemon/persister-worker.js', import.meta.url)
      const parserWorkerUrl = fs.existsSync(bundled)
        ? new URL('./parser-worker.cjs', import.meta.url)
        : new URL('../../../core/daemon/parser-worker.js', import.meta.url)
      // Signals are taken from the start: a stop asked for while starting happens once started.
      let daemon: Daemon | undefined
      let stopAsked!: () => void
      const stop = new Promise<void>((resolve) => (stopAsked = resolve))
      // A stop during a long replay ends the start there (the log is kept).
      const starting = new AbortController()
      const release = handleSignals({
        stop: () => {
          starting.abort()
          stopAsked()
        },
        reload: () => void daemon?.reload(),
      })
      // A bug the daemon's guards did not catch: the log is written and kept, exit 70.
      const releaseFatal = onFatal((error) => {
        const stack = error instanceof Error && error.stack ? error.stack : String(error)
        onEvent({
          type: 'fault',
          where: 'daemon (cannot go on: exiting 70, the write-ahead log kept)',
          message: error instanceof Error ? error.message : String(error),
          stack,
        })
        try {
          daemon?.abandon()
        } finally {
          flush()
        }
      })
      try {
        daemon = await startDaemon({
          signal: starting.signal,
          // Tests of the daemon's robustness only: a point or query for this metric throws.
          throwOnMetric: ctx.env.CARBONKIT_TEST_THROW_ON || undefined,
          // Tests of memory only: idle names and files are swept every this many seconds, not 60.
          sweepSeconds:
            Number(ctx.env.CARBONKIT_SWEEP_SECONDS) > 0 ? Number(ctx.env.CARBONKIT_SWEEP_SECONDS) : undefined,
          // Tests of the writers' CPU only: their wait for one is judged every this many ms, not 10 s.
          writerPaceMs:
            Number(ctx.env.CARBONKIT_WRITER_PACE_MS) > 0
              ? Number(ctx.env.CARBONKIT_WRITER_PACE_MS)
              : undefined,
          reclaimMemory,
          settings,
          config,
          reloadConfig: reload,
          warnings,
          workerUrl,
          parserWorkerUrl,
          resources: processResources,
          onEvent,
          admin,
        })
        await stop
        await daemon.stop({ timeoutSeconds: flags.shutdownTimeout })
      } catch (error) {
        // Asked to stop while starting: a stop like any other (the event said what was kept).
        if (!(error instanceof AbortedError && starting.signal.aborted)) throw error
      } finally {
        release()
        releaseFatal()
        flush()
      }
    })
}
