// The runner of the inventory commands (wsp ls, du, stale): their walk runs on worker threads
// (dist/bin/inventory-worker.cjs) with a count of the files found on stderr when it is a terminal (not with --json or
// --quiet). A stop signal ends a listing at once (130: it wrote nothing; its threads let finish the
// directory they are on, milliseconds); a command that removes files stops between files and says
// how far it got.

import fs from 'node:fs'
import type { WalkOptions } from '../../core/inventory/list.js'
import type { Context } from './context.js'
import { startProgress } from './progress.js'
import { claimStopSignals, exitStatusFor, stopReceived } from './signals.js'

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
  // A listing claims the signals too, so that its threads are stopped once they are done with what
  // they are on (one stopped while Node loads its native module aborts the process with a fatal
  // error); it then ends as at once, writing nothing.
  const stop = claimStopSignals()
  try {
    const progress = await startProgress(ctx, label, options.quiet)
    try {
      return await walk({
        workerUrl: workerUrl(),
        signal: stop.signal,
        onProgress: (files) => progress.update(files),
      })
    } finally {
      progress.stop()
    }
  } finally {
    const signal = stopReceived()
    if (!options.removes && signal !== undefined) process.exit(exitStatusFor(signal))
    stop.release()
  }
}
