import type { Command } from 'commander'
import { parseTimeSpec } from '../../../core/time.js'
import { merge } from '../../../core/whisper/merge.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'

export function registerMerge(program: Command, ctx: Context): void {
  program
    .command('merge')
    .description("copy the source's points over the destination's, archive by archive (whisper-merge)")
    .argument('<from_path>', 'the .wsp file to read')
    .argument('<to_path>', 'the .wsp file to write (same archives)')
    .option('--from <time>', 'start of the window, exclusive (default: the epoch)')
    .option('--until <time>', 'end of the window, inclusive (default: now)')
    .option('--json', 'print the points copied per archive as JSON (otherwise nothing, as whisper-merge)')
    .action(async (from: string, to: string, flags: { from?: string; until?: string; json?: boolean }) => {
      const now = ctx.now()
      const window = {
        from: flags.from && parseTimeSpec(flags.from, now, '--from'),
        until: flags.until && parseTimeSpec(flags.until, now, '--until'),
      }
      const result = merge(from, to, {
        now,
        from: window.from || undefined,
        until: window.until || undefined,
      })
      if (flags.json) await emit(ctx, result, { json: true, render: () => '' })
    })
}
