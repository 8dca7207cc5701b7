import type { Command } from 'commander'
import { checkInfoField, readInfo } from '../../../core/whisper/info.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderInfo, renderInfoField, renderInfoJson } from '../render/info.js'

export function registerInfo(program: Command, ctx: Context): void {
  program
    .command('info')
    .description('show the header and archive layout of a whisper file (whisper-info)')
    .argument('<file>', 'path to a .wsp file')
    .argument(
      '[field]',
      'print only this field: aggregationMethod, maxRetention, xFilesFactor, archives, fileSize',
    )
    .option('--json', "print whisper-info's JSON document")
    .action(async (file: string, field: string | undefined, flags: { json?: boolean }) => {
      const name = field === undefined ? undefined : checkInfoField(field)
      const info = readInfo(file)
      if (name !== undefined) return emit(ctx, info, { render: (data) => renderInfoField(data, name) })
      await emit(ctx, info, { json: flags.json, render: renderInfo, renderJson: renderInfoJson })
    })
}
