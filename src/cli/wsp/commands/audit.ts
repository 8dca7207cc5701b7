import type { Command } from 'commander'
import { audit, planAudit, settleAudit } from '../../../core/config/audit.js'
import { DEFAULT_CONFIG_DIR, readConfigDir } from '../../../core/config/config-set.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { failOnFailures, runFiles } from '../../shared/tree.js'
import { renderAudit } from '../render/audit.js'

interface AuditFlags {
  configDir: string
  root?: string
  apply?: boolean
  allowLoss?: boolean
  nobackup?: boolean
  json?: boolean
  quiet?: boolean
}

export function registerAudit(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description("compare every file under a directory with carbon's configuration; --apply makes them match")
    .argument('<dir>', 'a whisper data directory (or part of one)')
    .option('--config-dir <dir>', "carbon's configuration directory", DEFAULT_CONFIG_DIR)
    .option(
      '--root <dir>',
      "the directory metric names are paths under, standing for carbon's LOCAL_DATA_DIR (needed when <dir> is not under LOCAL_DATA_DIR)",
    )
    .option(
      '--apply',
      'resize or set the aggregation of every file that differs (resumable: run it again after an interruption)',
    )
    .option('--allow-loss', 'with --apply: also change the files whose change discards points')
    .option('--nobackup', 'with --apply: do not keep <file>.bak beside each resized file')
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (dir: string, flags: AuditFlags) => {
      const report = audit(dir, readConfigDir(flags.configDir, { env: ctx.env }).set, { root: flags.root })
      const options = {
        now: ctx.now(),
        apply: Boolean(flags.apply),
        allowLoss: Boolean(flags.allowLoss),
        backup: !flags.nobackup,
      }
      const plan = planAudit(report, options)
      const quiet = Boolean(flags.json || flags.quiet)
      const run =
        plan.files.length > 0
          ? await runFiles(
              ctx,
              options.apply ? 'apply' : 'plan',
              plan.files,
              (f) => plan.tasks.get(f.path)!,
              quiet,
            )
          : undefined
      const settled = settleAudit(report, plan, run?.outcomes ?? [], {
        applied: options.apply,
        allowLoss: options.allowLoss,
      })
      await emit(ctx, settled, { json: flags.json, render: renderAudit })
      if (run && options.apply) failOnFailures(ctx, run)
      const { refused, drifted, unreadable } = settled.summary
      if (refused > 0) {
        throw new NegativeAnswer(
          `${refused} ${refused === 1 ? 'file was' : 'files were'} not changed because the change would discard points; run again with --allow-loss to accept the loss`,
        )
      }
      if (!options.apply && (drifted > 0 || unreadable > 0)) throw new NegativeAnswer()
    })
}
