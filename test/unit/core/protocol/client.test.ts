// The transport and the send pipeline on real sockets (127.0.0.1, port 0): what arrives, refusals,
// retries with backoff, timeouts, servers that close early or never, UDP refusals, CarbonLink
// replies, aborts.

import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import { Readable } from 'node:stream'
import type { TestContext } from 'node:test'
import { describe, test } from 'node:test'
import { AbortedError, MalformedInputError, UnavailableError } from '../../../../src/core/errors.js'
import {
  encodeCarbonLinkResponse,
  decodeCarbonLinkRequest,
} from '../../../../src/core/protocol/carbonlink.js'
import type { ClientEvent } from '../../../../src/core/protocol/client.js'
import { backoffDelay, createSender, exchangeCarbonLink } from '../../../../src/core/protocol/client.js'
import { createFrameDecoder, encodeFrame } from '../../../../src/core/protocol/framing.js'
import { parsePickleMetrics } from '../../../../src/core/protocol/pickle-metrics.js'
import { parsePlaintext } from '../../../../src/core/protocol/plaintext.js'
import type { InputReject } from '../../../../src/core/protocol/send.js'
import {
  encodeMessages,
  pointFromArguments,
  sendInput,
  sendPoints,
} from '../../../../src/core/protocol/send.js'

interface Server {
  port: number
  received: Buffer[]
  /** Resolves when a connection has ended, with everything it sent. */
  connections: Promise<Buffer>[]
}

async function listen(
  t: TestContext,
  onSocket?: (socket: net.Socket) => void,
  options: net.ServerOpts = {},
): Promise<Server> {
  const server: Server = { port: 0, received: [], connections: [] }
  const sockets = new Set<net.Socket>()
  const tcp = net.createServer(options, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    const chunks: Buffer[] = []
    server.connections.push(
      new Promise((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk)
          server.received.push(chunk)
        })
        socket.on('end', () => resolve(Buffer.concat(chunks)))
        socket.on('close', () => resolve(Buffer.concat(chunks)))
      }),
    )
    onSocket?.(socket)
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  server.port = (tcp.address() as net.AddressInfo).port
  t.after(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => tcp.close(resolve))
  })
  return server
}

/** A port with nothing listening on it (just closed). */
async function deadPort(): Promise<number> {
  const tcp = net.createServer()
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const port = (tcp.address() as net.AddressInfo).port
  await new Promise((resolve) => tcp.close(resolve))
  return port
}

const points = (n: number, prefix = 'm'): { metric: string; value: number; timestamp: number }[] =>
  Array.from({ length: n }, (_, i) => ({
    metric: `${prefix}.${i % 3}`,
    value: i + 0.5,
    timestamp: 1700000000 + i,
  }))

