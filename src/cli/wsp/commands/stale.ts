import type { Command } from 'commander'
import { findStale } from '../../../core/inventory/stale.js'
import type { Context } from '../../shared/context.js'
import { parseDurationOption } from '../../shared/args.js'
import { emit } from '../../shared/output.js'
import { runWalk } from '../../shared/walk.js'
import { renderStale } from '../render/inventory.js'

interface StaleFlags {
  olderThan: number
  delete?: boolean
  quarantine?: string
  json?: boolean
  quiet?: boolean
}

export function registerStale(program: Command, ctx: Context): void {
  program
    .command('stale')
    .description('metrics whose newest point (read from every archive) is older than a limit')
    .argument('<dir>', 'the data directory')
    .argument('[glob]', 'only the metrics this Graphite glob matches')
    .requiredOption('--older-than <duration>', 'the limit: 30d, 12h, 90m, or seconds', parseDurationOption)
    .option('--delete', 'delete each stale file (checked again under its lock)')
    .option('--quarantine <dir>', 'move each stale file there, keeping its path under <dir>')
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (dir: string, glob: string | undefined, flags: StaleFlags) => {
      const removes = Boolean(flags.delete || flags.quarantine !== undefined)
      const report = await runWalk(ctx, 'stale', { quiet: flags.quiet || flags.json, removes }, (walk) =>
        findStale(dir, { ...flags, glob, now: ctx.now(), ...walk }),
      )
      await emit(ctx, report, { json: flags.json, render: renderStale })
    })
}
