import type { Command } from 'commander'
import { openDump } from '../../../core/whisper/dump.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderDump, renderDumpJson, renderDumpRaw } from '../render/dump.js'

interface DumpFlags {
  pretty?: boolean
  timeFormat?: string
  raw?: boolean
  json?: boolean
  archive?: string
}

export function registerDump(program: Command, ctx: Context): void {
  program
    .command('dump')
    .description('print the header and every stored point of a whisper file (whisper-dump)')
    .argument('<file>', 'path to a .wsp file')
    .option('--pretty', 'show times as local dates')
    .option('-t, --time-format <format>', 'strftime format for --pretty')
    .option('-r, --raw', 'print timestamp:value lines of written slots, after a `# archive N` line each')
    .option('--json', 'print JSON Lines: the header, then one object per slot')
    .option('--archive <precision>', 'only the archive with this precision (e.g. 1m)')
    .action(async (file: string, flags: DumpFlags) => {
      const view = {
        dump: openDump(file, { archive: flags.archive }),
        pretty: flags.pretty ?? false,
        timeFormat: flags.timeFormat,
      }
      await emit(ctx, view, {
        json: flags.json,
        render: flags.raw ? renderDumpRaw : renderDump,
        renderJson: renderDumpJson,
      })
    })
}
