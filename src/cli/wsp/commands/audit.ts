import type { Command } from 'commander'
import { applyTask, audit } from '../../../core/config/audit.js'
import { DEFAULT_CONFIG_DIR, readConfigDir } from '../../../core/config/config-set.js'
import type { TaskResult } from '../../../core/tree/tasks.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { failOnFailures, runFiles } from '../../shared/tree.js'
import { renderAudit } from '../render/audit.js'

interface AuditFlags {
  configDir: string
  root?: string
  apply?: boolean
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
      'the directory metric names are relative to (default: LOCAL_DATA_DIR when <dir> is in it)',
    )
    .option(
      '--apply',
      'resize or set the aggregation of every file that differs (resumable: run it again after an interruption)',
    )
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (dir: string, flags: AuditFlags) => {
      const report = audit(dir, readConfigDir(flags.configDir, { env: ctx.env }).set, { root: flags.root })
      const work = report.files.flatMap((entry) => (applyTask(entry, ctx.now()) ? [entry] : []))
      const applied = flags.apply
        ? await runFiles<TaskResult>(
            ctx,
            'apply',
            work.map((e) => ({ path: e.path, root: dir })),
            (f) =>
              applyTask(
                work.find((e) => e.path === f.path)!,
                ctx.now(),
              )!,
            Boolean(flags.json || flags.quiet),
          )
        : undefined
      await emit(
        ctx,
        { report, applied },
        {
          json: flags.json,
          render: renderAudit,
          renderJson: (v) => JSON.stringify({ ...v.report, applied: v.applied }, null, 2) + '\n',
        },
      )
      if (applied) failOnFailures(ctx, applied)
      else if (report.summary.drifted > 0 || report.summary.unreadable > 0) throw new NegativeAnswer()
    })
}
