// carbon serve and its own bugs, end to end: a receiver handler, a CarbonLink handler made to throw
// (the CARBONKIT_TEST_THROW_ON hook, read by the command line only) cost only that connection,
// datagram or request. The daemon keeps serving, the other connections are acknowledged, and every
// point read before the fault is written.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { test } from 'node:test'
import { frame, sendTcp, sendUdp, startServe } from '../../helpers/serve.js'
import { tempDir } from '../../helpers/tmp.js'
import { REFERENCE_PYTHON } from '../../helpers/reference.js'
import { readInfo } from '../../../src/core/whisper/info.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from '../../../src/core/protocol/carbonlink.js'
import { decodeCarbonLinkResponse, encodeCarbonLinkRequest } from '../../../src/core/protocol/carbonlink.js'
import { createFrameDecoder } from '../../../src/core/protocol/framing.js'
import { encodePickle, tuple } from '../../../src/core/protocol/pickle.js'
import { fetch } from '../../../src/core/whisper/fetch.js'

const BOOM = 'faults.boom'

/** Pipelined CarbonLink cache queries on one connection; the replies in order. */
function cacheQueries(port: number, metrics: string[]): Promise<CarbonLinkResponse[]> {
  return carbonLink(
    port,
    metrics.map((metric) => ({ type: 'cache-query', metric })),
  )
}

function carbonLink(port: number, requests: CarbonLinkRequest[]): Promise<CarbonLinkResponse[]> {
  return new Promise((resolve, reject) => {
    const replies: CarbonLinkResponse[] = []
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      for (const request of requests) socket.write(frame(encodeCarbonLinkRequest(request)))
    })
    const frames = createFrameDecoder({
      maxFrameBytes: 1 << 20,
      onFrame: (body) => {
        replies.push(decodeCarbonLinkResponse(body))
        if (replies.length === requests.length) {
          socket.end()
          resolve(replies)
        }
      },
      onOversize: () => reject(new Error('oversize reply')),
    })
    socket.on('data', (chunk) => frames.push(chunk))
    socket.on('error', reject)
  })
}

test('issue 14: a receiver or CarbonLink handler that throws costs only its connection or request; the daemon keeps serving, nothing is lost', async (t) => {
  const root = tempDir(t)
  const storage = path.join(root, 'storage')
  const serve = await startServe(t, ['--storage-dir', storage, '--udp'], {
    env: { CARBONKIT_TEST_THROW_ON: BOOM },
  })
  const t0 = Math.floor(Date.now() / 1000) - 600
  const good = (name: string, n: number): string =>
    Array.from({ length: n }, (_, i) => `faults.${name} ${i + 0.25} ${t0 + 60 * i}\n`).join('')

  // A connection whose third line makes the handler throw, beside three that do not.
  const faulty = sendTcp(serve.ports.line!, good('before', 2), `${BOOM} 1 ${t0}\n`, good('after', 2))
  const others = [
    sendTcp(serve.ports.line!, good('line1', 5)),
    sendTcp(serve.ports.line!, good('line2', 5)),
    sendTcp(serve.ports.pickle!, frame(encodePickle([tuple('faults.pickle1', tuple(t0, 7.5))]))),
  ]
  await assert.rejects(faulty, /ECONNRESET/, 'the faulty connection is reset, not acknowledged')
  await Promise.all(others)
  const fault = await serve.waitFor((e) => e.type === 'fault')
  assert.match(String(fault.where), /^line receiver \(connection from 127\.0\.0\.1:\d+\)$/)
  assert.match(String(fault.stack), /test hook: a point for faults\.boom\n\s+at /)

  // The same through pickle and UDP (a datagram's rest is lost: UDP promises nothing)...
  await assert.rejects(
    sendTcp(serve.ports.pickle!, frame(encodePickle([tuple(BOOM, tuple(t0, 1))]))),
    /ECONNRESET/,
  )
  await sendUdp(serve.ports.udp!, `${BOOM} 1 ${t0}\n`)
  await serve.waitFor((e) => e.type === 'fault' && /^udp receiver/.test(String(e.where)))
  // ...and CarbonLink: an error reply for that request, the next one on the connection answered.
  await sendTcp(serve.ports.line!, good('queried', 1))
  const [bad, answered] = await cacheQueries(serve.ports.query!, [BOOM, 'faults.queried'])
  assert.equal(bad?.kind, 'error')
  assert.match((bad as { error: string }).error, /^internal error: test hook/)
  assert.equal(answered?.kind, 'datapoints')

  // Still serving after all that.
  await sendTcp(serve.ports.line!, good('later', 3))
  const faults = serve.events.filter((e) => e.type === 'fault').map((e) => String(e.where).split(' ')[0])
  assert.deepEqual(faults.sort(), ['carbonlink', 'line', 'pickle', 'udp'])
  assert.deepEqual(await serve.stop(), { status: 0, signal: null })

  // Every point read before a fault is written; the faulty connection's client was told nothing.
  const expect: Record<string, number> = { before: 2, line1: 5, line2: 5, queried: 1, later: 3 }
  for (const [name, n] of Object.entries(expect)) {
    const got = fetch(path.join(storage, 'whisper', 'faults', `${name}.wsp`), t0 - 60, t0 + 60 * n, {
      now: t0 + 3600,
    })
    assert.deepEqual(
      got?.values.filter((v) => v !== null),
      Array.from({ length: n }, (_, i) => i + 0.25),
      name,
    )
  }
  const pickled = fetch(path.join(storage, 'whisper', 'faults', 'pickle1.wsp'), t0 - 60, t0, {
    now: t0 + 3600,
  })
  assert.deepEqual(pickled?.values, [7.5])
  assert.equal(fs.existsSync(path.join(storage, 'whisper', 'faults', 'boom.wsp')), false)
  assert.equal(fs.existsSync(path.join(storage, 'wal')), false, 'a clean stop: the log is gone')
})

