import type { Command } from 'commander'
import { rebalance } from '../../../core/cluster/rebalance.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { startProgress } from '../../shared/progress.js'
import { NegativeAnswer } from '../../shared/run.js'
import { claimStopSignals } from '../../shared/signals.js'
import { renderRebalance, renderRebalanceJson } from '../render/rebalance.js'
import type { AdminFlags } from './admin-flags.js'
import { addAdminFlags, adminSettings } from './admin-flags.js'

interface RebalanceFlags extends AdminFlags {
  relayConfig: string
  oldRelayConfig?: string
  cluster?: string
  dryRun?: boolean
  deleteSource?: boolean
  state: string
  json?: boolean
}

export function registerRebalance(program: Command, ctx: Context): void {
  const command = program
    .command('rebalance')
    .description("move every node's metrics to where the new ring places them: copy, verify, then delete")
    .requiredOption('--relay-config <file>', 'the new carbon-c-relay configuration (the ring to move to)')
    .option('--old-relay-config <file>', 'the configuration before the change: its nodes are emptied too')
    .option('--cluster <name>', "place by one cluster's ring, ignoring the match rules")
    .option('--dry-run', 'print the plan (metrics, bytes, from -> to); copy nothing')
    .option('--delete-source', 'delete each misplaced source once every copy of it is verified')
    .option('--state <file>', 'the job state file, to resume an interrupted run', 'carbon-rebalance.state')
    .option('--json', 'print the plan or the result as JSON')
  addAdminFlags(command).action(async (flags: RebalanceFlags) => {
    const stop = claimStopSignals()
    const progress = await startProgress(ctx, 'rebalance', flags.json || flags.dryRun)
    let result
    try {
      result = await rebalance({
        ...flags,
        ...adminSettings(flags),
        stateFile: flags.state,
        signal: stop.signal,
        onProgress: (done, total) => progress.update(done, total),
      })
    } finally {
      progress.stop()
      stop.release()
    }
    await emit(ctx, result, { json: flags.json, render: renderRebalance, renderJson: renderRebalanceJson })
    if (result.failed.length > 0) throw new NegativeAnswer()
  })
}
