// Trees of whisper files for tests of the tree commands, written with the core (fast: no process per file).

import fs from 'node:fs'
import path from 'node:path'
import { create } from '../../src/core/whisper/create.js'
import { updateMany } from '../../src/core/whisper/update.js'

export type Archives = [number, number][]

/** 10 s for a day, 1 min for 30 days. */
export const DAY: Archives = [
  [10, 8640],
  [60, 43200],
]
/** 1 min for an hour. */
export const HOUR: Archives = [[60, 60]]

/**
 * `count` sparse files under `dir` in ten subdirectories, each with `hours` of 10-second points up to
 * `now`; with `gaps`, every other ten minutes is left out.
 */
export function makeTree(
  dir: string,
  count: number,
  archives: Archives,
  options: { hours: number; now: number; gaps?: boolean },
): void {
  const { hours, now, gaps = false } = options
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `host${i % 10}`, `m${i}.wsp`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    create(file, archives, { sparse: true })
    const points: [number, number][] = []
    for (let t = now - hours * 3600; t < now; t += 10) {
      if (!gaps || Math.floor(t / 600) % 2 === 0) points.push([t, (i * 7 + t) % 1000])
    }
    if (points.length > 0) updateMany(file, points, { now })
  }
}