test('issue 14: set-metadata rewrites the file on a writer thread: while the file is locked, the daemon keeps receiving', async (t) => {
  const root = tempDir(t)
  const storage = path.join(root, 'storage')
  const serve = await startServe(t, ['--storage-dir', storage])
  const t0 = Math.floor(Date.now() / 1000) - 600
  await sendTcp(serve.ports.line!, `meta.locked 1 ${t0}\n`)
  await serve.waitFor((e) => e.type === 'created' && e.metric === 'meta.locked')
  const file = path.join(storage, 'whisper', 'meta', 'locked.wsp')

  // Another process holds the file's lock (as carbon-cache or a script writing it would) until its
  // stdin closes (at most 120 s).
  const holder = spawn(REFERENCE_PYTHON, [
    '-c',
    'import fcntl, select, sys\nf = open(sys.argv[1], "rb+")\nfcntl.flock(f, fcntl.LOCK_EX)\nprint("locked", flush=True)\nselect.select([sys.stdin], [], [], 120)',
    file,
  ])
  t.after(() => holder.kill('SIGKILL'))
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()))
  let answered = false
  const set = carbonLink(serve.ports.query!, [
    { type: 'set-metadata', metric: 'meta.locked', key: 'aggregationMethod', value: 'max' },
  ]).then((replies) => ((answered = true), replies))
  // The set waits for the lock (a blocked flock of the file in /proc/locks)...
  const inode = fs.statSync(file).ino
  const waiting = (): boolean =>
    fs
      .readFileSync('/proc/locks', 'latin1')
      .split('\n')
      .some((line) => line.includes('->') && line.includes(`:${inode} `))
  for (const deadline = Date.now() + 120_000; !waiting(); await new Promise((r) => setTimeout(r, 20)))
    assert.ok(Date.now() < deadline && !answered, 'the set never waited for the lock')
  // ...on a writer thread: the main thread acknowledges a connection meanwhile, while the lock is held.
  await sendTcp(serve.ports.line!, `meta.other 2 ${t0}\n`)
  assert.equal(answered, false, 'the set was answered while the file was locked')
  assert.equal(holder.exitCode, null, 'the acknowledgement waited for the lock')
  holder.stdin.end()
  const [reply] = await set
  assert.deepEqual(reply, { kind: 'set-metadata', oldValue: 'average', newValue: 'max' })
  assert.equal(readInfo(file).aggregationMethod, 'max')
  assert.deepEqual(await serve.stop(), { status: 0, signal: null })
})
