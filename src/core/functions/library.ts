// The series functions, each as graphite-web 1.1.8 computes it (render/functions.py): the same
// names for the results, the same None handling, the same step normalisation (lcm of the steps,
// finer series consolidated by their own function) and the same in-place changes to the series
// they are given (a later function sees them, as it does in graphite-web). Where graphite-web
// crashes on an input, the function does what graphite-web means; README lists each difference.

import { formatFixed, formatGeneral, formatRepr } from '../python/format.js'
import { parseTimeOffset, zoneOffset } from './attime.js'
import { FunctionInputError, InvalidParameterError, NormalizeEmptyError } from './errors.js'
import { firstPathExpression } from './grammar.js'
import type { Node } from './grammar.js'
import { parseATTime } from './attime.js'
import { InvalidArgumentError } from '../errors.js'
import type { Arg, Num, Param } from './params.js'
import { AGGREGATOR_FUNCS, AGG_FUNCS, bindArgs } from './params.js'
import { pySearch, pySub } from './regex.js'
import type { Column, Value } from './series.js'
import { TimeSeries, emptyColumn, mapRows, pyMax as max, pyMin as min, pySum, zipLongest } from './series.js'

export type { Arg } from './params.js'

export interface Context {
  /** The request's window and clock, epoch seconds. */
  startTime: number
  endTime: number
  now: number
  /** The request's `tz`, a zone this runtime knows (undefined: UTC, graphite-web's TIME_ZONE). */
  tz?: string
  /** The request's xFilesFactor (graphite-web's DEFAULT_XFILES_FACTOR when not given: 0). */
  xFilesFactor: number
  /** template[name]=value request parameters. */
  template: Map<string, Arg>
  /**
   * The series a path expression names over this context's window, sorted by name. With
   * `lengthsOnly`, their values are not read (all None): the caller needs only their names,
   * windows and lengths (countSeries' arguments).
   */
  fetch: (pathExpression: string, ctx: Context, options?: { lengthsOnly?: boolean }) => Promise<TimeSeries[]>
  /**
   * A whole target evaluated over this context (graphite-web's evaluateTarget, for aliasQuery and
   * applyByNode); the evaluator fills it in.
   */
  evaluate?: (target: string, ctx: Context) => Promise<TimeSeries[]>
}

export interface Call {
  /** One array per parameter (a multiple parameter holds all its values). */
  args: Arg[][]
  rawFirst: Node | undefined
  /** The first argument evaluated again over a changed window (graphite-web's requestContext['args'][0]). */
  reevaluate: (changes: Partial<Context>) => Promise<TimeSeries[]>
}

export interface SeriesFunction {
  params: Param[]
  run: (ctx: Context, call: Call) => Arg | Promise<Arg>
}

// ---------------------------------------------------------------------------------------------
// Helpers (graphite-web's utility functions)

function seriesArg(call: Call, i: number): TimeSeries[] {
  const v = call.args[i]?.[0]
  return Array.isArray(v) ? v : []
}

function seriesLists(call: Call, i: number): TimeSeries[][] {
  return (call.args[i] ?? []).filter((v): v is TimeSeries[] => Array.isArray(v))
}

function isNum(v: Arg | undefined): v is Num {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v)
}

function numArg(call: Call, i: number): number | undefined {
  const v = call.args[i]?.[0]
  if (isNum(v)) return v.value
  if (typeof v === 'boolean') return v ? 1 : 0
  return undefined
}

function strArg(call: Call, i: number): string | undefined {
  const v = call.args[i]?.[0]
  return typeof v === 'string' ? v : undefined
}

function boolArg(call: Call, i: number, fallback: boolean): boolean {
  const v = call.args[i]?.[0]
  if (v === undefined || v === null) return fallback
  if (typeof v === 'boolean') return v
  if (isNum(v)) return v.value !== 0
  if (typeof v === 'string') return v !== ''
  return v.length > 0
}

/** Python's `%g`. */
function g(x: number): string {
  return formatGeneral(x, 6)
}

/** Python's str() of a number argument (ints stay ints, floats in repr). */
function pyStr(v: Arg | undefined): string {
  if (isNum(v)) return v.kind === 'int' ? String(v.value) : formatRepr(v.value)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (v === null || v === undefined) return 'None'
  return '[...]'
}

/** Python's `%d` of a number. */
function d(x: number): string {
  return String(Math.trunc(x))
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

function lcm(a: number, b: number): number {
  if (a === b) return a
  if (a < b) [a, b] = [b, a]
  return Math.floor(a / gcd(a, b)) * b
}

function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b
}

function xff(nonNull: number, total: number, xFilesFactor: number): boolean {
  if (!nonNull || !total) return false
  return nonNull / total >= xFilesFactor
}

function xffValues(values: readonly Value[], xFilesFactor: number): boolean {
  if (values.length === 0) return false
  let nonNull = 0
  for (const v of values) if (v !== null) nonNull++
  return xff(nonNull, values.length, xFilesFactor)
}

interface Normalized {
  list: TimeSeries[]
  start: number
  end: number
  step: number
}

function normalize(lists: readonly (readonly TimeSeries[])[]): Normalized {
  const list = lists.flat()
  if (list.length === 0) throw new NormalizeEmptyError()
  const step = list.map((s) => s.step).reduce(lcm)
  for (const s of list) s.consolidate(Math.floor(step / s.step))
  const start = Math.min(...list.map((s) => s.start))
  let end = Math.max(...list.map((s) => s.end))
  end -= pyMod(end - start, step)
  return { list, start, end, step }
}

function formatPathExpressions(list: readonly TimeSeries[]): string {
  const seen: string[] = []
  for (const s of list) if (!seen.includes(s.pathExpression)) seen.push(s.pathExpression)
  return seen.join(',')
}

function nonNull(values: readonly Value[]): number[] {
  const out: number[] = []
  for (const v of values) if (v !== null) out.push(v)
  return out
}

export const safe = {
  sum: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    return u.length ? pySum(u) : null
  },
  diff: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    if (!u.length) return null
    return pySum([u[0]!, ...u.slice(1).map((x) => x * -1)])
  },
  len: (v: readonly Value[]): Value => nonNull(v).length,
  avg: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    return u.length ? pySum(u) / u.length : null
  },
  avgZero: (v: readonly Value[]): Value => (v.length ? pySum(v.map((x) => x ?? 0)) / v.length : null),
  median: (v: readonly Value[]): Value => {
    const u = nonNull(v).sort((a, b) => a - b)
    if (!u.length) return null
    const mid = Math.floor(u.length / 2)
    return u.length % 2 === 0 ? (u[mid - 1]! + u[mid]!) / 2 : u[mid]!
  },
  stddev: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    if (!u.length) return null
    const avg = pySum(u) / u.length
    let total = 0
    for (const x of u) total = total + (x - avg) * (x - avg)
    return Math.sqrt(total / u.length)
  },
  last: (v: readonly Value[]): Value => {
    for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null) return v[i]!
    return null
  },
  min: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    return u.length ? min(u) : null
  },
  max: (v: readonly Value[]): Value => {
    const u = nonNull(v)
    return u.length ? max(u) : null
  },
  mul: (...factors: Value[]): Value => {
    if (factors.includes(null)) return null
    return (factors as number[]).reduce((x, y) => x * y)
  },
  div: (a: Value, b: Value): Value => (a === null || b === null || b === 0 ? null : a / b),
  subtract: (a: Value, b: Value): Value => (a === null || b === null ? null : a - b),
}

type AggFunc = (row: readonly Value[]) => Value

/**
 * An aggregate of a row given as its known values (in order, None left out) and its length (None
 * counted): what every aggregate reads of a row, so that a row made of columns needs no list of
 * Values. Each gives what safe's function of the same name gives for the whole row.
 */
type KnownAgg = (known: readonly number[], total: number) => Value

function knownSum(u: readonly number[]): Value {
  return u.length ? pySum(u) : null
}
function knownAvg(u: readonly number[]): Value {
  return u.length ? pySum(u) / u.length : null
}
function knownMax(u: readonly number[]): Value {
  return u.length ? max(u) : null
}
function knownMin(u: readonly number[]): Value {
  return u.length ? min(u) : null
}
function knownLast(u: readonly number[]): Value {
  return u.length ? u[u.length - 1]! : null
}
function knownRange(u: readonly number[]): Value {
  return u.length ? max(u) - min(u) : null
}

const KNOWN_AGGREGATES: Readonly<Record<string, KnownAgg>> = {
  average: knownAvg,
  // Python's sum of the row with None as 0: the zeros change nothing (the sum starts at 0).
  avg_zero: (u, total) => (total ? pySum(u) / total : null),
  median: (u) => {
    if (!u.length) return null
    const sorted = [...u].sort((a, b) => a - b)
    const mid = Math.floor(sorted.length / 2)
    return sorted.length % 2 === 0 ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[mid]!
  },
  sum: knownSum,
  min: knownMin,
  max: knownMax,
  diff: (u) => {
    if (!u.length) return null
    // Python's sum([u[0]] + [x * -1 for x in u[1:]]).
    let total = 0 + u[0]!
    for (let i = 1; i < u.length; i++) total += u[i]! * -1
    return total
  },
  stddev: (u) => {
    if (!u.length) return null
    const avg = pySum(u) / u.length
    let total = 0
    for (const x of u) total = total + (x - avg) * (x - avg)
    return Math.sqrt(total / u.length)
  },
  count: (u) => u.length,
  range: knownRange,
  multiply: (u, total) => (u.length < total ? null : u.reduce((x, y) => x * y)),
  last: knownLast,
  rangeOf: knownRange,
  avg: knownAvg,
  total: knownSum,
  current: knownLast,
}

const AGGREGATES: Readonly<Record<string, AggFunc>> = Object.fromEntries(
  Object.entries(KNOWN_AGGREGATES).map(([name, f]) => [
    name,
    (row: readonly Value[]) => f(nonNull(row), row.length),
  ]),
)

function getKnownAgg(func: string, rawFunc?: string): KnownAgg {
  const f = KNOWN_AGGREGATES[func]
  if (f === undefined) throw new FunctionInputError(`Unsupported aggregation function: ${rawFunc ?? func}`)
  return f
}

function getAggFunc(func: string, rawFunc?: string): AggFunc {
  getKnownAgg(func, rawFunc)
  return AGGREGATES[func]!
}

/**
 * f of each row of the columns (zip_longest: a shorter column gives None), where the row's known
 * values pass xff: graphite-web's `[f(row) if xff(row) else None for row in zip_longest(*series)]`.
 */
function aggregateColumns(columns: readonly Column[], f: KnownAgg, xFilesFactor: number): Column {
  let length = 0
  for (const c of columns) if (c.values.length > length) length = c.values.length
  const out = emptyColumn(length)
  const total = columns.length
  const kind = f === knownSum ? 1 : f === knownAvg ? 2 : f === knownMax ? 3 : f === knownMin ? 4 : 0
  if (kind !== 0) {
    // The row's known values folded as pySum, pyMax and pyMin fold them (left to right, from 0
    // for a sum, the first value for max and min: the same double, NaN kept where Python keeps
    // it), without a list per row; column by column (each row still folds its columns in order),
    // so that each column is read in order once.
    const acc = out.values
    const count = new Uint32Array(length)
    for (let c = 0; c < total; c++) {
      const { values, known } = columns[c]!
      for (let i = 0; i < values.length; i++) {
        if (known[i] !== 1) continue
        const v = values[i]!
        if (kind <= 2) acc[i] = acc[i]! + v
        else if (count[i] === 0 || (kind === 3 ? v > acc[i]! : v < acc[i]!)) acc[i] = v
        count[i] = count[i]! + 1
      }
    }
    for (let i = 0; i < length; i++) {
      if (xff(count[i]!, total, xFilesFactor)) {
        if (kind === 2) acc[i] = acc[i]! / count[i]!
        out.known[i] = 1
      } else acc[i] = 0
    }
    return out
  }
  // One buffer for every row (f keeps nothing of it).
  const u: number[] = []
  for (let i = 0; i < length; i++) {
    u.length = 0
    for (let c = 0; c < total; c++) {
      const column = columns[c]!
      if (i < column.values.length && column.known[i] === 1) u.push(column.values[i]!)
    }
    if (!xff(u.length, total, xFilesFactor)) continue
    const v = f(u, total)
    if (v !== null) {
      out.values[i] = v
      out.known[i] = 1
    }
  }
  return out
}

function getNodeOrTag(series: TimeSeries, n: Arg, pathExpression?: string): string {
  if (isNum(n) && n.kind === 'int') {
    const parts = (pathExpression ?? series.name).split(';')[0]!.split('.')
    const i = n.value < 0 ? parts.length + n.value : n.value
    if (i >= 0 && i < parts.length) return parts[i]!
  }
  return series.tags[pyStr(n)] ?? ''
}

function aggKey(series: TimeSeries, nodes: readonly Arg[]): string {
  let pathExpression: string | undefined
  if (series.name.endsWith(')')) pathExpression = firstPathExpression(series.name)
  return nodes.map((n) => getNodeOrTag(series, n, pathExpression)).join('.')
}

