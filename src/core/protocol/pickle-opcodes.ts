// Python pickle opcodes: the byte grammar carbonkit reads and writes, and which opcodes it refuses.
//
//   Pickle  = Op* STOP                 a stack machine: each opcode is one byte, then its argument
//   Op      = PROTO n:u8 | FRAME n:u64le | MARK | POP | POP_MARK | DUP
//           | NONE | NEWTRUE | NEWFALSE | INT line | BININT i32le | BININT1 u8 | BININT2 u16le
//           | LONG line | LONG1 n:u8 bytes{n} | LONG4 n:i32le bytes{n}          little-endian 2's complement
//           | FLOAT line | BINFLOAT f64be
//           | STRING line | BINSTRING n:i32le | SHORT_BINSTRING n:u8          Python 2 str, read as UTF-8
//           | UNICODE line | BINUNICODE n:u32le | SHORT_BINUNICODE n:u8 | BINUNICODE8 n:u64le
//           | BINBYTES n:u32le | SHORT_BINBYTES n:u8 | BINBYTES8 n:u64le | BYTEARRAY8 n:u64le
//           | EMPTY_LIST | APPEND | APPENDS | LIST | EMPTY_TUPLE | TUPLE | TUPLE1 | TUPLE2 | TUPLE3
//           | EMPTY_DICT | DICT | SETITEM | SETITEMS | EMPTY_SET | ADDITEMS | FROZENSET
//           | GET line | BINGET u8 | LONG_BINGET u32le | PUT line | BINPUT u8 | LONG_BINPUT u32le | MEMOIZE
//   line    = text '\n'                protocol 0 arguments
//
// Those are the plain-data opcodes of protocols 0 to 5 (Python's Lib/pickletools.py documents each).
// Every opcode that names, imports or calls something (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST,
// OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID, NEXT_BUFFER, READONLY_BUFFER) is REFUSED:
// the decoder has no way to reach code, so a pickle is only ever data.

export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const

export const OPCODE_NAMES = new Map<number, string>(Object.entries(OP).map(([name, code]) => [code, name]))

/** Opcodes that import, call or reference outside objects: never executed. */
export const REFUSED = new Set<number>([
  OP.GLOBAL,
  OP.STACK_GLOBAL,
  OP.REDUCE,
  OP.BUILD,
  OP.INST,
  OP.OBJ,
  OP.NEWOBJ,
  OP.NEWOBJ_EX,
  OP.EXT1,
  OP.EXT2,
  OP.EXT4,
  OP.PERSID,
  OP.BINPERSID,
  OP.NEXT_BUFFER,
  OP.READONLY_BUFFER,
])

export const HIGHEST_PROTOCOL = 5
