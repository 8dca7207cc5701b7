// carbon: send metrics, serve them, lint carbon's configuration. Each command's module is loaded only
// when that command runs.

import type { CommandEntry } from '../shared/run.js'
import { runMain } from '../shared/run.js'

const COMMANDS: Record<string, CommandEntry> = {}

export function main(argv: readonly string[]): Promise<number> {
  return runMain(argv, {
    programName: 'carbon',
    description: "send metrics to Graphite, serve them like carbon-cache, lint carbon's configuration",
    commands: COMMANDS,
  })
}
