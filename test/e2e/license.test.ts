// The licence the package declares is the licence it ships: LICENSE holds the Apache License 2.0
// (package.json's "license": "Apache-2.0") and goes into the npm package.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../helpers/paths.js'

// Debian's copy of the licence text (base-files), as published by the ASF.
const DEBIAN_APACHE_2 = '/usr/share/common-licenses/Apache-2.0'

test('issue 13.14: LICENSE is the Apache License 2.0 that package.json declares, and is packed', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { license: string }
  assert.equal(pkg.license, 'Apache-2.0')
  const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')
  assert.match(license, /^\n +Apache License\n +Version 2\.0, January 2004\n/)
  assert.match(license, /\n   Copyright 2026 The carbonkit Authors\n/)
  assert.match(license, /\n   END OF TERMS AND CONDITIONS\n/)
  // All nine sections of the terms.
  for (let section = 1; section <= 9; section++) assert.match(license, new RegExp(`\n   ${section}\\. [A-Z]`))
  if (fs.existsSync(DEBIAN_APACHE_2)) {
    // Word for word the standard text, the copyright line filled in.
    const standard = fs
      .readFileSync(DEBIAN_APACHE_2, 'utf8')
      .replace('Copyright [yyyy] [name of copyright owner]', 'Copyright 2026 The carbonkit Authors')
    assert.equal(license, standard)
  }
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(pack.status, 0, pack.stderr)
  const [packed] = JSON.parse(pack.stdout) as { files: { path: string }[] }[]
  assert.ok(
    packed!.files.some((f) => f.path === 'LICENSE'),
    'npm pack leaves LICENSE out',
  )
})
