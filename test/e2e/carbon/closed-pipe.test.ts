// A reader that goes away ends carbon's commands that write to stdout quietly, with status 0
// (test/e2e/wsp/closed-pipe.test.ts has the wsp side and the why).

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { intoClosedPipe } from '../../helpers/closed-pipe.js'
import { tempDir } from '../../helpers/tmp.js'

describe('issue 13.6: a closed pipe ends carbon commands quietly with 0', () => {
  test('carbon lint, which and --help into a closed pipe, with and without a terminal', async (t) => {
    const conf = tempDir(t)
    const rules = Array.from(
      { length: 400 },
      (_, i) => `[rule${i}]\npattern = ^app${i}\\.\nretentions = 10s:1d,1m:30d\n`,
    ).join('\n')
    fs.writeFileSync(
      path.join(conf, 'storage-schemas.conf'),
      `${rules}\n[default]\npattern = .*\nretentions = 1m:1d\n`,
    )
    fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${conf}/data\n`)
    const metrics = Array.from({ length: 400 }, (_, i) => `app${i}.requests.count`)
    for (const tty of [false, true]) {
      for (const args of [
        ['lint', '--config-dir', conf],
        ['which', '--config-dir', conf, ...metrics],
        ['which', '--config-dir', conf, '--json', ...metrics],
        ['--help'],
      ]) {
        const result = await intoClosedPipe('carbon', args, tty, conf)
        assert.equal(result.status, 0, `${args.join(' ')}: ${result.shown}`)
        assert.doesNotMatch(
          result.shown,
          /Error|EPIPE|\n\s+at |carbon: /,
          `${args.join(' ')}: ${result.shown}`,
        )
      }
    }
  })
})
