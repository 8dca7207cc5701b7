// A reader that goes away (`wsp check DIR --json | head -c 100`) ends every command that writes to
// stdout quietly, with status 0. The reader waits a second before it reads, so that a large output
// fills the pipe first; on a terminal (stderr a pty, with the tree commands' spinner) stdout becomes
// non-blocking, which is where the rest of the output went through a stream whose EPIPE crashed wsp.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { intoClosedPipe } from '../../helpers/closed-pipe.js'
import { tempDir } from '../../helpers/tmp.js'
import { DAY, makeTree } from '../../helpers/whisper-tree.js'

const NOW = Math.floor(Date.now() / 1000)

describe('issue 13.6: a closed pipe ends every wsp command quietly with 0', () => {
  let root: string
  let tree: string
  let source: string
  let file: string
  let a: string
  let b: string
  let conf: string
  before(() => {
    root = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'carbonkit-pipe-'))
    tree = path.join(root, 'tree')
    source = path.join(root, 'source')
    makeTree(tree, 300, DAY, { hours: 6, now: NOW, gaps: true })
    makeTree(source, 300, DAY, { hours: 6, now: NOW })
    file = path.join(source, 'host0', 'm0.wsp')
    // Two files whose every point differs: a diff of 300 kB.
    makeTree(path.join(root, 'pair'), 2, DAY, { hours: 24, now: NOW })
    a = path.join(root, 'pair', 'host0', 'm0.wsp')
    b = path.join(root, 'pair', 'host1', 'm1.wsp')
    conf = path.join(root, 'conf')
    fs.mkdirSync(conf)
    fs.writeFileSync(path.join(conf, 'carbon.conf'), `[cache]\nLOCAL_DATA_DIR = ${tree}\n`)
    fs.writeFileSync(
      path.join(conf, 'storage-schemas.conf'),
      '[default]\npattern = .*\nretentions = 10s:1d,1m:30d\n',
    )
    fs.writeFileSync(
      path.join(conf, 'storage-aggregation.conf'),
      '[default]\npattern = .*\nxFilesFactor = 0.5\naggregationMethod = average\n',
    )
  })

  after(() => {
    if (process.env.CARBONKIT_KEEP_TMP !== '1') fs.rmSync(root, { recursive: true, force: true })
  })

  const commands: [string, () => string[]][] = [
    ['check --json', () => ['check', tree, '--json']],
    ['check', () => ['check', tree]],
    ['resize --dry-run', () => ['resize', tree, '10s:2d', '1m:60d', '--dry-run']],
    ['resize --dry-run --json', () => ['resize', tree, '10s:2d', '1m:60d', '--dry-run', '--json']],
    ['set-aggregation --json', () => ['set-aggregation', tree, 'average', '--json']],
    ['set-xff --json', () => ['set-xff', tree, '0.5', '--json']],
    ['fill --json', () => ['fill', source, tree, '--json']],
    ['audit --json', () => ['audit', tree, '--config-dir', conf, '--json']],
    ['audit', () => ['audit', tree, '--config-dir', conf]],
    ['dump', () => ['dump', file]],
    ['dump --json', () => ['dump', '--json', file]],
    ['fetch', () => ['fetch', file, '--from', String(NOW - 86400), '--until', String(NOW)]],
    ['fetch --json', () => ['fetch', '--json', file, '--from', String(NOW - 86400), '--until', String(NOW)]],
    ['info', () => ['info', file]],
    ['diff', () => ['diff', a, b, '--until', String(NOW)]],
    ['diff --json', () => ['diff', '--json', a, b, '--until', String(NOW)]],
    ['create --estimate', () => ['create', '--estimate', '1s:1d', '1m:1y']],
    ['--help', () => ['--help']],
  ]
  for (const tty of [false, true]) {
    for (const [label, args] of commands) {
      test(`issue 13.6: wsp ${label} | head, ${tty ? 'stderr a terminal' : 'no terminal'}: exit 0, no message`, async (t) => {
        const result = await intoClosedPipe('wsp', args(), tty, tempDir(t))
        assert.equal(result.status, 0, result.shown)
        assert.doesNotMatch(result.shown, /Error|EPIPE|\n\s+at |wsp: /, result.shown)
      })
    }
  }
})
