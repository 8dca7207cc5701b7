// Maintenance beside a live writer: while another process writes points with locking on (carbonkit's
// update_many, or the reference library with whisper.LOCK = True), resize, fill, set-aggregation and
// set-xff run on the same file. Afterwards every written point must be there and the file must pass
// the deep check.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, test } from 'node:test'
import { checkFile, checkReason } from '../../../../src/core/whisper/check.js'
import { create } from '../../../../src/core/whisper/create.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { fill } from '../../../../src/core/whisper/fill.js'
import { resize } from '../../../../src/core/whisper/resize.js'
import { setAggregationMethod, setXFilesFactor } from '../../../../src/core/whisper/set-aggregation.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { ROOT } from '../../../helpers/paths.js'
import { REFERENCE_PYTHON, needsReference } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

/**
 * The most points a writer writes (one every millisecond or more: at least 3 s of writing); it stops
 * sooner when the test tells it to, once the maintenance rounds it needs have overlapped its writes.
 */
const MAX_POINTS = 3000
/** Maintenance rounds that must each overlap the writer's writes. */
const ROUNDS = 3

interface Writer {
  /** Points written so far, as reported by the writer every 10 points. */
  written(): number
  /** Whether the writer has exited. */
  exited(): boolean
  /** Tell the writer to stop; resolves with the number of points it wrote, once it exited 0. */
  stop(): Promise<number>
}

/**
 * A writer process: one point a millisecond or so at start+i, value i, printing "ready" first, "p"
 * after every 10 points, and "done N" when it stops: told to (a line on stdin) or after MAX_POINTS.
 * It writes until told, so that the maintenance overlaps its writes however fast either side runs
 * (a writer of a fixed count could end before the rounds on an idle machine).
 */
function startWriter(kind: 'carbonkit' | 'reference', file: string, start: number): Promise<Writer> {
  const node = `
    const { updateMany } = await import(${JSON.stringify(path.join(ROOT, 'build/src/core/whisper/update.js'))})
    let stopped = false
    process.stdin.on('data', () => (stopped = true))
    process.stdin.on('end', () => (stopped = true))
    process.stdout.write('ready\\n')
    let i = 0
    for (; i < ${MAX_POINTS} && !stopped; i++) {
      updateMany(${JSON.stringify(file)}, [[${start} + i, i]], { lock: true })
      if (i % 10 === 9) process.stdout.write('p\\n')
      await new Promise((r) => setTimeout(r, 1))
    }
    process.stdout.write('done ' + i + '\\n')
    process.stdin.destroy()`
  const python = `
import sys, threading, time, whisper
whisper.LOCK = True
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
print('ready', flush=True)
i = 0
while i < ${MAX_POINTS} and not stop.is_set():
    whisper.update_many(${JSON.stringify(file)}, [(${start} + i, float(i))])
    if i % 10 == 9: print('p', flush=True)
    time.sleep(0.001)
    i += 1
print('done %d' % i, flush=True)
`
  const child =
    kind === 'carbonkit'
      ? spawn(process.execPath, ['--input-type=module', '-e', node], { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn(REFERENCE_PYTHON, ['-c', python], { stdio: ['pipe', 'pipe', 'inherit'] })
  // The writer may have stopped by itself (MAX_POINTS) when told to stop.
  child.stdin.on('error', () => undefined)
  let written = 0
  let exited = false
  let total: number | undefined
  let output = ''
  const done = new Promise<number>((resolve, reject) =>
    child.on('close', (code) => {
      exited = true
      if (code === 0 && total !== undefined) resolve(total)
      else reject(new Error(`writer exited ${code}: ${output.slice(-200)}`))
    }),
  )
  return new Promise((resolve, reject) => {
    let ready = false
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString()
      output += text
      written += 10 * (text.match(/^p$/gm)?.length ?? 0)
      const end = /^done (\d+)$/m.exec(output)
      if (end) total = Number(end[1])
      if (!ready && output.includes('ready')) {
        ready = true
        resolve({
          written: () => written,
          exited: () => exited,
          stop: () => {
            child.stdin.end('stop\n')
            return done
          },
        })
      }
    })
    done.catch(reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function scenario(
  t: Parameters<typeof tempDir>[0] & { diagnostic(m: string): void },
  kind: 'carbonkit' | 'reference',
): Promise<void> {
  const dir = tempDir(t)
  const file = path.join(dir, 'live.wsp')
  const other = path.join(dir, 'other.wsp')
  const now = Math.floor(Date.now() / 1000)
  // Room in the 1-second archive for every point the writer may write, with minutes to spare.
  const start = now - MAX_POINTS - 300
  create(file, [
    [1, 3600],
    [60, 1440],
  ])
  create(other, [
    [1, 3600],
    [60, 1440],
  ])
  // Data the fill may copy: every 7th second of the window, with values the writer never writes.
  updateMany(
    other,
    Array.from({ length: 400 }, (_, i) => [start - 2000 + 7 * i, -1] as const),
  )
  const writer = await startWriter(kind, file, start)
  let caughtUp = 0
  let overlapped = 0
  let round = 0
  // Rounds until ROUNDS of them overlapped the writes: a round can miss them when the writer is kept
  // off the CPU (a loaded machine), and the writer keeps writing until told to stop.
  for (; overlapped < ROUNDS && !writer.exited(); round++) {
    const writtenBefore = writer.written()
    caughtUp += resize(
      file,
      round % 2 === 0
        ? [
            [1, 7200],
            [60, 1440],
          ]
        : [
            [1, 3600],
            [60, 2880],
          ],
      { backup: false },
    ).caughtUp
    await sleep(20)
    fill(other, file)
    await sleep(20)
    setAggregationMethod(file, round % 2 === 0 ? 'max' : 'average', 0.25)
    await sleep(20)
    setXFilesFactor(file, 0.5)
    await sleep(20)
    if (!writer.exited() && writer.written() > writtenBefore) overlapped++
  }
  const points = await writer.stop()
  // The point of the test: the maintenance ran while the writer was writing, not before or after.
  assert.equal(
    overlapped,
    ROUNDS,
    `the writer wrote during ${overlapped} of ${round} maintenance rounds before it wrote ${points} points`,
  )
  t.diagnostic(`writes overlapped ${overlapped} of ${round} maintenance rounds; ${points} points written`)
  t.diagnostic(`${caughtUp} points written into the old file during resizes were copied into the new one`)
  const result = fetch(file, start - 1, start + points - 1, { archiveToSelect: '1s' })!
  const missing: number[] = []
  for (let i = 0; i < points; i++) if (result.values[i] !== i) missing.push(start + i)
  assert.deepEqual(missing, [], `${missing.length} of ${points} written points are missing or changed`)
  const check = checkFile(file)
  assert.equal(check.ok, true, checkReason(check))
}

describe('maintenance beside a live writer', () => {
  test('a carbonkit writer (update_many with flock) loses no point', async (t) => {
    await scenario(t, 'carbonkit')
  })
  test('the reference library with whisper.LOCK = True loses no point', needsReference(), async (t) => {
    await scenario(t, 'reference')
  })
})
