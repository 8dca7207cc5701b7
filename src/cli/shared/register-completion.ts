// `wsp completion <shell>` and `carbon completion <shell>`: print a completion script generated from
// the program's own commands (every command is loaded for this one, as for --help).

import { InvalidArgumentError } from 'commander'
import type { Command } from 'commander'
import type { Shell } from './completion.js'
import { SHELLS, completionSpec, renderCompletion } from './completion.js'
import type { Context } from './context.js'
import { emit } from './output.js'

function parseShell(value: string): Shell {
  if ((SHELLS as readonly string[]).includes(value)) return value as Shell
  throw new InvalidArgumentError(`expected one of ${SHELLS.join(', ')}`)
}

export function registerCompletion(program: Command, ctx: Context): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(', '), parseShell)
    .action(async (shell: Shell) => {
      const spec = completionSpec(program)
      await emit(ctx, spec, { render: (data) => renderCompletion(shell, data) })
    })
}
