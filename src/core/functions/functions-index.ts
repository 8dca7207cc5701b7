// /functions and /functions/<name>: the index Grafana's query editor reads (its function list,
// each function's parameters and docs). graphite-web 1.1.8 answers both 500 on Python 3.11
// (functionInfo calls inspect.getargspec); carbon serve answers what graphite-web means to: its
// functionInfo, from catalog.ts (generated from graphite-web), for the functions this engine
// implements, so that Grafana never offers a function that would then be refused.

import { CATALOG } from './catalog.js'
import type { FunctionInfo } from './function-info.js'
import { FUNCTIONS } from './library.js'

/** Functions the engine evaluates that graphite-web's evaluator treats itself (not in FUNCTIONS). */
const EVALUATOR_FUNCTIONS = ['seriesByTag']

/** The names carbon serve lists: graphite-web's functions that the engine implements. */
export function implementedFunctions(): string[] {
  return Object.keys(CATALOG).filter((name) => FUNCTIONS.has(name) || EVALUATOR_FUNCTIONS.includes(name))
}

export interface FunctionListOptions {
  /** `grouped=1|true`: {group: {name: info}}. */
  grouped?: boolean
  /** `group=<name>`: only that group's functions. */
  group?: string
  /** `type=pie`: graphite-web's pie functions, which carbon serve (no PNG renderer) has none of. */
  pie?: boolean
  /** `pretty=1`: indented by 2, keys sorted (graphite-web's jsonResponse). */
  pretty?: boolean
}

/** graphite-web's JSON: json.dumps with its spacing, infinities as 1e9999. */
function dumps(value: unknown, pretty: boolean): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted)
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      )
    return v
  }
  // A marker no docstring holds, written out as graphite-web's encoder means infinities.
  const INF = '__carbonkit_infinity__'
  const text = JSON.stringify(
    pretty ? sorted(value) : value,
    (_k, v: unknown) => (v === Infinity ? INF : v === -Infinity ? '-' + INF : v),
    pretty ? 2 : undefined,
  )
  return text.replaceAll(`"-${INF}"`, '-1e9999').replaceAll(`"${INF}"`, '1e9999')
}

/** The body of GET /functions. */
export function functionList(options: FunctionListOptions = {}): string {
  const result: Record<string, unknown> = {}
  if (!options.pie) {
    for (const name of implementedFunctions()) {
      const info = CATALOG[name]!
      if (options.group !== undefined && options.group !== info.group) continue
      if (options.grouped) {
        const group = (result[info.group] ??= {}) as Record<string, FunctionInfo>
        group[name] = info
      } else result[name] = info
    }
  }
  return dumps(result, options.pretty ?? false)
}

/** The body of GET /functions/<name>, or undefined when carbon serve does not implement it. */
export function functionDetails(name: string, options: { pretty?: boolean } = {}): string | undefined {
  if (!implementedFunctions().includes(name)) return undefined
  return dumps(CATALOG[name], options.pretty ?? false)
}
