// Who else is writing a whisper file, as Linux's /proc tells it: processes waiting for its flock
// (/proc/locks) and processes holding it open for writing (/proc/<pid>/fd). resize's catch-up asks
// this after the swap, to know when no writer can still put points into the old inode. Where /proc
// cannot be read, the answers are undefined and the caller decides without them.

import fs from 'node:fs'
import nodePath from 'node:path'

/**
 * How many processes wait for a flock on this inode, from /proc/locks (Linux), or undefined where that
 * cannot be read. Blocked requests are the lines with "->".
 */
export function lockWaiters(fd: number): number | undefined {
  let locks: number | undefined
  try {
    const inode = fs.fstatSync(fd).ino
    // A plain read: readFileSync's path for size-0 proc files is an order of magnitude slower.
    locks = fs.openSync('/proc/locks', 'r')
    const chunks: Buffer[] = []
    const buffer = Buffer.allocUnsafe(65536)
    for (let n = fs.readSync(locks, buffer); n > 0; n = fs.readSync(locks, buffer))
      chunks.push(Buffer.from(buffer.subarray(0, n)))
    const text = Buffer.concat(chunks).toString('latin1')
    return text.split('\n').filter((line) => line.includes('->') && line.includes(`:${inode} `)).length
  } catch {
    return undefined
  } finally {
    if (locks !== undefined) fs.closeSync(locks)
  }
}

/**
 * How many other processes hold this inode open for writing, from /proc/<pid>/fd (Linux), or undefined
 * where /proc cannot be read. Processes of other users count only when we may look at them (root).
 * Only links naming the file (by its path, its backup, or as deleted) are examined.
 */
export function otherWriters(fd: number, path: string): number | undefined {
  let self: string
  let pids: string[]
  try {
    self = fs.readlinkSync('/proc/self')
    pids = fs.readdirSync('/proc')
  } catch {
    return undefined
  }
  const { dev, ino } = fs.fstatSync(fd)
  const base = nodePath.basename(path)
  let writers = 0
  for (const pid of pids) {
    if (pid === self || pid.charCodeAt(0) > 57) continue
    let fds: string[]
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const n of fds) {
      try {
        if (!nodePath.basename(fs.readlinkSync(`/proc/${pid}/fd/${n}`)).startsWith(base)) continue
        const stat = fs.statSync(`/proc/${pid}/fd/${n}`)
        if (stat.ino !== ino || stat.dev !== dev) continue
        const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${n}`, 'latin1'))
        if (!flags || (parseInt(flags[1]!, 8) & 3) !== 0) writers++
      } catch {
        // The process or descriptor went away.
      }
    }
  }
  return writers
}
