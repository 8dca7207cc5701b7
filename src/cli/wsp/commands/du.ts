import type { Command } from 'commander'
import { diskUsage } from '../../../core/inventory/du.js'
import type { Context } from '../../shared/context.js'
import { parseCountOption } from '../../shared/args.js'
import { emit } from '../../shared/output.js'
import { runWalk } from '../../shared/walk.js'
import { renderDu } from '../render/inventory.js'

export function registerDu(program: Command, ctx: Context): void {
  program
    .command('du')
    .description('bytes on disk, apparent bytes and whisper files per subtree, largest first')
    .argument('<dir>', 'the data directory')
    .option('--depth <n>', 'name segments per subtree (0: the total only)', parseCountOption, 1)
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (dir: string, flags: { depth: number; json?: boolean; quiet?: boolean }) => {
      const report = await runWalk(ctx, 'du', { quiet: flags.quiet || flags.json }, (walk) =>
        diskUsage(dir, flags.depth, walk),
      )
      await emit(ctx, report, { json: flags.json, render: renderDu })
    })
}
