// Parsers for option values, shared by commands. A bad value becomes commander's usage error (exit 2).

import { InvalidArgumentError } from 'commander'
import { parsePythonFloat } from '../../core/py-parse.js'

/** A float as Python's float() reads it (whisper's scripts take `--xFilesFactor` this way). */
export function parseFloatOption(text: string): number {
  const value = parsePythonFloat(text)
  if (value === undefined) throw new InvalidArgumentError(`invalid floating-point value: '${text}'`)
  return value
}

/** A non-negative integer (ports, counts). */
export function parseCountOption(text: string): number {
  if (!/^[0-9]+$/.test(text.trim())) throw new InvalidArgumentError(`not a non-negative integer: '${text}'`)
  return Number(text)
}

/** One of a fixed set of words. */
export function choice<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`must be one of ${choices.join(', ')}`)
    }
    return text as T
  }
}
