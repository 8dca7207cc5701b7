import type { Command } from 'commander'
import { listMetrics } from '../../../core/inventory/list.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderList } from '../render/inventory.js'

export function registerLs(program: Command, ctx: Context): void {
  program
    .command('ls')
    .description('list the metrics under a data directory, by name (Graphite globs)')
    .argument('<dir>', 'the data directory (names are paths under it)')
    .argument('[glob]', "a Graphite glob: 'servers.*.cpu.{user,system}'")
    .option(
      '-l, --long',
      'also the archives (secondsPerPoint:points), apparent and allocated size, last write',
    )
    .option('--json', 'print the list as JSON')
    .action(async (dir: string, glob: string | undefined, flags: { long?: boolean; json?: boolean }) => {
      await emit(ctx, listMetrics(dir, { glob, long: flags.long }), { json: flags.json, render: renderList })
    })
}
