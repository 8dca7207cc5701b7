import type { Command } from 'commander'
import { CARBONLINK_PORT, queryCache } from '../../../core/protocol/query.js'
import { parseCountOption, parsePortOption, parseSecondsOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { renderQuery } from '../render/query.js'

interface QueryFlags {
  host: string
  port: number
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
    .option('-p, --port <port>', 'CarbonLink port', parsePortOption, CARBONLINK_PORT)
    .option('--metadata', "also ask each metric's aggregationMethod (read from its whisper file)")
    .option('--json', 'print the same data as JSON')
    .option(
      '--retries <count>',
      'retry a refused or timed-out connection this many times',
      parseCountOption,
      0,
    )
    .option('--timeout <seconds>', 'connect and reply timeout (default: 10)', parseSecondsOption)
    .action(async (metrics: string[], flags: QueryFlags) => {
      const options = {
        host: flags.host,
        port: flags.port,
        metadata: flags.metadata,
        retries: flags.retries,
        timeoutMs: flags.timeout,
      }
      const result = await queryCache(metrics, options)
      await emit(ctx, result, { json: flags.json, render: renderQuery })
      if (result.metrics.every((m) => m.datapoints.length === 0))
        throw new NegativeAnswer(`no points in cache for ${metrics.join(', ')}`)
    })
}
