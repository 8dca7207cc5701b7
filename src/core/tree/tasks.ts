// The jobs a tree operation runs on each file, as plain data so that they can cross to a worker
// thread, and the one function that runs a job (in a worker or in-process).

import { CoreError } from '../errors.js'
import type { CheckOptions, CheckResult } from '../whisper/check.js'
import { checkFile } from '../whisper/check.js'
import type { ArchiveSpec } from '../whisper/retention.js'
import type { FillOptions, FillResult } from '../whisper/fill.js'
import { fill } from '../whisper/fill.js'
import type { ResizeOptions, ResizeResult } from '../whisper/resize.js'
import { resize } from '../whisper/resize.js'
import type { AggregationChange, SetAggregationOptions } from '../whisper/set-aggregation.js'
import { setAggregation } from '../whisper/set-aggregation.js'

export type Task =
  | { kind: 'check'; path: string; options: CheckOptions }
  | { kind: 'resize'; path: string; archives: ArchiveSpec[]; options: ResizeOptions }
  | { kind: 'fill'; path: string; source: string; options: FillOptions }
  | {
      kind: 'set-aggregation'
      path: string
      aggregationMethod?: string
      xFilesFactor?: number
      options: SetAggregationOptions
    }

export type TaskResult = CheckResult | ResizeResult | AggregationChange | FillResult

/** An error as it crosses a thread: enough to report it and to map it to an exit status. */
export interface TaskError {
  name: string
  code?: string
  message: string
}

export type Outcome<T = TaskResult> =
  { path: string; ok: true; result: T } | { path: string; ok: false; error: TaskError }

/** Run one task. CoreErrors become failed outcomes; anything else is a bug and is rethrown. */
export function runTask(task: Task): Outcome {
  try {
    switch (task.kind) {
      case 'check':
        return { path: task.path, ok: true, result: checkFile(task.path, task.options) }
      case 'resize':
        return { path: task.path, ok: true, result: resize(task.path, task.archives, task.options) }
      case 'fill':
        return { path: task.path, ok: true, result: fill(task.source, task.path, task.options) }
      case 'set-aggregation':
        return {
          path: task.path,
          ok: true,
          result: setAggregation(task.path, task.aggregationMethod, task.xFilesFactor, task.options),
        }
    }
  } catch (error) {
    if (error instanceof CoreError) {
      return {
        path: task.path,
        ok: false,
        error: { name: error.name, code: error.code, message: error.message },
      }
    }
    throw error
  }
}
