// The TCP receivers with real sockets: the close is carbon's only acknowledgement, so a connection
// is closed only once the sink says every point read from it is safe, never at the client's end.

import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import type { Receiver, ReceiverSink } from '../../../../src/core/daemon/receiver.js'
import { startLineReceiver, startPickleReceiver } from '../../../../src/core/daemon/receiver.js'
import { encodeFrame } from '../../../../src/core/protocol/framing.js'
import { encodePickleMetrics } from '../../../../src/core/protocol/pickle-metrics.js'

interface Held {
  sink: ReceiverSink
  received: string[]
  points: string[]
  /** Acknowledgements asked for and not yet given. */
  waiting: (() => void)[]
}

function holdingSink(): Held {
  const held: Held = {
    received: [],
    points: [],
    waiting: [],
    sink: {
      received: (format, bytes, start, end) => held.received.push(`${format}:${end - start}`),
      point: (metric, value, timestamp) => held.points.push(`${metric} ${value} ${timestamp}`),
      reject: () => undefined,
      full: () => false,
      acknowledge: (done) => held.waiting.push(done),
    },
  }
  return held
}

/** Send, end, and report when the server's end comes. */
function send(port: number, data: Buffer): { ended: Promise<void>; seen: () => boolean } {
  let seen = false
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => socket.end(data))
  socket.resume()
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', () => {
      seen = true
      socket.destroy()
      resolve()
    })
    socket.on('error', reject)
  })
  return { ended, seen: () => seen }
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const PARSER_WORKER = new URL('../../../../src/core/daemon/parser-worker.js', import.meta.url)

for (const protocol of ['line', 'line-threaded', 'pickle'] as const) {
  test(`issue 14: a ${protocol} connection is closed only once the sink acknowledges, not at the client's end`, async (t) => {
    const held = holdingSink()
    const listener = { interface: '127.0.0.1', port: 0 }
    const receiver: Receiver =
      protocol === 'line'
        ? await startLineReceiver(listener, held.sink, { now: () => 1000 })
        : protocol === 'line-threaded'
          ? await startLineReceiver(listener, held.sink, { now: () => 1000, parserWorkerUrl: PARSER_WORKER })
          : await startPickleReceiver(listener, held.sink, { now: () => 1000, maxFrameBytes: 1 << 20 })
    t.after(() => receiver.close())
    const data =
      protocol !== 'pickle'
        ? Buffer.from('a.b 1 100\nc.d 2 -1\n')
        : encodeFrame(
            encodePickleMetrics([
              { metric: 'a.b', value: 1, timestamp: 100 },
              { metric: 'c.d', value: 2, timestamp: -1 },
            ]),
          )
    const client = send(receiver.address.port, data)
    for (let waited = 0; held.waiting.length === 0 && waited < 5000; waited += 10) await wait(10)
    assert.equal(held.waiting.length, 1, 'the client ended: an acknowledgement is asked for')
    assert.deepEqual(held.points, ['a.b 1 100', 'c.d 2 1000'])
    const format = protocol === 'pickle' ? 'pickle' : 'line'
    assert.deepEqual(held.received, [
      `${format}:${protocol === 'pickle' ? data.byteLength - 4 : data.byteLength}`,
    ])
    await wait(200)
    assert.equal(client.seen(), false, 'not closed before the acknowledgement')
    held.waiting[0]!()
    await client.ended
  })
}

test('issue 14: with a parser thread, every point arrives in order, as of the segment its bytes were logged in, through a tiny backlog', async (t) => {
  const lines = 20_000
  const text = Array.from({ length: lines }, (_, i) => `m.${i % 37} ${i} ${1000 + i}`).join('\n') + '\n'
  const points: string[] = []
  /** For each point, the epoch when its line was logged and the one it was stored as of. */
  const loggedAt = new Map<number, number>()
  const wrong: string[] = []
  let logged = 0
  let storing = -1
  const waiting: (() => void)[] = []
  const sink: ReceiverSink = {
    received(format, bytes, start, end) {
      logged++
      // Every line in these bytes was logged as of epoch `logged`.
      for (const line of bytes.toString('latin1', start, end).split('\n'))
        if (line !== '') loggedAt.set(Number(line.split(' ')[1]), logged)
    },
    epoch: () => logged,
    store(epoch, apply) {
      storing = epoch
      apply()
      storing = -1
    },
    point(metric, value, timestamp) {
      points.push(`${metric} ${value} ${timestamp}`)
      if (loggedAt.get(value) !== storing)
        wrong.push(`${value}: logged ${loggedAt.get(value)}, stored ${storing}`)
    },
    reject: () => undefined,
    full: () => false,
    acknowledge: (done) => waiting.push(done),
  }
  const receiver = await startLineReceiver({ interface: '127.0.0.1', port: 0 }, sink, {
    now: () => 1,
    parserWorkerUrl: PARSER_WORKER,
    maxBacklogBytes: 4096,
  })
  t.after(() => receiver.close())
  const client = send(receiver.address.port, Buffer.from(text))
  for (let waited = 0; waiting.length === 0 && waited < 20_000; waited += 10) await wait(10)
  assert.equal(waiting.length, 1, 'acknowledgement asked for once every point is stored')
  assert.equal(points.length, lines)
  assert.deepEqual(points, text.trim().split('\n'))
  assert.deepEqual(wrong, [])
  assert.equal(receiver.oldestEpoch!(), Infinity, 'nothing left being parsed')
  waiting[0]!()
  await client.ended
})

