// A writer thread of `carbon serve`: creates files and writes points with whisper's update_many,
// under flock, with synchronous positional I/O (STYLE.md, Boundaries 7). Batches come from the
// persister on the main thread; each item's outcome goes back with it.

import fs from 'node:fs'
import path from 'node:path'
import { parentPort } from 'node:worker_threads'
import { CannotWriteError, CoreError } from '../errors.js'
import { create } from '../whisper/create.js'
import type { Point } from '../whisper/update.js'
import { updateMany } from '../whisper/update.js'
import type { WriteBatch, WriteReply, WriteResult } from './persister.js'

function write(batch: WriteBatch): WriteReply {
  const results: WriteResult[] = []
  for (const item of batch.items) {
    const started = performance.now()
    const result: WriteResult = { id: item.id, committed: 0, created: false }
    try {
      if (item.create) {
        fs.mkdirSync(path.dirname(item.path), { recursive: true })
        try {
          create(item.path, item.create.archives, {
            xFilesFactor: item.create.xFilesFactor,
            aggregationMethod: item.create.aggregationMethod,
            sparse: item.create.sparse,
            fallocate: item.create.fallocate,
            fsync: batch.autoflush,
          })
          result.created = true
        } catch (error) {
          // Another writer (carbon-cache, a script) created it first: write into theirs.
          if (!(error instanceof CannotWriteError && /file exists/.test(error.message))) throw error
        }
      }
      const n = item.points.length / 2
      const points = new Array<Point>(n)
      for (let i = 0; i < n; i++) points[i] = [item.points[2 * i]!, item.points[2 * i + 1]!]
      updateMany(item.path, points, { now: batch.now, lock: true, fsync: batch.autoflush })
      result.committed = n
    } catch (error) {
      result.error = error instanceof CoreError || error instanceof Error ? error.message : String(error)
    }
    result.seconds = (performance.now() - started) / 1000
    results.push(result)
  }
  return { batch: batch.batch, results }
}

parentPort?.on('message', (batch: WriteBatch) => parentPort!.postMessage(write(batch)))
