// `carbon send`'s core: points from arguments or from an input stream (`metric value [timestamp]`
// lines, or JSON Lines), checked, prefixed, batched and encoded for the chosen protocol, then sent
// (client.ts) or handed to a dry-run sink. Returns a summary; reports each bad input line.
//
// Batches: 500 points (carbon's MAX_DATAPOINTS_PER_MESSAGE). Pickle: one frame per batch, split
// further if a frame would pass carbon's 1 MiB limit. UDP: lines packed into datagrams of at most
// 8192 bytes, the most carbon reads of one datagram. Plaintext: one write per batch.

import { InvalidArgumentError } from '../errors.js'
import { parsePythonFloat } from '../python/parse.js'
import type { ConnectionOptions, Endpoint, Sender } from './client.js'
import { createSender, formatEndpoint } from './client.js'
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame } from './framing.js'
import { MAX_POINTS_PER_MESSAGE, encodePickleMetrics } from './pickle-metrics.js'
import type { LineRejectReason } from './plaintext.js'
import {
  MAX_LINE_BYTES,
  createLineSplitter,
  createPlaintextDecoder,
  encodePlaintext,
  formatPlaintextLine,
} from './plaintext.js'
import type { MetricPoint, Now } from './points.js'
import { checkMetricName, meansNow, readNow } from './points.js'

export const SEND_PROTOCOLS = ['line', 'udp', 'pickle'] as const
export type SendProtocol = (typeof SEND_PROTOCOLS)[number]

/** carbon's default receiver ports. */
export const DEFAULT_PORTS: Readonly<Record<SendProtocol, number>> = { line: 2003, udp: 2003, pickle: 2004 }

/** Twisted's DatagramProtocol reads at most 8192 bytes of a datagram: carbon truncates the rest. */
export const MAX_DATAGRAM_BYTES = 8192

/** JSON input lines may be longer than plaintext ones. */
const MAX_JSON_LINE_BYTES = 1 << 20

export interface InputReject {
  /** 1-based line of the input. */
  line: number
  reason: LineRejectReason | 'metric' | 'json'
  message: string
  /** The line (cut at 400 characters). */
  text: string
}

export interface SendOptions extends Endpoint, ConnectionOptions {
  protocol: SendProtocol
  /** Prepended to every metric name, with a '.' unless it ends with one. */
  prefix?: string
  /** Points per batch; default 500. */
  batchSize?: number
  /** Encode, and hand each wire message here instead of sending it. */
  dryRun?: (message: Buffer) => void | Promise<void>
}

export interface SendResult {
  server: string
  protocol: SendProtocol
  dryRun: boolean
  /** Points sent (or, with dryRun, encoded). */
  points: number
  /** Input lines (or points) not sent, each reported. */
  rejected: number
  /** Bytes written, retries included. */
  bytes: number
  /** Plaintext writes, pickle frames or UDP datagrams. */
  messages: number
  elapsedMs: number
}

export function applyPrefix(prefix: string | undefined, metric: string): string {
  if (!prefix) return metric
  return prefix.endsWith('.') ? prefix + metric : `${prefix}.${metric}`
}

/** Why a point cannot be sent with `protocol`, or undefined. */
export function checkPoint(point: MetricPoint, protocol: SendProtocol): string | undefined {
  const nameProblem = checkMetricName(point.metric, protocol !== 'pickle')
  if (nameProblem !== undefined) return nameProblem
  if (Number.isNaN(point.value)) return 'value is NaN (carbon drops NaN values)'
  if (!Number.isFinite(point.timestamp)) return 'timestamp is not finite'
  if (protocol !== 'pickle') {
    const limit = protocol === 'udp' ? MAX_DATAGRAM_BYTES : MAX_LINE_BYTES + 1
    const bytes = Buffer.byteLength(formatPlaintextLine(point))
    if (bytes > limit) {
      return protocol === 'udp'
        ? `line of ${bytes} bytes does not fit in carbon's ${MAX_DATAGRAM_BYTES}-byte datagram`
        : `line of ${bytes - 1} bytes is longer than carbon's ${MAX_LINE_BYTES}-byte limit`
    }
  }
  return undefined
}

function pickleFrames(points: readonly MetricPoint[], out: Buffer[]): void {
  const body = encodePickleMetrics(points)
  if (body.length <= DEFAULT_MAX_FRAME_BYTES || points.length === 1) {
    out.push(encodeFrame(body, DEFAULT_MAX_FRAME_BYTES))
    return
  }
  const half = Math.ceil(points.length / 2)
  pickleFrames(points.slice(0, half), out)
  pickleFrames(points.slice(half), out)
}

/**
 * The wire messages for checked points: one plaintext chunk, pickle frames (length prefix
 * included), or UDP datagrams.
 * @throws InvalidArgumentError for a point checkPoint refuses
 */
