import type { Command } from 'commander'
import { InvalidXFilesFactorError } from '../../../core/errors.js'
import { parsePythonFloat } from '../../../core/python/parse.js'
import { reportAggregation } from '../../../core/tree/report.js'
import type { Outcome } from '../../../core/tree/tasks.js'
import type { AggregationChange } from '../../../core/whisper/set-aggregation.js'
import { checkAggregation } from '../../../core/whisper/set-aggregation.js'
import type { Context } from '../../shared/context.js'
import { runTreeCommand } from '../../shared/tree.js'
import type { AggregationLines } from '../render/aggregation.js'
import { renderAggregation } from '../render/aggregation.js'

/** An xFilesFactor argument, read as whisper's float() reads it. */
export function parseXff(text: string): number {
  const value = parsePythonFloat(text)
  if (value === undefined) throw new InvalidXFilesFactorError(`Invalid xFilesFactor ${text}, not a float`)
  return value
}

interface AggregationFlags {
  json?: boolean
  quiet?: boolean
}

/**
 * The shape set-aggregation and set-xff share: a file or a tree, --json and --quiet, and an action
 * that refuses bad values before any file is touched, then changes every file.
 */
export function registerAggregationCommand(
  program: Command,
  ctx: Context,
  command: {
    name: string
    alias: string
    description: string
    arguments: readonly [string, string][]
    /** The change asked for, from the arguments after the path. */
    change: (args: string[]) => { aggregationMethod?: string; xFilesFactor?: number; lines: AggregationLines }
  },
): void {
  const definition = program.command(command.name).alias(command.alias).description(command.description)
  definition.argument('<path>', 'a .wsp file or a directory')
  for (const [name, description] of command.arguments) definition.argument(name, description)
  definition
    .option('--json', 'print the per-file results as JSON')
    .option('-q, --quiet', 'no progress')
    .action(async (path: string, ...rest: unknown[]) => {
      const args = rest.slice(0, command.arguments.length) as (string | undefined)[]
      const flags = rest[command.arguments.length] as AggregationFlags
      const { aggregationMethod, xFilesFactor, lines } = command.change(args as string[])
      checkAggregation(aggregationMethod, xFilesFactor)
      await runTreeCommand(ctx, {
        label: command.name,
        files: { under: [path] },
        task: (f) => ({
          kind: 'set-aggregation',
          path: f.path,
          aggregationMethod,
          xFilesFactor,
          options: {},
        }),
        report: (outcomes: Outcome<AggregationChange>[]) => reportAggregation(outcomes),
        render: (report, c, timing) => renderAggregation(report, c, timing, lines),
        json: flags.json,
        quiet: flags.quiet,
      })
    })
}

export function registerSetAggregation(program: Command, ctx: Context): void {
  registerAggregationCommand(program, ctx, {
    name: 'set-aggregation',
    alias: 'set-aggregation-method',
    description:
      'set the aggregation method (and xFilesFactor) of a file or a tree (whisper-set-aggregation-method)',
    arguments: [
      ['<method>', 'average, sum, last, max, min, avg_zero, absmax or absmin'],
      ['[xFilesFactor]', 'also set the xFilesFactor'],
    ],
    change: ([method, xff]) => ({
      aggregationMethod: method,
      xFilesFactor: xff === undefined ? undefined : parseXff(xff),
      lines: { method: true, xFilesFactor: false },
    }),
  })
}
