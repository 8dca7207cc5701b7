import { Option } from 'commander'
import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { createAbortable, formatBytes, planCreate } from '../../../core/whisper/create.js'
import { estimateSize } from '../../../core/whisper/estimate.js'
import { AGGREGATION_METHODS } from '../../../core/whisper/format.js'
import { parseRetentionDef } from '../../../core/whisper/retention.js'
import { parseFloatOption } from '../../shared/args.js'
import { confirm } from '../../shared/confirm.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { claimStopSignals } from '../../shared/signals.js'
import { renderCreated, renderEstimate } from '../render/create.js'

interface CreateFlags {
  xFilesFactor: number
  aggregationMethod: string
  sparse?: boolean
  fallocate?: boolean
  overwrite?: boolean
  estimate?: boolean
  json?: boolean
  yes?: boolean
}

/** Files above this size are created only after a yes on the terminal, or with --yes. */
const LARGE_FILE_BYTES = 1024 ** 3

export function registerCreate(program: Command, ctx: Context): void {
  program
    .command('create')
    .description('create a whisper file (whisper-create); --estimate only prints its size')
    .argument('[file]', 'the .wsp file to create')
    .argument('[retention...]', 'archives as precision:retention, e.g. 1m:1d 5m:30d 1h:5y')
    .option('--x-files-factor <x>', 'fraction of known points needed to roll up', parseFloatOption, 0.5)
    .addOption(new Option('--xFilesFactor <x>').argParser(parseFloatOption).hideHelp())
    .option(
      '--aggregation-method <method>',
      `roll-up function (${AGGREGATION_METHODS.join(', ')})`,
      'average',
    )
    .addOption(new Option('--aggregationMethod <method>').hideHelp())
    .option('--sparse', 'leave the data as a hole in the file (fewer blocks on disk)')
    .option('--fallocate', 'allocate every block now')
    .option('--overwrite', 'replace an existing file')
    .option('--estimate', 'print the size of such files instead of creating one')
    .option('--json', 'print what was created (or the estimate) as JSON')
    .option('-y, --yes', 'create a file over 1 GiB without asking')
    .action(async (file: string | undefined, retentions: string[], flags: CreateFlags) => {
      if (flags.estimate) {
        const specs = file === undefined ? retentions : [file, ...retentions]
        const defs = specs.length === 1 && specs[0]!.indexOf(',') > 0 ? specs[0]!.split(',') : specs
        if (defs.length === 0)
          throw new InvalidArgumentError('--estimate needs at least one retention, e.g. 1m:1d')
        return emit(ctx, estimateSize(defs.map(parseRetentionDef)), {
          json: flags.json,
          render: renderEstimate,
        })
      }
      if (file === undefined || retentions.length === 0) {
        throw new InvalidArgumentError(
          'create needs a file and at least one retention, e.g. wsp create f.wsp 1m:1d',
        )
      }
      const archives = retentions.map(parseRetentionDef)
      const { fileSizeBytes } = planCreate(file, archives, flags)
      if (fileSizeBytes > LARGE_FILE_BYTES && !flags.yes) {
        const size = `${formatBytes(fileSizeBytes)} (${fileSizeBytes} bytes)`
        const answer = await confirm(ctx, `${file} will take ${size}. Create it?`)
        if (answer === undefined)
          throw new InvalidArgumentError(
            `${file}: the file would take ${size}, over 1 GiB: pass --yes to create it`,
          )
        if (!answer) throw new NegativeAnswer(`${file}: not created`)
      }
      const stop = claimStopSignals()
      try {
        const result = await createAbortable(file, archives, { ...flags, signal: stop.signal })
        await emit(ctx, result, { json: flags.json, render: renderCreated })
      } finally {
        stop.release()
      }
    })
}
