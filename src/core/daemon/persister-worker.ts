// A writer thread of `carbon serve`: creates files and writes points with whisper's update_many,
// under flock, with synchronous positional I/O (STYLE.md, Boundaries 7). Batches come from the
// persister on the main thread; each item's outcome goes back with it.

import fs from 'node:fs'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { CannotWriteError, CoreError, NotFoundError, systemErrorCode } from '../errors.js'
import { create } from '../whisper/create.js'
import { setAggregationMethod } from '../whisper/set-aggregation.js'
import { fileUpdateManyFlat, updateManyFlat } from '../whisper/update.js'
import type {
  CreateSpec,
  MetadataReply,
  MetadataRequest,
  WriteBatch,
  WriteItem,
  WriteReply,
  WriteResult,
  WriterData,
  WriterJob,
  WriterThread,
  WriterYield,
} from './persister.js'
import { runAdminJob } from '../http/admin-jobs.js'
import { lowerNice, threadId, yieldCpu } from '../thread-priority.js'

/** Directories known to exist: a new file in one of them needs no mkdir. */
const directories = new Set<string>()
/** Past this many, the set starts over (the directories of metrics long gone are forgotten). */
const MAX_DIRECTORIES = 100_000

/**
 * Create the file with the item's points already in it (written before it appears: no second open).
 * False when another writer created it first: the points are then still to be written.
 */
function createFile(item: WriteItem, spec: CreateSpec, autoflush: boolean, now: number): boolean {
  const dir = path.dirname(item.path)
  if (!directories.has(dir)) {
    fs.mkdirSync(dir, { recursive: true })
    if (directories.size >= MAX_DIRECTORIES) directories.clear()
    directories.add(dir)
  }
  const createOnce = (): unknown =>
    create(item.path, spec.archives, {
      xFilesFactor: spec.xFilesFactor,
      aggregationMethod: spec.aggregationMethod,
      sparse: spec.sparse,
      fallocate: spec.fallocate,
      fsync: autoflush,
      initialize: (file) => fileUpdateManyFlat(file, item.points, now),
    })
  try {
    try {
      createOnce()
    } catch (error) {
      // The directory was removed meanwhile (the admin API's delete, an operator): made again.
      if (!(error instanceof NotFoundError)) throw error
      fs.mkdirSync(dir, { recursive: true })
      createOnce()
    }
    return true
  } catch (error) {
    // Another writer (carbon-cache, a script) created it first: write into theirs.
    if (error instanceof CannotWriteError && /file exists/.test(error.message)) return false
    throw error
  }
}

/** A full disk or quota: the points wait in the cache and the write is tried again. */
function diskFull(error: unknown): boolean {
  const code = systemErrorCode(error instanceof CoreError ? error.cause : error)
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/**
 * Each item: update the file; when it does not exist, create it first if the item says how, or
 * report it missing (the persister then waits for a create token).
 */
function write(batch: WriteBatch): WriteReply {
  const results: WriteResult[] = []
  for (const item of batch.items) {
    const started = performance.now()
    const result: WriteResult = { id: item.id, committed: 0, created: false }
    const n = item.points.length / 2
    const options = { now: batch.now, lock: true, fsync: batch.autoflush }
    try {
      try {
        updateManyFlat(item.path, item.points, options)
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error
        if (!item.create) {
          result.missing = true
          results.push(result)
          continue
        }
        result.created = createFile(item, item.create, batch.autoflush, batch.now)
        if (!result.created) updateManyFlat(item.path, item.points, options)
      }
      result.committed = n
    } catch (error) {
      result.error = error instanceof CoreError || error instanceof Error ? error.message : String(error)
      if (diskFull(error)) result.retry = true
    }
    result.seconds = (performance.now() - started) / 1000
    results.push(result)
  }
  return { batch: batch.batch, results }
}

/**
 * Writers run below the receivers (../thread-priority.ts): while points pour in, receiving them wins the
 * CPU; the writes catch up as soon as it is free. Started to yield (SCHED_IDLE, where the system has
 * it) or to compete (the nice value only), as the persister says (writer-pace.ts).
 */
const WRITER_NICENESS = 10

/** CarbonLink's set-metadata: the file is rewritten here, never on the daemon's main thread. */
function setMetadata(request: MetadataRequest): MetadataReply {
  try {
    const change = setAggregationMethod(request.path, request.aggregationMethod)
    return {
      kind: 'metadata',
      request: request.request,
      oldValue: change.old.aggregationMethod,
      newValue: change.new.aggregationMethod,
    }
  } catch (error) {
    return {
      kind: 'metadata',
      request: request.request,
      error: error instanceof Error ? error.message : String(error),
      expected: error instanceof CoreError,
    }
  }
}

const start = (workerData ?? {}) as WriterData
lowerNice(WRITER_NICENESS)
parentPort?.postMessage({
  kind: 'thread',
  tid: threadId() ?? 0,
  yielding: start.yieldCpu === true && yieldCpu(),
} satisfies WriterThread)
parentPort?.on('message', (message: WriteBatch | WriterJob | WriterYield) => {
  if (!('kind' in message)) parentPort!.postMessage(write(message))
  else if (message.kind === 'yield') yieldCpu()
  else if (message.kind === 'metadata') parentPort!.postMessage(setMetadata(message))
  else parentPort!.postMessage(...runAdminJob(message))
})
