import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseMultipart, parseRequest } from '../../../../src/core/http/request.js'

function multipart(boundary: string, fields: [string, string][]): Buffer {
  // What urllib3's encode_multipart_formdata writes for graphite-web's REMOTE_STORE_USE_POST.
  let text = ''
  for (const [name, value] of fields)
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  return Buffer.from(`${text}--${boundary}--\r\n`)
}

test('issue 16 request: query string, urlencoded body and target[] merge as graphite-web reads them', () => {
  const r = parseRequest(
    '/render/?target=a.*&from=1&target%5B%5D=b',
    { 'content-type': 'application/x-www-form-urlencoded' },
    Buffer.from('target=c.d&format=json'),
  )
  assert.equal(r.path, '/render')
  assert.deepEqual(r.params.get('target'), ['a.*', 'b', 'c.d'])
  assert.deepEqual(r.params.get('format'), ['json'])
  assert.equal(r.body.length, 0)
})

test('issue 16 request: multipart fields, one part per field; a protobuf body is kept as bytes', () => {
  const body = multipart('xYz', [
    ['local', '1'],
    ['format', 'pickle'],
    ['target', 'acc.web.*.cpu'],
    ['target', 'x.{a,b}'],
  ])
  const r = parseRequest('/render', { 'content-type': 'multipart/form-data; boundary=xYz' }, body)
  assert.deepEqual(r.params.get('target'), ['acc.web.*.cpu', 'x.{a,b}'])
  assert.deepEqual(r.params.get('format'), ['pickle'])
  const pb = parseRequest(
    '/metrics/find/',
    { accept: 'application/x-carbonapi-v3-pb' },
    Buffer.from([0x0a, 0x01, 0x2a]),
  )
  assert.deepEqual([...pb.body], [0x0a, 0x01, 0x2a])
  assert.equal(pb.accept, 'application/x-carbonapi-v3-pb')
})

test('issue 16 request: malformed multipart bodies are one-line errors', () => {
  assert.throws(() => parseMultipart(Buffer.from('nothing here'), 'b'), /without its boundary/)
  assert.throws(
    () => parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx'), 'b'),
    /closing boundary/,
  )
  assert.throws(() => parseMultipart(Buffer.from('--bXX'), 'b'), /malformed/)
  assert.throws(() => parseMultipart(Buffer.from('--b--'), ''), /boundary/)
  assert.throws(() => parseRequest('/%zz', {}, Buffer.alloc(0)), /percent-encoding/)
})
