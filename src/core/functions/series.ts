// graphite-web's TimeSeries (render/datalib.py): a list of values (null for None) with a name, a
// window, a step, and a valuesPerPoint that makes reading it consolidate on the fly with its
// consolidationFunc and xFilesFactor. graphite-web's functions mutate series in place and read
// them through that consolidating iterator; carbonkit's do the same, so that lengths, steps and
// truncations come out as they do there (normalize sets valuesPerPoint and does not change step).
// The values are held as a column (a Float64Array and a known mask: None is a mask bit, never NaN,
// so a stored NaN stays a value as in Python): the hot functions and the JSON read and write
// columns (readColumn, raw), so a dashboard's 1,000 series of 8,640 points make no number object
// per value; the others ask for the list (values, read()), made from the column when first asked.

export type Value = number | null

const CONSOLIDATE: Readonly<Record<string, (usable: number[]) => number>> = {
  sum: (u) => pySum(u),
  average: (u) => pySum(u) / u.length,
  avg: (u) => pySum(u) / u.length,
  avg_zero: (u) => pySum(u) / u.length,
  max: (u) => pyMax(u),
  min: (u) => pyMin(u),
  first: (u) => u[0]!,
  last: (u) => u[u.length - 1]!,
}

const FOLD_SUM = 1
const FOLD_AVERAGE = 2
const FOLD_MAX = 3
const FOLD_MIN = 4
const FOLD_FIRST = 5
const FOLD_LAST = 6
/** The consolidations readColumn folds bucket by bucket (avg_zero counts Nones: it takes a list). */
const FOLDS: Readonly<Record<string, number>> = {
  sum: FOLD_SUM,
  average: FOLD_AVERAGE,
  avg: FOLD_AVERAGE,
  max: FOLD_MAX,
  min: FOLD_MIN,
  first: FOLD_FIRST,
  last: FOLD_LAST,
}

/** Python's sum(): left to right, starting from 0. */
export function pySum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}

/**
 * Python's max(): an item replaces the maximum only when greater, so a NaN met first stays and one
 * met later is passed over (Math.max gives NaN for either).
 */
export function pyMax(values: readonly number[]): number {
  let m = values[0]!
  for (let i = 1; i < values.length; i++) if (values[i]! > m) m = values[i]!
  return m
}

/** Python's min(), as pyMax. */
export function pyMin(values: readonly number[]): number {
  let m = values[0]!
  for (let i = 1; i < values.length; i++) if (values[i]! < m) m = values[i]!
  return m
}

/** Values as a file gives them: a double per slot and whether the slot holds one. */
export interface Column {
  values: Float64Array
  known: Uint8Array
}

/** What a series carries beside its values (graphite-web's TimeSeries keyword arguments). */
export interface SeriesOptions {
  consolidate?: string
  xFilesFactor?: number
  pathExpression?: string
  tags?: Record<string, string>
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
    options: SeriesOptions = {},
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
    options: SeriesOptions = {},
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

  /**
   * The raw values as a column that the caller may change in place (they are the series' values
   * from then on); a list is turned into one.
   */
  get raw(): Column {
    if (this.column === undefined) {
      this.column = columnOf(this.list!)
      this.list = undefined
    }
    return this.column
  }

  set raw(column: Column) {
    this.column = column
    this.list = undefined
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
    if (this.valuesPerPoint <= 1) return this.values
    const { values, known } = this.readColumn()
    const out = new Array<Value>(values.length)
    for (let i = 0; i < out.length; i++) out[i] = known[i] === 1 ? values[i]! : null
    return out
  }

  /**
   * read() as a column, without a number object per value: the series' own column when
   * valuesPerPoint is 1 (not to be changed: use `raw` for that), a new one otherwise.
   */
  readColumn(): Column {
    const vpp = this.valuesPerPoint
    const source = this.column ?? columnOf(this.list!)
    if (vpp <= 1) return source
    const cf = CONSOLIDATE[this.consolidationFunc]
    if (cf === undefined) throw new Error(`invalid consolidation function '${this.consolidationFunc}'`)
    const zero = this.consolidationFunc === 'avg_zero'
    const n = source.values.length
    const length = Math.ceil(n / vpp)
    const out: Column = { values: new Float64Array(length), known: new Uint8Array(length) }
    const fold = FOLDS[this.consolidationFunc]
    if (fold !== undefined) {
      // The bucket's known values folded as pySum, pyMax, pyMin (or taken first or last), the same
      // double as cf gives, without a list per bucket.
      const { values, known } = source
      let at = 0
      for (let first = 0; first < n; first += vpp) {
        const last = Math.min(n, first + vpp)
        let acc = 0
        let nonNull = 0
        for (let i = first; i < last; i++) {
          if (known[i] !== 1) continue
          const v = values[i]!
          if (nonNull === 0 && fold !== FOLD_SUM && fold !== FOLD_AVERAGE) acc = v
          else if (fold === FOLD_SUM || fold === FOLD_AVERAGE) acc += v
          else if (fold === FOLD_MAX ? v > acc : fold === FOLD_MIN ? v < acc : fold === FOLD_LAST) acc = v
          nonNull++
        }
        if (nonNull > 0 && nonNull / vpp >= this.xFilesFactor) {
          out.values[at] = fold === FOLD_AVERAGE ? acc / nonNull : acc
          out.known[at] = 1
        }
        at++
      }
      return out
    }
    // One buffer for every bucket (cf keeps nothing of it).
    const buf: number[] = []
    let at = 0
    for (let first = 0; first < n; first += vpp) {
      const last = Math.min(n, first + vpp)
      buf.length = 0
      let nonNull = 0
      for (let i = first; i < last; i++) {
        if (source.known[i] === 1) {
          buf.push(source.values[i]!)
          nonNull++
        } else if (zero) buf.push(0)
      }
      if (nonNull > 0 && nonNull / vpp >= this.xFilesFactor) {
        out.values[at] = cf(buf)
        out.known[at] = 1
      }
      at++
    }
    return out
  }

  /** graphite-web's copy(): a new series (valuesPerPoint 1) with some fields replaced. */
  copy(fields: {
    name?: string
    start?: number
    end?: number
    step?: number
    values?: Value[]
    column?: Column
  }): TimeSeries {
    const options = {
      consolidate: this.consolidationFunc,
      xFilesFactor: this.xFilesFactor,
      tags: { ...this.tags },
    }
    const name = fields.name ?? this.name
    const start = fields.start ?? this.start
    const end = fields.end ?? this.end
    const step = fields.step ?? this.step
    if (fields.column !== undefined)
      return TimeSeries.fromColumn(name, start, end, step, fields.column, options)
    return new TimeSeries(name, start, end, step, fields.values ?? this.values, options)
  }
}

/** A list's values as a column. */
export function columnOf(list: readonly Value[]): Column {
  const column: Column = { values: new Float64Array(list.length), known: new Uint8Array(list.length) }
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!
    if (v !== null) {
      column.values[i] = v
      column.known[i] = 1
    }
  }
  return column
}

/** An empty column of `length` values (all None). */
export function emptyColumn(length: number): Column {
  return { values: new Float64Array(length), known: new Uint8Array(length) }
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
