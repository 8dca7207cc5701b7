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

for (const protocol of ['line', 'pickle'] as const) {
  test(`issue 14: a ${protocol} connection is closed only once the sink acknowledges, not at the client's end`, async (t) => {
    const held = holdingSink()
    const listener = { interface: '127.0.0.1', port: 0 }
    const receiver: Receiver =
      protocol === 'line'
        ? await startLineReceiver(listener, held.sink, { now: () => 1000 })
        : await startPickleReceiver(listener, held.sink, { now: () => 1000, maxFrameBytes: 1 << 20 })
    t.after(() => receiver.close())
    const data =
      protocol === 'line'
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
    assert.deepEqual(held.received, [
      `${protocol}:${protocol === 'line' ? data.byteLength : data.byteLength - 4}`,
    ])
    await wait(200)
    assert.equal(client.seen(), false, 'not closed before the acknowledgement')
    held.waiting[0]!()
    await client.ended
  })
}