function aggregate(
  ctx: Context,
  lists: readonly (readonly TimeSeries[])[],
  func: string,
  xFilesFactor?: number,
): TimeSeries[] {
  const rawFunc = func
  if (func.endsWith('Series')) func = func.slice(0, -6)
  const f = getKnownAgg(func, rawFunc)
  if (lists.length === 0) return []
  let norm: Normalized
  try {
    norm = normalize(lists)
  } catch (error) {
    if (error instanceof NormalizeEmptyError) return []
    throw error
  }
  const factor = xFilesFactor ?? ctx.xFilesFactor
  const name = `${func}Series(${formatPathExpressions(norm.list)})`
  const column = aggregateColumns(
    norm.list.map((s) => s.readColumn()),
    f,
    factor,
  )
  let tags = { ...norm.list[0]!.tags }
  for (const s of norm.list)
    tags = Object.fromEntries(Object.entries(tags).filter(([k, v]) => s.tags[k] === v))
  if (!('name' in tags)) tags.name = name
  tags.aggregatedBy = func
  return [
    TimeSeries.fromColumn(name, norm.start, norm.end, norm.step, column, { xFilesFactor: factor, tags }),
  ]
}

/**
 * Set every raw value from a function of the consolidated one at the same index (graphite-web's
 * enumerate + assign: with valuesPerPoint > 1 the raw values after the last consolidated index stay).
 * `f` is pure: f(None) is asked once.
 */
function mapInPlace(series: TimeSeries, f: (v: Value) => Value): void {
  const read = series.readColumn()
  const raw = series.raw
  const ifNull = f(null)
  for (let i = 0; i < read.values.length; i++) {
    const v = read.known[i] === 1 ? f(read.values[i]!) : ifNull
    if (v === null) raw.known[i] = 0
    else {
      raw.values[i] = v
      raw.known[i] = 1
    }
  }
}

/** The known values of a column, in order. */
function knownValues(column: Column): number[] {
  const out: number[] = []
  for (let i = 0; i < column.values.length; i++) if (column.known[i] === 1) out.push(column.values[i]!)
  return out
}

function rename(series: TimeSeries, name: string): void {
  series.name = name
  series.pathExpression = name
}

/** Python's round(x, 6) (correctly rounded, half to even on the exact value). */
function round6(x: number): number {
  if (!Number.isFinite(x)) return x
  // Without text where it cannot differ: x * 1e6 is within half an ulp of its exact value (2^-13
  // under 2^40, 2^-4 under 2^50: counters' rates up to 10^9), so a fraction farther than that from
  // .5 gives the exact value's nearest integer n, and n / 1e6 is the double nearest n * 10^-6 (one
  // correctly rounded division), which is what Python returns.
  const scaled = x * 1e6
  const magnitude = Math.abs(scaled)
  const margin = magnitude < 2 ** 40 ? 1e-3 : magnitude < 2 ** 50 ? 0.125 : -1
  if (margin > 0) {
    const floor = Math.floor(scaled)
    const fraction = scaled - floor
    if (Math.abs(fraction - 0.5) > margin) {
      const n = fraction > 0.5 ? floor + 1 : floor
      return n === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : n / 1e6
    }
  }
  return Number(formatFixed(x, 6))
}

/** Python's list[:n]. */
function pySliceTo<T>(list: T[], n: number): T[] {
  return list.slice(0, n < 0 ? Math.max(0, list.length + n) : n)
}

function keyed(f: KnownAgg): (s: TimeSeries) => number {
  return (s) => {
    const column = s.readColumn()
    return f(knownValues(column), column.values.length) ?? -Infinity
  }
}

/** An aggregate of a series' consolidated values (graphite-web's `func(series)`). */
function ofSeries(f: KnownAgg, s: TimeSeries): Value {
  const column = s.readColumn()
  return f(knownValues(column), column.values.length)
}

/** Python's list.sort(key, reverse): stable, and reverse keeps equal keys in their order. */
function sortBy<T>(list: T[], key: (x: T) => number | string, reverse = false): T[] {
  const keys = new Map(list.map((x) => [x, key(x)]))
  const cmp = (a: T, b: T): number => {
    const x = keys.get(a)!
    const y = keys.get(b)!
    return x < y ? -1 : x > y ? 1 : 0
  }
  return reverse ? list.sort((a, b) => cmp(b, a)) : list.sort(cmp)
}

// ---------------------------------------------------------------------------------------------
// The functions

const S: Param = { name: 'seriesList', type: 'seriesList', required: true }
const LISTS: Param = { name: 'seriesLists', type: 'seriesList', required: true, multiple: true }

export const FUNCTIONS = new Map<string, SeriesFunction>()

function define(names: string | string[], params: Param[], run: SeriesFunction['run']): void {
  for (const name of Array.isArray(names) ? names : [names]) FUNCTIONS.set(name, { params, run })
}

// Combine

for (const [names, func] of [
  [['sumSeries', 'sum'], 'sum'],
  [['averageSeries', 'avg'], 'average'],
  [['maxSeries'], 'max'],
  [['minSeries'], 'min'],
  [['diffSeries'], 'diff'],
  [['stddevSeries'], 'stddev'],
  [['rangeOfSeries'], 'rangeOf'],
] as const) {
  define([...names], [LISTS], (ctx, call) => aggregate(ctx, seriesLists(call, 0), func))
}

define('multiplySeries', [LISTS], (ctx, call) => {
  const lists = seriesLists(call, 0)
  if (lists.length === 1 && lists[0]!.length === 1) return lists[0]!
  return aggregate(ctx, lists, 'multiply')
})

define('aggregate', [
  S,
  { name: 'func', type: 'aggFunc', required: true },
  { name: 'xFilesFactor', type: 'float' },
], (ctx, call) => aggregate(ctx, [seriesArg(call, 0)], strArg(call, 1)!, numArg(call, 2)))

function countSeries(ctx: Context, lists: TimeSeries[][]): TimeSeries[] {
  if (lists.length > 0) {
    let norm: Normalized
    try {
      norm = normalize(lists)
    } catch (error) {
      if (error instanceof NormalizeEmptyError) return []
      throw error
    }
    const name = `countSeries(${formatPathExpressions(norm.list)})`
    // zip_longest's rows are as long as the list: each point counts every series.
    const length = Math.max(0, ...norm.list.map((s) => s.readLength))
    const values = new Array<Value>(length).fill(norm.list.length)
    return [new TimeSeries(name, norm.start, norm.end, norm.step, values, { xFilesFactor: ctx.xFilesFactor })]
  }
  const series = constantLine(ctx, 0, true)
  series.pathExpression = 'countSeries()'
  return [series]
}
define('countSeries', [{ ...LISTS, required: false }], (ctx, call) => countSeries(ctx, seriesLists(call, 0)))

define('group', [{ ...LISTS, required: false }], (_ctx, call) => seriesLists(call, 0).flat())

/** Series by a key, in the order each key first appears (as graphite-web's dicts keep them). */
function groupBy(list: TimeSeries[], keyOf: (series: TimeSeries) => string): Map<string, TimeSeries[]> {
  const groups = new Map<string, TimeSeries[]>()
  for (const series of list) {
    const key = keyOf(series)
    const group = groups.get(key)
    if (group) group.push(series)
    else groups.set(key, [series])
  }
  return groups
}

/** Series grouped by their names without the nodes at `positions`, each group aggregated by `func`. */
function aggregateByWildcards(
  ctx: Context,
  list: TimeSeries[],
  positions: number[],
  func: string,
): TimeSeries[] {
  const groups = groupBy(list, (series) =>
    series.name
      .split('.')
      .filter((_, i) => !positions.includes(i))
      .join('.'),
  )
  return [...groups].map(([key, group]) => {
    const result = aggregate(ctx, [group], func)[0]!
    result.name = key
    return result
  })
}

function withWildcards(func: string): SeriesFunction['run'] {
  return (ctx, call) =>
    aggregateByWildcards(
      ctx,
      seriesArg(call, 0),
      (call.args[1] ?? []).filter(isNum).map((n) => n.value),
      func,
    )
}
const POSITIONS: Param = { name: 'position', type: 'node', multiple: true }
define('sumSeriesWithWildcards', [S, POSITIONS], withWildcards('sum'))
define('averageSeriesWithWildcards', [S, POSITIONS], withWildcards('average'))
define('multiplySeriesWithWildcards', [S, POSITIONS], withWildcards('multiply'))

function asPercent(ctx: Context, seriesList: TimeSeries[], total: Arg, nodes: Arg[]): TimeSeries[] {
  normalize([seriesList])
  const factor = ctx.xFilesFactor
  const pct = (v1: Value, v2: Value): Value => safe.mul(safe.div(v1, v2), 100.0)
  let last: Normalized | undefined
  const sumOf = (group: TimeSeries[]): TimeSeries => {
    const name = `sumSeries(${formatPathExpressions(group)})`
    last = normalize([group])
    const values = mapRows(
      group.map((s) => s.read()),
      (row) => safe.sum(row),
    )
    return new TimeSeries(name, last.start, last.end, last.step, values, { xFilesFactor: factor })
  }
  if (nodes.length > 0) {
    const keys: string[] = []
    const meta = new Map<string, TimeSeries[]>()
    for (const series of seriesList) {
      const key = aggKey(series, nodes)
      if (!meta.has(key)) {
        meta.set(key, [series])
        keys.push(key)
      } else meta.get(key)!.push(series)
    }
    const totals = new Map<string, TimeSeries>()
    if (total === null) {
      for (const key of keys) {
        const group = meta.get(key)!
        totals.set(key, group.length === 1 ? group[0]! : sumOf(group))
      }
    } else if (Array.isArray(total)) {
      const grouped = new Map<string, TimeSeries[]>()
      for (const series of total) {
        const key = aggKey(series, nodes)
        if (!grouped.has(key)) {
          grouped.set(key, [series])
          if (!keys.includes(key)) keys.push(key)
        } else grouped.get(key)!.push(series)
      }
      for (const [key, group] of grouped) totals.set(key, group.length === 1 ? group[0]! : sumOf(group))
    } else {
      throw new FunctionInputError('total must be None or a seriesList')
    }
    const results: TimeSeries[] = []
    for (const key of keys) {
      const members = meta.get(key)
      if (members === undefined) {
        const series2 = totals.get(key)!
        if (last === undefined) throw new FunctionInputError(`no series for '${key}'`)
        const values = series2.read().map(() => null)
        results.push(
          new TimeSeries(`asPercent(MISSING,${series2.name})`, last.start, last.end, last.step, values, {
            xFilesFactor: factor,
          }),
        )
        continue
      }
      for (const series1 of members) {
        const series2 = totals.get(key)
        let name: string
        let values: Value[]
        if (series2 === undefined) {
          name = `asPercent(${series1.name},MISSING)`
          values = series1.read().map(() => null)
        } else {
          name = `asPercent(${series1.name},${series2.name})`
          last = normalize([[series1, series2]])
          values = zipLongest([series1.read(), series2.read()]).map(([a, b]) => pct(a!, b!))
        }
        if (last === undefined) throw new FunctionInputError(`no total for '${key}'`)
        results.push(new TimeSeries(name, last.start, last.end, last.step, values, { xFilesFactor: factor }))
      }
    }
    return results
  }
  let totalValues: Value[] | TimeSeries
  let totalText: string
  if (total === null) {
    totalValues = mapRows(
      seriesList.map((s) => s.read()),
      (row) => safe.sum(row),
    )
    totalText = `sumSeries(${formatPathExpressions(seriesList)})`
  } else if (Array.isArray(total)) {
    if (total.length !== 1 && total.length !== seriesList.length)
      throw new FunctionInputError(
        'asPercent second argument must be missing, a single digit, reference exactly 1 series or reference the same number of series as the first argument',
      )
    totalValues = []
    totalText = ''
    if (total.length === 1) {
      normalize([seriesList, total])
      totalValues = total[0]!
      totalText = totalValues.name
    }
  } else {
    const value = isNum(total) ? total.value : null
    totalValues = new Array<Value>(seriesList[0]!.length).fill(value)
    totalText = pyStr(total)
  }
  const results: TimeSeries[] = []
  if (Array.isArray(total) && total.length === seriesList.length) {
    const a = sortBy([...seriesList], (s) => s.name)
    const b = sortBy([...total], (s) => s.name)
    for (let i = 0; i < a.length; i++) {
      const series1 = a[i]!
      const series2 = b[i]!
      const norm = normalize([[series1, series2]])
      const values = zipLongest([series1.read(), series2.read()]).map(([x, y]) => pct(x!, y!))
      results.push(
        new TimeSeries(
          `asPercent(${series1.name},${series2.name})`,
          norm.start,
          norm.end,
          norm.step,
          values,
          {
            xFilesFactor: factor,
          },
        ),
      )
    }
    return results
  }
  const totals = totalValues instanceof TimeSeries ? totalValues.read() : totalValues
  for (const series of seriesList) {
    const values = zipLongest([series.read(), totals]).map(([x, y]) => pct(x!, y!))
    const name = `asPercent(${series.name},${totalText || series.pathExpression})`
    results.push(
      new TimeSeries(name, series.start, series.end, series.step, values, { xFilesFactor: factor }),
    )
  }
  return results
}
define(
  ['asPercent', 'pct'],
  [S, { name: 'total', type: 'any' }, { name: 'nodes', type: 'nodeOrTag', multiple: true }],
  (ctx, call) => asPercent(ctx, seriesArg(call, 0), call.args[1]?.[0] ?? null, call.args[2] ?? []),
)

