// Python's str() and json.dumps() of whisper-info's dict, so `wsp info --json` and `wsp info f field`
// print what whisper-info prints. Float-typed fields are named: JavaScript cannot tell 1.0 from 1.

import { formatRepr } from '../../../core/py-format.js'

type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value }

const FLOAT_KEYS = new Set(['xFilesFactor'])

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

/** Python's `json.dumps(value, indent=2, separators=(',', ': '))`. */
export function pythonJson(value: Value, indent = 2, key?: string, depth = 0): string {
  const pad = ' '.repeat(indent * (depth + 1))
  const end = ' '.repeat(indent * depth)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => pad + pythonJson(v, indent, key, depth + 1)).join(',\n')}\n${end}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>)
    if (entries.length === 0) return '{}'
    return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonJson(v, indent, k, depth + 1)}`).join(',\n')}\n${end}}`
  }
  return scalar(key, value as string | number | boolean | null, true)
}
