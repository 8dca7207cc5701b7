// What Grafana's Graphite datasource asks besides /render and /metrics/find: the function index
// (/functions, /functions/<name>) and the tag endpoints. carbon serve has no tag database, so the
// tag endpoints answer as graphite-web 1.1.8 answers with an empty one: nothing found, after the
// same checks of the request (a missing tag or expression, a malformed tag spec, a spec list
// that would match every series), each refused 400 with graphite-web's {"error": ...} body.

import { functionDetails, functionList } from '../functions/functions-index.js'
import { compilePythonRegex } from '../python/regex.js'
import { pySearch } from '../functions/regex.js'
import type { Answer } from './api.js'
import { CONTENT_TYPES } from './formats.js'
import type { ParsedRequest } from './request.js'

const json = (body: string, status = 200): Answer => ({ status, contentType: CONTENT_TYPES.json, body })
const jsonError = (message: string, status = 400): Answer => json(JSON.stringify({ error: message }), status)

/** Django's `QueryDict.get`: the last value given. */
function last(request: ParsedRequest, key: string): string | undefined {
  return request.params.get(key)?.at(-1)
}

function flag(request: ParsedRequest, key: string): boolean {
  return ['1', 'true'].includes((last(request, key) ?? '').toLowerCase())
}

/** GET /functions: graphite-web's functionList over the functions the engine implements. */
export function functionsView(_ctx: unknown, request: ParsedRequest): Answer {
  return json(
    functionList({
      grouped: flag(request, 'grouped'),
      group: last(request, 'group'),
      pie: last(request, 'type') === 'pie',
      pretty: Boolean(last(request, 'pretty')),
    }),
  )
}

/** GET /functions/<name>: one function's info, 404 when carbon serve does not implement it. */
export function functionDetailsView(_ctx: unknown, request: ParsedRequest): Answer {
  const name = request.path.slice('/functions/'.length)
  const body =
    last(request, 'type') === 'pie'
      ? undefined
      : functionDetails(name, { pretty: Boolean(last(request, 'pretty')) })
  return body === undefined ? jsonError(`Function not found: ${name}`, 404) : json(body)
}

class TagRequestError extends Error {}

/** `expr=` values, or the `expr[]=` spelling (jQuery's). */
function expressions(request: ParsedRequest): string[] {
  const plain = request.params.get('expr') ?? []
  return plain.length > 0 ? plain : (request.params.get('expr[]') ?? [])
}

/** graphite-web's limit parameter: int(limit), a ValueError (400) otherwise. */
function checkLimit(request: ParsedRequest): void {
  const limit = last(request, 'limit')
  if (limit !== undefined && !/^\s*[+-]?\d+\s*$/.test(limit))
    throw new TagRequestError(`invalid literal for int() with base 10: '${limit}'`)
}

/**
 * The checks graphite-web's tag database makes before searching (BaseTagDB.parse_tagspec, then
 * LocalDatabaseTagDB.find_series): each spec well formed, regular expressions valid (anchored at
 * the start), and at least one spec that an empty value does not satisfy.
 */
function checkSpecs(specs: readonly string[]): void {
  let allMatchEmpty = true
  for (const spec of specs) {
    const m = /^([^;!=]+)(!?=~?)([^;]*)$/.exec(spec)
    if (m === null) throw new TagRequestError(`Invalid tagspec ${spec}`)
    const operator = m[2]!
    let value = m[3]!
    let matchesEmpty: boolean
    if (operator === '=') matchesEmpty = value === ''
    else if (operator === '!=') matchesEmpty = value !== ''
    else {
      if (!value.startsWith('^')) value = `^(${value})`
      const compiled = compilePythonRegex(value)
      if (!compiled.valid) throw new TagRequestError(compiled.error.message)
      let matches: boolean
      try {
        matches = pySearch(value, '')
      } catch (error) {
        throw new TagRequestError((error as Error).message)
      }
      matchesEmpty = operator === '=~' ? matches : !matches
    }
    allMatchEmpty &&= matchesEmpty
  }
  if (allMatchEmpty) throw new TagRequestError('At least one tagspec must not match the empty string')
}

function tagAnswer(check: () => void): Answer {
  try {
    check()
  } catch (error) {
    if (error instanceof TagRequestError) return jsonError(error.message)
    throw error
  }
  return json('[]')
}

/** /tags: every tag (none). */
export function tagList(): Answer {
  return json('[]')
}

/** /tags/<tag>: that tag's values (graphite-web answers null: not found). */
export function tagDetails(): Answer {
  return json('null')
}

/** /tags/findSeries?expr=...: the series matching every spec (none). */
export function findSeries(_ctx: unknown, request: ParsedRequest): Answer {
  return tagAnswer(() => {
    const specs = expressions(request)
    if (specs.length === 0) throw new TagRequestError('no tag expressions specified')
    checkSpecs(specs)
  })
}

/** /tags/autoComplete/tags: tag names for the editor (none). */
export function autoCompleteTags(_ctx: unknown, request: ParsedRequest): Answer {
  return tagAnswer(() => {
    checkLimit(request)
    const specs = expressions(request)
    if (specs.length > 0) checkSpecs(specs)
  })
}

/** /tags/autoComplete/values?tag=...: a tag's values for the editor (none). */
export function autoCompleteValues(_ctx: unknown, request: ParsedRequest): Answer {
  return tagAnswer(() => {
    const tag = last(request, 'tag')
    if (!tag) throw new TagRequestError('no tag specified')
    checkLimit(request)
    const specs = expressions(request)
    if (specs.length > 0) checkSpecs([...specs, `${tag}!=`])
  })
}
