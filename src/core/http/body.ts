// Reading a request's body within a limit, and refusing one unread (too large, no token, bad name)
// so that the client sees the answer: the rest is read and dropped first, never cut mid-send with a
// reset, for at most DISCARD_MS.

import type http from 'node:http'

/** How long the rest of a refused body is read (and dropped) before the answer is given anyway. */
export const DISCARD_MS = 2_000

/**
 * Reads and drops what is left of the request's body, then calls `answer`: with `cut` false when the
 * body ended (the connection may be kept), true when it was still coming after DISCARD_MS or the
 * client went away (the answer closes the connection).
 */
export function answerAfterBody(req: http.IncomingMessage, answer: (cut: boolean) => void): void {
  if (req.readableEnded) return answer(false)
  let done = false
  const finish = (cut: boolean): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    req.off('data', drop)
    answer(cut)
  }
  const drop = (): void => undefined
  const timer = setTimeout(() => finish(true), DISCARD_MS)
  req.on('data', drop)
  req.once('end', () => finish(false))
  req.once('close', () => finish(true))
  req.resume()
}

/** A body read whole, or one over the limit (dropped; `cut`: the answer must close the connection). */
export type Body = { bytes: Buffer } | { over: true; cut: boolean }

/** The request's body, up to `limit` bytes (declared or streamed); over it, read and dropped. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const over = (): void => answerAfterBody(req, (cut) => resolve({ over: true, cut }))
    if (Number(req.headers['content-length'] ?? 0) > limit) return over()
    const chunks: Buffer[] = []
    let size = 0
    const take = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      req.off('data', take)
      req.off('end', whole)
      chunks.length = 0
      over()
    }
    const whole = (): void => resolve({ bytes: Buffer.concat(chunks) })
    req.on('data', take)
    req.once('end', whole)
    req.once('error', reject)
  })
}
