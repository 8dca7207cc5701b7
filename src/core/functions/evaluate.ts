// graphite-web's evaluator (render/evaluator.py): a target's tree evaluated against a request
// context. Path expressions are fetched through the caller's `fetch` (carbon serve's /render path:
// the index's glob, whisper's window, the cache merged in), functions are looked up in the library
// and called with their arguments checked as graphite-web's params would check them. Functions
// that need another window (moving*, timeShift) evaluate their first argument again with a changed
// context, as graphite-web does with requestContext['args'][0].

import { FunctionInputError, InvalidParameterError, NormalizeEmptyError } from './errors.js'
import type { Node } from './grammar.js'
import { parseTarget } from './grammar.js'
import { FUNCTIONS } from './library.js'
import type { Call, Context } from './library.js'
import type { Arg } from './params.js'
import { bindArgs } from './params.js'
import type { TimeSeries } from './series.js'

export type { Context } from './library.js'

async function evaluateNode(ctx: Context, node: Node, replacements?: Map<string, Arg>): Promise<Arg> {
  switch (node.kind) {
    case 'int':
    case 'float':
      return { kind: node.kind, value: node.value }
    case 'string':
      return node.value
    case 'bool':
      return node.value
    case 'none':
      return null
    case 'inf':
      return { kind: 'float', value: Infinity }
    case 'template': {
      const values = new Map<string, Arg>()
      for (const [name, arg] of node.kwargs) values.set(name, await evaluateNode(ctx, arg))
      node.args.forEach((arg, i) => values.set(String(i + 1), literalValue(arg)))
      for (const [name, value] of ctx.template) values.set(name, value)
      return evaluateNode(ctx, node.inner, values)
    }
    case 'path': {
      let expression = node.text
      if (replacements) {
        for (const [name, value] of replacements) {
          if (expression === '$' + name) {
            if (typeof value !== 'string') return value
            if (/^-?[\d.]+$/.test(value)) return { kind: 'float', value: Number(value) }
            return value
          }
          expression = expression.replaceAll('$' + name, argText(value))
        }
      }
      return ctx.fetch(expression, ctx)
    }
    case 'call': {
      if (node.name === 'template')
        throw new InvalidParameterError(
          'invalid template() syntax, only string/numeric arguments are allowed',
        )
      // No tag database: a tag query finds nothing, as graphite-web's DummyTagDB finds nothing.
      if (node.name === 'seriesByTag') return []
      const fn = FUNCTIONS.get(node.name)
      if (fn === undefined)
        throw new InvalidParameterError(`Received request for unknown function: ${node.name}`)
      const args: Arg[] = []
      for (const arg of node.args) args.push(await evaluateNode(ctx, arg, replacements))
      const kwargs = new Map<string, Arg>()
      for (const [name, arg] of node.kwargs) kwargs.set(name, await evaluateNode(ctx, arg, replacements))
      const bound = bindArgs(node.name, fn.params, args, kwargs)
      const call: Call = {
        args: bound,
        rawFirst: node.args[0],
        reevaluate: async (changes) => {
          const first = node.args[0]
          if (first === undefined) return []
          const result = await evaluateNode({ ...ctx, ...changes }, first, replacements)
          return Array.isArray(result) ? result : []
        },
      }
      try {
        return await fn.run(ctx, call)
      } catch (error) {
        // graphite-web: NormalizeEmptyResultError gives []; an InputParameterError is logged, then
        // the call falls through to evaluateScalarTokens, which refuses the call: the request is
        // answered 400 ("Invalid parameters (unknown token in target evaluator)").
        if (error instanceof NormalizeEmptyError) return []
        if (error instanceof FunctionInputError)
          throw new InvalidParameterError(`Invalid parameters for function "${node.name}": ${error.message}`)
        throw error
      }
    }
  }
}

function literalValue(node: Node): Arg {
  if (node.kind === 'int' || node.kind === 'float') return { kind: node.kind, value: node.value }
  if (node.kind === 'string') return node.value
  return null
}

/** Python's str() of a template value. */
function argText(value: Arg): string {
  if (value === null) return 'None'
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return '[...]'
  return value.kind === 'int' ? String(value.value) : pyFloatText(value.value)
}

function pyFloatText(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`
  return String(x)
}

/** One target of a request: its series, in graphite-web's order. */
export async function evaluateTarget(ctx: Context, target: string): Promise<TimeSeries[]> {
  if (target.trim() === '') return []
  // Functions that evaluate a target of their own (aliasQuery, applyByNode) do it through this.
  ctx = { ...ctx, evaluate: (t, c) => evaluateTarget(c, t) }
  const result = await evaluateNode(ctx, parseTarget(target))
  if (Array.isArray(result)) return result
  return []
}
