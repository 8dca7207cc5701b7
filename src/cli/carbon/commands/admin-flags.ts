// The flags that reach nodes' admin API, shared by rebalance and sync: how each node's HTTP listener is
// found, the token, the throttle.

import type { Command } from 'commander'
import { readAdminToken } from '../../../core/http/admin-token.js'
import type { Rate } from '../../../core/cluster/rate.js'
import { parseRate } from '../../../core/cluster/rate.js'
import { parsePortOption } from '../../shared/args.js'

export interface AdminFlags {
  adminTokenFile: string
  httpPort: number | undefined
  node: string[]
  rate?: string
}

export function addAdminFlags(command: Command): Command {
  return command
    .requiredOption('--admin-token-file <file>', "the nodes' admin token (carbon serve --admin-token-file)")
    .option('--http-port <port>', "every node's HTTP port (on the host the ring names)", parsePortOption)
    .option(
      '--node <member=url>',
      "one node's admin URL, e.g. 10.0.0.5:2003=a=http://10.0.0.5:8080 (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--rate <rate>', 'at most this many metrics per second (200) or bytes per second (20MB/s)')
}

export function adminSettings(flags: AdminFlags): {
  token: string
  httpPort: number | undefined
  urls: string[]
  rate: Rate | undefined
} {
  return {
    token: readAdminToken(flags.adminTokenFile),
    httpPort: flags.httpPort,
    urls: flags.node,
    rate: flags.rate === undefined ? undefined : parseRate(flags.rate),
  }
}
