import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'

/** A fresh temporary directory, removed when the test (or suite) ends; kept with CARBONKIT_KEEP_TMP=1. */
export function tempDir(t: Pick<TestContext, 'after'>, prefix = 'carbonkit-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  if (process.env.CARBONKIT_KEEP_TMP === '1') {
    process.stderr.write(`keeping ${dir}\n`)
  } else {
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  }
  return dir
}