describe('sender over TCP', () => {
  test('writes every message, then waits for the server to read all and close', async (t) => {
    const server = await listen(t)
    const sender = createSender({ host: '127.0.0.1', port: server.port, transport: 'tcp' })
    await sender.send([Buffer.from('a 1 2\n'), Buffer.from('b 3 4\n')])
    await sender.send([Buffer.from('c 5 6\n')])
    const stats = await sender.close()
    assert.deepEqual(stats, { bytes: 18, messages: 3, connections: 1 })
    assert.equal((await server.connections[0]!).toString(), 'a 1 2\nb 3 4\nc 5 6\n')
  })

  test('a refused connection is an UnavailableError naming host and port', async () => {
    const port = await deadPort()
    const sender = createSender({ host: '127.0.0.1', port, transport: 'tcp' })
    await assert.rejects(sender.send([Buffer.from('x 1 2\n')]), (error: unknown) => {
      assert.ok(error instanceof UnavailableError)
      assert.equal(error.message, `127.0.0.1:${port}: connection refused`)
      return true
    })
  })

  test('retries with backoff until the server is up', async (t) => {
    const port = await deadPort()
    const events: ClientEvent[] = []
    const tcp = net.createServer((socket) => {
      const chunks: Buffer[] = []
      socket.on('data', (c: Buffer) => chunks.push(c))
      socket.on('end', () => {
        received = Buffer.concat(chunks).toString()
      })
    })
    let received = ''
    t.after(() => new Promise((resolve) => tcp.close(resolve)))
    setTimeout(() => tcp.listen(port, '127.0.0.1'), 300)
    const sender = createSender({
      host: '127.0.0.1',
      port,
      transport: 'tcp',
      retries: 10,
      backoffMs: 50,
      onEvent: (e) => events.push(e),
    })
    await sender.send([Buffer.from('late 1 2\n')])
    await sender.close()
    assert.equal(received, 'late 1 2\n')
    const retries = events.filter((e) => e.type === 'retry')
    assert.ok(retries.length >= 1)
    assert.match(retries[0]!.type === 'retry' ? retries[0]!.error : '', /connection refused/)
    assert.equal(events.at(-1)!.type, 'connected')
  })

  test('retries exhausted: the message says how many attempts', async () => {
    const port = await deadPort()
    const sender = createSender({ host: '127.0.0.1', port, transport: 'tcp', retries: 2, backoffMs: 10 })
    await assert.rejects(sender.send([Buffer.from('x 1 2\n')]), {
      message: `127.0.0.1:${port}: connection refused (after 3 attempts)`,
    })
  })

  test('backoff doubles, is capped, and jitters by at most 20%', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffDelay(n, 500, () => 0.5)),
      [500, 1000, 2000, 4000],
    )
    assert.equal(
      backoffDelay(20, 500, () => 0.5),
      30000,
    )
    assert.equal(
      backoffDelay(1, 500, () => 0),
      400,
    )
    assert.equal(
      backoffDelay(1, 500, () => 1),
      600,
    )
  })

  test('a server that never closes: timed out waiting for the close', async (t) => {
    const server = await listen(t, undefined, { allowHalfOpen: true })
    const sender = createSender({ host: '127.0.0.1', port: server.port, transport: 'tcp', timeoutMs: 300 })
    await sender.send([Buffer.from('a 1 2\n')])
    await assert.rejects(sender.close(), {
      message: /timed out after 0\.3 s waiting for the server to close the connection/,
    })
  })

  test('a server that closes first (as carbon does on an over-long line) is an error', async (t) => {
    const server = await listen(t, (socket) => socket.end())
    const sender = createSender({ host: '127.0.0.1', port: server.port, transport: 'tcp', timeoutMs: 2000 })
    await assert.rejects(
      (async () => {
        await sender.send([Buffer.from('a 1 2\n')])
        await new Promise((resolve) => setTimeout(resolve, 100))
        await sender.send([Buffer.from('b 1 2\n')])
        await sender.close()
      })(),
      (error: unknown) =>
        error instanceof UnavailableError && /closed by the server|reset/.test(error.message),
    )
  })

  test('a server that does not read: the write times out', async (t) => {
    const server = await listen(t, (socket) => socket.pause())
    const sender = createSender({ host: '127.0.0.1', port: server.port, transport: 'tcp', timeoutMs: 500 })
    const big = Buffer.alloc(64 * 1024 * 1024, 0x61)
    await assert.rejects(sender.send([big]), { message: /timed out after 0\.5 s writing/ })
  })

  test('an abort stops a retry loop', async () => {
    const port = await deadPort()
    const controller = new AbortController()
    const sender = createSender({
      host: '127.0.0.1',
      port,
      transport: 'tcp',
      retries: 100,
      backoffMs: 1000,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 100)
    await assert.rejects(
      sender.send([Buffer.from('x 1 2\n')]),
      (error: unknown) => error instanceof AbortedError,
    )
  })
})

describe('sender over UDP', () => {
  test('datagrams arrive as sent', async (t) => {
    const socket = dgram.createSocket('udp4')
    const received: string[] = []
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    t.after(() => socket.close())
    const arrived = new Promise<void>((resolve) =>
      socket.on('message', (m) => {
        received.push(m.toString())
        if (received.length === 2) resolve()
      }),
    )
    const sender = createSender({ host: '127.0.0.1', port: socket.address().port, transport: 'udp' })
    await sender.send([Buffer.from('a 1 2\n'), Buffer.from('b 3 4\n')])
    await sender.close()
    await arrived
    assert.deepEqual(received, ['a 1 2\n', 'b 3 4\n'])
  })

  test('nothing listening: the ICMP refusal is reported', async () => {
    const socket = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const port = socket.address().port
    await new Promise<void>((resolve) => socket.close(() => resolve()))
    const sender = createSender({ host: '127.0.0.1', port, transport: 'udp' })
    await sender.send([Buffer.from('a 1 2\n')])
    await assert.rejects(sender.close(), { message: `127.0.0.1:${port}: connection refused` })
  })
})

