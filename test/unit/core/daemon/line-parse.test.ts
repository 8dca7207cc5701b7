// The plaintext parser thread's units, in process: the session (its protocol: one reply per message,
// names sent once, ids, resets), the framer (whole lines, an over-long line cut), the backlog (its
// bound and its oldest epoch) and the shared ring.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ParseReply } from '../../../../src/core/daemon/line-parse.js'
import {
  LineFramer,
  LineParseSession,
  ParseBacklog,
  SharedRing,
  WARM_UP_LINES,
  warmUpParser,
} from '../../../../src/core/daemon/line-parse.js'
import { parsePlaintext } from '../../../../src/core/protocol/plaintext.js'

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'))

/** The points of a reply as `name value timestamp`, through the main thread's name table. */
function pointsOf(reply: ParseReply, table: string[]): string[] {
  if (reply.reset) table.length = 0
  table.push(...reply.names)
  const out: string[] = []
  for (let i = 0; i < reply.points.length; i += 3) {
    const id = reply.points[i]!
    out.push(`${id >= 0 ? table[id] : reply.extra[-id - 1]} ${reply.points[i + 1]} ${reply.points[i + 2]}`)
  }
  return out
}

test('issue 14: the parser session answers each message with its points, each name sent once', () => {
  const session = new LineParseSession()
  const table: string[] = []
  const first = session.handle({
    type: 'lines',
    conn: 1,
    now: 500,
    bytes: bytes('a.b 1 100\nc.d 2 -1\na.b 3 200\n'),
  })
  assert.deepEqual(first.names, ['a.b', 'c.d'])
  assert.deepEqual(pointsOf(first, table), ['a.b 1 100', 'c.d 2 500', 'a.b 3 200'])
  assert.equal(first.ended, false)
  // Another connection, the same names: none sent again; a new one is.
  const second = session.handle({ type: 'lines', conn: 2, now: 600, bytes: bytes('c.d 4 300\ne.f 5 400\n') })
  assert.deepEqual(second.names, ['e.f'])
  assert.deepEqual(pointsOf(second, table), ['c.d 4 300', 'e.f 5 400'])
  // Bad lines come back as rejects with their line numbers in the connection's stream.
  const third = session.handle({ type: 'lines', conn: 1, now: 700, bytes: bytes('bad line\nx.y nan 1\n') })
  assert.deepEqual(
    third.rejects.map((r) => `${r.line} ${r.reason}`),
    ['4 fields', '5 nan-value'],
  )
  // The end: an unterminated last line is reported (carbon loses it), and the reply says ended.
  const end = session.handle({ type: 'end', conn: 1, now: 800, rest: bytes('z.z 1 1') })
  assert.equal(end.ended, true)
  assert.equal(end.conn, 1)
  assert.deepEqual(
    end.rejects.map((r) => `${r.line} ${r.reason}`),
    ['6 unterminated'],
  )
})

test('issue 14: the parser session gives the same points and rejects as parsing on the main thread', () => {
  const text = 'a 1 10\n  b\t2  20 \nc x 30\nd 4\nä.ü 5 50\ne 6 -1\nf inf 70\ng 7 inf\n\n'
  const expected = parsePlaintext(text, { now: 99 })
  const session = new LineParseSession()
  const table: string[] = []
  const reply = session.handle({ type: 'lines', conn: 1, now: 99, bytes: new Uint8Array(Buffer.from(text)) })
  assert.deepEqual(
    pointsOf(reply, table),
    expected.points.map((p) => `${p.metric} ${p.value} ${p.timestamp}`),
  )
  assert.deepEqual(reply.rejects, expected.rejects)
  // The non-ASCII name is not in the table: it rides in the batch.
  assert.deepEqual(reply.extra, ['ä.ü'])
})

test('issue 14: a reset empties the name table, and the next reply says so', () => {
  const session = new LineParseSession()
  const table: string[] = []
  pointsOf(session.handle({ type: 'lines', conn: 1, now: 0, bytes: bytes('a 1 1\nb 2 2\n') }), table)
  const reset = session.handle({ type: 'reset' })
  assert.equal(reset.reset, true)
  pointsOf(reset, table)
  assert.deepEqual(table, [])
  const after = session.handle({ type: 'lines', conn: 1, now: 0, bytes: bytes('b 3 3\n') })
  assert.deepEqual(pointsOf(after, table), ['b 3 3'])
  assert.deepEqual(table, ['b'])
})

test('issue 14: the parser session starts its names over past its bound, between two messages', () => {
  const session = new LineParseSession({ maxNames: 2 })
  const table: string[] = []
  pointsOf(session.handle({ type: 'lines', conn: 1, now: 0, bytes: bytes('a 1 1\nb 1 1\nc 1 1\n') }), table)
  const next = session.handle({ type: 'lines', conn: 1, now: 0, bytes: bytes('c 2 2\n') })
  assert.equal(next.reset, true)
  assert.deepEqual(pointsOf(next, table), ['c 2 2'])
})

