import { Option } from 'commander'
import type { Command } from 'commander'
import { InvalidArgumentError } from '../../../core/errors.js'
import { create } from '../../../core/whisper/create.js'
import { estimateSize } from '../../../core/whisper/estimate.js'
import { AGGREGATION_METHODS } from '../../../core/whisper/format.js'
import { parseRetentionDef } from '../../../core/whisper/retention.js'
import { parseFloatOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { renderCreated, renderEstimate } from '../render/create.js'

interface CreateFlags {
  xFilesFactor: number
  aggregationMethod: string
  sparse?: boolean
  fallocate?: boolean
  overwrite?: boolean
  estimate?: boolean
  json?: boolean
}

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
      const result = create(file, retentions.map(parseRetentionDef), flags)
      await emit(ctx, result, { json: flags.json, render: renderCreated })
    })
}
