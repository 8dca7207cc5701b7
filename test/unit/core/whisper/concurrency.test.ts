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

/** A writer process: one point per millisecond-ish at start+i, value i, printing "ready" first. */
function startWriter(kind: 'carbonkit' | 'reference', file: string, start: number): Promise<void> {
  const node = `
    const { updateMany } = await import(${JSON.stringify(path.join(ROOT, 'build/src/core/whisper/update.js'))})
    process.stdout.write('ready\\n')
    for (let i = 0; i < ${POINTS}; i++) {
      updateMany(${JSON.stringify(file)}, [[${start} + i, i]], { lock: true })
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1))
    }`
  const python = `
import sys, time, whisper
whisper.LOCK = True
print('ready', flush=True)
for i in range(${POINTS}):
    whisper.update_many(${JSON.stringify(file)}, [(${start} + i, float(i))])
    if i % 10 == 0: time.sleep(0.001)
`
  const child =
    kind === 'carbonkit'
      ? spawn(process.execPath, ['--input-type=module', '-e', node], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(REFERENCE_PYTHON, ['-c', python], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let ready = false
    child.stdout.on('data', (d: Buffer) => {
      if (!ready && d.toString().includes('ready')) {
        ready = true
        resolve()
      }
    })
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`writer exited ${code}`))))
    ;(startWriter as unknown as { last?: Promise<number | null> }).last = new Promise((r) =>
      child.on('exit', r),
    )
  })
}

async function writerDone(): Promise<void> {
  const code = await (startWriter as unknown as { last: Promise<number | null> }).last
  assert.equal(code, 0)
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
  await startWriter(kind, file, start)
  let caughtUp = 0
  for (let round = 0; round < 3; round++) {
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
  }
  await writerDone()
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