function divide(ctx: Context, dividend: TimeSeries, divisor: TimeSeries): TimeSeries {
  const name = `divideSeries(${dividend.name},${divisor.name})`
  const both = [dividend, divisor]
  const step = both.map((s) => s.step).reduce(lcm)
  for (const s of both) s.consolidate(Math.floor(step / s.step))
  const start = Math.min(dividend.start, divisor.start)
  let end = Math.max(dividend.end, divisor.end)
  end -= pyMod(end - start, step)
  const values = zipLongest([dividend.read(), divisor.read()]).map(([a, b]) => safe.div(a!, b!))
  return new TimeSeries(name, start, end, step, values, { xFilesFactor: ctx.xFilesFactor })
}

define('divideSeries', [
  { name: 'dividendSeriesList', type: 'seriesList', required: true },
  { name: 'divisorSeries', type: 'seriesList', required: true },
], (ctx, call) => {
  const dividends = seriesArg(call, 0)
  const divisors = seriesArg(call, 1)
  if (divisors.length === 0) {
    for (const series of dividends) {
      rename(series, `divideSeries(${series.name},MISSING)`)
      series.values.fill(null)
    }
    return dividends
  }
  if (divisors.length > 1)
    throw new FunctionInputError(
      `divideSeries second argument must reference exactly 1 series (got ${divisors.length})`,
    )
  return dividends.map((s) => divide(ctx, s, divisors[0]!))
})

define('divideSeriesLists', [
  { name: 'dividendSeriesList', type: 'seriesList', required: true },
  { name: 'divisorSeriesList', type: 'seriesList', required: true },
], (ctx, call) => {
  const a = seriesArg(call, 0)
  const b = seriesArg(call, 1)
  if (a.length !== b.length)
    throw new FunctionInputError('dividendSeriesList and divisorSeriesList argument must have equal length')
  return a.map((s, i) => divide(ctx, s, b[i]!))
})

function percentile(points: readonly Value[], n: number, interpolate = false): Value {
  const sorted = nonNull(points).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const fractionalRank = (n / 100.0) * (sorted.length + 1)
  let rank = Math.trunc(fractionalRank)
  const rankFraction = fractionalRank - rank
  if (!interpolate) rank += Math.ceil(rankFraction)
  let p: number
  if (rank === 0) p = sorted[0]!
  else if (rank - 1 === sorted.length) p = sorted[sorted.length - 1]!
  else p = sorted[rank - 1]!
  if (interpolate && rank !== sorted.length) p = p + rankFraction * (sorted[rank]! - p)
  return p
}

define('percentileOfSeries', [
  S,
  { name: 'n', type: 'float', required: true },
  { name: 'interpolate', type: 'boolean', default: false },
], (ctx, call) => {
  const list = seriesArg(call, 0)
  const n = numArg(call, 1)!
  if (n <= 0) throw new FunctionInputError('The requested percent is required to be greater than 0')
  if (list.length === 0) return []
  const name = `percentileOfSeries(${list[0]!.pathExpression},${g(n)})`
  const norm = normalize([list])
  const interpolate = boolArg(call, 2, false)
  const values = mapRows(
    list.map((s) => s.read()),
    (row) => percentile(row, n, interpolate),
  )
  return [new TimeSeries(name, norm.start, norm.end, norm.step, values, { xFilesFactor: ctx.xFilesFactor })]
})

function groupByNodes(ctx: Context, list: TimeSeries[], callback: string, nodes: Arg[]): TimeSeries[] {
  const groups = groupBy(list, (series) => aggKey(series, nodes))
  const results: TimeSeries[] = []
  for (const [key, group] of groups) {
    let result: TimeSeries | undefined
    const fn = AGGREGATOR_FUNCS.includes(callback) ? FUNCTIONS.get(callback) : undefined
    if (fn && callback !== 'aggregate') {
      const out = fn.run(ctx, { args: [[group]], rawFirst: undefined, reevaluate: async () => [] })
      result = (out as TimeSeries[])[0]
    } else {
      result = aggregate(ctx, [group], callback)[0]
    }
    if (result === undefined) throw new FunctionInputError(`no series for '${key}'`)
    result.name = key
    results.push(result)
  }
  return results
}
const CALLBACK_OPTIONS = [...AGG_FUNCS, ...AGGREGATOR_FUNCS]
define('groupByNode', [
  S,
  { name: 'nodeNum', type: 'nodeOrTag', required: true },
  { name: 'callback', type: 'aggOrSeriesFunc', default: 'average', options: CALLBACK_OPTIONS },
], (ctx, call) => groupByNodes(ctx, seriesArg(call, 0), strArg(call, 2)!, [call.args[1]![0]!]))
define('groupByNodes', [
  S,
  { name: 'callback', type: 'aggOrSeriesFunc', required: true, options: CALLBACK_OPTIONS },
  { name: 'nodes', type: 'nodeOrTag', multiple: true },
], (ctx, call) => groupByNodes(ctx, seriesArg(call, 0), strArg(call, 1)!, call.args[2] ?? []))

// Alias

define('alias', [S, { name: 'newName', type: 'string', required: true }], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const s of list) s.name = strArg(call, 1)!
  return list
})

define('aliasSub', [
  S,
  { name: 'search', type: 'string', required: true },
  { name: 'replace', type: 'string', required: true },
], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const s of list) s.name = pySub(strArg(call, 1)!, strArg(call, 2)!, s.name)
  return list
})

define('aliasByNode', [S, { name: 'nodes', type: 'nodeOrTag', required: true, multiple: true }], (
  _ctx,
  call,
) => {
  const list = seriesArg(call, 0)
  for (const s of list) s.name = aggKey(s, call.args[1] ?? [])
  return list
})

function substr(list: TimeSeries[], start: number, stop: number): TimeSeries[] {
  for (const series of list) {
    const left = series.name.lastIndexOf('(') + 1
    let right = series.name.indexOf(')')
    if (right < 0) right = series.name.length + 1
    const clean = right > left ? series.name.slice(left, right) : ''
    const parts = clean.split('.')
    const from = start < 0 ? Math.max(0, parts.length + start) : Math.min(start, parts.length)
    let picked: string[]
    if (stop === 0) picked = parts.slice(from)
    else picked = parts.slice(from, stop < 0 ? Math.max(0, parts.length + stop) : stop)
    series.name = picked.join('.').replace(/,.*$/, '')
  }
  return list
}
define('aliasByMetric', [S], (_ctx, call) => substr(seriesArg(call, 0), -1, 0))
define('substr', [
  S,
  { name: 'start', type: 'node', default: { kind: 'int', value: 0 } },
  { name: 'stop', type: 'node', default: { kind: 'int', value: 0 } },
], (_ctx, call) => substr(seriesArg(call, 0), numArg(call, 1) ?? 0, numArg(call, 2) ?? 0))

// Transform

/** graphite-web's _summarizeValues: the buckets' aggregates and the end of the last bucket. */
function summarizeValues(
  series: TimeSeries,
  aggFunc: KnownAgg,
  interval: number,
  newStart: number,
  newEnd: number,
): { values: Value[]; end: number } {
  const timestamps: number[] = []
  for (let t = Math.trunc(series.start); t < Math.trunc(series.end); t += Math.trunc(series.step))
    timestamps.push(t)
  const points = series.readColumn()
  const intervalPoints = interval / series.step
  const count = Math.min(timestamps.length, points.values.length)
  const values: Value[] = []
  // The known values of a bucket, one buffer for all (aggFunc keeps nothing of it).
  const bucket: number[] = []
  let i = 0
  let t = newStart
  while (t < newEnd) {
    let s = i
    let known = 0
    while (i < count && timestamps[i]! < t + interval) {
      if (timestamps[i]! <= t) s = i
      if (timestamps[i]! >= t && points.known[i] === 1) known++
      i++
    }
    if (xff(known, intervalPoints, series.xFilesFactor)) {
      bucket.length = 0
      for (let j = s; j < i; j++) if (points.known[j] === 1) bucket.push(points.values[j]!)
      values.push(aggFunc(bucket, i - s))
    } else values.push(null)
    t += interval
  }
  return { values, end: t }
}

define('summarize', [
  S,
  { name: 'intervalString', type: 'interval', required: true },
  { name: 'func', type: 'aggFunc', default: 'sum' },
  { name: 'alignToFrom', type: 'boolean', default: false },
], (_ctx, call) => {
  const intervalString = strArg(call, 1)!
  const interval = parseTimeOffset(intervalString)
  if (interval <= 0) throw new FunctionInputError(`summarize interval must be positive: '${intervalString}'`)
  const func = strArg(call, 2)!
  const aggFunc = getKnownAgg(func)
  const alignToFrom = boolArg(call, 3, false)
  return seriesArg(call, 0).map((series) => {
    let newStart: number
    let newEnd: number
    if (alignToFrom) {
      newStart = series.start
      newEnd = series.end
    } else {
      newStart = series.start - pyMod(series.start, interval)
      newEnd = series.end - pyMod(series.end, interval) + interval
    }
    const summarized = summarizeValues(series, aggFunc, interval, newStart, newEnd)
    const values = summarized.values
    if (alignToFrom) newEnd = summarized.end
    const name = `summarize(${series.name}, "${intervalString}", "${func}"${alignToFrom ? ', true' : ''})`
    series.tags.summarize = intervalString
    series.tags.summarizeFunction = func
    return series.copy({ name, start: newStart, end: newEnd, step: interval, values })
  })
})

define('transformNull', [
  S,
  { name: 'default', type: 'float', default: { kind: 'int', value: 0 } },
  { name: 'referenceSeries', type: 'seriesList' },
], (_ctx, call) => {
  const fill = numArg(call, 1) ?? 0
  const reference = call.args[2]?.[0]
  const refList = Array.isArray(reference) && reference.length > 0 ? reference : undefined
  const defaults = refList
    ? mapRows(
        refList.map((s) => s.read()),
        (row) => (row.some((v) => v !== null) ? fill : null),
      )
    : undefined
  const list = seriesArg(call, 0)
  for (const series of list) {
    series.tags.transformNull = g(fill)
    rename(series, `transformNull(${series.name},${g(fill)}${refList ? ',referenceSeries' : ''})`)
    if (defaults && defaults.length > 0) {
      const values = zipLongest([series.read(), defaults]).map(([v, dflt]) =>
        v === null ? (dflt ?? null) : (v ?? null),
      )
      series.values = [...series.values, ...values].slice(values.length)
      continue
    }
    // graphite-web's series.extend(values); del series[:len(values)]: with valuesPerPoint > 1 the
    // raw values after the consolidated ones' count come first.
    const read = series.readColumn()
    const raw = series.raw
    const count = read.values.length
    const kept = raw.values.length - count
    const out = emptyColumn(raw.values.length)
    out.values.set(raw.values.subarray(count))
    out.known.set(raw.known.subarray(count))
    for (let i = 0; i < count; i++) {
      out.values[kept + i] = read.known[i] === 1 ? read.values[i]! : fill
      out.known[kept + i] = 1
    }
    series.raw = out
  }
  return list
})

define('keepLastValue', [
  S,
  { name: 'limit', type: 'intOrInf', default: { kind: 'float', value: Infinity } },
], (_ctx, call) => {
  const limit = numArg(call, 1) ?? Infinity
  const list = seriesArg(call, 0)
  for (const series of list) {
    rename(series, `keepLastValue(${series.name})`)
    // Indexes of the consolidated values, written to the raw ones (as graphite-web does).
    const read = series.readColumn()
    const raw = series.raw
    const fill = (from: number, to: number, value: number): void => {
      raw.values.fill(value, from, to)
      raw.known.fill(1, from, to)
    }
    let nones = 0
    let lastVal = 0
    let seen = false
    for (let i = 0; i < read.values.length; i++) {
      if (read.known[i] !== 1) nones++
      else {
        if (nones > 0 && nones <= limit && seen) fill(i - nones, i, lastVal)
        nones = 0
        lastVal = read.values[i]!
        seen = true
      }
    }
    if (nones > 0 && nones <= limit && seen) fill(raw.values.length - nones, raw.values.length, lastVal)
  }
  return list
})

function pointwise(
  names: string | string[],
  extra: Param[],
  name: (series: TimeSeries, call: Call) => string,
  f: (v: Value, series: TimeSeries, call: Call) => Value,
): void {
  define(names, [S, ...extra], (_ctx, call) => {
    const list = seriesArg(call, 0)
    for (const series of list) {
      rename(series, name(series, call))
      mapInPlace(series, (v) => f(v, series, call))
    }
    return list
  })
}