export function encodeMessages(points: readonly MetricPoint[], protocol: SendProtocol): Buffer[] {
  if (points.length === 0) return []
  if (protocol === 'line') return [encodePlaintext(points)]
  if (protocol === 'pickle') {
    const frames: Buffer[] = []
    for (let i = 0; i < points.length; i += MAX_POINTS_PER_MESSAGE) {
      pickleFrames(points.slice(i, i + MAX_POINTS_PER_MESSAGE), frames)
    }
    return frames
  }
  const datagrams: Buffer[] = []
  let lines: Buffer[] = []
  let size = 0
  for (const point of points) {
    const line = encodePlaintext([point])
    if (line.length > MAX_DATAGRAM_BYTES) {
      throw new InvalidArgumentError(
        `${point.metric}: line does not fit in a ${MAX_DATAGRAM_BYTES}-byte datagram`,
      )
    }
    if (size + line.length > MAX_DATAGRAM_BYTES) {
      datagrams.push(Buffer.concat(lines, size))
      lines = []
      size = 0
    }
    lines.push(line)
    size += line.length
  }
  if (lines.length > 0) datagrams.push(Buffer.concat(lines, size))
  return datagrams
}

class Pipeline {
  private pending: MetricPoint[] = []
  private points = 0
  private rejected = 0
  private dryBytes = 0
  private dryMessages = 0
  private readonly sender: Sender | undefined
  private readonly batchSize: number
  private readonly started = performance.now()

  constructor(
    private readonly options: SendOptions,
    private readonly onReject: (reject: InputReject) => void,
  ) {
    this.batchSize = options.batchSize ?? MAX_POINTS_PER_MESSAGE
    this.sender = options.dryRun
      ? undefined
      : createSender({ ...options, transport: options.protocol === 'udp' ? 'udp' : 'tcp' })
  }

  reject(reject: InputReject): void {
    this.rejected++
    this.onReject(reject)
  }

  /** Check and queue a point (its name already prefixed); a bad one is rejected. */
  add(point: MetricPoint, line: number, text: () => string): void {
    const problem = checkPoint(point, this.options.protocol)
    if (problem !== undefined) {
      this.reject({ line, reason: 'metric', message: problem, text: text() })
      return
    }
    this.pending.push(point)
  }

  get full(): boolean {
    return this.pending.length >= this.batchSize
  }

  async flush(all: boolean): Promise<void> {
    while (this.pending.length >= this.batchSize || (all && this.pending.length > 0)) {
      const batch = this.pending.splice(0, this.batchSize)
      const messages = encodeMessages(batch, this.options.protocol)
      if (this.sender) {
        await this.sender.send(messages)
      } else {
        for (const message of messages) {
          await this.options.dryRun!(message)
          this.dryBytes += message.length
          this.dryMessages++
        }
      }
      this.points += batch.length
    }
  }

  async finish(): Promise<SendResult> {
    try {
      await this.flush(true)
    } catch (error) {
      this.sender?.destroy()
      throw error
    }
    const stats = this.sender
      ? await this.sender.close()
      : { bytes: this.dryBytes, messages: this.dryMessages }
    return {
      server: formatEndpoint(this.options),
      protocol: this.options.protocol,
      dryRun: this.options.dryRun !== undefined,
      points: this.points,
      rejected: this.rejected,
      bytes: stats.bytes,
      messages: stats.messages,
      elapsedMs: performance.now() - this.started,
    }
  }

  destroy(): void {
    this.sender?.destroy()
  }
}

export interface PointArguments {
  metric: string
  value: string
  /** Epoch seconds; -1 (any int(ts) == -1) or nothing means now. */
  timestamp?: string
}

/**
 * The point of `carbon send <metric> <value> [timestamp]`: numbers read with Python's float().
 * @throws InvalidArgumentError for a bad value or timestamp, or a name the protocol cannot carry
 */
export function pointFromArguments(
  args: PointArguments,
  now: number,
  options: Pick<SendOptions, 'prefix' | 'protocol'>,
): MetricPoint {
  const value = parsePythonFloat(args.value)
  if (value === undefined) throw new InvalidArgumentError(`invalid value '${args.value}': not a number`)
  if (Number.isNaN(value))
    throw new InvalidArgumentError(`invalid value '${args.value}': carbon drops NaN values`)
  let timestamp = now
  if (args.timestamp !== undefined) {
    const parsed = parsePythonFloat(args.timestamp)
    if (parsed === undefined || !Number.isFinite(parsed)) {
      throw new InvalidArgumentError(`invalid timestamp '${args.timestamp}': not a number of epoch seconds`)
    }
    timestamp = meansNow(parsed) ? now : parsed
  }
  const point = { metric: applyPrefix(options.prefix, args.metric), value, timestamp }
  const problem = checkPoint(point, options.protocol)
  if (problem !== undefined) throw new InvalidArgumentError(`invalid metric '${args.metric}': ${problem}`)
  return point
}

