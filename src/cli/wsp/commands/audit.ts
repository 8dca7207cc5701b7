import type { Command } from 'commander'
import type { AuditReport } from '../../../core/config/audit.js'
import { audit, planAudit, settleAudit } from '../../../core/config/audit.js'
import { DEFAULT_CONFIG_DIR, readConfigDir } from '../../../core/config/config-set.js'
import type { Outcome, TaskResult } from '../../../core/tree/tasks.js'
import type { Context } from '../../shared/context.js'
import { NegativeAnswer } from '../../shared/run.js'
import { runTreeCommand } from '../../shared/tree.js'
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
      await runTreeCommand(ctx, {
        label: options.apply ? 'apply' : 'plan',
        files: plan.files,
        task: (f) => plan.tasks.get(f.path)!,
        report: (outcomes: Outcome<TaskResult>[]) =>
          settleAudit(report, plan, outcomes, { applied: options.apply, allowLoss: options.allowLoss }),
        render: renderAudit,
        json: flags.json,
        quiet: flags.quiet,
        answer: auditAnswer,
      })
    })
}

/** Exit 1 when a change was refused, or in a dry run when a file differs or could not be compared. */
function auditAnswer(report: AuditReport): NegativeAnswer | undefined {
  const { refused, drifted, unreadable } = report.summary
  if (refused > 0) {
    return new NegativeAnswer(
      `${refused} ${refused === 1 ? 'file was' : 'files were'} not changed because the change would discard points; run again with --allow-loss to accept the loss`,
    )
  }
  if (!report.applied && (drifted > 0 || unreadable > 0)) return new NegativeAnswer()
  return undefined
}
