// Signals are handled here only. For the length of a command, SIGINT and SIGTERM end it with a status
// (130, 143) instead of killing it; a command that has work to leave in order (a tree command, create)
// claims them: the first one then aborts the claim's AbortSignal, and the command finishes the file it
// is on, removes its temporary files and says what was done. A second SIGINT exits at once (130), for
// an operator who does not want to wait. A long-running command (carbon serve) says what stopping and
// reloading mean with handleSignals: SIGTERM and SIGINT stop it, SIGHUP reloads it.

import fs from 'node:fs'

export type StopSignal = 'SIGTERM' | 'SIGINT'

/** The exit status of a process ended by `signal` (the shell's 128 + its number). */
export function exitStatusFor(signal: StopSignal): number {
  return signal === 'SIGINT' ? 130 : 143
}

let claims = 0
let received: StopSignal | undefined
let controller = new AbortController()
/** Temporary files of the claims under way: removed before an exit at once, so that none survives. */
const temporaryFiles = new Set<string>()

/** Exit now (a second Ctrl-C), removing the claims' temporary files first. */
function exitNow(status: number): never {
  for (const file of temporaryFiles) {
    try {
      fs.rmSync(file, { force: true })
    } catch {
      // Exiting anyway; the file is named after its target, for an operator to find.
    }
  }
  process.exit(status)
}

function onStop(signal: StopSignal): void {
  if (received !== undefined) {
    if (signal === 'SIGINT') exitNow(130)
    return
  }
  received = signal
  if (claims === 0) process.exit(exitStatusFor(signal))
  controller.abort(signal)
}
const onInt = (): void => onStop('SIGINT')
const onTerm = (): void => onStop('SIGTERM')

/**
 * For one run of a command in this process: SIGINT and SIGTERM exit with 130 and 143 (after the
 * command's cleanup when it claimed them). Returns the function that removes the handlers, once
 * a signal that came before it was called has been seen.
 */
export function watchStopSignals(): () => Promise<void> {
  received = undefined
  controller = new AbortController()
  // These first, then off with bin/load.cjs's (for start-up): taking a signal's last listener off
  // gives it back its default action, and one arriving then would kill the process.
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if ((listener as { carbonkitStartUp?: boolean }).carbonkitStartUp) process.off(signal, listener)
    }
  }
  return async () => {
    // Node runs a signal's listeners at the event loop's next poll. One that came during the
    // command's last synchronous stretch (its report written to a slow terminal, blocked in write)
    // would be dropped with the listeners, and the process exit 0 after a Ctrl-C: let the loop poll
    // first. Two turns: from a poll callback, the next check phase comes before the next poll.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve))
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
}

/** The stop signal received during this run, if any. */
export function stopReceived(): StopSignal | undefined {
  return received
}

/**
 * Claim SIGINT and SIGTERM until `release`: they abort `signal` (its reason is the signal's name)
 * instead of ending the process. Without watchStopSignals (a command run in-process), `signal` never
 * fires. A signal that came before the claim has already ended the process.
 */
export function claimStopSignals(): {
  signal: AbortSignal
  /** A temporary file the command is writing: removed if a second Ctrl-C ends the process at once. */
  temporaryFile(path: string): void
  release(): void
} {
  claims++
  let released = false
  const mine = new Set<string>()
  return {
    signal: controller.signal,
    temporaryFile(path) {
      mine.add(path)
      temporaryFiles.add(path)
    },
    release() {
      if (released) return
      released = true
      claims--
      for (const file of mine) temporaryFiles.delete(file)
    },
  }
}

export interface SignalHandlers {
  stop(signal: 'SIGTERM' | 'SIGINT'): void
  reload?(): void
}

export function handleSignals(handlers: SignalHandlers): () => void {
  // A claim, so that the run's own handlers leave stopping to these.
  const claim = claimStopSignals()
  let stopping = false
  const onStop = (signal: 'SIGTERM' | 'SIGINT') => (): void => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(130)
      return
    }
    stopping = true
    handlers.stop(signal)
  }
  const term = onStop('SIGTERM')
  const int = onStop('SIGINT')
  const hup = (): void => handlers.reload?.()
  process.on('SIGTERM', term)
  process.on('SIGINT', int)
  process.on('SIGHUP', hup)
  return () => {
    process.off('SIGTERM', term)
    process.off('SIGINT', int)
    process.off('SIGHUP', hup)
    claim.release()
  }
}

/** CPU time and resident memory of this process (the daemon's cpuUsage and memUsage self-metrics). */
export function processResources(): { cpuMicros: number; rssBytes: number } {
  const cpu = process.cpuUsage()
  return { cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() }
}

/**
 * What cannot be survived (an exception or rejection nothing caught): `last` saves what it can
 * (synchronously), then the process exits 70. Returns the function that removes the handlers.
 */
export function onFatal(last: (error: unknown) => void): () => void {
  const fatal = (error: unknown): void => {
    try {
      last(error)
    } finally {
      process.exit(70)
    }
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
  return () => {
    process.off('uncaughtException', fatal)
    process.off('unhandledRejection', fatal)
  }
}
