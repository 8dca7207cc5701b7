// Metric names to files: carbon's paths, and the names that cannot be files refused.

import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { metricFile } from '../../../../src/core/daemon/names.js'

const DATA = '/var/lib/graphite/whisper'

test('a dotted name is a path under the data directory', () => {
  assert.deepEqual(metricFile('servers.web1.cpu', DATA, true), {
    ok: true,
    path: `${DATA}/servers/web1/cpu.wsp`,
  })
  // Empty components collapse, as they do on the file system.
  assert.deepEqual(metricFile('a..b', DATA, true), { ok: true, path: `${DATA}/a/b.wsp` })
  // carbon strips leading separators: an "absolute" name stays inside.
  assert.deepEqual(metricFile('/etc/passwd', DATA, true), { ok: true, path: `${DATA}/etc/passwd.wsp` })
  assert.deepEqual(metricFile('.hidden.x', DATA, true), { ok: true, path: `${DATA}/hidden/x.wsp` })
  // Dots are separators, so `..` in a plain name is only more slashes.
  assert.deepEqual(metricFile('a/../../../etc/x', DATA, true), { ok: true, path: `${DATA}/a/etc/x.wsp` })
})

test('names that would leave the data directory or cannot be files are refused', () => {
  for (const name of ['..', '.', '', 'a\0b', `a.${'x'.repeat(300)}`]) {
    const result = metricFile(name, DATA, true)
    assert.equal(result.ok, false, JSON.stringify(name))
  }
  // Unhashed tagged names keep their slashes, but their dots become _DOT_: still inside.
  const tagged = metricFile('x/../../../../etc/evil;a=b', DATA, false)
  assert.ok(tagged.ok && tagged.path.startsWith(`${DATA}/_tagged/`), JSON.stringify(tagged))
})

test('tagged names go under _tagged by their hash', () => {
  const result = metricFile('cpu;host=a', DATA, true)
  assert.ok(result.ok)
  assert.match(result.path, new RegExp(`^${DATA}/_tagged/[0-9a-f]{3}/[0-9a-f]{3}/[0-9a-f]{64}\\.wsp$`))
})

test('plain dotted names get the path that path.join makes, whatever the data directory looks like', () => {
  const long = 'x'.repeat(251)
  for (const dir of [DATA, `${DATA}/`, 'storage//whisper', './data', '../data', '', '/'])
    for (const name of ['a', 'servers.web1.cpu', 'a-b_c:d@e.f%g', `a.${long}`, `${long}x.b`]) {
      const expected = path.join(dir, ...name.split('.').slice(0, -1), `${name.split('.').at(-1)}.wsp`)
      assert.deepEqual(metricFile(name, dir, true), { ok: true, path: expected }, `${dir} ${name}`)
    }
  // A last component whose file name (with .wsp) would pass 255 bytes is refused, as before.
  assert.equal(metricFile(`a.${long}x`, DATA, true).ok, false)
})
