import type { Command } from 'commander'
import { sync } from '../../../core/cluster/sync.js'
import type { Context } from '../../shared/context.js'
import { emit } from '../../shared/output.js'
import { startProgress } from '../../shared/progress.js'
import { claimStopSignals } from '../../shared/signals.js'
import { renderSync, renderSyncJson } from '../render/rebalance.js'
import type { AdminFlags } from './admin-flags.js'
import { addAdminFlags, adminSettings } from './admin-flags.js'

interface SyncFlags extends AdminFlags {
  from: string
  to: string
  json?: boolean
}

export function registerSync(program: Command, ctx: Context): void {
  const command = program
    .command('sync')
    .description("heal a node from its replica: fill the target's gaps with the source's points")
    .argument('[glob]', 'only the metrics matching this Graphite glob')
    .requiredOption('--from <node>', 'the node to read (a ring member or an http:// URL)')
    .requiredOption('--to <node>', 'the node to fill (a ring member or an http:// URL)')
    .option('--json', 'print the result as JSON')
  addAdminFlags(command).action(async (glob: string | undefined, flags: SyncFlags) => {
    const stop = claimStopSignals()
    const progress = await startProgress(ctx, 'sync', flags.json)
    let result
    try {
      result = await sync({
        ...flags,
        ...adminSettings(flags),
        glob,
        signal: stop.signal,
        onProgress: (done, total) => progress.update(done, total),
      })
    } finally {
      progress.stop()
      stop.release()
    }
    await emit(ctx, result, { json: flags.json, render: renderSync, renderJson: renderSyncJson })
  })
}
