import type { InputReject, SendProtocol, SendResult } from '../../../core/protocol/send.js'
import type { Rendered } from '../../shared/output.js'

/**
 * `carbon send --dry-run`: plaintext (line, udp) exactly as it would go on the wire; each pickle
 * frame (its 4-byte length and the pickle) as one line of hex, which `xxd -r -p` turns back into
 * the bytes.
 */
export function renderWireMessage(message: Buffer, protocol: SendProtocol): Rendered {
  return protocol === 'pickle' ? message.toString('hex') + '\n' : [message]
}

/** One rejected input line, for stderr: `stdin:3: value 'x' is not a number: "foo x 1"`. */
export function renderInputReject(reject: InputReject, source = 'stdin'): string {
  return `${source}:${reject.line}: ${reject.message}: ${JSON.stringify(reject.text)}`
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte')
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

const UNITS: Record<SendProtocol, [string, string]> = {
  line: ['write', 'writes'],
  udp: ['datagram', 'datagrams'],
  pickle: ['frame', 'frames'],
}

/** The summary a terminal gets on stderr: points, bytes, rate. */
export function renderSendSummary(result: SendResult): string {
  const seconds = result.elapsedMs / 1000
  const rate = seconds > 0 ? Math.round(result.points / seconds) : result.points
  const [one, many] = UNITS[result.protocol]
  const what = `${plural(result.points, 'point')} in ${plural(result.messages, one, many)} (${formatBytes(result.bytes)})`
  const rejected = result.rejected > 0 ? `; ${plural(result.rejected, 'input line')} rejected` : ''
  if (result.dryRun)
    return `dry run: encoded ${what} for ${result.server} over ${result.protocol}, sent nothing${rejected}`
  return `sent ${what} to ${result.server} over ${result.protocol} in ${seconds.toFixed(3)} s (${rate.toLocaleString('en-US')} points/s)${rejected}`
}
