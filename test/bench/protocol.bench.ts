// Parse throughput of the protocol decoders on a 1e6-point payload, in points per second, against
// carbon 1.1.7's own receivers measured in the same run: MetricLineReceiver.dataReceived (Twisted's
// line splitting, decode, split, float(), metricReceived's checks) and MetricPickleReceiver
// (Int32StringReceiver framing, SafeUnpickler, the per-item loop). Both sides get the same bytes in
// 64 KiB chunks, as from a socket, and hand each point to a sink that counts it.
//
// The serve performance issue builds on these numbers: the target is 1M points/s per decoder, and
// for the pickle path `carbon serve` takes (framing, forEachPickleMetric with the daemon's
// NameInterner, a callback per point) 3x carbon's receiver. The generic row is the same frames
// through decodePickle (fastPath: false), the path every frame took before pickle-fast.ts.

import fs from 'node:fs'
import path from 'node:path'
import { createFrameDecoder, encodeFrame } from '../../src/core/protocol/framing.js'
import { NameInterner } from '../../src/core/protocol/intern.js'
import {
  encodePickleMetrics,
  forEachPickleMetric,
  parsePickleMetrics,
} from '../../src/core/protocol/pickle-metrics.js'
import { createPlaintextDecoder } from '../../src/core/protocol/plaintext.js'
import type { MetricPoint } from '../../src/core/protocol/points.js'
import { createRandom } from '../helpers/random.js'
import type { Row } from './lib.js'
import { benchDir, formatRatio, median, printRows, runPython } from './lib.js'

const POINTS = 1_000_000
const RUNS = Number(process.env.CARBONKIT_BENCH_RUNS ?? 5)
const CHUNK = 65536
const TARGET = 1_000_000

function payloadPoints(): MetricPoint[] {
  const r = createRandom(42)
  const points: MetricPoint[] = []
  for (let i = 0; i < POINTS; i++) {
    const value = r.chance(0.3) ? r.int(0, 1000) : Math.round(r.next() * 1e8) / 1e4
    points.push({
      metric: `servers.host-${i % 1000}.cpu.${['user', 'system', 'idle'][i % 3]}`,
      value,
      timestamp: 1700000000 + Math.floor(i / 1000) * 10,
    })
  }
  return points
}

const REFERENCE = String.raw`
import json, sys, time
from carbon import events, log, protocols
from carbon.util import get_unpickler
log.debugEnabled = False
count = [0]
def sink(metric, datapoint):
    count[0] += 1
events.metricReceived = sink
log.listener = lambda message: None
class Transport:
    disconnecting = False
    def loseConnection(self): self.disconnecting = True
kind, file = sys.argv[1], sys.argv[2]
data = open(file, 'rb').read()
chunks = [data[i:i + ${CHUNK}] for i in range(0, len(data), ${CHUNK})]
if kind == 'line':
    receiver = protocols.MetricLineReceiver()
else:
    receiver = protocols.MetricPickleReceiver()
    receiver.unpickler = get_unpickler(insecure=False)
receiver.peerName = 'bench'
receiver.transport = Transport()
started = time.perf_counter()
for chunk in chunks:
    receiver.dataReceived(chunk)
print(json.dumps({'seconds': time.perf_counter() - started, 'points': count[0]}))
`

function referenceRun(kind: 'line' | 'pickle', file: string): { seconds: number; points: number } {
  return JSON.parse(runPython(REFERENCE, [kind, file])) as { seconds: number; points: number }
}

function chunks(payload: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < payload.length; i += CHUNK) out.push(payload.subarray(i, i + CHUNK))
  return out
}

function plaintextRun(input: Buffer[]): { seconds: number; points: number } {
  let points = 0
  const started = process.hrtime.bigint()
  const decoder = createPlaintextDecoder({ now: 0, onPoint: () => points++, onReject: () => undefined })
  for (const chunk of input) decoder.push(chunk)
  decoder.end()
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, points }
}