const FACTOR: Param = { name: 'factor', type: 'float', required: true }
pointwise(
  'scale',
  [FACTOR],
  (s, c) => `scale(${s.name},${g(numArg(c, 1)!)})`,
  (v, _s, c) => (v === null ? null : v * numArg(c, 1)!),
)
pointwise(
  'offset',
  [FACTOR],
  (s, c) => `offset(${s.name},${g(numArg(c, 1)!)})`,
  (v, _s, c) => (v === null ? v : v + numArg(c, 1)!),
)
pointwise(
  'absolute',
  [],
  (s) => `absolute(${s.name})`,
  (v) => (v === null ? null : Math.abs(v)),
)
pointwise(
  'scaleToSeconds',
  [{ name: 'seconds', type: 'float', required: true }],
  (s, c) => `scaleToSeconds(${s.name},${d(numArg(c, 1)!)})`,
  (v, s, c) => (v === null ? null : round6(v * (numArg(c, 1)! / s.step))),
)
pointwise(
  'removeAboveValue',
  [{ name: 'n', type: 'float', required: true }],
  (s, c) => `removeAboveValue(${s.name}, ${g(numArg(c, 1)!)})`,
  (v, _s, c) => (v !== null && v > numArg(c, 1)! ? null : v),
)
pointwise(
  'removeBelowValue',
  [{ name: 'n', type: 'float', required: true }],
  (s, c) => `removeBelowValue(${s.name}, ${g(numArg(c, 1)!)})`,
  (v, _s, c) => (v !== null && v < numArg(c, 1)! ? null : v),
)
pointwise(
  'invert',
  [],
  (s) => `invert(${s.name})`,
  (v) => (v === null || v === 0 ? null : 1 / v),
)
pointwise(
  'squareRoot',
  [],
  (s) => `squareRoot(${s.name})`,
  (v) => (v === null || v < 0 ? null : Math.sqrt(v)),
)
pointwise(
  'isNonNull',
  [],
  (s) => `isNonNull(${s.name})`,
  (v) => (v === null ? 0 : 1),
)

define('consolidateBy', [
  S,
  {
    name: 'consolidationFunc',
    type: 'string',
    required: true,
    options: ['average', 'avg', 'avg_zero', 'first', 'last', 'max', 'min', 'sum'],
  },
], (_ctx, call) => {
  const list = seriesArg(call, 0)
  const func = strArg(call, 1)!
  for (const series of list) {
    series.consolidationFunc = func
    series.tags.consolidateBy = func
    rename(series, `consolidateBy(${series.name},"${func}")`)
  }
  return list
})

function deltas(names: string, extra: Param[], compute: (series: TimeSeries, call: Call) => Column): void {
  define(names, [S, ...extra], (_ctx, call) =>
    seriesArg(call, 0).map((series) => {
      const column = compute(series, call)
      series.tags[names] = '1'
      return series.copy({ name: `${names}(${series.name})`, column })
    }),
  )
}

/**
 * graphite-web's _nonNegativeDelta over a series' values: each delta passed to `out` (None after a
 * None, on a reset without maxValue/minValue, and for a value outside them).
 */
function nonNegativeDeltas(
  series: TimeSeries,
  maxValue: number | undefined,
  minValue: number | undefined,
  out: (delta: number) => number,
): Column {
  const { values, known } = series.readColumn()
  const result = emptyColumn(values.length)
  let prev = 0
  let prevKnown = false
  for (let i = 0; i < values.length; i++) {
    const val = values[i]!
    if (known[i] !== 1) {
      prevKnown = false
      continue
    }
    // graphite-web 1.1.8 compares None with maxValue and crashes (a 500); a gap is a gap here.
    if ((maxValue !== undefined && val > maxValue) || (minValue !== undefined && val < minValue)) {
      prevKnown = false
      continue
    }
    let delta: number | undefined
    if (!prevKnown) delta = undefined
    else if (val >= prev) delta = val - prev
    else if (maxValue !== undefined) delta = maxValue + 1 + val - prev - (minValue ?? 0)
    else if (minValue !== undefined) delta = val - minValue
    prev = val
    prevKnown = true
    if (delta !== undefined) {
      result.values[i] = out(delta)
      result.known[i] = 1
    }
  }
  return result
}

const MAX_MIN: Param[] = [
  { name: 'maxValue', type: 'float' },
  { name: 'minValue', type: 'float' },
]
deltas('derivative', [], (series) => {
  const { values, known } = series.readColumn()
  const result = emptyColumn(values.length)
  for (let i = 1; i < values.length; i++)
    if (known[i] === 1 && known[i - 1] === 1) {
      result.values[i] = values[i]! - values[i - 1]!
      result.known[i] = 1
    }
  return result
})
deltas('perSecond', MAX_MIN, (series, call) =>
  nonNegativeDeltas(series, numArg(call, 1), numArg(call, 2), (delta) => round6(delta / series.step)),
)
deltas('nonNegativeDerivative', MAX_MIN, (series, call) =>
  nonNegativeDeltas(series, numArg(call, 1), numArg(call, 2), (delta) => delta),
)
deltas('integral', [], (series) => {
  const { values, known } = series.readColumn()
  const result = emptyColumn(values.length)
  let current = 0.0
  for (let i = 0; i < values.length; i++)
    if (known[i] === 1) {
      current += values[i]!
      result.values[i] = current
      result.known[i] = 1
    }
  return result
})

define('delay', [S, { name: 'steps', type: 'integer', required: true }], (_ctx, call) => {
  const steps = numArg(call, 1)!
  return seriesArg(call, 0).map((series) => {
    const raw = series.values
    const n = raw.length
    let values: Value[]
    if (steps < 0)
      values = [...raw.slice(Math.min(-steps, n)), ...new Array<Value>(Math.min(-steps, n)).fill(null)]
    else {
      const kept = steps === 0 ? [] : raw.slice(0, Math.max(0, n - steps))
      values = [...new Array<Value>(Math.min(steps, n)).fill(null), ...kept]
    }
    series.tags.delay = String(steps)
    return series.copy({ name: `delay(${series.name},${d(steps)})`, values })
  })
})

function movingWindow(func: string, tagName: string): SeriesFunction['run'] {
  return async (ctx, call) => {
    const list = seriesArg(call, 0)
    if (list.length === 0) return []
    const windowArg = call.args[1]![0]!
    const aggFunc = getKnownAgg(func)
    let previewSeconds: number
    const isInterval = typeof windowArg === 'string'
    if (isInterval) previewSeconds = Math.abs(parseTimeOffset(windowArg))
    else if (isNum(windowArg))
      previewSeconds = Math.max(...list.map((s) => s.step)) * Math.trunc(windowArg.value)
    else throw new FunctionInputError('windowSize must be an integer or an interval')
    const preview = await call.reevaluate({ startTime: ctx.startTime - previewSeconds })
    const factorArg = numArg(call, 2)
    return preview.map((series) => {
      const windowPoints = isInterval
        ? Math.floor(previewSeconds / series.step)
        : Math.trunc((windowArg as Num).value)
      const name = isInterval
        ? `${tagName}(${series.name},"${windowArg as string}")`
        : `${tagName}(${series.name},${pyStr(windowArg)})`
      series.tags[tagName] = pyStr(windowArg)
      const effective = factorArg ?? series.xFilesFactor
      if (windowPoints < 0) {
        // JavaScript's slice with a negative start, as Python's (an odd window graphite-web takes).
        const list = series.values
        const values: Value[] = []
        for (let i = windowPoints; i < list.length; i++) {
          const known = nonNull(list.slice(i - windowPoints, i))
          values.push(
            known.length > 0 && xff(known.length, windowPoints, effective)
              ? aggFunc(known, known.length)
              : null,
          )
        }
        return series.copy({ name, start: series.start + previewSeconds, values })
      }
      const raw = series.raw
      const column = emptyColumn(Math.max(0, raw.values.length - windowPoints))
      if (func === 'average' || func === 'sum') {
        // Python's sum of the window's known values, left to right from 0, as knownSum/knownAvg
        // add them (so the same double), without a list per window: a 5-minute average over a day
        // at 10 s is 30 additions for each of 8,640 points.
        const { values, known } = raw
        for (let i = windowPoints; i < values.length; i++) {
          let total = 0
          let count = 0
          for (let j = Math.max(0, i - windowPoints); j < i; j++)
            if (known[j] === 1) {
              total += values[j]!
              count++
            }
          if (!(count > 0 && xff(count, windowPoints, effective))) continue
          column.values[i - windowPoints] = func === 'sum' ? total : total / count
          column.known[i - windowPoints] = 1
        }
        return series.copy({ name, start: series.start + previewSeconds, column })
      }
      // One buffer for every window (aggFunc keeps nothing of it).
      const known: number[] = []
      for (let i = windowPoints; i < raw.values.length; i++) {
        known.length = 0
        for (let j = Math.max(0, i - windowPoints); j < i; j++)
          if (raw.known[j] === 1) known.push(raw.values[j]!)
        if (!(known.length > 0 && xff(known.length, windowPoints, effective))) continue
        const v = aggFunc(known, known.length)
        if (v !== null) {
          column.values[i - windowPoints] = v
          column.known[i - windowPoints] = 1
        }
      }
      return series.copy({ name, start: series.start + previewSeconds, column })
    })
  }
}
const WINDOW: Param[] = [
  { name: 'windowSize', type: 'intOrInterval', required: true },
  { name: 'xFilesFactor', type: 'float' },
]
define('movingAverage', [S, ...WINDOW], movingWindow('average', 'movingAverage'))
define('movingSum', [S, ...WINDOW], movingWindow('sum', 'movingSum'))
define('movingMin', [S, ...WINDOW], movingWindow('min', 'movingMin'))
define('movingMax', [S, ...WINDOW], movingWindow('max', 'movingMax'))
define('movingMedian', [S, ...WINDOW], movingWindow('median', 'movingMedian'))

define('timeShift', [
  S,
  { name: 'timeShift', type: 'interval', required: true },
  { name: 'resetEnd', type: 'boolean', default: true },
  { name: 'alignDst', type: 'boolean', default: false },
], async (ctx, call) => {
  let shift = strArg(call, 1)!
  if (/^[0-9]/.test(shift)) shift = '-' + shift
  const delta = parseTimeOffset(shift)
  const list = seriesArg(call, 0)
  if (list.length < 1) return []
  const first = list[0]!
  const resetEnd = boolArg(call, 2, true)
  const shifted = await call.reevaluate({ startTime: ctx.startTime + delta, endTime: ctx.endTime + delta })
  for (const series of shifted) {
    series.tags.timeShift = shift
    series.name = `timeShift(${series.name}, "${shift}")`
    if (resetEnd) series.end = first.end
    else series.end = series.end - series.start + first.start
    series.start = first.start
  }
  return shifted
})

// Special

function constantLine(ctx: Context, value: number, isInt = false): TimeSeries {
  const text = isInt ? String(value) : formatRepr(value)
  const start = Math.trunc(ctx.startTime)
  const end = Math.trunc(ctx.endTime)
  const step = Math.trunc((end - start) / 2.0)
  const series = new TimeSeries(text, start, end, step, [value, value, value], {
    xFilesFactor: ctx.xFilesFactor,
  })
  series.pathExpression = `constantLine(${text})`
  return series
}
define('constantLine', [{ name: 'value', type: 'float', required: true }], (ctx, call) => [
  constantLine(ctx, numArg(call, 0)!),
])

define('setXFilesFactor', [S, { name: 'xFilesFactor', type: 'float', required: true }], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const s of list) {
    s.xFilesFactor = numArg(call, 1)!
    s.tags.xFilesFactor = formatRepr(numArg(call, 1)!)
  }
  return list
})
FUNCTIONS.set('xFilesFactor', FUNCTIONS.get('setXFilesFactor')!)

// Filter series

const N_FLOAT: Param = { name: 'n', type: 'float', required: true }
const N_INT: Param = { name: 'n', type: 'integer', required: true }
const OPERATORS: Readonly<Record<string, (v: Value, t: number) => boolean>> = {
  '>': (v, t) => v !== null && v > t,
  '<=': (v, t) => v === null || v <= t,
}
for (const [name, func, op] of [
  ['currentAbove', 'last', '>'],
  ['currentBelow', 'last', '<='],
  ['maximumAbove', 'max', '>'],
  ['maximumBelow', 'max', '<='],
  ['minimumAbove', 'min', '>'],
  ['minimumBelow', 'min', '<='],
  ['averageAbove', 'average', '>'],
  ['averageBelow', 'average', '<='],
] as const) {
  define(name, [S, N_FLOAT], (_ctx, call) => {
    const f = getKnownAgg(func)
    const n = numArg(call, 1)!
    return seriesArg(call, 0).filter((s) => OPERATORS[op]!(ofSeries(f, s), n))
  })
}

define('limit', [S, N_INT], (_ctx, call) => {
  const n = numArg(call, 1)!
  return pySliceTo(seriesArg(call, 0), n)
})

function regexFilter(keep: boolean): SeriesFunction['run'] {
  return (_ctx, call) => {
    const pattern = strArg(call, 1)!
    return seriesArg(call, 0).filter((s) => pySearch(pattern, s.name) === keep)
  }
}
define('exclude', [S, { name: 'pattern', type: 'string', required: true }], regexFilter(false))
define('grep', [S, { name: 'pattern', type: 'string', required: true }], regexFilter(true))

