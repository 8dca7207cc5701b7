import type { Command } from 'commander'
import { checkTimeWindow, parseTimeSpec } from '../../../core/time.js'
import type { DropMode } from '../../../core/whisper/fetch.js'
import { DROP_MODES, fetchColumns } from '../../../core/whisper/fetch.js'
import { explainFetch } from '../../../core/whisper/explain-fetch.js'
import { choice } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { emit, note } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { renderFetch, renderFetchJson } from '../render/fetch.js'
import { renderAllNullHint, renderFetchExplanation } from '../render/fetch-explain.js'

interface FetchFlags {
  from?: string
  until?: string
  json?: boolean
  pretty?: boolean
  timeFormat?: string
  drop?: DropMode
  archive?: string
  explain?: boolean
}

export function registerFetch(program: Command, ctx: Context): void {
  program
    .command('fetch')
    .description('print the values of a time range (whisper-fetch)')
    .argument('<file>', 'path to a .wsp file')
    .option('--from <time>', 'start, exclusive: epoch, now, -1d, -6h, ISO 8601 (default: 24 hours ago)')
    .option('--until <time>', 'end, inclusive (default: now)')
    .option('--json', 'print JSON (NaN and infinities as null)')
    .option('--pretty', 'show times as local dates')
    .option('-t, --time-format <format>', 'strftime format for --pretty')
    .option('--drop <what>', `leave out ${DROP_MODES.join(', ')} values`, choice(DROP_MODES))
    .option(
      '--archive <precision>',
      'read the archive with this precision (e.g. 1m) instead of choosing by age',
    )
    .option('--explain', 'say which archive answered and why, and why each null is null (on stderr)')
    .action(async (file: string, flags: FetchFlags) => {
      const now = ctx.now()
      const from = flags.from === undefined ? now - 86400 : parseTimeSpec(flags.from, now, '--from')
      const until = flags.until === undefined ? now : parseTimeSpec(flags.until, now, '--until')
      checkTimeWindow(from, until, flags)
      const options = { now, archiveToSelect: flags.archive }
      const { result, explanation } = flags.explain
        ? explainFetch(file, from, until, options)
        : { result: fetchColumns(file, from, until, options), explanation: undefined }
      const view = { result, pretty: flags.pretty ?? false, timeFormat: flags.timeFormat, drop: flags.drop }
      const explained = { ...view, explanation }
      if (result || (explanation && flags.json)) {
        await emit(ctx, explained, { json: flags.json, render: renderFetch, renderJson: renderFetchJson })
      }
      if (explanation && !flags.json) note(ctx, renderFetchExplanation({ ...view, explanation }))
      if (result === null) throw new NegativeAnswer('No data in selected timerange')
      if (!explanation && ctx.interactive && result.values.length > 0 && !result.known.includes(1)) {
        note(ctx, renderAllNullHint(result.values.length))
      }
    })
}
