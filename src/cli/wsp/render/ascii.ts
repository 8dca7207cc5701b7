// Writing ASCII straight into output buffers: the bulk paths of dump and fetch build no strings.

/** Write a non-negative integer below 2^32 as decimal ASCII. */
export function writeUint(out: Uint8Array, pos: number, n: number): number {
  let digits = 1
  for (let limit = 10; n >= limit && digits < 10; limit *= 10) digits++
  let i = pos + digits
  while (n >= 10) {
    const q = (n / 10) >>> 0
    out[--i] = 48 + n - q * 10
    n = q
  }
  out[--i] = 48 + n
  return pos + digits
}

/** Write Latin-1 text. */
export function writeText(out: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i) & 0xff
  return pos
}
