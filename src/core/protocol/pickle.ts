// Python pickles, restricted to plain data: the decoder carbon's receivers (2004) and CarbonLink
// (7002) need, and an encoder that writes what carbon's clients write. The parts:
//
//   pickle-opcodes.ts   the byte grammar, the opcodes, and the ones refused (anything that imports or calls)
//   pickle-values.ts    Python values in JavaScript (tuples, frozensets, dicts as Maps) and their repr
//   pickle-decode.ts    the restricted decoder, with its limits
//   pickle-encode.ts    the encoder (PickleWriter for hand-built frames, encodePickle for values)
//
// This module is their public surface; the fast path for carbon's own frames is pickle-fast.ts.

export { HIGHEST_PROTOCOL, OP } from './pickle-opcodes.js'
export type { PicklableValue, PickleValue } from './pickle-values.js'
export { describePickleValue, frozenSet, isTuple, tuple } from './pickle-values.js'
export type { PickleDecodeOptions, Unpickled } from './pickle-decode.js'
export { PICKLE_DECODE_DEFAULTS, PickleError, decodePickle, unpickle } from './pickle-decode.js'
export type { PickleEncodeOptions } from './pickle-encode.js'
export { PickleWriter, encodePickle } from './pickle-encode.js'
