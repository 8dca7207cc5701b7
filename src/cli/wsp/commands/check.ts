import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { disposeCorrupt } from '../../../core/tree/dispose.js'
import { reportCheck } from '../../../core/tree/report.js'
import type { Outcome } from '../../../core/tree/tasks.js'
import type { CheckResult } from '../../../core/whisper/check.js'
import type { Context } from '../../shared/context.js'
import { runTreeCommand } from '../../shared/tree.js'
import { renderCheck } from '../render/check.js'

interface CheckFlags {
  json?: boolean
  quiet?: boolean
  delete?: boolean
  quarantine?: string
}

export function registerCheck(program: Command, ctx: Context): void {
  program
    .command('check')
    .description('check whisper files deeply: header, layout, every slot; exit 1 when any is corrupt')
    .argument('<path...>', '.wsp files or directories')
    .option('--json', 'print the per-file results as JSON')
    .option('--delete', 'delete corrupt files')
    .option('--quarantine <dir>', 'move corrupt files into this directory, keeping their relative paths')
    .option('-q, --quiet', 'no progress')
    .action(async (paths: string[], flags: CheckFlags) => {
      if (flags.delete && flags.quarantine)
        throw new InvalidArgumentError('--delete and --quarantine exclude each other')
      const now = ctx.now()
      await runTreeCommand(ctx, {
        label: 'check',
        files: { under: paths },
        task: (f) => ({ kind: 'check', path: f.path, options: { now } }),
        report: (outcomes: Outcome<CheckResult>[], files) =>
          reportCheck(outcomes, disposeCorrupt(files, outcomes, flags)),
        render: renderCheck,
        json: flags.json,
        quiet: flags.quiet,
      })
    })
}
