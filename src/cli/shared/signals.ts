// Signals are handled here only: a long-running command says what stopping and reloading mean, and
// this wires SIGTERM and SIGINT to the first, SIGHUP to the second. A second SIGINT while stopping
// exits at once (status 130), for an operator who does not want to wait.

export interface SignalHandlers {
  stop(signal: 'SIGTERM' | 'SIGINT'): void
  reload?(): void
}

export function handleSignals(handlers: SignalHandlers): () => void {
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
