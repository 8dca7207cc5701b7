// stdout as a file descriptor written synchronously. Creating process.stdout loads Node's stream
// machinery and, for a pipe, a libuv handle: about 3 ms of the ~35 a short command like `wsp info`
// takes, which is the margin against whisper-info. A blocking write(2) is also what the whisper
// scripts do. Where the descriptor is non-blocking and full (EAGAIN), the rest goes through the
// stream that `fallback` returns.

import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import type { Writable } from 'node:stream'
import { systemErrorCode } from '../../core/errors.js'

type Callback = (error?: Error | null) => void
type Listener = (error: Error) => void

/** What commands use of stdout: process.stdout and any Writable are Outputs too. */
export interface Output {
  write(chunk: string | Uint8Array, callback?: Callback): boolean
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
  readonly destroyed: boolean
  readonly writableEnded: boolean
}

export class FdOutput extends EventEmitter implements Output {
  readonly destroyed = false
  readonly writableEnded = false
  /** Set when the reader went away (EPIPE): later writes are dropped. */
  closedByPeer = false
  private stream: Writable | undefined

  constructor(
    private readonly fd: number,
    private readonly fallback: () => Writable,
  ) {
    super()
  }

  write(chunk: string | Uint8Array, done?: Callback): boolean {
    if (this.stream) return this.stream.write(chunk, done ?? noop)
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    let at = 0
    try {
      while (at < bytes.byteLength) at += fs.writeSync(this.fd, bytes, at, bytes.byteLength - at)
    } catch (error) {
      const code = systemErrorCode(error)
      if (code === 'EAGAIN') {
        // A non-blocking descriptor that is full: the stream waits for it.
        this.stream = this.adopt(this.fallback())
        return this.stream.write(bytes.subarray(at), done ?? noop)
      }
      if (code === 'EPIPE') this.closedByPeer = true
      this.fail(error as Error, done)
      return true
    }
    done?.()
    return true
  }

  /**
   * The stream's events become this output's: drain for writers waiting on it, and its errors (a
   * reader that went away while a write was pending), which would otherwise crash the process.
   */
  private adopt(stream: Writable): Writable {
    stream.on('error', (error: Error) => {
      if (systemErrorCode(error) === 'EPIPE') this.closedByPeer = true
      if (this.listenerCount('error') > 0) this.emit('error', error)
    })
    stream.on('drain', () => this.emit('drain'))
    stream.on('close', () => this.emit('close'))
    return stream
  }

  private fail(error: Error, done: Callback | undefined): void {
    if (done) done(error)
    else if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}

function noop(): void {}
