// stdout carries data, stderr everything else. Renderers return a string, or an iterable of chunks
// for streams; chunks are written with backpressure, and a closed pipe (`wsp dump f | head`) ends
// the output quietly.

import { CannotWriteError, CoreError, fromSystemError, systemErrorCode } from '../../core/errors.js'
import type { Output } from './fd-output.js'
import type { Context } from './context.js'

/**
 * Text, or chunks for streams. A chunk is written out before the next one is taken, so a renderer may
 * fill the same buffer again (constant memory for any size of output).
 */
export type Rendered = string | Iterable<string | Uint8Array>

export interface EmitOptions<T> {
  json?: boolean
  render: (data: T, ctx: Context) => Rendered
  /** The JSON form; defaults to JSON.stringify with two-space indentation. */
  renderJson?: (data: T, ctx: Context) => Rendered
}

/** Thrown inside a write loop when the reader went away; run() treats it as a quiet end. */
export class ClosedPipeError extends Error {
  constructor() {
    super('output closed')
  }
}

function isClosed(stream: Output): boolean {
  return (
    stream.destroyed || stream.writableEnded || (stream as { closedByPeer?: boolean }).closedByPeer === true
  )
}

/** Write text or chunks to a stream, waiting for drain when its buffer fills. */
export async function write(stream: Output, output: Rendered): Promise<void> {
  if (typeof output === 'string') {
    if (output.length === 0) return
    if (isClosed(stream)) throw new ClosedPipeError()
    let failed: Error | null | undefined
    const flowing = stream.write(output, (error) => (failed = error))
    if (failed) throw writeFailure(failed)
    if (!flowing) await drained(stream)
    return
  }
  // Each chunk is flushed before the next is asked for, so a renderer may reuse its buffer.
  for (const chunk of output) {
    if (isClosed(stream)) throw new ClosedPipeError()
    if (chunk.length === 0) continue
    await new Promise<void>((resolve, reject) =>
      stream.write(chunk, (error) => (error ? reject(writeFailure(error)) : resolve())),
    )
  }
}

/**
 * A failed write to stdout: the reader went away (a quiet end), or the output cannot be written
 * (`wsp dump f > /dev/full`), which is an error: its output is lost.
 */
function writeFailure(error: Error): Error {
  const code = systemErrorCode(error)
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === undefined) return new ClosedPipeError()
  const known = fromSystemError(error, 'standard output', true)
  return known instanceof CoreError
    ? known
    : new CannotWriteError('standard output', error.message, { cause: error })
}

function drained(stream: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      cleanup()
      resolve()
    }
    const onClose = (): void => {
      cleanup()
      reject(new ClosedPipeError())
    }
    const cleanup = (): void => {
      stream.off('drain', onDrain)
      stream.off('close', onClose)
      stream.off('error', onClose)
    }
    stream.on('drain', onDrain)
    stream.on('close', onClose)
    stream.on('error', onClose)
  })
}

/** Render `data` as text or JSON and write it to stdout. */
export async function emit<T>(ctx: Context, data: T, options: EmitOptions<T>): Promise<void> {
  if (options.json) {
    const rendered = options.renderJson ? options.renderJson(data, ctx) : JSON.stringify(data, null, 2) + '\n'
    await write(ctx.stdout, rendered)
  } else {
    await write(ctx.stdout, options.render(data, ctx))
  }
}

/** One line on stderr (a message, not data). */
export function note(ctx: Context, message: string): void {
  ctx.stderr.write(message.endsWith('\n') ? message : message + '\n')
}
