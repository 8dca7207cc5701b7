// A command that reads its input from stdin says so when stdin is a terminal: otherwise it seems to
// hang, waiting for lines nobody knows it wants.

import type { Context } from './context.js'
import { note } from './output.js'

/** On a terminal stdin, tell (on stderr) what is read from it and how to end it. */
export function hintReadingStdin(ctx: Context, what: string): void {
  if ((ctx.stdin as { isTTY?: boolean }).isTTY !== true) return
  note(ctx, `${ctx.programName}: reading ${what} from stdin; end with Ctrl-D (Ctrl-C cancels)`)
}
