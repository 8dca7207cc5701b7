// Python's float() and int() of a string, which whisper's scripts and carbon's receivers use to read
// numbers: surrounding whitespace, `_` between digits, `inf`/`infinity`/`nan` in any case. Pure.

const FLOAT =
  /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/
const INTEGER = /^[+-]?[0-9](?:_?[0-9])*$/
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i

/** Python's `float(text)`, or undefined where Python raises ValueError. */
export function parsePythonFloat(text: string): number | undefined {
  const t = text.trim()
  if (FLOAT.test(t)) return Number(t.includes('_') ? t.replaceAll('_', '') : t)
  const special = SPECIAL.exec(t)
  if (!special) return undefined
  if (special[2]!.toLowerCase() === 'nan') return NaN
  return special[1] === '-' ? -Infinity : Infinity
}

/** Python's `int(text)` (base 10), or undefined where Python raises ValueError. */
export function parsePythonInt(text: string): number | undefined {
  const t = text.trim()
  if (!INTEGER.test(t)) return undefined
  const n = Number(t.includes('_') ? t.replaceAll('_', '') : t)
  return Object.is(n, -0) ? 0 : n
}
