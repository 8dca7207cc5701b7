// CarbonLink (TCP 7002): graphite-web's requests for points still in the cache, and the metadata
// calls. Length-prefixed pickles in both directions; requests may be pipelined on one connection and
// are answered in order (an answer may take a while: set-metadata runs on a writer thread). Unlike
// carbon, a request that cannot be read gets an error reply instead of a closed connection, and a bug
// while answering one costs that request only (an error reply; reported to the daemon).

import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { UnavailableError } from '../errors.js'
import type { CarbonLinkRequest, CarbonLinkResponse } from '../protocol/carbonlink.js'
import {
  CARBONLINK_MAX_REQUEST_BYTES,
  decodeCarbonLinkRequest,
  encodeCarbonLinkResponse,
} from '../protocol/carbonlink.js'
import { createFrameDecoder, encodeFrame } from '../protocol/framing.js'
import type { FaultReporter } from './faults.js'
import type { Listener } from './daemon-settings.js'

export type QueryHandler = (request: CarbonLinkRequest) => CarbonLinkResponse | Promise<CarbonLinkResponse>

export interface QueryServer {
  address: AddressInfo
  close(): Promise<void>
}

export function startQueryServer(
  listener: Listener,
  handle: QueryHandler,
  onBadRequest: (error: string, peer: string) => void,
  onFault?: FaultReporter,
): Promise<QueryServer> {
  const sockets = new Set<net.Socket>()
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (socket) => {
      sockets.add(socket)
      const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
      // Answers leave in the order the requests came, whenever each is ready.
      let answered: Promise<void> = Promise.resolve()
      const reply = (
        response: CarbonLinkResponse | (() => CarbonLinkResponse | Promise<CarbonLinkResponse>),
      ): void => {
        answered = answered
          .then(typeof response === 'function' ? response : () => response)
          .catch((error: unknown): CarbonLinkResponse => {
            onFault?.(`carbonlink (request from ${peer})`, error)
            return {
              kind: 'error',
              error: `internal error: ${error instanceof Error ? error.message : String(error)}`,
            }
          })
          .then((answer) => {
            if (!socket.destroyed) socket.write(encodeFrame(encodeCarbonLinkResponse(answer)))
          })
          .catch((error: unknown) => {
            onFault?.(`carbonlink (request from ${peer})`, error)
            socket.destroy()
          })
      }
      const frames = createFrameDecoder({
        maxFrameBytes: CARBONLINK_MAX_REQUEST_BYTES,
        onFrame: (body) => {
          const request = decodeCarbonLinkRequest(body)
          if (request.type === 'bad-request') {
            onBadRequest(request.error, peer)
            reply({ kind: 'error', error: request.error })
            return
          }
          reply(() => handle(request))
        },
        onOversize: (length) => {
          const error = `request of ${length} bytes is over the ${CARBONLINK_MAX_REQUEST_BYTES}-byte limit`
          onBadRequest(error, peer)
          reply({ kind: 'error', error })
        },
      })
      socket.on('data', (chunk: Buffer) => {
        try {
          frames.push(chunk)
        } catch (error) {
          onFault?.(`carbonlink (connection from ${peer})`, error)
          socket.destroy()
        }
      })
      socket.on('end', () => void answered.then(() => socket.end()))
      socket.on('error', () => socket.destroy())
      socket.on('close', () => sockets.delete(socket))
    })
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UnavailableError(
          `cannot listen for CarbonLink on ${listener.interface}:${listener.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    )
    server.listen({ host: listener.interface, port: listener.port ?? 0 }, () =>
      resolve({
        address: server.address() as AddressInfo,
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            for (const s of sockets) s.destroy()
          }),
      }),
    )
  })
}
