// The runner of the inventory commands (wsp ls, du, stale): their walk runs on worker threads
// (dist/bin/inventory-worker.cjs) with a count of the files found on stderr when it is a terminal (not with --json or
// --quiet). A stop signal ends a listing at once (130: it wrote nothing); a command that removes
// files claims the signals instead, so that the first one stops it between files and it says how
// far it got.

import fs from 'node:fs'
import type { WalkOptions } from '../../core/inventory/list.js'
import type { Context } from './context.js'
import { startProgress } from './progress.js'
import { claimStopSignals } from './signals.js'

/** The bundled walk worker beside this bundle; the walk stays in-process without it. */
function workerUrl(): URL | undefined {
  const url = new URL('./inventory-worker.cjs', import.meta.url)
  return fs.existsSync(url) ? url : undefined
}

export async function runWalk<R>(
  ctx: Context,
  label: string,
  options: { quiet?: boolean; removes?: boolean },
  walk: (options: WalkOptions) => Promise<R>,
): Promise<R> {
  const stop = options.removes ? claimStopSignals() : undefined
  try {
    const progress = await startProgress(ctx, label, options.quiet)
    try {
      return await walk({
        workerUrl: workerUrl(),
        signal: stop?.signal,
        onProgress: (files) => progress.update(files),
      })
    } finally {
      progress.stop()
    }
  } finally {
    stop?.release()
  }
}
