// graphite-web's parameter checks (functions/params.py): each function declares its parameters
// with a type; arguments are matched by position then by keyword, and converted as graphite-web
// converts them (an integer given for a float parameter becomes a float, which shows in names:
// constantLine(100) is named 100.0). graphite-web only logs a failed check (ENFORCE_INPUT_VALIDATION
// is off) and may then answer 500; carbonkit answers 400 with graphite-web's message.

import { InvalidParameterError } from './errors.js'
import { parseTimeOffset } from './attime.js'
import type { TimeSeries } from './series.js'

/** An evaluated argument: a series list, a string, a boolean, None, or a number that knows whether it was an int. */
export type Arg = TimeSeries[] | string | boolean | null | Num
export interface Num {
  kind: 'int' | 'float'
  value: number
}

export type ParamType =
  | 'seriesList'
  | 'string'
  | 'float'
  | 'integer'
  | 'intOrInf'
  | 'intOrInterval'
  | 'interval'
  | 'node'
  | 'nodeOrTag'
  | 'boolean'
  | 'aggFunc'
  | 'aggOrSeriesFunc'
  | 'any'

export interface Param {
  name: string
  type: ParamType
  required?: boolean
  multiple?: boolean
  /** The value when not given. */
  default?: Arg
  options?: readonly string[]
}

export const AGG_FUNCS = [
  'average',
  'avg_zero',
  'median',
  'sum',
  'min',
  'max',
  'diff',
  'stddev',
  'count',
  'range',
  'multiply',
  'last',
  'rangeOf',
  'avg',
  'total',
  'current',
] as const

/** Series functions that graphite-web marks as aggregators (usable as a groupByNode callback). */
export const AGGREGATOR_FUNCS = [
  'sumSeries',
  'sum',
  'averageSeries',
  'avg',
  'maxSeries',
  'minSeries',
  'diffSeries',
  'asPercent',
  'pct',
  'countSeries',
  'multiplySeries',
  'stddevSeries',
  'rangeOfSeries',
  'aggregate',
]

function pyRepr(value: Arg): string {
  if (value === null) return 'None'
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return '[...]'
  if (value.kind === 'int') return String(value.value)
  if (!Number.isFinite(value.value)) return value.value > 0 ? 'inf' : value.value < 0 ? '-inf' : 'nan'
  return Number.isInteger(value.value) && Math.abs(value.value) < 1e16
    ? `${value.value}.0`
    : String(value.value)
}

function isNum(value: Arg): value is Num {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function convert(type: ParamType, value: Arg): Arg {
  switch (type) {
    case 'seriesList':
      if (!Array.isArray(value)) throw new Error('not a series list')
      return value
    case 'float':
      if (isNum(value)) return { kind: 'float', value: value.value }
      if (typeof value === 'boolean') return { kind: 'float', value: value ? 1 : 0 }
      if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value))
        return { kind: 'float', value: Number(value) }
      throw new Error('not a float')
    case 'integer':
    case 'node':
      if (isNum(value) && value.kind === 'int') return value
      if (typeof value === 'boolean') return { kind: 'int', value: value ? 1 : 0 }
      if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value))
        return { kind: 'int', value: Number(value) }
      throw new Error('not an integer')
    case 'intOrInf':
      if (isNum(value) && (value.kind === 'int' || value.value === Infinity)) return value
      throw new Error('not an integer nor inf')
    case 'interval':
      if (typeof value !== 'string') throw new Error('not an interval')
      parseTimeOffset(value)
      return value
    case 'boolean':
      if (typeof value === 'string') {
        if (value.toLowerCase() === 'true') return true
        if (value.toLowerCase() === 'false') return false
        throw new Error('not a boolean')
      }
      if (isNum(value)) {
        if (value.value === 0) return false
        if (value.value === 1) return true
        throw new Error('not a boolean')
      }
      return Boolean(value) && !(Array.isArray(value) && value.length === 0)
    case 'aggFunc':
      if (
        typeof value === 'string' &&
        (AGG_FUNCS as readonly string[]).includes(value.replace(/Series$/, ''))
      )
        return value
      throw new Error('not an aggregation function')
    default:
      return value
  }
}

/**
 * The arguments of a call in the order of `params`; a multiple parameter collects the rest as an
 * array. A parameter not given is its default (or null).
 * @throws InvalidParameterError with graphite-web's message
 */
export function bindArgs(
  func: string,
  params: readonly Param[],
  args: Arg[],
  kwargs: Map<string, Arg>,
): Arg[][] {
  const last = params[params.length - 1]
  if (args.length + kwargs.size > params.length && !last?.multiple)
    throw new InvalidParameterError(`Too many parameters specified for function "${func}"`)
  const out: Arg[][] = params.map(() => [])
  const check = (param: Param, value: Arg): Arg => {
    if (value === null && !param.required) return value
    if (param.options && !param.options.includes(value as string))
      throw new InvalidParameterError(
        `Invalid option specified for function "${func}" parameter "${param.name}": ${pyRepr(value)}`,
      )
    try {
      return convert(param.type, value)
    } catch {
      throw new InvalidParameterError(
        `Invalid "${param.type}" value specified for function "${func}" parameter "${param.name}": ${pyRepr(value)}`,
      )
    }
  }
  args.forEach((value, i) => {
    const at = Math.min(i, params.length - 1)
    if (at < 0) throw new InvalidParameterError(`Too many parameters specified for function "${func}"`)
    out[at]!.push(check(params[at]!, value))
  })
  for (let i = args.length; i < params.length; i++) {
    const param = params[i]!
    const value = kwargs.get(param.name) ?? null
    if (value === null) {
      if (param.required)
        throw new InvalidParameterError(`Missing required parameter "${param.name}" for function "${func}"`)
      continue
    }
    out[i]!.push(check(param, value))
  }
  const unexpected = [...kwargs.keys()].filter((k) => !params.slice(args.length).some((p) => p.name === k))
  if (unexpected.length > 0)
    throw new InvalidParameterError(`Unexpected key word arguments: ${unexpected.join(', ')}`)
  return out.map((values, i) =>
    values.length === 0 && params[i]!.default !== undefined ? [params[i]!.default!] : values,
  )
}