describe('CarbonLink exchange', () => {
  test('pipelined requests, replies in order', async (t) => {
    const server = await listen(t, (socket) => {
      const frames = createFrameDecoder({
        onFrame: (body) => {
          const request = decodeCarbonLinkRequest(body)
          const reply =
            request.type === 'cache-query'
              ? encodeCarbonLinkResponse({
                  kind: 'datapoints',
                  datapoints: [[1700000000, request.metric.length]],
                })
              : encodeCarbonLinkResponse({ kind: 'error', error: 'nope' })
          socket.write(encodeFrame(reply))
        },
      })
      socket.on('data', (chunk: Buffer) => frames.push(chunk))
    })
    const replies = await exchangeCarbonLink({ host: '127.0.0.1', port: server.port }, [
      { type: 'cache-query', metric: 'abc' },
      { type: 'get-metadata', metric: 'abc', key: 'aggregationMethod' },
      { type: 'cache-query', metric: 'a' },
    ])
    assert.deepEqual(replies, [
      { kind: 'datapoints', datapoints: [[1700000000, 3]] },
      { kind: 'error', error: 'nope' },
      { kind: 'datapoints', datapoints: [[1700000000, 1]] },
    ])
  })

  test('a server that closes without replying (as carbon does on a bad request)', async (t) => {
    const server = await listen(t, (socket) => socket.on('data', () => socket.destroy()))
    await assert.rejects(
      exchangeCarbonLink({ host: '127.0.0.1', port: server.port }, [{ type: 'cache-query', metric: 'x' }]),
      {
        message: /connection closed after 0 of 1 replies/,
      },
    )
  })

  test('a reply that is not CarbonLink is a MalformedInputError; no reply is a timeout', async (t) => {
    const garbage = await listen(t, (socket) =>
      socket.on('data', () => socket.write(encodeFrame(Buffer.from('junk')))),
    )
    await assert.rejects(
      exchangeCarbonLink({ host: '127.0.0.1', port: garbage.port }, [{ type: 'cache-query', metric: 'x' }]),
      (error: unknown) =>
        error instanceof MalformedInputError &&
        error.message.startsWith(`127.0.0.1:${garbage.port}: invalid pickle`),
    )
    const silent = await listen(t)
    await assert.rejects(
      exchangeCarbonLink({ host: '127.0.0.1', port: silent.port }, [{ type: 'cache-query', metric: 'x' }], {
        timeoutMs: 200,
      }),
      {
        message: /no reply within 0\.2 s/,
      },
    )
  })
})

