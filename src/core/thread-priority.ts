// A thread's place on the CPU (Linux): its own nice value (lowerNice: carbon serve's writers and HTTP
// read threads), and SCHED_IDLE for the writers.
//
// A writer thread yields the CPU to the receivers: it is put in
// SCHED_IDLE (sched_setscheduler(2), through ../libc.ts), so the scheduler runs it on a CPU that no
// other thread wants, and a receiver thread that wakes up takes that CPU from it at once. A nice value alone does not do that on a two-core machine: during a 1,000,000-point burst the
// writers at nice +10 or +19 still ran 0.2-0.5 CPU-s while the points came in, and the receivers'
// main thread waited up to 0.15 s for a CPU, because each CPU has its own run queue and a niced
// thread alone on one runs there while the receivers queue on the other. Its nice value is raised
// too (where SCHED_IDLE cannot be had, that is all it gets; and it shows a writer in `top`).
//
// SCHED_IDLE must not starve the writers when the CPUs are busy for long (graphite-web rendering on
// the same host, or more points than the machine can take): the persister reads how long each
// writer waited for a CPU (cpuWaitSeconds) and, when they are starved, replaces them with writers
// that compete at their nice value (see writer-pace.ts). A thread cannot leave SCHED_IDLE itself
// without CAP_SYS_NICE, so competing takes a new thread; yielding again is a call.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { libcFunction } from './libc.js'

type SetScheduler = (pid: number, policy: number, param: Buffer) => number

const SCHED_IDLE = 5

/** undefined: not loaded yet; null: not available here. */
let setScheduler: SetScheduler | null | undefined

/** The calling thread's id (Linux), or undefined. */
export function threadId(): number | undefined {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')))
    return Number.isInteger(tid) && tid > 0 ? tid : undefined
  } catch {
    return undefined
  }
}

/** Raise the calling thread's nice value by `niceness` (a thread has its own on Linux). */
export function lowerNice(niceness: number): boolean {
  const tid = threadId()
  if (tid === undefined) return false
  try {
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + niceness))
    return true
  } catch {
    return false
  }
}

/** Put the calling thread in SCHED_IDLE: true when it is. */
export function yieldCpu(): boolean {
  setScheduler ??= libcFunction<SetScheduler>(
    'int sched_setscheduler(int pid, int policy, const void *param)',
  )
  try {
    // pid 0: the calling thread. The parameter (its static priority) must be 0 for SCHED_IDLE.
    return setScheduler?.(0, SCHED_IDLE, Buffer.alloc(4)) === 0
  } catch {
    // Not allowed (a seccomp filter, say): the nice value stays.
    return false
  }
}

/**
 * How long thread `tid` of this process has waited for a CPU since it started, in seconds (the run
 * queue time of /proc/.../schedstat), or undefined where that cannot be read.
 */
export function cpuWaitSeconds(tid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')
    const waited = Number(fields[1])
    return Number.isFinite(waited) ? waited / 1e9 : undefined
  } catch {
    return undefined
  }
}
