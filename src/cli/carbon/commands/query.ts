import path from 'node:path'
import type { Command } from 'commander'
import { loadServeConfig } from '../../../core/daemon/serve-config.js'
import { addPointsOnDisk } from '../../../core/daemon/query-files.js'
import { CARBONLINK_PORT, queryCache } from '../../../core/protocol/query.js'
import { parseCountOption, parsePortOption, parseSecondsToMs } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { renderQuery } from '../render/query.js'

interface QueryFlags {
  host: string
  port?: number
  config?: string
  instance?: string
  storageDir?: string
  metadata?: boolean
  json?: boolean
  retries: number
  timeout?: number
}

export function registerQuery(program: Command, ctx: Context): void {
  program
    .command('query')
    .description('show the points a running carbon-cache holds in memory for some metrics (CarbonLink)')
    .argument('<metric...>', 'metric names, exactly as stored (tagged names normalised)')
    .option('--host <host>', 'carbon-cache host', '127.0.0.1')
    .option(
      '-p, --port <port>',
      `CarbonLink port (default: ${CARBONLINK_PORT}, or CACHE_QUERY_PORT with --config)`,
      parsePortOption,
    )
    .option('--storage-dir <dir>', "also show each metric's newest point on disk, in <dir>/whisper")
    .option(
      '--config <file>',
      "also show each metric's newest point on disk, under carbon.conf's LOCAL_DATA_DIR",
    )
    .option('--instance <name>', 'with --config: the [cache:<name>] section (default a)')
    .option('--metadata', "also ask each metric's aggregationMethod (read from its whisper file)")
    .option('--json', 'print the same data as JSON')
    .option(
      '--retries <count>',
      'retry a refused or timed-out connection this many times',
      parseCountOption,
      0,
    )
    .option('--timeout <seconds>', 'connect and reply timeout (default: 10)', parseSecondsToMs)
    .action(async (metrics: string[], flags: QueryFlags) => {
      const files = flags.config !== undefined || flags.storageDir !== undefined
      const settings = files
        ? loadServeConfig({
            ...flags,
            storageDir: flags.storageDir === undefined ? undefined : path.resolve(ctx.cwd, flags.storageDir),
            cwd: ctx.cwd,
            env: ctx.env,
          }).settings
        : undefined
      const options = {
        host: flags.host,
        port:
          flags.port ?? (flags.config !== undefined ? settings?.query.port : undefined) ?? CARBONLINK_PORT,
        metadata: flags.metadata,
        retries: flags.retries,
        timeoutMs: flags.timeout,
      }
      const cached = await queryCache(metrics, options)
      const result = settings ? addPointsOnDisk(cached, { ...settings, now: ctx.now() }) : cached
      await emit(ctx, result, { json: flags.json, render: renderQuery })
      if (result.metrics.every((m) => m.datapoints.length === 0 && !m.onDisk?.latest))
        throw new NegativeAnswer(
          settings
            ? `no points in cache or on disk for ${metrics.join(', ')}`
            : `no points in cache for ${metrics.join(', ')} (points already written are on disk: add --storage-dir or --config)`,
        )
    })
}