for (const [name, func, reverse] of [
  ['highestCurrent', 'current', true],
  ['highestMax', 'max', true],
  ['highestAverage', 'average', true],
  ['lowestCurrent', 'current', false],
  ['lowestAverage', 'average', false],
] as const) {
  define(name, [S, N_INT], (_ctx, call) => {
    const list = sortBy(seriesArg(call, 0), keyed(getKnownAgg(func)), reverse)
    return pySliceTo(list, numArg(call, 1)!)
  })
}
for (const [name, reverse] of [
  ['highest', true],
  ['lowest', false],
] as const) {
  define(
    name,
    [
      S,
      { name: 'n', type: 'integer', default: { kind: 'int', value: 1 } },
      { name: 'func', type: 'aggFunc', default: 'average' },
    ],
    (_ctx, call) => {
      const list = sortBy(seriesArg(call, 0), keyed(getKnownAgg(strArg(call, 2)!)), reverse)
      return pySliceTo(list, numArg(call, 1)!)
    },
  )
}

define('removeEmptySeries', [S, { name: 'xFilesFactor', type: 'float' }], (_ctx, call) =>
  seriesArg(call, 0).filter((s) => xffValues(s.read(), numArg(call, 1) ?? 0)))

define('removeAbovePercentile', [S, N_FLOAT], (_ctx, call) =>
  percentileFilter(call, 'removeAbovePercentile', (v, p) => v > p))
define('removeBelowPercentile', [S, N_FLOAT], (_ctx, call) =>
  percentileFilter(call, 'removeBelowPercentile', (v, p) => v < p))
function percentileFilter(call: Call, name: string, drop: (v: number, p: number) => boolean): TimeSeries[] {
  const n = numArg(call, 1)!
  const list = seriesArg(call, 0)
  for (const s of list) {
    rename(s, `${name}(${s.name}, ${g(n)})`)
    const p = percentile(
      nonNull(s.read()).sort((a, b) => a - b),
      n,
    )
    if (p === null) continue
    mapInPlace(s, (v) => (v !== null && drop(v, p) ? null : v))
  }
  return list
}

// Sorting

define('sortByMaxima', [S], (_ctx, call) => sortBy(seriesArg(call, 0), keyed(knownMax), true))
define('sortByMinima', [S], (_ctx, call) =>
  sortBy(
    seriesArg(call, 0).filter((s) => (ofSeries(knownMax, s) ?? 0) > 0),
    keyed(knownMin),
  ))
define('sortByTotal', [S], (_ctx, call) => sortBy(seriesArg(call, 0), keyed(knownSum), true))
define('sortBy', [
  S,
  { name: 'func', type: 'aggFunc', default: 'average' },
  { name: 'reverse', type: 'boolean', default: false },
], (_ctx, call) => sortBy(seriesArg(call, 0), keyed(getKnownAgg(strArg(call, 1)!)), boolArg(call, 2, false)))
define('sortByName', [
  S,
  { name: 'natural', type: 'boolean', default: false },
  { name: 'reverse', type: 'boolean', default: false },
], (_ctx, call) => {
  const natural = boolArg(call, 1, false)
  const key = natural
    ? (s: TimeSeries) => s.name.replace(/\d+/g, (m) => (m.replace(/^0+/, '') || '0').padStart(10, '0'))
    : (s: TimeSeries) => s.name
  return sortBy(seriesArg(call, 0), key, boolArg(call, 2, false))
})

// Windows re-aligned to a calendar unit on the wall clock of the request's tz (UTC without one:
// carbonkit has no TIME_ZONE; graphite-web's default is UTC too).

/**
 * graphite-web's `datetime(s.year, ..., tzinfo=s.tzinfo)` of the window's start `s` in the request's
 * zone, back `days` days: the wall clock truncated to the unit, read with the offset `s` has (pytz's
 * tzinfo of that instant), not the offset at the aligned time: across a DST change the start is an
 * hour off the zone's midnight, as in graphite-web.
 */
function alignStart(
  s: number,
  tz: string | undefined,
  unit: 'y' | 'mon' | 'd' | 'h' | 'min' | 's',
  days = 0,
): number {
  const offset = zoneOffset(tz, s)
  const t = new Date(Math.floor(s + offset) * 1000)
  const y = t.getUTCFullYear()
  const mo = t.getUTCMonth()
  const day = t.getUTCDate()
  let wall: number
  switch (unit) {
    case 'y':
      wall = Date.UTC(y, 0, 1)
      break
    case 'mon':
      wall = Date.UTC(y, mo, 1)
      break
    case 'd':
      wall = Date.UTC(y, mo, day)
      break
    case 'h':
      wall = Date.UTC(y, mo, day, t.getUTCHours())
      break
    case 'min':
      wall = Date.UTC(y, mo, day, t.getUTCHours(), t.getUTCMinutes())
      break
    case 's':
      wall = t.getTime()
  }
  return wall / 1000 - days * 86400 - offset
}

/** The ISO weekday (Monday 1) of `s` on the wall clock of `tz`. */
function isoWeekday(s: number, tz: string | undefined): number {
  return ((new Date(Math.floor(s + zoneOffset(tz, s)) * 1000).getUTCDay() + 6) % 7) + 1
}

/** graphite-web's getUnitString, as the unit's short name. */
function unitOf(text: string): 's' | 'min' | 'h' | 'd' | 'w' | 'mon' | 'y' {
  for (const unit of ['s', 'min', 'h', 'd', 'w', 'mon', 'y'] as const) if (text.startsWith(unit)) return unit
  throw new FunctionInputError(`Invalid offset unit '${text}'`)
}

define('smartSummarize', [
  S,
  { name: 'intervalString', type: 'interval', required: true },
  { name: 'func', type: 'aggFunc', default: 'sum' },
  { name: 'alignTo', type: 'any' },
], async (ctx, call) => {
  const intervalString = strArg(call, 1)!
  const func = strArg(call, 2)!
  const aggFunc = getKnownAgg(func)
  const interval = parseTimeOffset(intervalString)
  if (interval <= 0)
    throw new FunctionInputError(`smartSummarize interval must be positive: '${intervalString}'`)
  let list = seriesArg(call, 0)
  const alignTo = call.args[3]?.[0]
  if (typeof alignTo === 'string') {
    const unit = unitOf(alignTo)
    const s = ctx.startTime
    let startTime: number
    if (unit === 'w') {
      const isoDay = /[A-Za-z]$/.test(alignTo) ? 1 : Number(alignTo.at(-1))
      let back = isoWeekday(s, ctx.tz) - isoDay
      if (back < 0) back += 7
      startTime = alignStart(s, ctx.tz, 'd', back)
    } else startTime = alignStart(s, ctx.tz, unit)
    list = await call.reevaluate({ startTime })
  }
  return list.map((series) => {
    const { values, end } = summarizeValues(series, aggFunc, interval, series.start, series.end)
    series.tags.smartSummarize = intervalString
    series.tags.smartSummarizeFunction = func
    const name = `smartSummarize(${series.name}, "${intervalString}", "${func}")`
    return series.copy({ name, end, step: interval, values })
  })
})

define('hitcount', [
  S,
  { name: 'intervalString', type: 'interval', required: true },
  { name: 'alignToInterval', type: 'boolean', default: false },
], async (ctx, call) => {
  const intervalString = strArg(call, 1)!
  const interval = Math.trunc(parseTimeOffset(intervalString))
  if (interval <= 0) throw new FunctionInputError(`hitcount interval must be positive: '${intervalString}'`)
  const align = boolArg(call, 2, false)
  let list = seriesArg(call, 0)
  if (align) {
    const s = ctx.startTime
    let startTime = s
    if (interval >= 86400) startTime = alignStart(s, ctx.tz, 'd')
    else if (interval >= 3600) startTime = alignStart(s, ctx.tz, 'h')
    else if (interval >= 60) startTime = alignStart(s, ctx.tz, 'min')
    list = await call.reevaluate({ startTime })
    for (const series of list) {
      const intervalCount = Math.floor((series.end - series.start) / interval)
      series.end = series.start + intervalCount * interval + interval
    }
  }
  return list.map((series) => {
    const step = Math.trunc(series.step)
    const bucketCount = Math.ceil((series.end - series.start) / interval)
    const buckets: number[][] = Array.from({ length: bucketCount }, () => [])
    const newStart = Math.trunc(series.end - bucketCount * interval)
    series.read().forEach((value, i) => {
      if (value === null) return
      const startTime = Math.trunc(series.start + i * step)
      const startBucket = Math.floor((startTime - newStart) / interval)
      const startMod = pyMod(startTime - newStart, interval)
      const endTime = startTime + step
      let endBucket = Math.floor((endTime - newStart) / interval)
      let endMod = pyMod(endTime - newStart, interval)
      if (endBucket >= bucketCount) {
        endBucket = bucketCount - 1
        endMod = interval
      }
      if (startBucket === endBucket) {
        if (startBucket >= 0) buckets[startBucket]!.push(value * (endMod - startMod))
      } else {
        if (startBucket >= 0) buckets[startBucket]!.push(value * (interval - startMod))
        for (let j = startBucket + 1; j < endBucket; j++) if (j >= 0) buckets[j]!.push(value * interval)
        if (endMod > 0) buckets[endBucket]!.push(value * endMod)
      }
    })
    const values = buckets.map((b) => (b.length > 0 ? pySum(b) : null))
    series.tags.hitcount = intervalString
    const name = `hitcount(${series.name}, "${intervalString}"${align ? ', true' : ''})`
    return series.copy({ name, start: newStart, step: interval, values })
  })
})

// Cheap siblings

pointwise(
  'pow',
  [FACTOR],
  (s, c) => `pow(${s.name},${g(numArg(c, 1)!)})`,
  (v, _s, c) => {
    if (v === null) return null
    const r = Math.pow(v, numArg(c, 1)!)
    return Number.isFinite(r) ? r : null
  },
)
pointwise(
  'add',
  [{ name: 'constant', type: 'float', required: true }],
  (s, c) => `add(${s.name},${d(numArg(c, 1)!)})`,
  (v, _s, c) => (v === null ? null : v + numArg(c, 1)!),
)

define('changed', [S], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    rename(series, `changed(${series.name})`)
    let previous: Value = null
    const read = [...series.read()]
    read.forEach((value, i) => {
      let out = 0
      if (previous === null) previous = value
      else if (value !== null && previous !== value) {
        out = 1
        previous = value
      }
      series.values[i] = out
    })
  }
  return list
})

define('cumulative', [S], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    series.consolidationFunc = 'sum'
    series.tags.consolidateBy = 'sum'
    rename(series, `consolidateBy(${series.name},"sum")`)
  }
  return list
})

define('minMax', [S], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    rename(series, `minMax(${series.name})`)
    const read = [...series.read()]
    const lo = safe.min(read) ?? 0.0
    const hi = safe.max(read) ?? 0.0
    read.forEach((val, i) => {
      if (series.values[i] !== null && series.values[i] !== undefined && val !== null)
        series.values[i] = hi - lo === 0 ? 0.0 : (val - lo) / (hi - lo)
    })
  }
  return list
})

define('offsetToZero', [S], (_ctx, call) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    const minimum = safe.min(series.read())
    rename(series, `offsetToZero(${series.name})`)
    mapInPlace(series, (v) => (v === null || minimum === null ? v : v - minimum))
  }
  return list
})

define('unique', [LISTS], (_ctx, call) => {
  const seen = new Set<string>()
  const out: TimeSeries[] = []
  for (const series of seriesLists(call, 0).flat()) {
    if (seen.has(series.name)) continue
    seen.add(series.name)
    out.push(series)
  }
  return out
})

define('nPercentile', [S, N_FLOAT], (_ctx, call) => {
  const n = numArg(call, 1)!
  if (!n) throw new FunctionInputError('The requested percent is required to be greater than 0')
  const results: TimeSeries[] = []
  for (const s of seriesArg(call, 0)) {
    const sorted = nonNull(s.read()).sort((a, b) => a - b)
    if (sorted.length === 0) continue
    const p = percentile(sorted, n)
    if (p === null) continue
    const count = Math.trunc((s.end - s.start) / s.step)
    const copy = s.copy({ values: sorted })
    results.push(
      copy.copy({ name: `nPercentile(${s.name}, ${g(n)})`, values: new Array<Value>(count).fill(p) }),
    )
  }
  return results
})

define('integralByInterval', [S, { name: 'intervalUnit', type: 'interval', required: true }], (ctx, call) => {
  const unit = strArg(call, 1)!
  const duration = Math.trunc(Math.abs(parseTimeOffset(unit)))
  if (duration === 0) throw new FunctionInputError(`integralByInterval interval must not be 0: '${unit}'`)
  const startTime = Math.trunc(ctx.startTime)
  return seriesArg(call, 0).map((series) => {
    let currentTime = series.start
    let current = 0.0
    const values = series.read().map((val) => {
      if (
        Math.floor((currentTime - startTime) / duration) !==
        Math.floor((currentTime - startTime - series.step) / duration)
      )
        current = 0.0
      if (val !== null) current += val
      currentTime += series.step
      return current
    })
    series.tags.integralByInterval = unit
    return series.copy({ name: `integralByInterval(${series.name},'${unit}')`, values })
  })
})

