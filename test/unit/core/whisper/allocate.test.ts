import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { allocateBlocks } from '../../../../src/core/whisper/allocate.js'
import { mountTmpfs } from '../../../helpers/tmpfs.js'
import { tempDir } from '../../../helpers/tmp.js'

test('allocateBlocks reserves every block with posix_fallocate: the file reads as zeros', (t) => {
  const file = path.join(tempDir(t), 'a')
  const fd = fs.openSync(file, 'wx+')
  try {
    fs.writeSync(fd, Buffer.from('header'), 0, 6, 0)
    assert.equal(allocateBlocks(fd, 6, 855_000), true, 'posix_fallocate is available on Linux with glibc')
    const stat = fs.fstatSync(fd)
    assert.equal(stat.size, 855_006)
    assert.ok(stat.blocks * 512 >= 855_006, `${stat.blocks} blocks allocated`)
    const bytes = fs.readFileSync(file)
    assert.equal(bytes.subarray(0, 6).toString(), 'header')
    assert.ok(bytes.subarray(6).every((b) => b === 0))
  } finally {
    fs.closeSync(fd)
  }
})

test('allocateBlocks on a full file system throws ENOSPC, which callers report as a full disk', (t) => {
  const mounted = mountTmpfs(t, '64k')
  if ('why' in mounted) return t.skip(mounted.why)
  const fd = fs.openSync(path.join(mounted.dir, 'big'), 'wx+')
  try {
    assert.throws(
      () => allocateBlocks(fd, 0, 10 * 1024 * 1024),
      (error: NodeJS.ErrnoException) => error.code === 'ENOSPC',
    )
  } finally {
    fs.closeSync(fd)
  }
})
