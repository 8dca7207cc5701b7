// Colour is decided once per stream: --no-color, then NO_COLOR / FORCE_COLOR, then whether that stream
// is a TTY (stdout's for data, stderr's for messages: `cmd > file` on a terminal writes no escape
// codes into the file). Colour only: layout (tables or plain columns) follows whether stdout is a
// terminal, whatever the colour. One Chalk instance; never the global one; loaded only when needed.

export interface Theme {
  readonly enabled: boolean
  error(text: string): string
  warning(text: string): string
  ok(text: string): string
  dim(text: string): string
  bold(text: string): string
  heading(text: string): string
}

const identity = (text: string): string => text

export const PLAIN_THEME: Theme = {
  enabled: false,
  error: identity,
  warning: identity,
  ok: identity,
  dim: identity,
  bold: identity,
  heading: identity,
}

/** Whether output on a stream should be coloured. */
export function colorWanted(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTTY: boolean | undefined,
): boolean {
  if (argv.includes('--no-color')) return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  return Boolean(isTTY) && env.TERM !== 'dumb'
}

/** A theme with colours, loading chalk on demand. */
export async function createTheme(enabled: boolean): Promise<Theme> {
  if (!enabled) return PLAIN_THEME
  const { Chalk } = await import('chalk')
  const chalk = new Chalk({ level: 1 })
  return {
    enabled: true,
    error: (t) => chalk.red(t),
    warning: (t) => chalk.yellow(t),
    ok: (t) => chalk.green(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
    heading: (t) => chalk.bold.cyan(t),
  }
}
