// The hash functions of the rings (reference: ../shared/reference/cluster.md sections 2-4).
// carbon-c-relay is C on x86, where `char` is signed: its FNV-1a XORs each byte sign-extended, so a
// byte >= 0x80 XORs 0xFFFFFFxx (0xFFFFFFFFFFFFFFxx in the 64-bit hash). carbon (Python) XORs the
// unsigned byte. The two agree on ASCII only.

import { createHash } from 'node:crypto'

const FNV32_OFFSET = 2166136261
const FNV32_PRIME = 16777619

/** md5 of the bytes, first two bytes big-endian: carbon_ch's ring position (0..65535). */
export function md5Position(bytes: Uint8Array | string): number {
  const digest = createHash('md5').update(bytes).digest()
  return digest[0]! * 256 + digest[1]!
}

/** 32-bit FNV-1a; `signed` XORs bytes sign-extended as carbon-c-relay does. */
export function fnv1a32(bytes: Uint8Array, signed: boolean): number {
  let h = FNV32_OFFSET
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    h = (h ^ (signed && b >= 0x80 ? b | 0xffffff00 : b)) >>> 0
    h = Math.imul(h, FNV32_PRIME) >>> 0
  }
  return h
}

/** fnv1a_ch's ring position: the two halves of the 32-bit hash XORed. */
export function fnv1aPosition(bytes: Uint8Array, signed: boolean): number {
  const h = fnv1a32(bytes, signed)
  return (h >>> 16) ^ (h & 0xffff)
}

const MASK64 = (1n << 64n) - 1n
const FNV64_OFFSET = 14695981039346656037n
const FNV64_PRIME = 1099511628211n

/** 64-bit FNV-1a with sign-extended bytes (carbon-c-relay's jump_fnv1a_ch key hash). */
export function fnv1a64Signed(bytes: Uint8Array): bigint {
  let h = FNV64_OFFSET
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    h ^= b >= 0x80 ? BigInt(b) | 0xffffffffffffff00n : BigInt(b)
    h = (h * FNV64_PRIME) & MASK64
  }
  return h
}

/** Lamping and Veach's jump consistent hash, with the relay's double arithmetic. */
export function jumpBucket(key: bigint, buckets: number): number {
  let b = -1
  let j = 0
  let h = key
  while (j < buckets) {
    b = j
    h = (h * 2862933555777941757n + 1n) & MASK64
    j = Math.trunc((b + 1) * (2147483648 / (Number(h >> 33n) + 1)))
  }
  return b
}

/** The relay's step from one jump replica to the next (a xorshift and a multiply). */
export function jumpNextKey(h: bigint): bigint {
  h ^= h >> 12n
  h = (h ^ (h << 25n)) & MASK64
  h ^= h >> 27n
  return (h * 2685821657736338717n) & MASK64
}
