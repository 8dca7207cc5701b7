// The iteration order of a CPython (3.11) set of small non-negative integers. whisper's update_many
// propagates `set(lowerIntervals)` in this order, and in an empty lower archive the first bucket
// written becomes the archive's base, so the order decides which bytes land where. Pure.
//
// CPython's set is an open-addressing table: 8 slots to start, index = hash & mask, probing up to 9
// slots linearly and then jumping to (i * 5 + 1 + perturb) & mask with perturb >>= 5; it grows to
// the smallest power of two above 4 x used when fill * 5 >= mask * 3, re-inserting in table order.
// For an int below 2^61 - 1 the hash is the int itself. Iteration walks the table from slot 0.

const MINIMUM_SIZE = 8
const LINEAR_PROBES = 9
const PERTURB_SHIFT = 5

function insertClean(table: (number | undefined)[], mask: number, key: number): void {
  let perturb = key
  let i = key & mask
  for (;;) {
    if (table[i] === undefined) {
      table[i] = key
      return
    }
    if (i + LINEAR_PROBES <= mask) {
      for (let j = 1; j <= LINEAR_PROBES; j++) {
        if (table[i + j] === undefined) {
          table[i + j] = key
          return
        }
      }
    }
    perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT)
    i = (i * 5 + 1 + perturb) % (mask + 1)
  }
}

/**
 * The elements of `set(keys)` in CPython's iteration order. `keys` must be integers in [0, 2^32).
 */
export function pythonSetOrder(keys: readonly number[]): number[] {
  let mask = MINIMUM_SIZE - 1
  let table = new Array<number | undefined>(MINIMUM_SIZE)
  let used = 0
  for (const key of keys) {
    let perturb = key
    let i = key & mask
    let placed = false
    let duplicate = false
    while (!placed && !duplicate) {
      const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0
      for (let j = 0; j <= probes; j++) {
        const existing = table[i + j]
        if (existing === undefined) {
          table[i + j] = key
          placed = true
          break
        }
        if (existing === key) {
          duplicate = true
          break
        }
      }
      if (!placed && !duplicate) {
        perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT)
        i = (i * 5 + 1 + perturb) % (mask + 1)
      }
    }
    if (duplicate) continue
    used++
    // No deletions happen here, so fill == used.
    if (used * 5 >= mask * 3) {
      const minUsed = used > 50000 ? used * 2 : used * 4
      let size = MINIMUM_SIZE
      while (size <= minUsed) size *= 2
      const old = table
      mask = size - 1
      table = new Array<number | undefined>(size)
      for (const entry of old) if (entry !== undefined) insertClean(table, mask, entry)
    }
  }
  return table.filter((entry): entry is number => entry !== undefined)
}
