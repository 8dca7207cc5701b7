import type { Command } from 'commander'
import { InvalidXFilesFactorError } from '../../../core/errors.js'
import { parsePythonFloat } from '../../../core/python/parse.js'
import type { AggregationChange } from '../../../core/whisper/set-aggregation.js'
import { checkAggregation } from '../../../core/whisper/set-aggregation.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { failOnFailures, runTree } from '../../shared/tree.js'
import { renderAggregation } from '../render/aggregation.js'

/** An xFilesFactor argument, read as whisper's float() reads it. */
export function parseXff(text: string): number {
  const value = parsePythonFloat(text)
  if (value === undefined) throw new InvalidXFilesFactorError(`Invalid xFilesFactor ${text}, not a float`)
  return value
}

export function registerSetAggregation(program: Command, ctx: Context): void {
  program
    .command('set-aggregation')
    .alias('set-aggregation-method')
    .description(
      'set the aggregation method (and xFilesFactor) of a file or a tree (whisper-set-aggregation-method)',
    )
    .argument('<path>', 'a .wsp file or a directory')
    .argument('<method>', 'average, sum, last, max, min, avg_zero, absmax or absmin')
    .argument('[xFilesFactor]', 'also set the xFilesFactor')
    .option('--json', 'print the per-file results as JSON')
    .option('-q, --quiet', 'no progress')
    .action(
      async (
        path: string,
        method: string,
        xff: string | undefined,
        flags: { json?: boolean; quiet?: boolean },
      ) => {
        const xFilesFactor = xff === undefined ? undefined : parseXff(xff)
        checkAggregation(method, xFilesFactor)
        const task = (f: { path: string }) => ({
          kind: 'set-aggregation' as const,
          path: f.path,
          aggregationMethod: method,
          xFilesFactor,
          options: {},
        })
        const run = await runTree<AggregationChange>(
          ctx,
          'set-aggregation',
          [path],
          task,
          Boolean(flags.json || flags.quiet),
        )
        const view = { run, method: true, xFilesFactor: false }
        await emit(ctx, view, {
          json: flags.json,
          render: renderAggregation,
          renderJson: (v) => JSON.stringify({ schemaVersion: 1, ...v.run }, null, 2) + '\n',
        })
        failOnFailures(ctx, run)
      },
    )
}
