import type { Command } from 'commander'
import { parseTimeSpec } from '../../../core/time.js'
import { diff } from '../../../core/whisper/diff.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { renderDiff, renderDiffJson } from '../render/diff.js'

interface DiffFlags {
  summary?: boolean
  ignoreEmpty?: boolean
  columns?: boolean
  headers: boolean
  until?: string
  json?: boolean
}

export function registerDiff(program: Command, ctx: Context): void {
  program
    .command('diff')
    .description('compare two files with the same archives (whisper-diff); exit 1 when they differ')
    .argument('<path_a>', 'a .wsp file')
    .argument('<path_b>', 'a .wsp file with the same archives')
    .option('--summary', 'a count per archive instead of every point')
    .option('--ignore-empty', 'compare only points present in both files')
    .option('--columns', 'plain space-separated columns')
    .option('--no-headers', 'no column headers')
    .option('--until <time>', 'end of the comparison (default: now)')
    .option('--json', "print whisper-diff's JSON (NaN as null)")
    .action(async (a: string, b: string, flags: DiffFlags) => {
      const now = ctx.now()
      const result = diff(a, b, {
        now,
        ignoreEmpty: flags.ignoreEmpty,
        until: flags.until === undefined ? undefined : parseTimeSpec(flags.until, now, '--until'),
      })
      const view = {
        result,
        summary: flags.summary ?? false,
        columns: flags.columns ?? false,
        headers: flags.headers,
      }
      await emit(ctx, view, { json: flags.json, render: renderDiff, renderJson: renderDiffJson })
      if (result.differ) throw new NegativeAnswer()
    })
}