test('issue 14: the framer hands on whole lines only, and cuts a line over the limit as it grows', () => {
  const seen: string[] = []
  const framer = new LineFramer(10, {
    lines: (b, start, end) => seen.push(`lines:${b.toString('latin1', start, end)}`),
    tooLong: (head) => seen.push(`too-long:${head.length}`),
  })
  framer.push(Buffer.from('a 1 1\nb 2'))
  framer.push(Buffer.from(' 2\nc 3 3\nd'))
  framer.push(Buffer.from('ddddddddddddddddd'))
  framer.push(Buffer.from('dd\ne 5 5\n'))
  framer.push(Buffer.from('f 6'))
  assert.deepEqual(seen, ['lines:a 1 1\n', 'lines:b 2 2\n', 'lines:c 3 3\n', 'too-long:18', 'lines:e 5 5\n'])
  assert.equal(framer.end()?.toString(), 'f 6')
})

test('issue 14: the framer and the session together give what the stream decoder gives', () => {
  const text = `a 1 1\n${'x'.repeat(40)} 2 2\nb 3 3\nc 4\n`
  const expected = parsePlaintext(text + 'tail', { now: 7, maxLineBytes: 20 })
  const session = new LineParseSession({ maxLineBytes: 20 })
  const replies: ParseReply[] = []
  const framer = new LineFramer(20, {
    lines: (b, start, end) =>
      replies.push(
        session.handle({ type: 'lines', conn: 1, now: 7, bytes: new Uint8Array(b.subarray(start, end)) }),
      ),
    tooLong: (head) =>
      replies.push(session.handle({ type: 'too-long', conn: 1, head: new Uint8Array(head) })),
  })
  const input = Buffer.from(text + 'tail')
  for (let i = 0; i < input.length; i += 7) framer.push(input.subarray(i, i + 7))
  replies.push(session.handle({ type: 'end', conn: 1, now: 7, rest: framer.end() }))
  const table: string[] = []
  assert.deepEqual(
    replies.flatMap((r) => pointsOf(r, table)),
    expected.points.map((p) => `${p.metric} ${p.value} ${p.timestamp}`),
  )
  assert.deepEqual(
    replies.flatMap((r) => r.rejects.map((x) => `${x.line} ${x.reason}`)),
    expected.rejects.map((x) => `${x.line} ${x.reason}`),
  )
})

test('issue 14: the parse backlog holds at its bound, lets go below a quarter, and knows its oldest epoch', () => {
  const backlog = new ParseBacklog(100)
  assert.equal(backlog.oldestEpoch(), Infinity)
  assert.equal(backlog.posted(60, 3), false)
  assert.equal(backlog.posted(30, 4), false)
  assert.equal(backlog.posted(20, 4), true)
  assert.equal(backlog.held, true)
  assert.equal(backlog.posted(10, 5), false, 'held once')
  assert.equal(backlog.oldestEpoch(), 3)
  assert.equal(backlog.answered(), 3)
  assert.equal(backlog.release(), false, '60 bytes left: not below a quarter')
  assert.equal(backlog.oldestEpoch(), 4)
  backlog.answered()
  backlog.answered()
  assert.equal(backlog.bytes, 10)
  assert.equal(backlog.release(), true)
  assert.equal(backlog.release(), false, 'once per hold')
  assert.equal(backlog.answered(), 5)
  assert.equal(backlog.oldestEpoch(), Infinity)
  assert.throws(() => backlog.answered())
})

test('issue 14: the shared ring gives out space in order, wraps, and refuses what does not fit', () => {
  const ring = new SharedRing(10)
  const view = new Uint8Array(ring.buffer)
  assert.equal(ring.put(bytes('abcd')), 0)
  assert.equal(ring.put(bytes('efgh')), 4)
  assert.equal(ring.put(bytes('ijk')), -1, 'no room at the end, none at the start')
  ring.release()
  // 'abcd' is free: 'xyz' wraps to the start (the end of the ring is skipped).
  assert.equal(ring.put(bytes('xyz')), 0)
  assert.equal(Buffer.from(view.subarray(0, 3)).toString(), 'xyz')
  assert.equal(Buffer.from(view.subarray(4, 8)).toString(), 'efgh')
  assert.equal(ring.put(bytes('12')), -1, 'efgh is still in use')
  for (let i = 0; i < 4; i++) ring.release()
  assert.equal(ring.put(bytes('0123456789')), 0, 'all free again')
})

test("issue 14: the parser thread's warm-up parses every made-up line into a point and leaves nothing behind", () => {
  // Every line a point: the warm-up goes through the parse path a burst takes (else V8 would
  // compile the wrong code before the first real burst).
  assert.equal(warmUpParser(), WARM_UP_LINES)
  assert.equal(warmUpParser(3000), 3000)
  // A session made afterwards starts from nothing: its first names are ids 0, 1, ...
  const session = new LineParseSession()
  const reply = session.handle({ type: 'lines', conn: 1, now: 0, bytes: bytes('a 1 10\nb 2 20\n') })
  assert.deepEqual(reply.names, ['a', 'b'])
  assert.deepEqual([...reply.points], [0, 1, 10, 1, 2, 20])
})

test('issue 14: a SharedRing is resident once made: a first burst does not fault its pages in one by one', () => {
  const size = 64 << 20
  const before = process.memoryUsage().rss
  const ring = new SharedRing(size)
  const grown = process.memoryUsage().rss - before
  // All of it (a little is the process's own churn meanwhile either way).
  assert.ok(grown >= size - (4 << 20), `${grown} bytes`)
  assert.equal(ring.put(Buffer.from('a 1 10\n')), 0)
})
