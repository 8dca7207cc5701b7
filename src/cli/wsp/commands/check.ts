import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { disposeCorrupt } from '../../../core/tree/dispose.js'
import type { CheckResult } from '../../../core/whisper/check.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { failOnFailures, runTree } from '../../shared/tree.js'
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
      const run = await runTree<CheckResult>(
        ctx,
        'check',
        paths,
        (f) => ({ kind: 'check', path: f.path, options: { now } }),
        Boolean(flags.json || flags.quiet),
      )
      const disposed = disposeCorrupt(run, { delete: flags.delete, quarantine: flags.quarantine })
      await emit(
        ctx,
        { run, disposed },
        {
          json: flags.json,
          render: renderCheck,
          renderJson: (v) =>
            JSON.stringify(
              { schemaVersion: 1, ...v.run, disposed: Object.fromEntries(v.disposed) },
              null,
              2,
            ) + '\n',
        },
      )
      failOnFailures(ctx, run)
      if (run.outcomes.some((o) => o.ok && !o.result.ok)) throw new NegativeAnswer()
    })
}
