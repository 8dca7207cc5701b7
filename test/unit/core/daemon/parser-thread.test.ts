import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ParserThread } from '../../../../src/core/daemon/parser-thread.js'

const PARSER_WORKER = new URL('../../../../src/core/daemon/parser-worker.js', import.meta.url)

/** A parser thread that parsed `names` distinct names, forgot them (reset) and was asked to collect. */
async function heapAfterChurn(collect: boolean, names: number): Promise<number> {
  const thread = new ParserThread({
    workerUrl: PARSER_WORKER,
    maxBacklogBytes: 8 << 20,
    collect,
    hold: () => undefined,
    fault: (where, error) => assert.fail(`${where}: ${String(error)}`),
  })
  // The thread does not keep the process alive (unref): this does, until the answers are in.
  const alive = setInterval(() => undefined, 1000)
  try {
    let points = 0
    const conn = thread.open({
      batch: (reply) => (points += reply.points.length / 3),
      ended: () => {},
      lost: () => {},
    })
    for (let at = 0; at < names; at += 10_000) {
      let text = ''
      for (let m = at; m < at + 10_000; m++) text += `churn.d${m % 1000}.metric_number_${m} ${m} 1700000000\n`
      const bytes = Buffer.from(text)
      thread.postLines(conn, 1700000000, bytes, 0, bytes.length, 1)
      // The backlog is bounded: wait for the thread before posting more.
      await thread.settled()
    }
    assert.equal(points, names)
    thread.reset(1)
    const heapBytes = await thread.collect(1)
    assert.ok(heapBytes !== undefined)
    return heapBytes
  } finally {
    clearInterval(alive)
    await thread.close()
  }
}

test('issue 14 memory: a parser thread asked to collect after its names went idle gives its heap back', async (t) => {
  // 200,000 names grow the thread's heap by tens of MiB (its name table, the strings, the young
  // generation); an idle thread never collects it by itself.
  const kept = await heapAfterChurn(false, 200_000)
  const collected = await heapAfterChurn(true, 200_000)
  // The same thread without the churn, asked to collect: what a thread holds anyway (its code, the
  // start-up warm-up's young generation, which V8 shrinks only when it judges the thread idle).
  const baseline = await heapAfterChurn(true, 0)
  const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`
  t.diagnostic(
    `heap after the churn: ${mib(kept)} kept, ${mib(collected)} collected, ${mib(baseline)} without it`,
  )
  // What the churn left in the old generation is freed: at least a third of what it grew the heap by
  // (half to two thirds here; the young generation it grew stays until V8 shrinks it). Without the
  // collection nothing is given back: kept and collected differ by the runs' noise only.
  assert.ok(kept > 40 * 1048576, `without the collection the heap is ${mib(kept)}`)
  assert.ok(kept - baseline > 15 * 1048576, `the churn grew the heap by ${mib(kept - baseline)} only`)
  assert.ok(
    collected - baseline < ((kept - baseline) * 2) / 3,
    `collected ${mib(collected)}, kept ${mib(kept)}, without the churn ${mib(baseline)}`,
  )
})

test('issue 14: ready resolves once the thread has warmed up, and holds the process until then; a thread lost before it is ready does not hold a start', async () => {
  const faults: string[] = []
  const thread = new ParserThread({
    workerUrl: PARSER_WORKER,
    maxBacklogBytes: 1 << 20,
    hold: () => undefined,
    fault: (where) => faults.push(where),
  })
  // Nothing else keeps the event loop alive here: the thread does, until it is ready.
  await thread.ready
  let points = 0
  const ended = new Promise<void>((resolve) => {
    const conn = thread.open({
      batch: (reply) => (points += reply.points.length / 3),
      ended: resolve,
      lost: () => {},
    })
    const bytes = Buffer.from('a.b 1 1700000000\nc.d 2 1700000000\n')
    thread.postLines(conn, 1700000000, bytes, 0, bytes.length, 1)
    thread.post({ type: 'end', conn, now: 1700000000 }, 0, 1)
  })
  const alive = setInterval(() => undefined, 1000)
  await ended
  clearInterval(alive)
  assert.equal(points, 2)
  await thread.close()
  assert.deepEqual(faults, [])

  // A worker that cannot start (no such file) is lost, and ready resolves all the same.
  const lost: string[] = []
  const broken = new ParserThread({
    workerUrl: new URL('./no-such-parser-worker.js', import.meta.url),
    maxBacklogBytes: 1 << 20,
    hold: () => undefined,
    fault: (where) => lost.push(where),
  })
  await broken.ready
  assert.ok(lost.length >= 1)
  await broken.close()
})
