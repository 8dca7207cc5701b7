// whisper's eight aggregation methods with Python's exact semantics. Pure.
//
// The corners that matter for byte-identical files:
// - sums are plain left-to-right double additions starting from 0 (CPython 3.11's sum());
// - max/min keep the first of equal values and follow Python's comparisons with NaN, so they are
//   order dependent: max([nan, 5]) is nan, max([5, nan]) is 5 (Math.max would give NaN for both);
// - absmax/absmin compare abs() and keep the first on ties: absmax([-3, 3]) is -3;
// - avg_zero counts missing values and 0.0 as zero and divides by the whole bucket;
// - last is the newest known value;
// - a sum that turns NaN keeps the first NaN's bits, as CPython's loop does on x86 (inf + -inf is the
//   negative default NaN): V8 may swap the operands of an addition, and adding a second NaN would
//   then give that one's bits instead, so the loop stops at the first NaN.

import { InvalidAggregationMethodError } from '../errors.js'

function sum(values: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < values.length; i++) {
    total += values[i]!
    if (total !== total) break
  }
  return total
}

function pick(values: ArrayLike<number>, better: (candidate: number, best: number) => boolean): number {
  let best = values[0]!
  for (let i = 1; i < values.length; i++) {
    const candidate = values[i]!
    if (better(candidate, best)) best = candidate
  }
  return best
}

/**
 * Aggregate one bucket. `knownValues` are the present values in time order (non-empty);
 * `neighborValues` is the whole bucket with null for missing points (avg_zero needs it).
 * @throws InvalidAggregationMethodError for an unknown method, or avg_zero without neighbours
 */
export function aggregate(
  aggregationMethod: string,
  knownValues: ArrayLike<number>,
  neighborValues?: readonly (number | null)[],
): number {
  switch (aggregationMethod) {
    case 'average':
      return sum(knownValues) / knownValues.length
    case 'sum':
      return sum(knownValues)
    case 'last':
      return knownValues[knownValues.length - 1]!
    case 'max':
      return pick(knownValues, (c, b) => c > b)
    case 'min':
      return pick(knownValues, (c, b) => c < b)
    case 'avg_zero': {
      if (!neighborValues || neighborValues.length === 0) {
        throw new InvalidAggregationMethodError('Using avg_zero without neighborValues')
      }
      let total = 0
      for (const v of neighborValues) {
        total += v === null || v === 0 ? 0 : v
        if (total !== total) break
      }
      return total / neighborValues.length
    }
    case 'absmax':
      return pick(knownValues, (c, b) => Math.abs(c) > Math.abs(b))
    case 'absmin':
      return pick(knownValues, (c, b) => Math.abs(c) < Math.abs(b))
    default:
      throw new InvalidAggregationMethodError(`Unrecognized aggregation method ${aggregationMethod}`)
  }
}
