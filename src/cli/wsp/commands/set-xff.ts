import type { Command } from 'commander'
import type { Context } from '../../shared/context.js'
import { parseXff, registerAggregationCommand } from './set-aggregation.js'

export function registerSetXff(program: Command, ctx: Context): void {
  registerAggregationCommand(program, ctx, {
    name: 'set-xff',
    alias: 'set-xfilesfactor',
    description: 'set the xFilesFactor of a file or a tree (whisper-set-xfilesfactor)',
    arguments: [['<xFilesFactor>', 'a number between 0 and 1']],
    change: ([xff]) => {
      const xFilesFactor = parseXff(xff!)
      return { xFilesFactor, lines: { method: false, xFilesFactor: true, requestedXff: xFilesFactor } }
    },
  })
}
