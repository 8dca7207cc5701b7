// graphite-web's TimeSeries (render/datalib.py): a list of values (null for None) with a name, a
// window, a step, and a valuesPerPoint that makes reading it consolidate on the fly with its
// consolidationFunc and xFilesFactor. graphite-web's functions mutate series in place and read
// them through that consolidating iterator; carbonkit's do the same, so that lengths, steps and
// truncations come out as they do there (normalize sets valuesPerPoint and does not change step).

export type Value = number | null

const CONSOLIDATE: Readonly<Record<string, (usable: number[]) => number>> = {
  sum: (u) => pySum(u),
  average: (u) => pySum(u) / u.length,
  avg: (u) => pySum(u) / u.length,
  avg_zero: (u) => pySum(u) / u.length,
  max: (u) => Math.max(...u),
  min: (u) => Math.min(...u),
  first: (u) => u[0]!,
  last: (u) => u[u.length - 1]!,
}

/** Python's sum(): left to right, starting from 0. */
export function pySum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}

export class TimeSeries {
  name: string
  start: number
  end: number
  step: number
  values: Value[]
  consolidationFunc: string
  valuesPerPoint = 1
  xFilesFactor: number
  pathExpression: string
  tags: Record<string, string>

  constructor(
    name: string,
    start: number,
    end: number,
    step: number,
    values: Value[],
    options: {
      consolidate?: string
      xFilesFactor?: number
      pathExpression?: string
      tags?: Record<string, string>
    } = {},
  ) {
    this.name = name
    this.start = start
    this.end = end
    this.step = step
    this.values = values
    this.consolidationFunc = options.consolidate ?? 'average'
    this.xFilesFactor = options.xFilesFactor ?? 0
    this.pathExpression = options.pathExpression ?? name
    this.tags = options.tags ?? { name }
  }

  get length(): number {
    return this.values.length
  }

  consolidate(valuesPerPoint: number): void {
    this.valuesPerPoint = Math.trunc(valuesPerPoint)
  }

  /** The values as Python's `iter(series)` gives them: consolidated when valuesPerPoint > 1. */
  read(): Value[] {
    const vpp = this.valuesPerPoint
    if (vpp <= 1) return this.values
    const cf = CONSOLIDATE[this.consolidationFunc]
    if (cf === undefined) throw new Error(`invalid consolidation function '${this.consolidationFunc}'`)
    const zero = this.consolidationFunc === 'avg_zero'
    const out: Value[] = []
    let buf: number[] = []
    let count = 0
    let nonNull = 0
    const flush = () => {
      out.push(nonNull > 0 && nonNull / vpp >= this.xFilesFactor ? cf(buf) : null)
      buf = []
      count = 0
      nonNull = 0
    }
    for (const v of this.values) {
      count++
      if (v !== null) {
        buf.push(v)
        nonNull++
      } else if (zero) buf.push(0)
      if (count === vpp) flush()
    }
    if (count > 0) flush()
    return out
  }

  /** graphite-web's copy(): a new series (valuesPerPoint 1) with some fields replaced. */
  copy(fields: { name?: string; start?: number; end?: number; step?: number; values?: Value[] }): TimeSeries {
    return new TimeSeries(
      fields.name ?? this.name,
      fields.start ?? this.start,
      fields.end ?? this.end,
      fields.step ?? this.step,
      fields.values ?? this.values,
      { consolidate: this.consolidationFunc, xFilesFactor: this.xFilesFactor, tags: { ...this.tags } },
    )
  }

  /** [value, timestamp] pairs as graphite-web's datapoints(): zip of values and the timestamps. */
  datapoints(): [Value, number][] {
    const values = this.read()
    const stride = Math.trunc(this.step * this.valuesPerPoint)
    const out: [Value, number][] = []
    const first = Math.trunc(this.start)
    const last = Math.trunc(this.end)
    for (let i = 0; i < values.length; i++) {
      const ts = first + i * stride
      if (ts > last) break
      out.push([values[i]!, ts])
    }
    return out
  }
}

/** Python's itertools.zip_longest over the consolidated values of some series (or value lists). */
export function zipLongest(columns: readonly (readonly Value[])[]): Value[][] {
  const length = Math.max(0, ...columns.map((c) => c.length))
  const rows: Value[][] = new Array(length)
  for (let i = 0; i < length; i++) rows[i] = columns.map((c) => (i < c.length ? c[i]! : null))
  return rows
}
