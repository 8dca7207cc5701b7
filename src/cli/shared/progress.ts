// Progress of an operation over many files, on stderr, only when stderr is a terminal and neither
// --json nor --quiet was given: done/total, rate and ETA in an ora spinner.

import type { Context } from './context.js'

export interface Progress {
  /** Without `total` (a walk that is still finding files): the count and the rate only. */
  update(done: number, total?: number): void
  stop(): void
}

const NONE: Progress = { update: () => undefined, stop: () => undefined }

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`
}

export async function startProgress(ctx: Context, label: string, quiet = false): Promise<Progress> {
  if (!ctx.interactive || quiet) return NONE
  // A terminal that reports no width (script(1) without one, some `docker exec -t`): ora divides by
  // the width and writes cursor movements for ever. No spinner there.
  if (!((ctx.stderr as NodeJS.WriteStream).columns > 0)) return NONE
  const { default: ora } = await import('ora')
  // discardStdin would put the terminal in raw mode, where Ctrl-C is a byte, not a SIGINT.
  const spinner = ora({
    text: label,
    stream: ctx.stderr as NodeJS.WriteStream,
    color: ctx.stderrTheme.enabled ? 'cyan' : false,
    discardStdin: false,
  }).start()
  const started = Date.now()
  let last = 0
  return {
    update(done, total) {
      const now = Date.now()
      if (now - last < 100 && (total === undefined || done < total)) return
      last = now
      const rate = done / Math.max((now - started) / 1000, 0.001)
      if (total === undefined) spinner.text = `${label} ${done} files, ${rate.toFixed(1)}/s`
      else
        spinner.text = `${label} ${done}/${total} files, ${rate.toFixed(1)}/s, ETA ${eta((total - done) / rate)}`
    },
    stop() {
      spinner.stop()
    },
  }
}
