import { Option } from 'commander'
import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { reportResize } from '../../../core/tree/report.js'
import type { Outcome } from '../../../core/tree/tasks.js'
import { isDirectory } from '../../../core/tree/walk.js'
import type { ResizeResult } from '../../../core/whisper/resize.js'
import { checkResizeTarget } from '../../../core/whisper/resize.js'
import { parseRetentionDef } from '../../../core/whisper/retention.js'
import { parseFloatOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { runTreeCommand } from '../../shared/tree.js'
import { renderResize } from '../render/resize.js'

interface ResizeFlags {
  xFilesFactor?: number
  aggregationMethod?: string
  newfile?: string
  backup: boolean
  fallocate?: boolean
  dryRun?: boolean
  json?: boolean
  quiet?: boolean
}

export function registerResize(program: Command, ctx: Context): void {
  program
    .command('resize')
    .description(
      'change the archives of a file or of every .wsp under a directory (whisper-resize), keeping every point the new layout can hold',
    )
    .argument('<path>', 'a .wsp file or a directory')
    .argument('<retention...>', 'the new archives, e.g. 10s:30d 1m:1y')
    .option('--x-files-factor <x>', 'new xFilesFactor (default: keep)', parseFloatOption)
    .addOption(new Option('--xFilesFactor <x>').argParser(parseFloatOption).hideHelp())
    .option('--aggregation-method <method>', 'new aggregation method (default: keep)')
    .addOption(new Option('--aggregationMethod <method>').hideHelp())
    .option('--newfile <file>', 'write the result here and keep the original (one file only)')
    .option('--nobackup', 'do not keep <file>.bak')
    .option('--sparse', 'write the new file sparse (the default)')
    .option('--fallocate', 'allocate every block of the new file')
    .option('--dry-run', 'report what would change, write nothing')
    .addOption(new Option('--aggregate', 'accepted for whisper-resize compatibility (always on)').hideHelp())
    .addOption(new Option('--force', 'accepted for whisper-resize compatibility').hideHelp())
    .option('--json', 'print the per-file results as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (path: string, retentions: string[], flags: ResizeFlags & { nobackup?: boolean }) => {
      const archives = retentions.map(parseRetentionDef)
      const { xFilesFactor, aggregationMethod, newfile: newFile, fallocate, dryRun } = flags
      checkResizeTarget(archives, { xFilesFactor, aggregationMethod })
      if (newFile !== undefined && isDirectory(path))
        throw new InvalidArgumentError('--newfile takes a single file, not a directory')
      const options = {
        xFilesFactor,
        aggregationMethod,
        newFile,
        backup: !flags.nobackup,
        fallocate,
        dryRun,
        now: ctx.now(),
      }
      await runTreeCommand(ctx, {
        label: 'resize',
        files: { under: [path] },
        task: (f) => ({ kind: 'resize', path: f.path, archives, options }),
        report: (outcomes: Outcome<ResizeResult>[]) => reportResize(outcomes, { dryRun: Boolean(dryRun) }),
        render: renderResize,
        json: flags.json,
        quiet: flags.quiet,
      })
    })
}
