// HTTP for the read API's tests: a client that can send a body on a GET (as carbonapi does), and
// pickles read back by the reference Python.

import { spawnSync } from 'node:child_process'
import http from 'node:http'
import { REFERENCE_PYTHON } from './reference.js'

export interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  text: string
}

export function request(
  port: number,
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: url,
        method: options.method ?? 'GET',
        // Go's client (carbonapi) sends a GET body with its length; Node's would send none without it.
        headers:
          options.body === undefined
            ? options.headers
            : { 'content-length': Buffer.byteLength(options.body), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() })
        })
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A pickle as the reference Python reads it, turned into JSON (tuples become lists). */
/** A series as graphite-web's pickle render format gives it. */
export interface PickledSeries {
  name: string
  pathExpression: string
  start: number
  end: number
  step: number
  values: (number | null)[]
}

export function unpickle(bytes: Buffer): unknown {
  const result = spawnSync(
    REFERENCE_PYTHON,
    ['-c', 'import json,pickle,sys; print(json.dumps(pickle.loads(sys.stdin.buffer.read())))'],
    { input: bytes, encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(result.stderr)
  return JSON.parse(result.stdout) as unknown
}
