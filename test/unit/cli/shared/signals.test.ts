// The second Ctrl-C: a command that claimed the stop signals is still finishing its work when a
// second SIGINT comes; the process exits 130 at once, and removes the temporary files of the claim
// first (issue 13.4: no temporary file survives a signal). Real signals to a real child process.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../../../helpers/paths.js'
import { tempDir } from '../../../helpers/tmp.js'

test('issue 13.4: a second SIGINT exits 130 at once and removes the claimed temporary files', (t) => {
  const dir = tempDir(t)
  const temporary = path.join(dir, '.big.wsp.create-x')
  const kept = path.join(dir, 'unclaimed')
  const script = `
    const { watchStopSignals, claimStopSignals } = await import(${JSON.stringify(path.join(ROOT, 'build/src/cli/shared/signals.js'))})
    const fs = await import('node:fs')
    watchStopSignals()
    const claim = claimStopSignals()
    fs.writeFileSync(${JSON.stringify(temporary)}, 'partial')
    fs.writeFileSync(${JSON.stringify(kept)}, 'not a temporary file')
    claim.temporaryFile(${JSON.stringify(temporary)})
    claim.signal.addEventListener('abort', () => {
      process.stdout.write('first\\n')
      // A command that takes its time to stop; the second Ctrl-C does not wait for it.
      setTimeout(() => process.kill(process.pid, 'SIGINT'), 50)
    })
    process.kill(process.pid, 'SIGINT')
    setTimeout(() => process.stdout.write('not stopped\\n'), 5000)`
  // "At once" is timed by the child itself (its 5 s mark is not reached), not from the spawn: Node's
  // start-up alone can take seconds on a loaded machine. The timeout only bounds a hang.
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(result.status, 130, result.stderr)
  assert.equal(result.stdout, 'first\n')
  assert.equal(fs.existsSync(temporary), false, 'the claimed temporary file is removed')
  assert.equal(fs.existsSync(kept), true, 'nothing else is removed')
})

test('issue 13.5: a SIGINT that comes while a command ends (its last output still being written) exits 130', () => {
  // The signal arrives during the command's last synchronous stretch (a long report written to a
  // slow terminal blocks in write(2)): Node dispatches it at the event loop's next poll, after the
  // command has returned. The watch must still see it then, not drop it with its handlers (the
  // process exited 0 after a Ctrl-C; seen as a flake of the ^C test of wsp set-xff).
  const script = `
    const { watchStopSignals } = await import(${JSON.stringify(path.join(ROOT, 'build/src/cli/shared/signals.js'))})
    const unwatch = watchStopSignals()
    process.kill(process.pid, 'SIGINT')
    // The last output being written: synchronous, the event loop does not turn.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    await unwatch()
    process.stdout.write('ended without the signal\\n')`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(result.stdout, '')
  assert.equal(result.status, 130, result.stderr)
})

test('issue 13.5: SIGINT stays caught while the command takes it over from the start-up handler', () => {
  // bin/load.cjs catches SIGINT first thing; the command's watch replaces that handler. Removing
  // Node's last listener of a signal gives the signal back its default action (death), so a SIGINT
  // arriving between the removal and the new listener would kill the process: the new listener comes
  // first. Checked in the kernel's mask of caught signals right after each removal.
  const script = `
    const fs = await import('node:fs')
    const { watchStopSignals } = await import(${JSON.stringify(path.join(ROOT, 'build/src/cli/shared/signals.js'))})
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]])
      process.on(signal, Object.assign(() => process.exit(status), { carbonkitStartUp: true }))
    const caught = () => BigInt('0x' + /^SigCgt:\\s+(\\w+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1])
    const off = process.off
    process.off = function (...args) {
      const result = off.apply(this, args)
      // SIGINT is bit 1, SIGTERM bit 14.
      process.stdout.write(((caught() & 0x2n) !== 0n && (caught() & 0x4000n) !== 0n ? 'caught' : 'default') + '\\n')
      return result
    }
    await watchStopSignals()()`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /^caught\n/, 'each start-up handler removed while the watch catches the signal')
  assert.doesNotMatch(result.stdout.split('\n').slice(0, 2).join('\n'), /default/)
})
