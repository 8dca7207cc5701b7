import type { Command } from 'commander'
import { parsePointArgument, parsePointLines } from '../../../core/whisper/point-text.js'
import { writePoints } from '../../../core/whisper/update.js'
import type { Context } from '../../shared/context.js'
import { readAll } from '../../shared/input.js'
import { emit } from '../../shared/output.js'
import { hintReadingStdin } from '../../shared/stdin-hint.js'

export function registerUpdate(program: Command, ctx: Context): void {
  program
    .command('update')
    .description('write points (whisper-update); with no points on the command line, reads lines from stdin')
    .argument('<file>', 'path to a .wsp file')
    .argument('[points...]', 'timestamp:value pairs; N:value means now')
    .option('--json', 'print what was written as JSON (otherwise nothing, as whisper-update)')
    .action(async (file: string, args: string[], flags: { json?: boolean }) => {
      const now = ctx.now()
      if (args.length === 0) hintReadingStdin(ctx, '`timestamp:value` lines')
      const points =
        args.length > 0
          ? args.map((a) => parsePointArgument(a, now))
          : parsePointLines(await readAll(ctx.stdin), now)
      const result = writePoints(file, points, { now })
      if (flags.json) await emit(ctx, result, { json: true, render: () => '' })
    })
}
