// The --rate of a rebalance or a sync: metrics per second (`200`, `200/s`) or bytes per second
// (`20MB/s`, `512KiB/s`). A throttle spaces the moves so that what was moved since the start never
// runs ahead of the rate; the clock and the sleep come in, so that tests need no real time.

import { AbortedError, InvalidArgumentError } from '../errors.js'

export type Rate = { unit: 'metrics' | 'bytes'; perSecond: number }

const UNITS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  KI: 1024,
  MI: 1024 ** 2,
  GI: 1024 ** 3,
}

/**
 * A --rate value.
 * @throws InvalidArgumentError naming the flag.
 */
export function parseRate(text: string): Rate {
  const metrics = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim())
  if (metrics && Number(metrics[1]) > 0) return { unit: 'metrics', perSecond: Number(metrics[1]) }
  const bytes = /^(\d+(?:\.\d+)?)\s*([KMG]i?)?B\/s$/i.exec(text.trim())
  if (bytes && Number(bytes[1]) > 0)
    return { unit: 'bytes', perSecond: Number(bytes[1]) * UNITS[(bytes[2] ?? '').toUpperCase()]! }
  throw new InvalidArgumentError(
    `--rate ${text}: not a rate; give metrics per second (200 or 200/s) or bytes per second (20MB/s, 512KiB/s)`,
  )
}

export interface Clock {
  /** Milliseconds. */
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError('interrupted'))
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(new AbortedError('interrupted'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

export class Throttle {
  private started: number | undefined
  private used = 0

  constructor(
    private readonly rate: Rate | undefined,
    private readonly clock: Clock,
  ) {}

  /** Wait until one more metric of `bytes` bytes may go. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    return this.takeAll([bytes], signal)
  }

  /**
   * Wait until every metric of a batch (their sizes in bytes) may go: their turns are taken together,
   * one after the other, so that batches waiting side by side go in turn, one every batch's share of
   * the rate, instead of all of them at the end of their interleaved turns.
   */
  async takeAll(sizes: readonly number[], signal?: AbortSignal): Promise<void> {
    if (!this.rate || sizes.length === 0) return
    const started = (this.started ??= this.clock.now())
    let due = started
    for (const bytes of sizes) {
      due = started + (this.used * 1000) / this.rate.perSecond
      this.used += this.rate.unit === 'metrics' ? 1 : bytes
    }
    const wait = due - this.clock.now()
    if (wait > 0) await this.clock.sleep(wait, signal)
  }
}
