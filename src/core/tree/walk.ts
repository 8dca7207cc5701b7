// Finding whisper files: a file argument is taken as it is; a directory is walked recursively for
// *.wsp files (symbolic links to directories are not followed, as os.walk does not). Sorted output.

import fs from 'node:fs'
import path from 'node:path'
import { fromSystemError } from '../errors.js'

export interface WalkedFile {
  /** The file's path. */
  path: string
  /** The argument it was found under (for paths relative to it, e.g. in a quarantine). */
  root: string
}

function walkDirectory(root: string, dir: string, out: WalkedFile[]): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    throw fromSystemError(error, dir, false)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) walkDirectory(root, full, out)
    else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.wsp'))
      out.push({ path: full, root })
  }
}

/**
 * The whisper files under each argument.
 * @throws NotFoundError for an argument that does not exist
 */
export function findWhisperFiles(roots: readonly string[]): WalkedFile[] {
  const out: WalkedFile[] = []
  for (const root of roots) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(root)
    } catch (error) {
      throw fromSystemError(error, root, false)
    }
    if (stat.isDirectory()) walkDirectory(root, root, out)
    else out.push({ path: root, root: path.dirname(root) })
  }
  return out
}

/** Whether a path names a directory (false when it does not exist). */
export function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

export interface FilePairs {
  /** [source, target] for every target file with a source at the same relative path. */
  pairs: [string, string][]
  /** Target files without a source. */
  unmatched: string[]
}

/**
 * Pair the whisper files under `targetRoot` with the files at the same relative paths under
 * `sourceRoot` (for filling one node's tree from another's).
 * @throws NotFoundError for a root that does not exist
 */
export function pairWhisperFiles(sourceRoot: string, targetRoot: string): FilePairs {
  const out: FilePairs = { pairs: [], unmatched: [] }
  for (const file of findWhisperFiles([targetRoot])) {
    const source = path.join(sourceRoot, path.relative(targetRoot, file.path))
    if (fs.existsSync(source)) out.pairs.push([source, file.path])
    else out.unmatched.push(file.path)
  }
  return out
}