function pickleRun(input: Buffer[], fastPath = true): { seconds: number; points: number } {
  let points = 0
  const started = process.hrtime.bigint()
  const frames = createFrameDecoder({
    onFrame: (body) => {
      points += parsePickleMetrics(body, { now: 0, fastPath }).points.length
    },
  })
  for (const chunk of input) frames.push(chunk)
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, points }
}

function pickleGenericRun(input: Buffer[]): { seconds: number; points: number } {
  return pickleRun(input, false)
}

/** As startPickleReceiver does it: one handler per connection, names from the daemon's interner. */
function pickleDaemonRun(input: Buffer[]): { seconds: number; points: number } {
  let points = 0
  const started = process.hrtime.bigint()
  const handler = {
    now: () => 0,
    names: new NameInterner(),
    onPoint: (): void => void points++,
    onReject: (): void => undefined,
  }
  const frames = createFrameDecoder({ onFrame: (body) => forEachPickleMetric(body, handler) })
  for (const chunk of input) frames.push(chunk)
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, points }
}

function rate(pointsPerSecond: number): string {
  return `${(pointsPerSecond / 1e6).toFixed(2)}M pts/s`
}

/** Write both payloads; the million point objects are garbage once this returns. */
function writePayloads(dir: string): { plaintext: Buffer; pickle: Buffer; frames: number } {
  const points = payloadPoints()
  const plaintext = Buffer.from(points.map((p) => `${p.metric} ${p.value} ${p.timestamp}\n`).join(''))
  const frames: Buffer[] = []
  for (let i = 0; i < points.length; i += 500)
    frames.push(encodeFrame(encodePickleMetrics(points.slice(i, i + 500))))
  const pickle = Buffer.concat(frames)
  fs.writeFileSync(path.join(dir, 'line'), plaintext)
  fs.writeFileSync(path.join(dir, 'pickle'), pickle)
  return { plaintext, pickle, frames: frames.length }
}

const dir = benchDir('protocol')
const { plaintext, pickle, frames } = writePayloads(dir)
const files = { line: path.join(dir, 'line'), pickle: path.join(dir, 'pickle') }
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
process.stdout.write(
  `payload: ${POINTS} points; plaintext ${(plaintext.length / 1048576).toFixed(1)} MiB; pickle ${frames} frames of 500 points (protocol 2, as carbon's client writes them), ${(pickle.length / 1048576).toFixed(1)} MiB; ${RUNS} runs each, alternating\n`,
)

const rows: Row[] = []
for (const [name, kind, run, input, target] of [
  ['plaintext decoder (TCP stream, 64 KiB chunks)', 'line', plaintextRun, chunks(plaintext), undefined],
  ['pickle decoder (framing + batch, 64 KiB chunks)', 'pickle', pickleRun, chunks(pickle), undefined],
  ['pickle, generic decoder only (the path before)', 'pickle', pickleGenericRun, chunks(pickle), undefined],
  ['pickle (daemon path, callback + interner)', 'pickle', pickleDaemonRun, chunks(pickle), 3],
] as const) {
  const ours: number[] = []
  const theirs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    gc()
    const a = run(input)
    if (a.points !== POINTS) throw new Error(`${name}: carbonkit decoded ${a.points} points`)
    ours.push(a.points / a.seconds)
    const b = referenceRun(kind, files[kind])
    if (b.points !== POINTS) throw new Error(`${name}: carbon decoded ${b.points} points`)
    theirs.push(b.points / b.seconds)
  }
  const mine = median(ours)
  const reference = median(theirs)
  rows.push({
    name,
    carbonkit: rate(mine),
    reference: rate(reference),
    ratio: formatRatio(mine / reference),
    target: target === undefined ? `>= ${rate(TARGET)}` : `>= ${formatRatio(target)} carbon`,
    pass: target === undefined ? mine >= TARGET : mine >= target * reference,
  })
}
printRows('protocol decoders: points per second (higher is better; ratio = carbonkit / carbon 1.1.7)', rows)
