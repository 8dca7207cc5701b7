import type { Command } from 'commander'
import { fill } from '../../../core/whisper/fill.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderFill } from '../render/fill.js'

export function registerFill(program: Command, ctx: Context): void {
  program
    .command('fill')
    .description(
      "copy the source's points into every gap of the destination, never over existing points (whisper-fill)",
    )
    .argument('<src>', 'the .wsp file to read')
    .argument('<dst>', 'the .wsp file to fill')
    .option('--lock', 'lock the destination while filling (the default)')
    .option('--no-lock', 'do not lock the destination')
    .option('--json', 'print the result as JSON')
    .action(async (src: string, dst: string, flags: { lock: boolean; json?: boolean }) => {
      const result = fill(src, dst, { now: ctx.now(), lock: flags.lock })
      await emit(ctx, result, { json: flags.json, render: renderFill })
    })
}
