import type { Command } from 'commander'
import type { AggregationChange } from '../../../core/whisper/set-aggregation.js'
import { checkAggregation } from '../../../core/whisper/set-aggregation.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { failOnFailures, runTree } from '../../shared/tree.js'
import { renderAggregation } from '../render/aggregation.js'
import { parseXff } from './set-aggregation.js'

export function registerSetXff(program: Command, ctx: Context): void {
  program
    .command('set-xff')
    .alias('set-xfilesfactor')
    .description('set the xFilesFactor of a file or a tree (whisper-set-xfilesfactor)')
    .argument('<path>', 'a .wsp file or a directory')
    .argument('<xFilesFactor>', 'a number between 0 and 1')
    .option('--json', 'print the per-file results as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (path: string, xff: string, flags: { json?: boolean; quiet?: boolean }) => {
      const xFilesFactor = parseXff(xff)
      checkAggregation(undefined, xFilesFactor)
      const task = (f: { path: string }) => ({
        kind: 'set-aggregation' as const,
        path: f.path,
        xFilesFactor,
        options: {},
      })
      const run = await runTree<AggregationChange>(
        ctx,
        'set-xff',
        [path],
        task,
        Boolean(flags.json || flags.quiet),
      )
      const view = { run, method: false, xFilesFactor: true, requestedXff: xFilesFactor }
      await emit(ctx, view, {
        json: flags.json,
        render: renderAggregation,
        renderJson: (v) => JSON.stringify({ schemaVersion: 1, ...v.run }, null, 2) + '\n',
      })
      failOnFailures(ctx, run)
    })
}
