import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { listBackups, listMetrics } from '../../../core/inventory/list.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { runWalk } from '../../shared/walk.js'
import { renderBackups, renderList } from '../render/inventory.js'

interface LsFlags {
  long?: boolean
  backups?: boolean
  delete?: boolean
  json?: boolean
  quiet?: boolean
}

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
    .option('--backups', 'list the backups resize and audit left (<file>.wsp.bak), with their sizes')
    .option('--delete', 'with --backups: delete the backups listed, saying how many bytes')
    .option('--json', 'print the list as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (dir: string, glob: string | undefined, flags: LsFlags) => {
      if (flags.delete && !flags.backups)
        throw new InvalidArgumentError('--delete deletes backups: give --backups')
      const quiet = flags.quiet || flags.json
      if (flags.backups) {
        const report = await runWalk(ctx, 'backups', { quiet, removes: flags.delete }, (walk) =>
          listBackups(dir, { glob, delete: flags.delete, ...walk }),
        )
        return emit(ctx, report, { json: flags.json, render: renderBackups })
      }
      const report = await runWalk(ctx, 'ls', { quiet }, (walk) =>
        listMetrics(dir, { glob, long: flags.long, ...walk }),
      )
      await emit(ctx, report, { json: flags.json, render: renderList })
    })
}
