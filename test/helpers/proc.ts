// What a running process is doing, read from /proc: conditions a test can wait for instead of a
// time after the process's start (which varies many times over on a loaded machine).

import fs from 'node:fs'

/**
 * Whether process `pid` (any of its threads) has a descriptor open on `dir` or on something under
 * it: it is reading or writing there (a walk's directory, a file being worked on).
 */
export function holdsDescriptorUnder(pid: number | undefined, dir: string): boolean {
  let fds: string[] = []
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`)
  } catch {
    return false
  }
  return fds.some((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
      return target === dir || target.startsWith(`${dir}/`)
    } catch {
      return false
    }
  })
}
