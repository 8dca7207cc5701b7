// Parsers for option values, shared by commands. A bad value becomes commander's usage error (exit 2).

import { InvalidArgumentError } from 'commander'
import { parsePythonFloat } from '../../core/python/parse.js'
import { unitByPrefix } from '../../core/format/duration.js'

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

/**
 * A duration in seconds: a number (seconds) or a number and one of whisper's units (`60s`, `1m`,
 * `5min`, `1h`, `1d`). Zero is refused.
 */
export function parseDurationOption(text: string): number {
  const match = /^\s*([0-9]+)\s*([a-z]*)\s*$/.exec(text.toLowerCase())
  if (match) {
    let multiplier = 1
    if (match[2]) {
      const unit = unitByPrefix(match[2])
      if (unit === undefined) {
        throw new InvalidArgumentError(`unknown unit '${match[2]}' in '${text}' (use s, min, h, d, w or y)`)
      }
      multiplier = unit.seconds
    }
    const seconds = Number(match[1]) * multiplier
    if (seconds > 0) return seconds
  }
  throw new InvalidArgumentError(`not a duration: '${text}' (e.g. 10s, 1m, 1h)`)
}

/** A TCP/UDP port, 1 to 65535. */
export function parsePortOption(text: string): number {
  const port = parseCountOption(text)
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`not a port number (1-65535): '${text}'`)
  return port
}

/** A positive number of seconds (Python float syntax), returned in milliseconds. */
export function parseSecondsToMs(text: string): number {
  const seconds = parsePythonFloat(text)
  if (seconds === undefined || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new InvalidArgumentError(`not a positive number of seconds: '${text}'`)
  }
  return Math.round(seconds * 1000)
}