for (const threaded of [false, true]) {
  test(`issue 14: a stop reads a connection paused until then to its end (${threaded ? 'parser thread' : 'main thread'})`, async () => {
    const points: string[] = []
    const sink: ReceiverSink = {
      received: () => undefined,
      point: (metric, value, timestamp) => points.push(`${metric} ${value} ${timestamp}`),
      reject: () => undefined,
      full: () => false,
      acknowledge: (done) => done(),
    }
    const receiver = await startLineReceiver({ interface: '127.0.0.1', port: 0 }, sink, {
      now: () => 1,
      parserWorkerUrl: threaded ? PARSER_WORKER : undefined,
    })
    // Paused (a full cache) from the start: the client's bytes wait in the kernel.
    receiver.pause()
    const lines = 50_000
    const text = Array.from({ length: lines }, (_, i) => `p.${i % 11} ${i} ${i + 1}`).join('\n') + '\n'
    const client = send(receiver.address.port, Buffer.from(text))
    // Longer than the drain's quiet time: a stale "last data" would cut the connection.
    await wait(500)
    assert.equal(points.length, 0)
    await receiver.close()
    await client.ended
    assert.equal(points.length, lines)
  })
}

test('issue 14/17: quiesce stops reading until every line logged so far is stored, and its answer resumes', async (t) => {
  const lines = 200_000
  let loggedLines = 0
  const points: string[] = []
  const waiting: (() => void)[] = []
  const sink: ReceiverSink = {
    received(format, bytes, start, end) {
      for (let i = start; i < end; i++) if (bytes[i] === 10) loggedLines++
    },
    point: (metric, value, timestamp) => points.push(`${metric} ${value} ${timestamp}`),
    reject: () => undefined,
    full: () => false,
    acknowledge: (done) => waiting.push(done),
  }
  const receiver = await startLineReceiver({ interface: '127.0.0.1', port: 0 }, sink, {
    now: () => 1,
    parserWorkerUrl: PARSER_WORKER,
  })
  t.after(() => receiver.close())
  const text = Array.from({ length: lines }, (_, i) => `m.${i % 101} ${i} ${1000 + i}`).join('\n') + '\n'
  // Written in pieces, so that the quiesce lands while lines are still coming.
  const socket = net.connect({ host: '127.0.0.1', port: receiver.address.port, allowHalfOpen: true })
  socket.resume()
  const ended = new Promise<void>((resolve) => socket.on('end', resolve))
  const bytes = Buffer.from(text)
  const piece = 64 * 1024
  let sent = 0
  const writeMore = (): void => {
    while (sent < bytes.length) {
      const next = bytes.subarray(sent, sent + piece)
      sent += next.length
      if (!socket.write(next)) return void socket.once('drain', writeMore)
    }
    socket.end()
  }
  writeMore()
  for (let waited = 0; loggedLines === 0 && waited < 10_000; waited += 5) await wait(5)
  const resume = await receiver.quiesce!()
  assert.equal(points.length, loggedLines, 'every line logged before is stored once quiesced')
  assert.ok(loggedLines < lines, 'quiesced while lines were still coming (the test means something)')
  const logged = loggedLines
  await wait(150)
  assert.equal(loggedLines, logged, 'nothing read while quiesced')
  resume()
  for (let waited = 0; waiting.length === 0 && waited < 20_000; waited += 10) await wait(10)
  assert.equal(points.length, lines)
  assert.deepEqual(points, text.trim().split('\n'))
  waiting[0]!()
  await ended
  socket.destroy()
})
