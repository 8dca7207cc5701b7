// The parameters of a request, as graphite-web reads them: the query string updated by the body
// (application/x-www-form-urlencoded from Grafana, multipart/form-data from graphite-web with
// REMOTE_STORE_USE_POST), `target[]` read as `target`. Any other body (carbonapi's protobuf on a
// GET) is kept as bytes for the handler. Pure.

import { InvalidArgumentError } from '../errors.js'

export type Params = Map<string, string[]>

/** Parts of a multipart body accepted; a huge count of tiny parts costs more than their bytes. */
const MAX_PARTS = 10_000

function add(params: Params, key: string, value: string): void {
  const name = key.endsWith('[]') ? key.slice(0, -2) : key
  const list = params.get(name)
  if (list) list.push(value)
  else params.set(name, [value])
}

function addSearch(params: Params, text: string): void {
  for (const [key, value] of new URLSearchParams(text)) add(params, key, value)
}

/** The media type and its parameters (`boundary`). */
function mediaType(header: string | undefined): { type: string; boundary?: string } {
  if (!header) return { type: '' }
  const [type, ...rest] = header.split(';')
  let boundary: string | undefined
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq < 0) continue
    if (p.slice(0, eq).trim().toLowerCase() === 'boundary')
      boundary = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
  }
  return { type: type!.trim().toLowerCase(), boundary }
}

/**
 * Form fields of a multipart/form-data body (RFC 7578): each part's `name`, its content as UTF-8.
 * @throws InvalidArgumentError for a body that is not one
 */
export function parseMultipart(body: Buffer, boundary: string): [string, string][] {
  if (boundary === '' || boundary.length > 200) throw new InvalidArgumentError('bad multipart boundary')
  const delimiter = Buffer.from(`--${boundary}`)
  const fields: [string, string][] = []
  let at = body.indexOf(delimiter)
  if (at < 0) throw new InvalidArgumentError('multipart body without its boundary')
  for (;;) {
    at += delimiter.length
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return fields
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2
    else throw new InvalidArgumentError('malformed multipart body')
    const next = body.indexOf(delimiter, at)
    if (next < 0) throw new InvalidArgumentError('multipart body ends without its closing boundary')
    const headEnd = body.indexOf('\r\n\r\n', at)
    if (headEnd < 0 || headEnd > next) throw new InvalidArgumentError('multipart part without headers')
    const head = body.subarray(at, headEnd).toString('latin1')
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(head)
    const name = disposition ? /\bname="([^"]*)"/i.exec(disposition[1]!)?.[1] : undefined
    // The content ends with the CRLF before the next delimiter.
    let end = next
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2
    if (name !== undefined && !/\bfilename=/i.test(disposition![1]!))
      fields.push([name, body.subarray(headEnd + 4, end).toString('utf8')])
    if (fields.length > MAX_PARTS) throw new InvalidArgumentError(`more than ${MAX_PARTS} multipart fields`)
    at = next
  }
}

export interface ParsedRequest {
  /** The path without a trailing slash (`/metrics/find`). */
  path: string
  params: Params
  /** A body that is not a form (carbonapi's protobuf), else empty. */
  body: Buffer
  accept: string
}

/**
 * @throws InvalidArgumentError for a body that says it is a form and is not one
 */
export function parseRequest(
  url: string,
  headers: { 'content-type'?: string; accept?: string },
  body: Buffer,
): ParsedRequest {
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  let path: string
  try {
    path = decodeURIComponent(rawPath)
  } catch {
    throw new InvalidArgumentError('path is not valid percent-encoding')
  }
  path = path.replace(/\/+$/, '') || '/'
  const params: Params = new Map()
  if (q >= 0) addSearch(params, url.slice(q + 1))
  const { type, boundary } = mediaType(headers['content-type'])
  let rest: Buffer = Buffer.alloc(0)
  if (body.length > 0) {
    if (type === 'application/x-www-form-urlencoded') addSearch(params, body.toString('utf8'))
    else if (type === 'multipart/form-data') {
      // Appended to the query string's, as Django's QueryDict.update does.
      for (const [key, value] of parseMultipart(body, boundary ?? '')) add(params, key, value)
    } else rest = body
  }
  return { path, params, body: rest, accept: headers.accept ?? '' }
}
