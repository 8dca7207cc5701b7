// A bug in one part of the daemon costs only what it was doing: every callback the event loop runs
// for the daemon (socket data, timers, writer replies, the log's writes) goes through `guard`, which
// hands an exception to the daemon's reporter (logged with its stack, counted in `errors`) instead
// of letting it reach the process and kill it with every point in memory.

export interface Fault {
  /** The part that failed: `line receiver`, `carbonlink`, `self-metrics`, `persister`, `wal`... */
  where: string
  message: string
  stack: string
}

export type FaultReporter = (where: string, error: unknown) => void

export function faultOf(where: string, error: unknown): Fault {
  const message = error instanceof Error ? error.message : String(error)
  const stack = error instanceof Error && error.stack ? error.stack : message
  return { where, message, stack }
}

/** `fn` with its exceptions reported instead of thrown; `onError` then cleans up what it cost. */
export function guard<A extends unknown[]>(
  where: string,
  report: FaultReporter | undefined,
  fn: (...args: A) => void,
  onError?: (error: unknown) => void,
): (...args: A) => void {
  return (...args: A): void => {
    try {
      fn(...args)
    } catch (error) {
      // Without a reporter there is nobody to tell: the old behaviour (the process decides).
      if (!report) throw error
      report(where, error)
      onError?.(error)
    }
  }
}