define('interpolate', [S, { name: 'limit', type: 'intOrInf', default: { kind: 'float', value: Infinity } }], (
  _ctx,
  call,
) => {
  const limit = numArg(call, 1) ?? Infinity
  const list = seriesArg(call, 0)
  for (const series of list) {
    rename(series, `interpolate(${series.name})`)
    const read = [...series.read()]
    const raw = series.values
    let nones = 0
    read.forEach((value, i) => {
      raw[i] = value
      if (i === 0) return
      if (value === null) nones++
      else if (nones === 0) return
      else if (raw[i - nones - 1] === null) nones = 0
      else {
        if (nones > 0 && nones <= limit) {
          const before = raw[i - nones - 1]!
          for (let index = i - nones; index < i; index++)
            raw[index] = before + ((index - (i - nones - 1)) * (value - before)) / (nones + 1)
        }
        nones = 0
      }
    })
  }
  return list
})

function aggregateSeriesLists(
  ctx: Context,
  first: TimeSeries[],
  second: TimeSeries[],
  func: string,
  xFilesFactor?: number,
): TimeSeries[] {
  if (first.length !== second.length)
    throw new FunctionInputError('seriesListFirstPos and seriesListSecondPos argument must have equal length')
  const results: TimeSeries[] = []
  for (let i = 0; i < first.length; i++) {
    const a = first[i]!
    const b = second[i]!
    const aggregated = aggregate(ctx, [[a, b]], func, xFilesFactor)
    if (aggregated.length === 0) continue
    const result = aggregated[0]!
    result.name = `${result.name.slice(0, result.name.indexOf('Series('))}Series(${a.name},${b.name})`
    results.push(result)
  }
  return results
}
const FIRST_SECOND: Param[] = [
  { name: 'seriesListFirstPos', type: 'seriesList', required: true },
  { name: 'seriesListSecondPos', type: 'seriesList', required: true },
]
for (const [name, func] of [
  ['sumSeriesLists', 'sum'],
  ['diffSeriesLists', 'diff'],
  ['multiplySeriesLists', 'multiply'],
] as const)
  define(name, FIRST_SECOND, (ctx, call) =>
    aggregateSeriesLists(ctx, seriesArg(call, 0), seriesArg(call, 1), func),
  )
define('aggregateSeriesLists', [
  ...FIRST_SECOND,
  { name: 'func', type: 'aggFunc', required: true },
  { name: 'xFilesFactor', type: 'float' },
], (ctx, call) =>
  aggregateSeriesLists(ctx, seriesArg(call, 0), seriesArg(call, 1), strArg(call, 2)!, numArg(call, 3)))

define('aggregateWithWildcards', [
  S,
  { name: 'func', type: 'aggFunc', required: true },
  { name: 'positions', type: 'node', multiple: true },
], (ctx, call) =>
  aggregateByWildcards(
    ctx,
    seriesArg(call, 0),
    (call.args[2] ?? []).filter(isNum).map((n) => n.value),
    strArg(call, 1)!,
  ))

define('exponentialMovingAverage', [S, { name: 'windowSize', type: 'intOrInterval', required: true }], async (
  ctx,
  call,
) => {
  const list = seriesArg(call, 0)
  if (list.length === 0) return []
  const windowArg = call.args[1]![0]!
  const isInterval = typeof windowArg === 'string'
  let previewSeconds: number
  let constant: number
  if (isInterval) {
    previewSeconds = Math.abs(parseTimeOffset(windowArg))
    constant = 2 / (Math.trunc(previewSeconds) + 1)
  } else if (isNum(windowArg)) {
    previewSeconds = Math.max(...list.map((s) => s.step)) * Math.trunc(windowArg.value)
    constant = 2 / (Math.trunc(windowArg.value) + 1)
  } else throw new FunctionInputError('windowSize must be an integer or an interval')
  const preview = await call.reevaluate({ startTime: ctx.startTime - previewSeconds })
  return preview.map((series) => {
    const windowPoints = isInterval
      ? Math.floor(previewSeconds / series.step)
      : Math.trunc((windowArg as Num).value)
    const name = isInterval
      ? `exponentialMovingAverage(${series.name},"${windowArg as string}")`
      : `exponentialMovingAverage(${series.name},${pyStr(windowArg)})`
    const raw = series.values
    let ema = safe.avg(raw.slice(0, Math.max(0, windowPoints))) || 0
    const values: Value[] = [round6(ema)]
    for (let i = windowPoints; i < raw.length; i++) {
      const v = raw[i]
      if (v !== null && v !== undefined) {
        ema = constant * v + (1 - constant) * ema
        values.push(round6(ema))
      } else values.push(null)
    }
    return series.copy({ name, start: series.start + previewSeconds, values })
  })
})

// ---------------------------------------------------------------------------------------------
// The rest of the cheap siblings (tier 2 of the spec and the tier 3 names that are pure
// transforms): each as graphite-web 1.1.8 writes it, names and None handling included.

/** Python's round(x, n): correctly rounded, ties to even on the exact binary value. */
function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x)) return x
  if (n >= 0) return Number(formatFixed(x, Math.min(n, 100)))
  const scale = 10 ** -n
  const q = x / scale
  const r = Math.round(q)
  // Half to even, as Python's round does for an exact tie.
  const even = Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : r
  return even * scale
}

/** Python's math.exp: OverflowError there (a 500) is null here, as safePow answers an overflow. */
function safeExp(v: number): Value {
  const r = Math.exp(v)
  return Number.isFinite(r) ? r : null
}

function renameWithTag(series: TimeSeries, name: string, tag: string, value: string): void {
  series.tags[tag] = value
  rename(series, name)
}

pointwise(
  'exp',
  [],
  (s) => `exp(${s.name})`,
  (v, s) => {
    s.tags.exp = 'e'
    return v === null ? null : safeExp(v)
  },
)
pointwise(
  'sigmoid',
  [],
  (s) => `sigmoid(${s.name})`,
  (v, s) => {
    s.tags.sigmoid = 'sigmoid'
    if (v === null) return null
    const e = safeExp(-v)
    return e === null ? null : 1 / (1 + e)
  },
)
pointwise(
  'logit',
  [],
  (s) => `logit(${s.name})`,
  (v, s) => {
    s.tags.logit = 'logit'
    if (v === null || v === 1) return null
    const ratio = v / (1 - v)
    return ratio > 0 ? Math.log(ratio) : null
  },
)
define('round', [S, { name: 'precision', type: 'integer' }], (_ctx, call) => {
  const precision = numArg(call, 1)
  const list = seriesArg(call, 0)
  for (const series of list) {
    renameWithTag(
      series,
      precision === undefined ? `round(${series.name})` : `round(${series.name},${g(Math.trunc(precision))})`,
      'round',
      String(precision || 0),
    )
    mapInPlace(series, (v) => (v === null ? null : pyRound(v, precision || 0)))
  }
  return list
})

define('log', [S, { name: 'base', type: 'integer', default: { kind: 'int', value: 10 } }], (_ctx, call) => {
  const baseArg = call.args[1]![0]!
  const base = numArg(call, 1)!
  return seriesArg(call, 0).map((series) => {
    const values = series.read().map((v) => {
      if (v === null || v <= 0) return null
      // Python's math.log(x, base) is log(x) / log(base).
      return Math.log(v) / Math.log(base)
    })
    series.tags.log = pyStr(baseArg)
    return series.copy({ name: `log(${series.name}, ${pyStr(baseArg)})`, values })
  })
})

define('powSeries', [LISTS], (ctx, call) => {
  let norm: Normalized
  try {
    norm = normalize(seriesLists(call, 0))
  } catch (error) {
    if (error instanceof NormalizeEmptyError) return []
    throw error
  }
  const name = `powSeries(${norm.list.map((s) => s.name).join(',')})`
  const values = zipLongest(norm.list.map((s) => s.read())).map((row) => {
    let acc: Value = row[0]!
    for (const element of row.slice(1)) {
      if (acc === null || element === null) acc = null
      else {
        const r = Math.pow(acc, element)
        acc = Number.isFinite(r) ? r : null
      }
    }
    return acc
  })
  return [new TimeSeries(name, norm.start, norm.end, norm.step, values, { xFilesFactor: ctx.xFilesFactor })]
})

define('weightedAverage', [
  { name: 'seriesListAvg', type: 'seriesList', required: true },
  { name: 'seriesListWeight', type: 'seriesList', required: true },
  { name: 'nodes', type: 'nodeOrTag', multiple: true },
], (ctx, call) => {
  const averages = seriesArg(call, 0)
  const weights = seriesArg(call, 1)
  const nodes = call.args[2] ?? []
  if (averages.length !== weights.length)
    throw new FunctionInputError(
      `weightedAverage must receive the same number of series for seriesListAvg and seriesListWeight but received respectively ${averages.length} and ${weights.length}`,
    )
  const sorted = new Map<string, { avg?: TimeSeries; weight?: TimeSeries }>()
  const entry = (key: string) => {
    let e = sorted.get(key)
    if (!e) sorted.set(key, (e = {}))
    return e
  }
  for (let i = 0; i < averages.length; i++) {
    entry(aggKey(averages[i]!, nodes)).avg = averages[i]!
    entry(aggKey(weights[i]!, nodes)).weight = weights[i]!
  }
  const products: TimeSeries[] = []
  for (const { avg, weight } of sorted.values()) {
    if (!avg || !weight) continue
    const values = zipLongest([avg.read(), weight.read()]).map(([a, b]) => safe.mul(a!, b!))
    products.push(
      new TimeSeries(`product(${weight.name},${avg.name})`, avg.start, avg.end, avg.step, values, {
        xFilesFactor: ctx.xFilesFactor,
      }),
    )
  }
  if (products.length === 0) return []
  const sumProducts = aggregate(ctx, [products], 'sum')[0]!
  const sumWeights = aggregate(ctx, [weights], 'sum')[0]!
  const values = zipLongest([sumProducts.read(), sumWeights.read()]).map(([a, b]) => safe.div(a!, b!))
  const paths = (list: TimeSeries[]) => [...new Set(list.map((s) => s.pathExpression))].sort().join(',')
  const name = `weightedAverage(${paths(averages)}, ${paths(weights)}, ${nodes.map(pyStr).join(',')})`
  return [
    new TimeSeries(name, sumProducts.start, sumProducts.end, sumProducts.step, values, {
      xFilesFactor: ctx.xFilesFactor,
    }),
  ]
})

define('mostDeviant', [S, N_INT], (_ctx, call) => {
  const deviants: [number, TimeSeries][] = []
  for (const series of seriesArg(call, 0)) {
    const read = series.read()
    const mean = safe.avg(read)
    if (mean === null) continue
    const squareSum = pySum(nonNull(read).map((v) => (v - mean) ** 2))
    const sigma = safe.div(squareSum, nonNull(read).length)
    if (sigma === null) continue
    deviants.push([sigma, series])
  }
  sortBy(deviants, (d) => d[0], true)
  return pySliceTo(
    deviants.map(([, s]) => s),
    numArg(call, 1)!,
  )
})

const FILTER_OPERATORS: Readonly<Record<string, (v: Value, t: number) => boolean>> = {
  '=': (v, t) => v !== null && v === t,
  '!=': (v, t) => v === null || v !== t,
  '>': (v, t) => v !== null && v > t,
  '>=': (v, t) => v !== null && v >= t,
  '<': (v, t) => v === null || v < t,
  '<=': (v, t) => v === null || v <= t,
}
define('filterSeries', [
  S,
  { name: 'func', type: 'aggFunc', required: true },
  { name: 'operator', type: 'string', required: true, options: ['!=', '<', '<=', '=', '>', '>='] },
  { name: 'threshold', type: 'float', required: true },
], (_ctx, call) => {
  const f = getAggFunc(strArg(call, 1)!)
  const op = FILTER_OPERATORS[strArg(call, 2)!]!
  const threshold = numArg(call, 3)!
  return seriesArg(call, 0).filter((s) => op(f(s.read()), threshold))
})

/** graphite-web's format_units (render/glyph.py) without a step. */
function formatUnits(v: number, system: string, units?: string): [number, string] {
  const systems: Record<string, [string, number][]> = {
    binary: [
      ['Pi', 1024 ** 5],
      ['Ti', 1024 ** 4],
      ['Gi', 1024 ** 3],
      ['Mi', 1024 ** 2],
      ['Ki', 1024],
    ],
    si: [
      ['P', 1000 ** 5],
      ['T', 1000 ** 4],
      ['G', 1000 ** 3],
      ['M', 1000 ** 2],
      ['k', 1000],
    ],
  }
  for (const [prefix, size] of systems[system] ?? []) {
    if (Math.abs(v) >= size) {
      let v2 = v / size
      if (v2 - Math.floor(v2) < 0.00000000001 && v > 1) v2 = Math.floor(v2)
      return [v2, units ? `${prefix}${units}` : prefix]
    }
  }
  if (v - Math.floor(v) < 0.00000000001 && v > 1) v = Math.floor(v)
  return [v, units ?? '']
}

/** Python's `'%-<width>s' % text` (negative width: left-justified) and `'%<width>s'`. */
function pad(text: string, width: number): string {
  return width < 0 ? text.padEnd(-width) : text.padStart(width)
}