describe('send pipeline', () => {
  test('plaintext: batches of 500, every point arrives', async (t) => {
    const server = await listen(t)
    const result = await sendPoints(points(1201), { host: '127.0.0.1', port: server.port, protocol: 'line' })
    assert.equal(result.points, 1201)
    assert.equal(result.messages, 3)
    const text = (await server.connections[0]!).toString()
    assert.deepEqual(parsePlaintext(text, { now: 0 }).points, points(1201))
  })

  test('pickle: one frame per 500 points, read back by the pickle decoder', async (t) => {
    const server = await listen(t)
    const result = await sendPoints(points(1201), {
      host: '127.0.0.1',
      port: server.port,
      protocol: 'pickle',
    })
    assert.equal(result.messages, 3)
    const bodies: Buffer[] = []
    const frames = createFrameDecoder({ onFrame: (b) => bodies.push(Buffer.from(b)) })
    frames.push(await server.connections[0]!)
    assert.deepEqual(
      bodies.map((b) => parsePickleMetrics(b, { now: 0 }).points.length),
      [500, 500, 201],
    )
    assert.deepEqual(
      bodies.flatMap((b) => parsePickleMetrics(b, { now: 0 }).points),
      points(1201),
    )
  })

  test('UDP: datagrams of at most 8192 bytes, lines never split', () => {
    const datagrams = encodeMessages(points(1000, 'a.fairly.long.metric.name.for.packing'), 'udp')
    assert.ok(datagrams.length > 1)
    for (const d of datagrams) {
      assert.ok(d.length <= 8192)
      assert.equal(d.at(-1), 0x0a)
    }
    assert.equal(
      Buffer.concat(datagrams).toString(),
      Buffer.concat(encodeMessages(points(1000, 'a.fairly.long.metric.name.for.packing'), 'line')).toString(),
    )
  })

  test('input lines: optional timestamps, prefix, rejects reported with their line', async (t) => {
    const server = await listen(t)
    const rejects: InputReject[] = []
    const input = Readable.from(['a 1 1700000000\nb 2\n', 'bad\nc x 5\n\nd 4 -1\ne 5 6\n', 'f 6 7'])
    const result = await sendInput(input, {
      host: '127.0.0.1',
      port: server.port,
      protocol: 'pickle',
      prefix: 'pre',
      format: 'plaintext',
      now: () => 1800000000,
      onReject: (r) => rejects.push(r),
    })
    assert.equal(result.points, 5)
    assert.equal(result.rejected, 2)
    assert.deepEqual(
      rejects.map((r) => [r.line, r.reason]),
      [
        [3, 'fields'],
        [4, 'value'],
      ],
    )
    const bodies: Buffer[] = []
    createFrameDecoder({ onFrame: (b) => bodies.push(Buffer.from(b)) }).push(await server.connections[0]!)
    assert.deepEqual(parsePickleMetrics(bodies[0]!, { now: 0 }).points, [
      { metric: 'pre.a', value: 1, timestamp: 1700000000 },
      { metric: 'pre.b', value: 2, timestamp: 1800000000 },
      { metric: 'pre.d', value: 4, timestamp: 1800000000 },
      { metric: 'pre.e', value: 5, timestamp: 6 },
      { metric: 'pre.f', value: 6, timestamp: 7 },
    ])
  })

  test('JSON Lines input', async () => {
    const rejects: InputReject[] = []
    const sent: Buffer[] = []
    const input = Readable.from([
      '{"metric": "a", "value": 1.5, "timestamp": 1700000000}\n',
      '{"metric": "b", "value": "2"}\n[1]\n{"metric": "c"}\nnot json\n{"metric": "with space", "value": 1}\n',
      '{"metric": "d", "value": 3, "timestamp": -1}',
    ])
    const result = await sendInput(input, {
      host: '127.0.0.1',
      port: 9,
      protocol: 'line',
      format: 'json',
      now: () => 1800000000,
      onReject: (r) => rejects.push(r),
      dryRun: (m) => void sent.push(m),
    })
    assert.equal(Buffer.concat(sent).toString(), 'a 1.5 1700000000\nb 2 1800000000\nd 3 1800000000\n')
    assert.equal(result.points, 3)
    assert.deepEqual(
      rejects.map((r) => [r.line, r.reason]),
      [
        [3, 'json'],
        [4, 'value'],
        [5, 'json'],
        [6, 'metric'],
      ],
    )
  })

  test('point arguments: Python float syntax, -1 means now, NaN and bad names refused', () => {
    const options = { protocol: 'line' as const, prefix: 'p.' }
    assert.deepEqual(pointFromArguments({ metric: 'a', value: '1_000', timestamp: '-1' }, 99, options), {
      metric: 'p.a',
      value: 1000,
      timestamp: 99,
    })
    assert.deepEqual(pointFromArguments({ metric: 'a', value: '٣', timestamp: '1.5e9' }, 99, options), {
      metric: 'p.a',
      value: 3,
      timestamp: 1.5e9,
    })
    assert.throws(() => pointFromArguments({ metric: 'a', value: 'nan' }, 99, options), /carbon drops NaN/)
    assert.throws(() => pointFromArguments({ metric: 'a', value: 'x' }, 99, options), /invalid value 'x'/)
    assert.throws(
      () => pointFromArguments({ metric: 'a', value: '1', timestamp: 'inf' }, 99, options),
      /invalid timestamp 'inf'/,
    )
    assert.throws(
      () => pointFromArguments({ metric: 'a b', value: '1' }, 99, { protocol: 'line' }),
      /whitespace/,
    )
    assert.deepEqual(pointFromArguments({ metric: 'a b', value: '1' }, 99, { protocol: 'pickle' }), {
      metric: 'a b',
      value: 1,
      timestamp: 99,
    })
  })
})
