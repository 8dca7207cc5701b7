import type { Command } from 'commander'
import type { SieveAction } from '../../../core/cluster/sieve.js'
import { sieve } from '../../../core/cluster/sieve.js'
import { InvalidArgumentError } from '../../../core/errors.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { claimStopSignals } from '../../shared/signals.js'
import { renderSieve, renderSieveJson } from '../render/sieve.js'

interface SieveFlags {
  relayConfig: string
  node: string
  cluster?: string
  delete?: boolean
  quarantine?: string
  json?: boolean
}

function sieveAction(flags: SieveFlags): SieveAction | undefined {
  if (flags.delete && flags.quarantine !== undefined)
    throw new InvalidArgumentError('--delete and --quarantine exclude each other')
  if (flags.delete) return { kind: 'delete' }
  return flags.quarantine === undefined ? undefined : { kind: 'quarantine', dir: flags.quarantine }
}

export function registerSieve(program: Command, ctx: Context): void {
  program
    .command('sieve')
    .description(
      "list the metrics under DIR that the relay's ring places on other nodes; exit 1 when any (dry run)",
    )
    .argument('<dir>', "the node's whisper data directory")
    .requiredOption(
      '--relay-config <file>',
      "carbon-c-relay's configuration: place as the running relay does",
    )
    .requiredOption('--node <member>', 'this node as the ring names it: host:port or host:port=instance')
    .option('--cluster <name>', "place by one cluster's ring, ignoring the match rules")
    .option('--delete', 'delete the misplaced files (then the directories they leave empty)')
    .option(
      '--quarantine <dir>',
      'move the misplaced files into this directory (outside DIR), keeping their paths',
    )
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, flags: SieveFlags) => {
      const action = sieveAction(flags)
      const stop = claimStopSignals()
      let result
      try {
        result = await sieve({
          dir,
          relayConfig: flags.relayConfig,
          cluster: flags.cluster,
          node: flags.node,
          action,
          signal: stop.signal,
        })
      } finally {
        stop.release()
      }
      await emit(ctx, result, { json: flags.json, render: renderSieve, renderJson: renderSieveJson })
      if (!action && result.misplaced.length > 0) throw new NegativeAnswer()
    })
}