define('legendValue', [
  S,
  // graphite-web lists options but only logs a value outside them: an unknown type shows as (?).
  { name: 'valuesTypes', type: 'string', multiple: true },
], (_ctx, call) => {
  const list = seriesArg(call, 0)
  let types = (call.args[1] ?? []).filter((v): v is string => typeof v === 'string')
  let system: string | undefined
  if (types.length > 0 && (types.at(-1) === 'si' || types.at(-1) === 'binary')) {
    system = types.at(-1)
    types = types.slice(0, -1)
  }
  for (const valueType of types) {
    let f: ((s: TimeSeries) => string | Value) | undefined
    try {
      const agg = getAggFunc(valueType)
      f = (s) => agg(s.read())
    } catch {
      f = () => '(?)'
    }
    for (const series of list) {
      const value = f(series)
      if (system === undefined) {
        const text =
          typeof value === 'string'
            ? value
            : value === null
              ? 'None'
              : valueType === 'count'
                ? String(value)
                : formatRepr(value)
        series.name += ` (${valueType}: ${text})`
      } else {
        let formatted = 'None'
        if (typeof value === 'string') formatted = value
        else if (value !== null) {
          const [v, prefix] = formatUnits(value, system)
          formatted = `${formatFixed(v, 2)}${prefix}`
        }
        series.name = `${pad(series.name, -20)}${pad(valueType, -5)}${pad(formatted, -10)}`
      }
    }
  }
  return list
})

define('cactiStyle', [
  S,
  { name: 'system', type: 'string', options: ['si', 'binary'] },
  { name: 'units', type: 'string' },
], (_ctx, call) => {
  const list = seriesArg(call, 0)
  if (list.length === 0) return list
  const system = strArg(call, 1)
  const units = strArg(call, 2)
  const fmt = (x: number): string => {
    if (system) {
      const [v, prefix] = formatUnits(x, system, units)
      return units ? `${formatFixed(v, 2)} ${prefix}` : `${formatFixed(v, 2)}${prefix}`
    }
    return units ? `${formatFixed(x, 2)} ${units}` : formatFixed(x, 2)
  }
  const width = (f: AggFunc) => Math.max(0, ...list.map((s) => fmt(Math.trunc(f(s.read()) || 3)).length)) + 3
  const nameLen = Math.max(0, ...list.map((s) => s.name.length))
  const lastLen = width(safe.last)
  const maxLen = width(safe.max)
  const minLen = width(safe.min)
  for (const series of list) {
    const read = series.read()
    const text = (v: Value) => (v === null ? 'nan' : fmt(v))
    series.name = `${pad(series.name, -nameLen)} Current:${pad(text(safe.last(read)), -lastLen)} Max:${pad(text(safe.max(read)), -maxLen)} Min:${pad(text(safe.min(read)), -minLen)} `
  }
  return list
})

define('stdev', [
  S,
  { name: 'points', type: 'integer', required: true },
  { name: 'windowTolerance', type: 'float', default: { kind: 'float', value: 0.1 } },
], (_ctx, call) => {
  const points = numArg(call, 1)!
  const tolerance = numArg(call, 2)!
  const list = seriesArg(call, 0)
  return list.map((series) => {
    series.tags.stdev = String(points)
    const raw = series.values
    let valid = 0
    let sum = 0
    let squares = 0
    const values = series.read().map((value, index) => {
      const dropped = index < points ? null : (raw[index - points] ?? null)
      if (dropped !== null) {
        valid--
        sum -= dropped
        squares -= dropped ** 2
      }
      if (value !== null) {
        valid++
        sum += value
        squares += value ** 2
      }
      if (valid > 0 && valid / points >= tolerance) {
        const inner = valid * squares - sum ** 2
        return inner < 0 ? null : Math.sqrt(inner) / valid
      }
      return null
    })
    return series.copy({ name: `stdev(${series.name},${d(points)})`, values })
  })
})

define('movingWindow', [
  S,
  { name: 'windowSize', type: 'intOrInterval', required: true },
  { name: 'func', type: 'aggFunc', default: 'average' },
  { name: 'xFilesFactor', type: 'float' },
], (ctx, call) => {
  const func = strArg(call, 2)!
  const tagName = 'moving' + func.charAt(0).toUpperCase() + func.slice(1).toLowerCase()
  return movingWindow(func, tagName)(ctx, { ...call, args: [call.args[0]!, call.args[1]!, call.args[3]!] })
})

define('aggregateLine', [
  S,
  { name: 'func', type: 'aggFunc', default: 'average' },
  { name: 'keepStep', type: 'boolean', default: false },
], (ctx, call) => {
  const f = getAggFunc(strArg(call, 1)!)
  const keepStep = boolArg(call, 2, false)
  return seriesArg(call, 0).map((series) => {
    const value = f(series.read())
    const name = `aggregateLine(${series.name}, ${value === null ? 'None' : g(value)})`
    if (keepStep) return series.copy({ name, values: new Array<Value>(series.length).fill(value) })
    const line = constantLine(ctx, value ?? 0)
    if (value === null) line.values = [null, null, null]
    line.name = name
    line.pathExpression = name
    return line
  })
})

define('averageOutsidePercentile', [S, N_FLOAT], (_ctx, call) => {
  const list = seriesArg(call, 0)
  let n = numArg(call, 1)!
  if (n < 50) n = 100 - n
  const averages = list.map((s) => safe.avg(s.read()))
  const low = percentile(averages, 100 - n)
  const high = percentile(averages, n)
  // Python compares None below every number: `low < None` is a TypeError there (a 500); here a
  // series without values is outside.
  return list.filter((_s, i) => {
    const a = averages[i]!
    return a === null || low === null || high === null || !(low < a && a < high)
  })
})

define('removeBetweenPercentile', [S, N_FLOAT], (_ctx, call) => {
  const list = seriesArg(call, 0)
  let n = numArg(call, 1)!
  if (n < 50) n = 100 - n
  const columns = list.map((s) => s.read())
  const length = columns.length === 0 ? 0 : Math.min(...columns.map((c) => c.length))
  const lows: Value[] = []
  const highs: Value[] = []
  for (let i = 0; i < length; i++) {
    const column = columns.map((c) => c[i]!)
    lows.push(percentile(column, 100 - n))
    highs.push(percentile(column, n))
  }
  // graphite-web compares None with numbers (a TypeError, a 500, on any gap); a None value or
  // a column without values counts as outside here.
  return list.filter((_s, k) =>
    columns[k]!.some((v, i) => {
      const lo = lows[i]
      const hi = highs[i]
      if (lo === undefined || hi === undefined) return false
      return v === null || lo === null || hi === null || !(lo < v && v < hi)
    }),
  )
})

define('fallbackSeries', [S, { name: 'fallback', type: 'seriesList', required: true }], (_ctx, call) => {
  const list = seriesArg(call, 0)
  return list.length > 0 ? list : seriesArg(call, 1)
})

define('identity', [{ name: 'name', type: 'string', required: true }], (ctx, call) => {
  const name = strArg(call, 0)!
  const start = Math.trunc(ctx.startTime)
  const end = Math.trunc(ctx.endTime)
  const values: Value[] = []
  for (let t = start; t < end; t += 60) values.push(t)
  const series = new TimeSeries(name, start, end, 60, values, { xFilesFactor: ctx.xFilesFactor })
  series.pathExpression = `identity("${name}")`
  return [series]
})

/** timeFunction and sinFunction: a value per step from the window's start (UTC wall time). */
function generated(ctx: Context, name: string, step: number, f: (t: number) => number): TimeSeries {
  if (step <= 0) throw new FunctionInputError(`step must be positive: ${step}`)
  const start = Math.trunc(ctx.startTime)
  const end = Math.trunc(ctx.endTime)
  const values: Value[] = []
  for (let t = ctx.startTime; t < ctx.endTime; t += step) values.push(f(Math.floor(t)))
  return new TimeSeries(name, start, end, step, values, { xFilesFactor: ctx.xFilesFactor })
}
define(
  ['time', 'timeFunction'],
  [
    { name: 'name', type: 'string', required: true },
    { name: 'step', type: 'integer', default: { kind: 'int', value: 60 } },
  ],
  (ctx, call) => [generated(ctx, strArg(call, 0)!, numArg(call, 1)!, (t) => t)],
)
define(
  ['sin', 'sinFunction'],
  [
    { name: 'name', type: 'string', required: true },
    { name: 'amplitude', type: 'integer', default: { kind: 'int', value: 1 } },
    { name: 'step', type: 'integer', default: { kind: 'int', value: 60 } },
  ],
  (ctx, call) => [generated(ctx, strArg(call, 0)!, numArg(call, 2)!, (t) => Math.sin(t) * numArg(call, 1)!)],
)

define('threshold', [
  { name: 'value', type: 'float', required: true },
  { name: 'label', type: 'string' },
  { name: 'color', type: 'string' },
], (ctx, call) => {
  const series = constantLine(ctx, numArg(call, 0)!)
  const label = strArg(call, 1)
  if (label) series.name = label
  return [series]
})

// Graph options: the JSON answer has no options, only the names some of them change.
for (const [name, param] of [
  ['alpha', { name: 'alpha', type: 'float', required: true }],
  ['color', { name: 'theColor', type: 'string', required: true }],
  ['lineWidth', { name: 'width', type: 'float', required: true }],
] as const)
  define(name, [S, param], (_ctx, call) => seriesArg(call, 0))
define('dashed', [S, { name: 'dashLength', type: 'integer', default: { kind: 'int', value: 5 } }], (
  _ctx,
  call,
) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    series.tags.dashed = pyStr(call.args[1]![0])
    series.name = `dashed(${series.name}, ${g(numArg(call, 1)!)})`
  }
  return list
})
for (const name of ['secondYAxis', 'drawAsInfinite'])
  define(name, [S], (_ctx, call) => {
    const list = seriesArg(call, 0)
    for (const series of list) {
      series.tags[name] = '1'
      series.name = `${name}(${series.name})`
    }
    return list
  })
define('areaBetween', [S], (_ctx, call) => {
  const list = seriesArg(call, 0)
  if (list.length !== 2)
    throw new InvalidParameterError('areaBetween series argument must reference *exactly* 2 series')
  const [lower, upper] = list as [TimeSeries, TimeSeries]
  upper.tags.areaBetween = '1'
  lower.tags = upper.tags
  lower.name = upper.name = `areaBetween(${upper.pathExpression})`
  return list
})

// stacked keeps one running total per stack name across the request's targets (graphite-web's
// requestContext['totalStack']); every context of a request shares its template map, so the
// totals hang off that.
const STACKS = new WeakMap<object, Map<string, number[]>>()
define('stacked', [S, { name: 'stack', type: 'string' }], (ctx, call) => {
  const stackName = strArg(call, 1) ?? '__DEFAULT__'
  let stacks = STACKS.get(ctx.template)
  if (!stacks) STACKS.set(ctx.template, (stacks = new Map()))
  const total = stacks.get(stackName) ?? []
  const results = seriesArg(call, 0).map((series) => {
    const raw = series.values
    const values = raw.map((v, i) => {
      if (total.length <= i) total.push(0)
      if (v === null) return null
      total[i] = total[i]! + v
      return total[i]!
    })
    if (stackName === '__DEFAULT__') series.tags.stacked = stackName
    return series.copy({
      name: stackName === '__DEFAULT__' ? `stacked(${series.name})` : series.name,
      values,
    })
  })
  stacks.set(stackName, total)
  return results
})

define('aliasByTags', [S, { name: 'tags', type: 'nodeOrTag', required: true, multiple: true }], (
  _ctx,
  call,
) => {
  const list = seriesArg(call, 0)
  for (const s of list) s.name = aggKey(s, call.args[1] ?? [])
  return list
})

// mapSeries answers a list of series lists, which only reduceSeries reads; the groups travel with
// the flat list (rendered as it is, where graphite-web would fail on a list of lists).
const MAPPED = new WeakMap<TimeSeries[], TimeSeries[][]>()
define(
  ['mapSeries', 'map'],
  [S, { name: 'mapNodes', type: 'nodeOrTag', required: true, multiple: true }],
  (_ctx, call) => {
    const groups = groupBy(seriesArg(call, 0), (s) => aggKey(s, call.args[1] ?? []))
    const flat = [...groups.values()].flat()
    MAPPED.set(flat, [...groups.values()])
    return flat
  },
)
define(
  ['reduceSeries', 'reduce'],
  [
    { name: 'seriesLists', type: 'seriesList', required: true },
    { name: 'reduceFunction', type: 'string', required: true },
    { name: 'reduceNode', type: 'node', required: true },
    { name: 'reduceMatchers', type: 'string', required: true, multiple: true },
  ],
  async (ctx, call) => {
    const input = seriesArg(call, 0)
    const lists = MAPPED.get(input) ?? [input]
    const reduceFunction = strArg(call, 1)!
    const reduceNode = numArg(call, 2)!
    const matchers = (call.args[3] ?? []).filter((v): v is string => typeof v === 'string')
    const fn = FUNCTIONS.get(reduceFunction)
    if (fn === undefined)
      throw new InvalidParameterError(`Received request for unknown function: ${reduceFunction}`)
    const meta = new Map<string, (TimeSeries | undefined)[]>()
    for (const list of lists)
      for (const series of list) {
        const nodes = series.name.split('.')
        const at = reduceNode < 0 ? nodes.length + reduceNode : reduceNode
        const node = nodes[at]
        if (node === undefined) throw new FunctionInputError(`no node ${reduceNode} in '${series.name}'`)
        const name = `${nodes.slice(0, at).join('.')}.reduce.${reduceFunction}`
        const i = matchers.indexOf(node)
        if (i < 0) continue
        if (!meta.has(name))
          meta.set(name, new Array<TimeSeries | undefined>(matchers.length).fill(undefined))
        meta.get(name)![i] = series
      }
    const results: TimeSeries[] = []
    for (const [name, members] of meta) {
      // graphite-web passes None for a matcher with no series and crashes; that group answers nothing.
      if (members.some((m) => m === undefined)) continue
      const args = bindArgs(
        reduceFunction,
        fn.params,
        members.map((m) => [m!]),
        new Map(),
      )
      const out = await fn.run(ctx, { args, rawFirst: undefined, reevaluate: async () => [] })
      const first = Array.isArray(out) ? out[0] : undefined
      if (first === undefined) continue
      first.name = name
      results.push(first)
    }
    return results
  },
)

