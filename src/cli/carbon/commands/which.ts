import type { Command } from 'commander'
import { DEFAULT_CONFIG_DIR, readConfigDir } from '../../../core/config/config-set.js'
import { whichMetrics } from '../../../core/config/match.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderWhich } from '../render/which.js'

export function registerWhich(program: Command, ctx: Context): void {
  program
    .command('which')
    .description('show the schema, aggregation and file carbon-cache gives each metric')
    .argument('<metric...>', 'metric names, tagged ones included (name;tag=value)')
    .option('--config-dir <dir>', "carbon's configuration directory", DEFAULT_CONFIG_DIR)
    .option('--json', 'print the report as JSON')
    .action(async (metrics: string[], flags: { configDir: string; json?: boolean }) => {
      const { set } = readConfigDir(flags.configDir, { env: ctx.env })
      await emit(ctx, whichMetrics(metrics, set), { json: flags.json, render: renderWhich })
    })
}
