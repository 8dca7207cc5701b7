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

/** Values as a file gives them: a double per slot and whether the slot holds one. */
export interface Column {
  values: Float64Array
  known: Uint8Array
}

export class TimeSeries {
  name: string
  start: number
  end: number
  step: number
  /** The values as a list, made from `column` when first asked for. */
  private list: Value[] | undefined
  /**
   * Values fetched and not yet asked for as a list: a series that only goes through renaming,
   * consolidation and the JSON never holds a boxed number per point.
   */
  private column: Column | undefined
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
    this.list = values
    this.consolidationFunc = options.consolidate ?? 'average'
    this.xFilesFactor = options.xFilesFactor ?? 0
    this.pathExpression = options.pathExpression ?? name
    this.tags = options.tags ?? { name }
  }

  /** A fetched series, its values kept as the file gave them until a function asks for the list. */
  static fromColumn(
    name: string,
    start: number,
    end: number,
    step: number,
    column: Column,
    options: { xFilesFactor?: number; pathExpression?: string } = {},
  ): TimeSeries {
    const series = new TimeSeries(name, start, end, step, [], options)
    series.list = undefined
    series.column = column
    return series
  }

  get values(): Value[] {
    if (this.list === undefined) {
      const { values, known } = this.column!
      const list = new Array<Value>(values.length)
      for (let i = 0; i < list.length; i++) list[i] = known[i] === 1 ? values[i]! : null
      this.list = list
      this.column = undefined
    }
    return this.list
  }

  set values(values: Value[]) {
    this.list = values
    this.column = undefined
  }

  get length(): number {
    return this.column === undefined ? this.list!.length : this.column.values.length
  }

  /** The number of values read() gives. */
  get readLength(): number {
    const vpp = this.valuesPerPoint
    return vpp <= 1 ? this.length : Math.ceil(this.length / Math.trunc(vpp))
  }

  /** Python's `del values[:n]`. */
  dropFirst(n: number): void {
    if (this.column === undefined) this.list!.splice(0, n)
    else this.column = { values: this.column.values.subarray(n), known: this.column.known.subarray(n) }
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
    // One buffer for every bucket (cf keeps nothing of it).
    const buf: number[] = []
    let count = 0
    let nonNull = 0
    const flush = () => {
      out.push(nonNull > 0 && nonNull / vpp >= this.xFilesFactor ? cf(buf) : null)
      buf.length = 0
      count = 0
      nonNull = 0
    }
    const column = this.column
    const list = this.list
    const n = this.length
    for (let i = 0; i < n; i++) {
      const v = column === undefined ? list![i]! : column.known[i] === 1 ? column.values[i]! : null
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
}

/** Python's itertools.zip_longest over the consolidated values of some series (or value lists). */
export function zipLongest(columns: readonly (readonly Value[])[]): Value[][] {
  const length = Math.max(0, ...columns.map((c) => c.length))
  const rows: Value[][] = new Array(length)
  for (let i = 0; i < length; i++) rows[i] = columns.map((c) => (i < c.length ? c[i]! : null))
  return rows
}

/**
 * f of each row of zipLongest(columns), without a list per row: the row given is reused, so f must
 * not keep it.
 */
export function mapRows(
  columns: readonly (readonly Value[])[],
  f: (row: readonly Value[]) => Value,
): Value[] {
  let length = 0
  for (const c of columns) if (c.length > length) length = c.length
  const row: Value[] = new Array<Value>(columns.length).fill(null)
  const out: Value[] = new Array<Value>(length)
  for (let i = 0; i < length; i++) {
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!
      row[c] = i < column.length ? column[i]! : null
    }
    out[i] = f(row)
  }
  return out
}
