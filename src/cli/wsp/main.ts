// wsp: whisper files. Each command's module is loaded only when that command runs.

import type { Context } from '../shared/context.js'
import type { CommandEntry } from '../shared/run.js'
import { runMain } from '../shared/run.js'
import { warmUp as warmUpCommands } from '../shared/warm-up.js'

const COMMANDS: Record<string, CommandEntry> = {
  create: {
    load: async () => (await import('./commands/create.js')).registerCreate,
  },
  info: {
    load: async () => (await import('./commands/info.js')).registerInfo,
  },
  fetch: {
    load: async () => (await import('./commands/fetch.js')).registerFetch,
  },
  dump: {
    load: async () => (await import('./commands/dump.js')).registerDump,
  },
  update: {
    load: async () => (await import('./commands/update.js')).registerUpdate,
  },
  resize: {
    load: async () => (await import('./commands/resize.js')).registerResize,
  },
  fill: {
    load: async () => (await import('./commands/fill.js')).registerFill,
  },
  merge: {
    load: async () => (await import('./commands/merge.js')).registerMerge,
  },
  diff: {
    load: async () => (await import('./commands/diff.js')).registerDiff,
  },
  'set-aggregation': {
    aliases: ['set-aggregation-method'],
    load: async () => (await import('./commands/set-aggregation.js')).registerSetAggregation,
  },
  'set-xff': {
    aliases: ['set-xfilesfactor'],
    load: async () => (await import('./commands/set-xff.js')).registerSetXff,
  },
  audit: {
    load: async () => (await import('./commands/audit.js')).registerAudit,
  },
  check: {
    load: async () => (await import('./commands/check.js')).registerCheck,
  },
  ls: {
    load: async () => (await import('./commands/ls.js')).registerLs,
  },
  du: {
    load: async () => (await import('./commands/du.js')).registerDu,
  },
  stale: {
    load: async () => (await import('./commands/stale.js')).registerStale,
  },
}

export function main(argv: readonly string[], ctx?: Context): Promise<number> {
  return runMain(argv, {
    programName: 'wsp',
    description: "create, inspect, fetch, dump and update Graphite's whisper files",
    commands: COMMANDS,
    ctx,
  })
}

/** The commands whose code the build's code cache holds (bin/load.cjs). */
export function warmUp(): Promise<void> {
  return warmUpCommands('wsp', main, [
    ['--help'],
    ['create', '{dir}/a.wsp', '1m:1d', '1h:30d'],
    ['info', '{dir}/a.wsp'],
    ['info', '{dir}/a.wsp', '--json'],
    ['update', '{dir}/a.wsp', '1799999940:1', '1800000000:2'],
    ['fetch', '{dir}/a.wsp', '--from', '-1h'],
    ['dump', '{dir}/a.wsp'],
    ['info', '{dir}/missing.wsp'],
    ['check', '{dir}'],
    ['set-xff', '{dir}/a.wsp', '0.5'],
  ])
}
