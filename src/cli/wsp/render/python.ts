// Python's str() and json.dumps() of whisper-info's dict, so `wsp info --json` and `wsp info f field`
// print what whisper-info prints. Float-typed fields are named: JavaScript cannot tell 1.0 from 1.

import { formatRepr } from '../../../core/python/format.js'

type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value }

const FLOAT_KEYS = new Set(['xFilesFactor', 'value_a', 'value_b'])

function scalar(key: string | undefined, value: string | number | boolean | null, json: boolean): string {
  if (value === null) return json ? 'null' : 'None'
  if (typeof value === 'boolean') return json ? String(value) : value ? 'True' : 'False'
  if (typeof value === 'number') {
    if (key !== undefined && FLOAT_KEYS.has(key)) {
      const text = formatRepr(value)
      if (!json) return text
      return text === 'nan' ? 'NaN' : text === 'inf' ? 'Infinity' : text === '-inf' ? '-Infinity' : text
    }
    return String(value)
  }
  return json ? JSON.stringify(value) : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/** Python's `str(value)` for dicts, lists and scalars. */
export function pythonRepr(value: Value, key?: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v, key)).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>)
    return `{${entries.map(([k, v]) => `'${k}': ${pythonRepr(v, k)}`).join(', ')}}`
  }
  return scalar(key, value as string | number | boolean | null, false)
}

export interface PythonJsonOptions {
  /** json.dumps's key separator: ': ' (whisper-info) or ' : ' (whisper-diff). */
  colon?: string
  /** sort_keys=True. */
  sortKeys?: boolean
}

/**
 * Python's `json.dumps(value, indent=2, separators=(',', colon), sort_keys=...)`, with NaN and
 * infinities written as null so that the document stays valid JSON.
 */
export function pythonJson(value: Value, options: PythonJsonOptions = {}, key?: string, depth = 0): string {
  const indent = 2
  const colon = options.colon ?? ': '
  const pad = ' '.repeat(indent * (depth + 1))
  const end = ' '.repeat(indent * depth)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => pad + pythonJson(v, options, key, depth + 1)).join(',\n')}\n${end}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>)
    if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    if (entries.length === 0) return '{}'
    return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}${colon}${pythonJson(v, options, k, depth + 1)}`).join(',\n')}\n${end}}`
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null'
  return scalar(key, value as string | number | boolean | null, true)
}
