// Whether a file descriptor is a terminal, without loading node:tty (it pulls in net and streams: a
// few milliseconds that every short command would pay). Linux answers from /proc; elsewhere tty.isatty.

import fs from 'node:fs'

const TERMINAL = /^\/dev\/(pts\/\d+|tty\w*|console)$/

export function isTerminal(fd: number): boolean {
  try {
    return TERMINAL.test(fs.readlinkSync(`/proc/self/fd/${fd}`))
  } catch {
    return process.getBuiltinModule('node:tty').isatty(fd)
  }
}
