import { Option } from 'commander'
import type { Command } from 'commander'
import { InvalidArgumentError, MalformedInputError } from '../../../core/errors.js'
import type { SendOptions, SendProtocol, SendResult } from '../../../core/protocol/send.js'
import {
  DEFAULT_PORTS,
  SEND_PROTOCOLS,
  pointFromArguments,
  sendInput,
  sendPoints,
} from '../../../core/protocol/send.js'
import { choice, parseCountOption, parsePortOption, parseSecondsToMs } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { note, write } from '../../shared/output.js'
import { hintReadingStdin } from '../../shared/stdin-hint.js'
import { renderInputReject, renderSendSummary, renderWireMessage } from '../render/send.js'
import { plural } from '../../../core/format/plural.js'

interface SendFlags {
  host: string
  port?: number
  protocol: SendProtocol
  prefix?: string
  jsonInput?: boolean
  /** The old name of --json-input, kept so that scripts keep working. */
  json?: boolean
  dryRun?: boolean
  retries: number
  timeout?: number
}

/** Input lines reported one by one on stderr, up to this many. */
const MAX_REPORTED_REJECTS = 100
const liveClock = (): number => Math.floor(Date.now() / 1000)

function sendOptions(flags: SendFlags, ctx: Context): SendOptions {
  return {
    host: flags.host,
    port: flags.port ?? DEFAULT_PORTS[flags.protocol],
    protocol: flags.protocol,
    prefix: flags.prefix,
    retries: flags.retries,
    timeoutMs: flags.timeout,
    dryRun: flags.dryRun
      ? (message) => write(ctx.stdout, renderWireMessage(message, flags.protocol))
      : undefined,
  }
}

export function registerSend(program: Command, ctx: Context): void {
  program
    .command('send')
    .description('send points to carbon; with no metric, reads `metric value [timestamp]` lines from stdin')
    .argument('[metric]', 'metric name, e.g. hello.graphite')
    .argument('[value]', 'a number (Python float syntax: 3.5, 1e3, -7, inf)')
    .argument('[timestamp]', 'epoch seconds; -1 or nothing means now')
    .option('--host <host>', 'carbon host', '127.0.0.1')
    .option('-p, --port <port>', 'port (default: 2003 for line and udp, 2004 for pickle)', parsePortOption)
    .option('--protocol <protocol>', `${SEND_PROTOCOLS.join(', ')}`, choice(SEND_PROTOCOLS), 'line')
    .option('--prefix <prefix>', "prepend to every metric name (a '.' is added between)")
    .option(
      '--json-input',
      'stdin holds JSON Lines: {"metric": "a.b", "value": 1.5, "timestamp": 1700000000}',
    )
    .addOption(new Option('--json').hideHelp())
    .option('--dry-run', 'print what would be sent (pickle frames as hex) and send nothing')
    .option(
      '--retries <count>',
      'retry a refused, timed-out or broken connection this many times',
      parseCountOption,
      0,
    )
    .option('--timeout <seconds>', 'connect, write and close timeout (default: 10)', parseSecondsToMs)
    .action(
      async (
        metric: string | undefined,
        value: string | undefined,
        timestamp: string | undefined,
        flags: SendFlags,
      ) => {
        const options = sendOptions(flags, ctx)
        const jsonInput = flags.jsonInput === true || flags.json === true
        let result: SendResult
        if (metric === undefined) {
          let reported = 0
          const onReject = (reject: Parameters<typeof renderInputReject>[0]): void => {
            if (++reported <= MAX_REPORTED_REJECTS)
              note(ctx, `${ctx.programName}: ${renderInputReject(reject)}`)
          }
          const format = jsonInput ? 'json' : 'plaintext'
          hintReadingStdin(ctx, jsonInput ? 'JSON Lines' : '`metric value [timestamp]` lines')
          result = await sendInput(ctx.stdin, { ...options, format, now: liveClock, onReject })
        } else {
          if (value === undefined)
            throw new InvalidArgumentError(
              `missing value for '${metric}': carbon send <metric> <value> [timestamp]`,
            )
          if (jsonInput)
            throw new InvalidArgumentError('--json-input describes stdin: give no metric on the command line')
          result = await sendPoints(
            [pointFromArguments({ metric, value, timestamp }, ctx.now(), options)],
            options,
          )
        }
        if (ctx.interactive) note(ctx, renderSendSummary(result))
        if (result.rejected > 0) {
          throw new MalformedInputError(
            `stdin: ${plural(result.rejected, 'invalid line')} skipped, ${plural(result.points, 'point')} ${result.dryRun ? 'encoded' : 'sent'}`,
          )
        }
      },
    )
}
