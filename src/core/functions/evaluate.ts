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

/** Functions that read only the names, windows and lengths of the series their paths name. */
const LENGTHS_ONLY: ReadonlySet<string> = new Set(['countSeries'])

async function evaluateNode(
  ctx: Context,
  node: Node,
  replacements?: Map<string, Arg>,
  lengthsOnly = false,
): Promise<Arg> {
  switch (node.kind) {
    case 'template': {
      const kwargs = new Map<string, Arg>()
      for (const [name, arg] of node.kwargs)
        kwargs.set(name, scalarValue(arg) ?? (await evaluateNode(ctx, arg)))
      return evaluateNode(ctx, node.inner, templateValues(node, kwargs, ctx.template))
    }
    case 'path': {
      const path = substitutePath(node.text, replacements)
      if (typeof path !== 'string') return path.value
      return lengthsOnly ? ctx.fetch(path, ctx, { lengthsOnly }) : ctx.fetch(path, ctx)
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
      // countSeries(a.*) counts the series of a.*: their files' values are not read (a count of a
      // thousand series would otherwise read a thousand files of values it never looks at).
      const counted = LENGTHS_ONLY.has(node.name)
      for (const arg of node.args) args.push(await evaluateNode(ctx, arg, replacements, counted))
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
    default:
      return literalValue(node)
  }
}

type Literal = Exclude<Node, { kind: 'template' | 'path' | 'call' }>

/** A literal's value. */
function literalValue(node: Literal): Arg {
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
  }
}

/** A literal argument's value as evaluateNode gives it; undefined for paths, calls and templates. */
function scalarValue(node: Node): Arg | undefined {
  return node.kind === 'template' || node.kind === 'path' || node.kind === 'call'
    ? undefined
    : literalValue(node)
}

/** A template's values: its keyword arguments, its positional ones as $1.., the request's template[]. */
function templateValues(
  node: Extract<Node, { kind: 'template' }>,
  kwargs: Map<string, Arg>,
  request: Map<string, Arg>,
): Map<string, Arg> {
  const values = new Map(kwargs)
  // Only numbers and strings are $1, $2.. (graphite-web's grammar takes nothing else there).
  node.args.forEach((arg, i) =>
    values.set(String(i + 1), arg.kind === 'bool' || arg.kind === 'inf' ? null : (scalarValue(arg) ?? null)),
  )
  for (const [name, value] of request) values.set(name, value)
  return values
}

/**
 * A path expression with a template's values put in; the value itself when the path is exactly
 * `$name` (a template's number or string used as an argument, not fetched).
 */
function substitutePath(text: string, replacements?: Map<string, Arg>): string | { value: Arg } {
  let expression = text
  if (replacements) {
    for (const [name, value] of replacements) {
      if (expression === '$' + name) {
        if (typeof value !== 'string') return { value }
        if (/^-?[\d.]+$/.test(value)) return { value: { kind: 'float', value: Number(value) } }
        return { value }
      }
      expression = expression.replaceAll('$' + name, argText(value))
    }
  }
  return expression
}

/**
 * Every path expression the targets fetch, templates filled in (graphite-web's
 * extractPathExpressions): what the caller expands before the evaluation asks for it. A template's
 * argument that is itself a series list counts as an empty one here.
 * @throws ExpressionError for a target that does not parse
 */
export function pathExpressions(targets: readonly string[], template: Map<string, Arg>): string[] {
  const found = new Set<string>()
  const walk = (node: Node, replacements?: Map<string, Arg>): void => {
    switch (node.kind) {
      case 'path': {
        const path = substitutePath(node.text, replacements)
        if (typeof path === 'string') found.add(path)
        return
      }
      case 'template': {
        const kwargs = new Map<string, Arg>()
        for (const [name, arg] of node.kwargs) {
          walk(arg)
          kwargs.set(name, scalarValue(arg) ?? [])
        }
        walk(node.inner, templateValues(node, kwargs, template))
        return
      }
      case 'call':
        if (node.name === 'seriesByTag') return
        for (const arg of node.args) walk(arg, replacements)
        for (const [, arg] of node.kwargs) walk(arg, replacements)
        return
      default:
        return
    }
  }
  for (const target of targets) if (target.trim() !== '') walk(parseTarget(target))
  return [...found]
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
