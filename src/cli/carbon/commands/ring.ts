import type { Command } from 'commander'
import type { RingSource } from '../../../core/cluster/ring.js'
import { readRingLookup, splitNames } from '../../../core/cluster/ring.js'
import { InvalidArgumentError } from '../../../core/errors.js'
import type { Context } from '../../shared/context.js'
import { write } from '../../shared/output.js'
import { hintReadingStdin } from '../../shared/stdin-hint.js'
import { renderRing, renderRingJson, renderRingText } from '../render/ring.js'

interface RingFlags {
  relayConfig?: string
  cluster?: string
  raw?: boolean
  config?: string
  json?: boolean
}

function ringSource(flags: RingFlags): RingSource {
  if ((flags.relayConfig === undefined) === (flags.config === undefined)) {
    throw new InvalidArgumentError(
      'give one of --relay-config FILE (carbon-c-relay) or --config FILE (carbon-relay)',
    )
  }
  if (flags.config !== undefined) {
    if (flags.cluster !== undefined || flags.raw)
      throw new InvalidArgumentError('--cluster and --raw go with --relay-config')
    return { kind: 'carbon', file: flags.config }
  }
  return { kind: 'relay', file: flags.relayConfig!, cluster: flags.cluster, raw: flags.raw }
}

export function registerRing(program: Command, ctx: Context): void {
  program
    .command('ring')
    .description('show where the relay sends each metric (names from stdin when none are given)')
    .argument('[metric...]', 'metric names, tagged ones included (name;tag=value)')
    .option('--relay-config <file>', "carbon-c-relay's configuration: route as the running relay does")
    .option('--cluster <name>', "one cluster's ring, ignoring the match rules (with --relay-config)")
    .option('--raw', 'hash each name as given, as carbon-c-relay -t prints it (with --relay-config)')
    .option('--config <file>', 'carbon.conf: route as carbon-relay does ([relay], consistent-hashing)')
    .option('--json', 'print JSON Lines: {"metric": ..., "destinations": [...]}')
    .action(async (metrics: string[], flags: RingFlags) => {
      const lookup = readRingLookup(ringSource(flags))
      if (metrics.length === 0) hintReadingStdin(ctx, 'metric names, one per line,')
      const names = metrics.length > 0 ? metrics : splitNames(Buffer.concat(await ctx.stdin.toArray()))
      const answers = (function* () {
        for (const name of names) yield lookup(name)
      })()
      await write(ctx.stdout, renderRing(answers, flags.json ? renderRingJson : renderRingText))
    })
}