/**
 * Send points.
 * @throws UnavailableError (refused, timed out, not closed cleanly), InvalidArgumentError for a
 * point that cannot be sent, AbortedError
 */
export async function sendPoints(points: readonly MetricPoint[], options: SendOptions): Promise<SendResult> {
  const pipeline = new Pipeline(options, (reject) => {
    throw new InvalidArgumentError(`point ${reject.line}: ${reject.message}`)
  })
  try {
    points.forEach((point, i) => pipeline.add(point, i + 1, () => point.metric))
    return await pipeline.finish()
  } catch (error) {
    pipeline.destroy()
    throw error
  }
}

export interface SendInputOptions extends SendOptions {
  /** `plaintext`: `metric value [timestamp]` lines; `json`: JSON Lines `{"metric", "value", "timestamp"?}`. */
  format: 'plaintext' | 'json'
  /** The time for `-1` and missing timestamps; a clock for long-running input. */
  now: Now
  /** Each input line that is not sent, as it is found. */
  onReject: (reject: InputReject) => void
}

function jsonNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x
  if (typeof x === 'string') return parsePythonFloat(x)
  return undefined
}

/** One JSON Lines input line as a point, or why not. */
function pointFromJson(
  text: string,
  now: Now,
  prefix: string | undefined,
): MetricPoint | Omit<InputReject, 'line' | 'text'> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    return { reason: 'json', message: `invalid JSON: ${(error as Error).message}` }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { reason: 'json', message: 'expected an object {"metric", "value", "timestamp"}' }
  }
  const { metric, value, timestamp } = data as Record<string, unknown>
  if (typeof metric !== 'string') return { reason: 'json', message: '"metric" must be a string' }
  const v = jsonNumber(value)
  if (v === undefined) return { reason: 'value', message: '"value" must be a number' }
  let ts: number
  if (timestamp === undefined || timestamp === null) {
    ts = readNow(now)
  } else {
    const parsed = jsonNumber(timestamp)
    if (parsed === undefined)
      return { reason: 'timestamp', message: '"timestamp" must be a number of epoch seconds' }
    ts = meansNow(parsed) ? readNow(now) : parsed
  }
  return { metric: applyPrefix(prefix, metric), value: v, timestamp: ts }
}

/**
 * Send the points read from `input`, in batches, as they arrive. Bad lines are reported through
 * onReject and skipped; the result counts them.
 * @throws UnavailableError (refused, timed out, not closed cleanly), AbortedError
 */
export async function sendInput(
  input: AsyncIterable<Uint8Array | string>,
  options: SendInputOptions,
): Promise<SendResult> {
  const pipeline = new Pipeline(options, options.onReject)
  let push: (chunk: Uint8Array) => void
  let end: () => void
  if (options.format === 'json') {
    const onLine = (bytes: Buffer, start: number, stop: number, line: number): void => {
      const text = bytes.toString('utf8', start, stop)
      if (text.trim() === '') return
      const point = pointFromJson(text, options.now, options.prefix)
      if ('metric' in point) pipeline.add(point, line, () => text.slice(0, 400))
      else pipeline.reject({ ...point, line, text: text.slice(0, 400) })
    }
    const splitter = createLineSplitter({
      maxLineBytes: MAX_JSON_LINE_BYTES,
      onLine,
      onTooLong: (line, head) =>
        pipeline.reject({
          line,
          reason: 'too-long',
          message: `line is longer than ${MAX_JSON_LINE_BYTES} bytes`,
          text: head.toString('utf8', 0, Math.min(head.length, 1600)).slice(0, 400),
        }),
    })
    push = (chunk) => splitter.push(chunk)
    end = () => {
      const line = splitter.line
      const rest = splitter.end()
      if (rest !== undefined) onLine(rest, 0, rest.length, line)
    }
  } else {
    const decoder = createPlaintextDecoder({
      now: options.now,
      timestampOptional: true,
      skipBlankLines: true,
      acceptUnterminated: true,
      onPoint: (metric, value, timestamp, line) =>
        pipeline.add({ metric: applyPrefix(options.prefix, metric), value, timestamp }, line, () => metric),
      onReject: (reject) => pipeline.reject(reject),
    })
    push = (chunk) => decoder.push(chunk)
    end = () => decoder.end()
  }
  try {
    for await (const chunk of input) {
      push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)
      if (pipeline.full) await pipeline.flush(false)
    }
    end()
    return await pipeline.finish()
  } catch (error) {
    pipeline.destroy()
    throw error
  }
}
