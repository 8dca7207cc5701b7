// What a running carbon-c-relay 3.7 routes on (reference cluster.md section 1.1): its dispatcher
// cleanses every line before the router sees it, and the router's key is the cleansed name up to the
// first `;`. Test mode (`carbon-c-relay -t`) skips the dispatcher and hashes the input up to the
// first space, byte for byte. Both are here, over UTF-8 bytes.

const SPACE = 0x20
const TAB = 0x09
const DOT = 0x2e
const SEMICOLON = 0x3b
const UNDERSCORE = 0x5f

/** The relay's default `-c`: characters allowed next to [A-Za-z0-9]. */
export const DEFAULT_ALLOWED_CHARS = '-_:#'

function allowedTable(allowedChars: string): Uint8Array {
  const table = new Uint8Array(256)
  for (let b = 0x30; b <= 0x39; b++) table[b] = 1
  for (let b = 0x41; b <= 0x5a; b++) table[b] = 1
  for (let b = 0x61; b <= 0x7a; b++) table[b] = 1
  for (const byte of Buffer.from(allowedChars, 'latin1')) table[byte] = 1
  return table
}

const DEFAULT_TABLE = allowedTable(DEFAULT_ALLOWED_CHARS)

/**
 * The key a running relay routes `name` on, as bytes: leading spaces, tabs and dots dropped; the name
 * ends at the first space (or tab) or `;`; runs of dots collapse; a dot just before the ending space
 * is dropped; every byte outside [A-Za-z0-9] and the allowed characters becomes `_` (each byte of a
 * multi-byte character). Pure.
 */
export function liveKey(name: Uint8Array): Uint8Array {
  const out = new Uint8Array(name.length)
  let n = 0
  let i = 0
  while (i < name.length && (name[i] === SPACE || name[i] === TAB || name[i] === DOT)) i++
  for (; i < name.length; i++) {
    const b = name[i]!
    if (b === SPACE || b === TAB) {
      if (n > 0 && out[n - 1] === DOT) n--
      return out.subarray(0, n)
    }
    if (b === SEMICOLON) return out.subarray(0, n)
    if (b === DOT) {
      if (n === 0 || out[n - 1] !== DOT) out[n++] = DOT
    } else {
      out[n++] = DEFAULT_TABLE[b] === 1 ? b : UNDERSCORE
    }
  }
  // The line goes on with " value timestamp": its space ends the name.
  if (n > 0 && out[n - 1] === DOT) n--
  return out.subarray(0, n)
}

/** The key of the relay's test mode: the input up to the first space, unchanged. */
export function rawKey(name: Uint8Array): Uint8Array {
  const space = name.indexOf(SPACE)
  return space === -1 ? name : name.subarray(0, space)
}
