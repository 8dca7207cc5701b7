// Events that can come by the thousand (bad input, a full disk) are logged once per interval per
// kind; the next line logged says how many were not.

/**
 * A gate for log lines: called with an event's kind, it answers how many events of that kind went
 * unlogged before this one, or undefined when this one is not to be logged.
 */
export function logLimiter(clock: () => number, seconds: number): (key: string) => number | undefined {
  const last = new Map<string, { at: number; suppressed: number }>()
  return (key) => {
    const previous = last.get(key)
    const now = clock()
    if (previous && now - previous.at < seconds) {
      previous.suppressed++
      return undefined
    }
    last.set(key, { at: now, suppressed: 0 })
    return previous?.suppressed ?? 0
  }
}
