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

const POINTS = 1500

interface Writer {
  /** Points written so far, as reported by the writer every 50 points. */
  written(): number
  /** Whether the writer has exited. */
  exited(): boolean
  /** Resolves when the writer exits 0. */
  done: Promise<void>
}

/**
 * A writer process: one point per millisecond-ish at start+i, value i, printing "ready" first and
 * "p" after every 50 points, so that the test can tell that the maintenance overlapped the writes.
 */
function startWriter(kind: 'carbonkit' | 'reference', file: string, start: number): Promise<Writer> {
  const node = `
    const { updateMany } = await import(${JSON.stringify(path.join(ROOT, 'build/src/core/whisper/update.js'))})
    process.stdout.write('ready\\n')
    for (let i = 0; i < ${POINTS}; i++) {
      updateMany(${JSON.stringify(file)}, [[${start} + i, i]], { lock: true })
      if (i % 50 === 49) process.stdout.write('p\\n')
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1))
    }`
  const python = `
import sys, time, whisper
whisper.LOCK = True
print('ready', flush=True)
for i in range(${POINTS}):
    whisper.update_many(${JSON.stringify(file)}, [(${start} + i, float(i))])
    if i % 50 == 49: print('p', flush=True)
    if i % 10 == 0: time.sleep(0.001)
`
  const child =
    kind === 'carbonkit'
      ? spawn(process.execPath, ['--input-type=module', '-e', node], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(REFERENCE_PYTHON, ['-c', python], { stdio: ['ignore', 'pipe', 'inherit'] })
  let written = 0
  let exited = false
  const done = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => {
      exited = true
      if (code === 0) resolve()
      else reject(new Error(`writer exited ${code}`))
    }),
  )
  return new Promise((resolve, reject) => {
    let ready = false
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString()
      written += 50 * (text.match(/^p$/gm)?.length ?? 0)
      if (!ready && text.includes('ready')) {
        ready = true
        resolve({ written: () => written, exited: () => exited, done })
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
  const start = now - 1800
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
  for (let round = 0; round < 3; round++) {
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
  // The point of the test: the maintenance ran while the writer was writing, not before or after.
  assert.ok(overlapped >= 2, `the writer wrote during ${overlapped} of 3 maintenance rounds`)
  await writer.done
  t.diagnostic(`writes overlapped ${overlapped} of 3 maintenance rounds`)
  t.diagnostic(`${caughtUp} points written into the old file during resizes were copied into the new one`)
  const result = fetch(file, start - 1, start + POINTS - 1, { archiveToSelect: '1s' })!
  const missing: number[] = []
  for (let i = 0; i < POINTS; i++) if (result.values[i] !== i) missing.push(start + i)
  assert.deepEqual(missing, [], `${missing.length} of ${POINTS} written points are missing or changed`)
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
