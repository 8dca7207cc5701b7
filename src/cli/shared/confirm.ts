// Asking the operator before something large: only when both stdin and stderr are a terminal, so
// that a script never waits on a question (it passes --yes instead).

import type { Context } from './context.js'

/**
 * Ask `question` on stderr and read one line from stdin: true for y or yes. Undefined when there is
 * no terminal to ask on. The terminal stays in its usual mode, so Ctrl-C is a SIGINT as ever.
 */
export async function confirm(ctx: Context, question: string): Promise<boolean | undefined> {
  if (!ctx.interactive || (ctx.stdin as { isTTY?: boolean }).isTTY !== true) return undefined
  // Loaded here: most commands never ask.
  const { createInterface } = process.getBuiltinModule('node:readline')
  const lines = createInterface({ input: ctx.stdin, terminal: false })
  try {
    ctx.stderr.write(`${question} [y/N] `)
    const answer = await new Promise<string>((resolve) => {
      lines.once('line', resolve)
      lines.once('close', () => resolve(''))
    })
    return /^\s*y(es)?\s*$/i.test(answer)
  } finally {
    lines.close()
    ctx.stdin.pause()
  }
}
