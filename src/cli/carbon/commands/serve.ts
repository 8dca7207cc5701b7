import fs from 'node:fs'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { loadServeConfig } from '../../../core/daemon/config.js'
import type { Daemon } from '../../../core/daemon/daemon.js'
import { startDaemon } from '../../../core/daemon/daemon.js'
import { choice, parseCountOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { handleSignals, processResources } from '../../shared/signals.js'
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
}

function parseHttpPort(text: string): number {
  if (text.trim() === '-1') return -1
  const port = parseCountOption(text)
  if (port > 65535) throw new InvalidArgumentError(`not a port number (0-65535, or -1 for off): '${text}'`)
  return port
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
    .option('--line-port <port>', 'plaintext port (0: any free port)', parseCountOption)
    .option('--pickle-port <port>', 'pickle port (0: any free port)', parseCountOption)
    .option('--query-port <port>', 'CarbonLink port (0: any free port)', parseCountOption)
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
    .option('--writers <n>', 'writer threads (default 1)', parseCountOption)
    .option('--log-format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .option(
      '--shutdown-timeout <seconds>',
      'on stop, dump what is not written by then; the next start replays it',
      parseCountOption,
    )
    .action(async (flags: ServeFlags) => {
      const { settings, config, reload, warnings } = loadServeConfig({ ...flags, cwd: ctx.cwd, env: ctx.env })
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
      // Signals are taken from the start: a stop asked for while starting happens once started.
      let daemon: Daemon | undefined
      let stopAsked!: () => void
      const stop = new Promise<void>((resolve) => (stopAsked = resolve))
      const release = handleSignals({ stop: () => stopAsked(), reload: () => void daemon?.reload() })
      try {
        daemon = await startDaemon({
          settings,
          config,
          reloadConfig: reload,
          warnings,
          workerUrl,
          resources: processResources,
          onEvent,
        })
        await stop
        await daemon.stop({ timeoutSeconds: flags.shutdownTimeout })
      } finally {
        release()
        flush()
      }
    })
}
