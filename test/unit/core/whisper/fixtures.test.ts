// The whisper core against golden files made by the reference (fixtures/whisper/README.md). No Python
// needed: the reference's operations are replayed and compared byte for byte, fetches at the pinned
// clock must return what whisper returned, and the scripts' outputs must be reproduced exactly.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { CorruptFileError } from '../../../../src/core/errors.js'
import { create } from '../../../../src/core/whisper/create.js'
import { openDump } from '../../../../src/core/whisper/dump.js'
import { fetch } from '../../../../src/core/whisper/fetch.js'
import { readInfo } from '../../../../src/core/whisper/info.js'
import type { ArchiveSpec } from '../../../../src/core/whisper/retention.js'
import { updateMany } from '../../../../src/core/whisper/update.js'
import { renderDump } from '../../../../src/cli/wsp/render/dump.js'
import { renderInfoJson } from '../../../../src/cli/wsp/render/info.js'
import { FIXTURES } from '../../../helpers/paths.js'
import { f2h, h2f } from '../../../helpers/reference.js'
import { tempDir } from '../../../helpers/tmp.js'

const DIR = path.join(FIXTURES, 'whisper')
const NAMES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.ops.json'))
  .map((f) => f.replace('.ops.json', ''))

interface Ops {
  create: { archives: ArchiveSpec[]; xFilesFactor: number; aggregationMethod: string }
  batches: { now: number; points: [number, string][] }[]
}

interface FetchFixture {
  now: number
  fetches: {
    from: number
    until: number
    archiveToSelect: string | null
    result: { timeInfo: [number, number, number]; values: (string | null)[] } | null
    /** Set where whisper returns a short list (file_fetch's length quirk in whisper.py): the window read in archive-sized pieces. */
    valuesInPieces?: (string | null)[]
  }[]
}

function readJson<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8')) as T
}

function collect(chunks: Iterable<string | Uint8Array>): string {
  return Buffer.concat([...chunks].map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).toString(
    'latin1',
  )
}

describe('golden whisper fixtures made by python3-whisper', () => {
  test('there are fixtures to check', () => {
    assert.ok(NAMES.length >= 10, `found ${NAMES.join(', ')}`)
  })

  for (const name of NAMES) {
    test(`${name}: replaying whisper's operations writes the same bytes`, (t) => {
      const ops = readJson<Ops>(`${name}.ops.json`)
      const file = path.join(tempDir(t), `${name}.wsp`)
      create(file, ops.create.archives, {
        xFilesFactor: ops.create.xFilesFactor,
        aggregationMethod: ops.create.aggregationMethod,
      })
      for (const batch of ops.batches) {
        updateMany(
          file,
          batch.points.map(([ts, hex]) => [ts, h2f(hex)!] as const),
          { now: batch.now },
        )
      }
      assert.deepEqual(fs.readFileSync(file), fs.readFileSync(path.join(DIR, `${name}.wsp`)))
    })

    test(`${name}: fetch at the pinned clock returns what whisper returned`, () => {
      const fixture = readJson<FetchFixture>(`${name}.fetch.json`)
      for (const f of fixture.fetches) {
        const result = fetch(path.join(DIR, `${name}.wsp`), f.from, f.until, {
          now: fixture.now,
          archiveToSelect: f.archiveToSelect ?? undefined,
        })
        const ours = result && {
          timeInfo: [result.timeInfo.fromInterval, result.timeInfo.untilInterval, result.timeInfo.step],
          values: result.values.map(f2h),
        }
        const label = `fetch(${f.from}, ${f.until}, ${f.archiveToSelect})`
        if (f.valuesInPieces && f.result) {
          // carbonkit returns one value per step where whisper's list is short (README: Differences).
          assert.deepEqual(ours?.timeInfo, f.result.timeInfo, label)
          assert.deepEqual(ours?.values, f.valuesInPieces, label)
        } else {
          assert.deepEqual(ours, f.result, label)
        }
      }
    })

    test(`${name}: info --json and dump print what whisper-info and whisper-dump print`, () => {
      const file = path.join(DIR, `${name}.wsp`)
      const expectedInfo = fs.readFileSync(path.join(DIR, `${name}.info.json`), 'utf8')
      // whisper-info prints the path it was given in no field, so the document compares as is.
      assert.equal(renderInfoJson(readInfo(file)), expectedInfo)
      const dump = collect(renderDump({ dump: openDump(file), pretty: false }))
      assert.equal(dump, fs.readFileSync(path.join(DIR, `${name}.dump.txt`), 'latin1'))
    })
  }

  test('every file of the corruption corpus is refused with a reason', () => {
    const corpus = readJson<Record<string, string | null>>('corrupt/whisper-info-errors.json')
    for (const name of Object.keys(corpus)) {
      const file = path.join(DIR, 'corrupt', `${name}.wsp`)
      assert.throws(
        () => readInfo(file),
        (error: unknown) =>
          error instanceof CorruptFileError && error.message.startsWith(`${file}: corrupt whisper file: `),
        name,
      )
    }
    // whisper's info() accepts two of them; carbonkit does not (README: Differences).
    assert.equal(corpus['truncated-data'], null)
    assert.equal(corpus['archive-count-zero'], null)
  })
})
