// carbon: send metrics, serve them, lint carbon's configuration. Each command's module is loaded only
// when that command runs.

import type { Context } from '../shared/context.js'
import type { CommandEntry } from '../shared/run.js'
import { runMain } from '../shared/run.js'
import { warmUp as warmUpCommands } from '../shared/warm-up.js'

const COMMANDS: Record<string, CommandEntry> = {
  send: {
    load: async () => (await import('./commands/send.js')).registerSend,
  },
  query: {
    load: async () => (await import('./commands/query.js')).registerQuery,
  },
  lint: {
    load: async () => (await import('./commands/lint.js')).registerLint,
  },
  serve: {
    load: async () => (await import('./commands/serve.js')).registerServe,
  },
  which: {
    load: async () => (await import('./commands/which.js')).registerWhich,
  },
  ring: {
    load: async () => (await import('./commands/ring.js')).registerRing,
  },
  sieve: {
    load: async () => (await import('./commands/sieve.js')).registerSieve,
  },
  rebalance: {
    load: async () => (await import('./commands/rebalance.js')).registerRebalance,
  },
  sync: {
    load: async () => (await import('./commands/sync.js')).registerSync,
  },
}

export function main(argv: readonly string[], ctx?: Context): Promise<number> {
  return runMain(argv, {
    programName: 'carbon',
    description: "send metrics to Graphite, serve them like carbon-cache, lint carbon's configuration",
    commands: COMMANDS,
    ctx,
  })
}

/** The commands whose code the build's code cache holds (bin/load.cjs). */
export function warmUp(): Promise<void> {
  return warmUpCommands('carbon', main, [
    ['--help'],
    ['send', '--help'],
    ['send', '--dry-run', 'warm.up', '1.5', '1700000000'],
    ['send', '--dry-run', '--protocol', 'pickle', 'warm.up', '1.5', '1700000000'],
    ['query', '--help'],
    ['serve', '--help'],
    ['lint', '--help'],
    ['which', '--help'],
    ['ring', '--help'],
    ['sieve', '--help'],
    ['rebalance', '--help'],
    ['sync', '--help'],
  ])
}
