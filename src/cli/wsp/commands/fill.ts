import type { Command } from 'commander'
import { reportFill } from '../../../core/tree/report.js'
import type { Outcome } from '../../../core/tree/tasks.js'
import { isDirectory, pairWhisperFiles } from '../../../core/tree/walk.js'
import type { FillResult } from '../../../core/whisper/fill.js'
import type { Context } from '../../shared/context.js'
import { runTreeCommand } from '../../shared/tree.js'
import { renderFill } from '../render/fill.js'

interface FillFlags {
  lock: boolean
  json?: boolean
  quiet?: boolean
}

export function registerFill(program: Command, ctx: Context): void {
  program
    .command('fill')
    .description(
      "copy the source's points into every gap of the destination, never over existing points (whisper-fill); two directories fill every file from its namesake",
    )
    .argument('<src>', 'the .wsp file (or directory) to read')
    .argument('<dst>', 'the .wsp file (or directory) to fill')
    .option('--lock', 'lock the destination while filling (the default)')
    .option('--no-lock', 'do not lock the destination')
    .option('--json', 'print the results as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (src: string, dst: string, flags: FillFlags) => {
      const { pairs, unmatched } = isDirectory(dst)
        ? pairWhisperFiles(src, dst)
        : { pairs: [[src, dst] as [string, string]], unmatched: [] }
      const sources = new Map(pairs.map(([s, d]) => [d, s]))
      const options = { now: ctx.now(), lock: flags.lock }
      await runTreeCommand(ctx, {
        label: 'fill',
        files: { under: pairs.map(([, d]) => d) },
        task: (f) => ({ kind: 'fill', path: f.path, source: sources.get(f.path)!, options }),
        report: (outcomes: Outcome<FillResult>[]) => reportFill(outcomes, unmatched),
        render: renderFill,
        json: flags.json,
        quiet: flags.quiet,
      })
    })
}
