import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('cannot find the repository root')
    dir = parent
  }
  return dir
}

/** The repository root (tests run from build/, sources and fixtures live beside it). */
export const ROOT = findRoot()
export const FIXTURES = path.join(ROOT, 'fixtures')
export const BIN = path.join(ROOT, 'bin')