define('timeStack', [
  S,
  { name: 'timeShiftUnit', type: 'interval', default: '1d' },
  { name: 'timeShiftStart', type: 'integer', default: { kind: 'int', value: 0 } },
  { name: 'timeShiftEnd', type: 'integer', default: { kind: 'int', value: 7 } },
], async (ctx, call) => {
  let unit = strArg(call, 1)!
  if (/^[0-9]/.test(unit)) unit = '-' + unit
  const delta = parseTimeOffset(unit)
  const list = seriesArg(call, 0)
  if (list.length < 1) return []
  const first = list[0]!
  const results: TimeSeries[] = []
  const from = numArg(call, 2)!
  const to = numArg(call, 3)!
  if (to - from > 100) throw new InvalidParameterError('timeStack: at most 100 shifts in one call')
  for (let shift = from; shift < to; shift++) {
    const shifted = await call.reevaluate({
      startTime: ctx.startTime + delta * shift,
      endTime: ctx.endTime + delta * shift,
    })
    for (const series of shifted) {
      series.tags.timeShiftUnit = unit
      series.tags.timeShift = String(shift)
      rename(series, `timeShift(${series.name}, ${unit}, ${shift})`)
      series.start = first.start
      series.end = first.end
      results.push(series)
    }
  }
  return results
})

define('useSeriesAbove', [
  S,
  { name: 'value', type: 'float', required: true },
  { name: 'search', type: 'string', required: true },
  { name: 'replace', type: 'string', required: true },
], async (ctx, call) => {
  const value = numArg(call, 1)!
  const names: string[] = []
  for (const series of seriesArg(call, 0)) {
    // Python's max() of a series with None in it compares None (a TypeError); here None is skipped.
    const top = safe.max(series.read())
    if (top !== null && top > value) names.push(pySub(strArg(call, 2)!, strArg(call, 3)!, series.name))
  }
  const out: TimeSeries[] = []
  for (const name of names) out.push(...(await ctx.fetch(name, ctx)))
  return out.filter((s) => s.length > 0)
})

/**
 * Python's `template % value` for one number: %d %i %u, %s %r, %f %F %g %G with flags, width
 * and precision, and %%. Other conversions are refused (a ValueError, a 500, in graphite-web).
 */
function pyPercent(template: string, value: number): string {
  let used = false
  const out = template.replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([diusrfFgG%])/g,
    (_m, flags: string, width: string, precision: string, conv: string) => {
      if (conv === '%') return '%'
      if (used) throw new FunctionInputError('not enough arguments for format string')
      used = true
      let text: string
      if ('diu'.includes(conv)) text = String(Math.trunc(value))
      else if (conv === 's' || conv === 'r') text = formatRepr(value)
      else if (conv === 'f' || conv === 'F')
        text = formatFixed(value, precision === undefined ? 6 : Number(precision))
      else text = formatGeneral(value, precision === undefined ? 6 : Math.max(1, Number(precision)))
      if (conv === 'G' || conv === 'F') text = text.toUpperCase()
      if (flags.includes('+') && value >= 0 && conv !== 's' && conv !== 'r') text = '+' + text
      const w = Number(width || 0)
      if (text.length < w) {
        if (flags.includes('-')) text = text.padEnd(w)
        else if (flags.includes('0') && conv !== 's' && conv !== 'r') {
          const sign = /^[+-]/.test(text) ? text[0]! : ''
          text = sign + text.slice(sign.length).padStart(w - sign.length, '0')
        } else text = text.padStart(w)
      }
      return text
    },
  )
  if (/%/.test(template.replace(/%%/g, '')) && !used)
    throw new FunctionInputError(`unsupported format string '${template}'`)
  if (!used) throw new FunctionInputError('not all arguments converted during string formatting')
  return out
}

function evaluateIn(ctx: Context, target: string): Promise<TimeSeries[]> {
  if (ctx.evaluate === undefined) throw new FunctionInputError('no evaluator for a nested target')
  return ctx.evaluate(target, ctx)
}

define('aliasQuery', [
  S,
  { name: 'search', type: 'string', required: true },
  { name: 'replace', type: 'string', required: true },
  { name: 'newName', type: 'string', required: true },
], async (ctx, call) => {
  const list = seriesArg(call, 0)
  for (const series of list) {
    const query = pySub(strArg(call, 1)!, strArg(call, 2)!, series.name)
    const found = await evaluateIn(ctx, query)
    if (found.length === 0) throw new FunctionInputError(`No series found with query: ${query}`)
    const current = safe.last(found[0]!.read())
    if (current === null) throw new FunctionInputError(`Cannot get last value of series: ${found[0]!.name}`)
    series.name = pyPercent(strArg(call, 3)!, current)
  }
  return list
})

define('applyByNode', [
  S,
  { name: 'nodeNum', type: 'node', required: true },
  { name: 'templateFunction', type: 'string', required: true },
  { name: 'newName', type: 'string' },
], async (ctx, call) => {
  const list = seriesArg(call, 0)
  const nodeNum = numArg(call, 1)!
  const template = strArg(call, 2)!
  const newName = strArg(call, 3)
  const prefixes = new Set<string>()
  for (const series of list) prefixes.add(pySliceTo(series.name.split('.'), nodeNum + 1).join('.'))
  // graphite-web sets every result's window from the last series of the list.
  const last = list.at(-1)
  const results: TimeSeries[] = []
  for (const prefix of [...prefixes].sort()) {
    for (const series of await evaluateIn(ctx, template.replaceAll('%', prefix))) {
      if (newName) series.name = newName.replaceAll('%', prefix)
      series.pathExpression = prefix
      if (last) {
        series.start = last.start
        series.end = last.end
      }
      results.push(series)
    }
  }
  return results
})

// Time-argument functions: graphite-web 1.1.8 parses their dates against the wall clock (and
// timeSlice and linearRegression in its TIME_ZONE); here they read the request's `now` and `tz`,
// as `from` and `until` do (README: Differences).

/**
 * Series named None (verticalLine without a label): named 'None' here, as Python's %s writes None
 * into the names of functions around it, and written as graphite-web writes None (null in JSON, an
 * empty csv field) while nothing renames them.
 */
const NONE_NAMED = new WeakSet<TimeSeries>()

export function isNoneNamed(series: TimeSeries): boolean {
  return series.name === 'None' && NONE_NAMED.has(series)
}

/** A date argument (graphite-web's 'date' param) as epoch seconds in the request's clock and zone. */
function dateArg(ctx: Context, call: Call, i: number, func: string, param: string): number | undefined {
  const v = call.args[i]?.[0]
  if (v === undefined || v === null) return undefined
  // graphite-web strips and parses a string; an unquoted integer means its digits (epoch seconds or
  // YYYYMMDD): graphite-web fails on it (int has no strip), a 500.
  const spec = typeof v === 'string' ? v : isNum(v) && v.kind === 'int' ? String(v.value) : undefined
  if (spec === undefined)
    throw new InvalidParameterError(
      `Invalid "date" value specified for function "${func}" parameter "${param}": ${pyStr(v)}`,
    )
  try {
    return parseATTime(spec, ctx.now, ctx.tz)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new FunctionInputError(error.message)
    throw error
  }
}

/** A required date argument; None is refused as graphite-web's params would refuse a bad value. */
function requiredDate(ctx: Context, call: Call, i: number, func: string, param: string): number {
  const t = dateArg(ctx, call, i, func, param)
  if (t === undefined)
    throw new InvalidParameterError(
      `Invalid "date" value specified for function "${func}" parameter "${param}": None`,
    )
  return t
}

/** The first and second terms of graphite-web's _linearRegressionAnalysis: (factor, offset). */
function linearRegressionAnalysis(series: TimeSeries): [number, number] | undefined {
  const values = series.read()
  let n = 0
  let sumI = 0
  let sumII = 0
  let sumV = 0
  let sumIV = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v === null) continue
    n++
    sumI += i
    sumII += i * i
    sumV += v
    sumIV += i * v
  }
  // Python's ints are exact. ΣI and ΣI² are exact in doubles up to about 300,000 values, but
  // n × ΣI² - (ΣI)² passes 2^53 much sooner: it is computed in BigInt, and so is ΣI² past that.
  let exactSumII = BigInt(sumII)
  if (sumII > Number.MAX_SAFE_INTEGER) {
    exactSumII = 0n
    for (let i = 0; i < values.length; i++) if (values[i] !== null) exactSumII += BigInt(i) * BigInt(i)
  }
  const denominator = Number(BigInt(n) * exactSumII - BigInt(sumI) * BigInt(sumI))
  if (denominator === 0) return undefined
  const [fn, fsumI, fsumII] = [n, sumI, Number(exactSumII)]
  const factor = (fn * sumIV - fsumI * sumV) / denominator / series.step
  const offset = (fsumII * sumV - sumIV * fsumI) / denominator - factor * series.start
  return [factor, offset]
}

define('linearRegression', [
  S,
  { name: 'startSourceAt', type: 'any' },
  { name: 'endSourceAt', type: 'any' },
], async (ctx, call) => {
  const startTime = dateArg(ctx, call, 1, 'linearRegression', 'startSourceAt') ?? ctx.startTime
  const endTime = dateArg(ctx, call, 2, 'linearRegression', 'endSourceAt') ?? ctx.endTime
  // The first argument evaluated again over the source window; its series pair with the given ones
  // by position (Python's zip).
  const sources = await call.reevaluate({ startTime, endTime })
  const list = seriesArg(call, 0)
  const window = `${d(startTime)}, ${d(endTime)}`
  const results: TimeSeries[] = []
  for (let k = 0; k < Math.min(sources.length, list.length); k++) {
    const series = list[k]!
    series.tags.linearRegressions = window
    const forecast = linearRegressionAnalysis(sources[k]!)
    if (forecast === undefined) continue
    const [factor, offset] = forecast
    const values: Value[] = new Array<Value>(series.length)
    for (let i = 0; i < values.length; i++) values[i] = offset + (series.start + i * series.step) * factor
    const name = `linearRegression(${series.name}, ${window})`
    results.push(
      new TimeSeries(name, series.start, series.end, series.step, values, {
        tags: series.tags,
        xFilesFactor: series.xFilesFactor,
      }),
    )
  }
  return results
})

define('timeSlice', [
  S,
  { name: 'startSliceAt', type: 'any', required: true },
  { name: 'endSliceAt', type: 'any', default: 'now' },
], (ctx, call) => {
  const start = requiredDate(ctx, call, 1, 'timeSlice', 'startSliceAt')
  // None for the end means its default, now (graphite-web fails on it).
  const end = dateArg(ctx, call, 2, 'timeSlice', 'endSliceAt') ?? ctx.now
  const list = seriesArg(call, 0)
  for (const series of list) {
    series.tags.timeSliceStart = d(start)
    series.tags.timeSliceEnd = d(end)
    series.name = `timeSlice(${series.name}, ${d(start)}, ${d(end)})`
    // graphite-web counts from the request's start, not the series' first timestamp (a step later).
    let curr = ctx.startTime
    const read = series.read()
    const values = series.values.slice()
    read.forEach((v, i) => {
      if (v === null || curr < start || curr > end) values[i] = null
      curr += series.step
    })
    series.values = values
  }
  return list
})

define('verticalLine', [
  { name: 'ts', type: 'any', required: true },
  { name: 'label', type: 'string' },
  { name: 'color', type: 'string' },
], (ctx, call) => {
  const ts = Math.trunc(requiredDate(ctx, call, 0, 'verticalLine', 'ts'))
  const start = Math.trunc(ctx.startTime)
  const end = Math.trunc(ctx.endTime)
  if (ts < start) throw new FunctionInputError(`verticalLine(): timestamp ${ts} exists before start of range`)
  if (ts > end) throw new FunctionInputError(`verticalLine(): timestamp ${ts} exists after end of range`)
  const label = call.args[1]?.[0]
  const series = new TimeSeries(pyStr(label), ts, ts, 1, [1, 1], { xFilesFactor: ctx.xFilesFactor })
  if (label === undefined || label === null) NONE_NAMED.add(series)
  return [series]
})
