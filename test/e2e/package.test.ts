// What a user installs: the package is packed, the tarball installed globally into a fresh prefix
// (its dependencies from the npm registry, as a user gets them), and the installed commands and man
// pages are run from there. It needs the registry, so it runs in CI (CI set) or when asked
// (CARBONKIT_TEST_PACKAGE=1), and says so when it skips.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const WANTED = process.env.CI !== undefined || process.env.CARBONKIT_TEST_PACKAGE === '1'

function sh(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 300_000,
  })
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

test(
  'npm pack, then a global install into a fresh prefix: wsp, carbon and the man pages work from there',
  {
    skip: WANTED ? false : 'needs the npm registry: set CARBONKIT_TEST_PACKAGE=1 (CI runs it)',
    timeout: 600_000,
  },
  (t) => {
    const dir = tempDir(t)
    const prefix = path.join(dir, 'prefix')
    const packed = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir])) as {
      filename: string
    }[]
    const tarball = path.join(dir, packed[0]!.filename)
    sh('npm', ['install', '--global', '--allow-scripts=fs-ext', '--prefix', prefix, tarball], {
      npm_config_update_notifier: 'false',
    })
    const installed = path.join(prefix, 'lib', 'node_modules', 'carbonkit')
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }

    // Only runtime dependencies (type packages aside: protobufjs itself depends on @types/node), and
    // the flock addon built.
    const has = (name: string): boolean => fs.existsSync(path.join(installed, 'node_modules', name))
    for (const name of Object.keys(manifest.dependencies)) assert.ok(has(name), `${name} installed`)
    for (const name of Object.keys(manifest.devDependencies).filter((n) => !n.startsWith('@types/')))
      assert.ok(!has(name), `dev dependency ${name} installed`)
    assert.ok(
      fs.existsSync(path.join(installed, 'node_modules', 'fs-ext', 'build', 'Release', 'fs_ext.node')),
      'the fs-ext addon is built',
    )

    // The commands, from the prefix's bin.
    assert.equal(sh(path.join(prefix, 'bin', 'wsp'), ['--version']), `${manifest.version}\n`)
    assert.match(sh(path.join(prefix, 'bin', 'carbon'), ['--help']), /^Usage: carbon/)
    const file = path.join(dir, 'a.wsp')
    sh(path.join(prefix, 'bin', 'wsp'), ['create', file, '1m:1h'])
    sh(path.join(prefix, 'bin', 'wsp'), ['update', file, 'N:1'])

    // The man pages, where man finds them under the prefix.
    const manpath = path.join(prefix, 'share', 'man')
    assert.match(sh('man', ['-P', 'cat', 'wsp'], { MANPATH: manpath, MANWIDTH: '80' }), /^WSP\(1\)/m)
    assert.match(sh('man', ['-P', 'cat', 'carbon'], { MANPATH: manpath, MANWIDTH: '80' }), /^CARBON\(1\)/m)
  },
)
