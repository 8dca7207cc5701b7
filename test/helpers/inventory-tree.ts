// Trees for wsp ls, du and stale (their benchmark and their terminal tests): `files` sparse whisper files (1m:1d,1h:30d, 1,226 KiB apparent,
// one 4 KiB block each), `dc<k>/host<i>/m<j>.wsp`, 1,000 per directory. Each holds one point in the
// first slot of its first archive (inside the header's block, so the file stays one block), its
// timestamp spread over the last 60 days so that about half are stale at 30 days. Built once per
// parameter set in the system's temporary directory and kept for the next run (a marker file says it
// is complete): 1,000,000 files take a minute or two to make.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { encodeHeader, encodePoint } from '../../src/core/whisper/codec.js'
import { fileSizeFor, headerSizeFor } from '../../src/core/whisper/format.js'

const ARCHIVES = [
  [60, 1440],
  [3600, 720],
] as const
export const FILES_PER_DIR = 1000
const VERSION = 1

/** The benchmark's tree of `files` files (cached), built when it is not there yet. */
export function inventoryTree(files: number, now: number): string {
  const root = path.join(os.tmpdir(), `carbonkit-bench-inventory-v${VERSION}-${files}`)
  const dir = path.join(root, 'whisper')
  const marker = path.join(root, 'complete')
  if (fs.existsSync(marker)) return dir
  fs.rmSync(root, { recursive: true, force: true })
  makeSparseTree(dir, files, now)
  fs.writeFileSync(path.join(root, 'now'), String(now))
  fs.writeFileSync(marker, '')
  return dir
}

/** `files` sparse whisper files under `dir`, their points up to 60 days before `now`. */
export function makeSparseTree(dir: string, files: number, now: number): void {
  const header = encodeHeader(ARCHIVES, 0.5, 'average')
  const size = fileSizeFor(ARCHIVES)
  const first = headerSizeFor(ARCHIVES.length)
  const block = Buffer.alloc(first + 12)
  header.copy(block)
  for (let d = 0; d * FILES_PER_DIR < files; d++) {
    const sub = path.join(dir, `dc${d % 10}`, `host${d}`)
    fs.mkdirSync(sub, { recursive: true })
    for (let j = 0; j < FILES_PER_DIR && d * FILES_PER_DIR + j < files; j++) {
      const age = ((d * FILES_PER_DIR + j) * 7919) % (60 * 86400)
      const timestamp = now - age - ((now - age) % 60)
      encodePoint(block, first, timestamp, j)
      const fd = fs.openSync(path.join(sub, `m${j}.wsp`), 'w')
      fs.writeSync(fd, block, 0, block.length, 0)
      fs.ftruncateSync(fd, size)
      fs.closeSync(fd)
    }
  }
}

/** The time the tree was made at (its points are up to 60 days before it). */
export function inventoryTreeNow(dir: string): number {
  return Number(fs.readFileSync(path.join(path.dirname(dir), 'now'), 'utf8'))
}
