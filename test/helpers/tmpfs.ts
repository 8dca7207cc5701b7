// A small tmpfs for tests of a full disk (root only): mounted for one test, unmounted and removed
// when it ends. Where it cannot be mounted, the reason is printed loudly and the test skips.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function mountTmpfs(
  t: { after: (fn: () => void) => void },
  size: string,
): { dir: string } | { why: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonkit-tmpfs-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  })
  if (mounted.status !== 0) {
    fs.rmdirSync(dir)
    const why = `a full-disk test needs root to mount a tmpfs (${(mounted.stderr || mounted.error?.message || '').trim()})`
    process.stderr.write(`\n*** SKIPPED: ${why} ***\n\n`)
    return { why }
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir])
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return { dir }
}

/** Give the tmpfs at `dir` room: `size` in mount's units (1m). */
export function resizeTmpfs(dir: string, size: string): void {
  assert.equal(spawnSync('mount', ['-o', `remount,size=${size}`, dir]).status, 0, `remount ${dir}`)
}
