// Tagged series (`name;tag=value;...` and `name{tag="value",...}`) as carbon 1.1.x normalises them
// (carbon.util.TaggedSeries), and the files carbon stores a metric in. Pure (sha256 aside).
//
// Normal form: the name with leading `~` stripped, then `;tag=value` for every other tag sorted by
// Unicode code point (not JavaScript's UTF-16 order), the last of duplicate tags winning. A name
// that fails to parse is stored raw by carbon; parseTaggedSeries reports why instead.

import { createHash } from 'node:crypto'

export interface TaggedSeries {
  /** The metric as given, before normalisation. */
  metric: string
  /** Tags including `name`, in first-seen order (as Python's dict keeps them). */
  tags: Map<string, string>
  /** The normalised path: name + sorted `;tag=value`. */
  path: string
}

export type TagParseResult = { ok: true; series: TaggedSeries } | { ok: false; error: string }

const PROHIBITED_TAG_CHARACTERS = [';', '!', '^', '=']

/** Compare strings by Unicode code point, as Python's sorted() does. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after every BMP unit.
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

function validateTagAndValue(tag: string, value: string): string | undefined {
  if (tag.length === 0) return 'Tag may not be empty'
  if (value.length === 0) return `Value for tag "${tag}" may not be empty`
  for (const c of PROHIBITED_TAG_CHARACTERS) {
    if (tag.includes(c)) return `Character "${c}" is not allowed in tag "${tag}"`
  }
  if (value.includes(';')) return `Character ";" is not allowed in value "${value}" of tag ${tag}`
  if (value[0] === '~') return `Tag values are not allowed to start with "~" in tag "${tag}"`
  return undefined
}

function sanitizeNameAsTagValue(name: string): string | { error: string } {
  const sanitized = name.replace(/^~+/, '')
  if (sanitized.length === 0)
    return { error: `Cannot use metric name ${name} as tag value, results in emptry string` }
  return sanitized
}

/** carbon's TaggedSeries.format: name, then the other tags sorted by code point. */
export function formatTags(tags: ReadonlyMap<string, string>): string {
  const parts: string[] = []
  for (const [tag, value] of tags) if (tag !== 'name') parts.push(`;${tag}=${value}`)
  parts.sort(compareCodePoints)
  return (tags.get('name') ?? '') + parts.join('')
}

function finish(metric: string, tags: Map<string, string>): TagParseResult {
  const name = sanitizeNameAsTagValue(metric)
  if (typeof name !== 'string') return { ok: false, error: name.error }
  tags.set('name', name)
  return { ok: true, series: { metric, tags, path: formatTags(tags) } }
}

const OPEN_METRICS_SEGMENT = /^([^=]+)="((?:[\\]["\\]|[^"\\])+)"(:?,|$)/

function parseOpenMetrics(path: string): TagParseResult {
  const parts = path.slice(0, -1).split('{')
  // Python's split('{', 2) then unpacks exactly two parts.
  if (parts.length !== 2) return { ok: false, error: `Cannot parse path ${path}, too many '{'` }
  const [metric, raw] = parts as [string, string]
  if (!metric) return { ok: false, error: `Cannot parse path ${path}, no metric found` }
  const tags = new Map<string, string>()
  let rawTags = raw
  while (rawTags.length > 0) {
    const m = OPEN_METRICS_SEGMENT.exec(rawTags)
    if (!m) return { ok: false, error: `Cannot parse path ${path}, invalid segment ${rawTags}` }
    const tag = m[1]!
    const value = m[2]!.replaceAll('\\"', '"').replaceAll('\\\\', '\\')
    const invalid = validateTagAndValue(tag, value)
    if (invalid) return { ok: false, error: invalid }
    tags.set(tag, value)
    rawTags = rawTags.slice(m[0].length)
  }
  return finish(metric, tags)
}

function parseCarbon(path: string): TagParseResult {
  const segments = path.split(';')
  const metric = segments[0]!
  if (!metric) return { ok: false, error: `Cannot parse path ${path}, no metric found` }
  const tags = new Map<string, string>()
  for (const segment of segments.slice(1)) {
    const eq = segment.indexOf('=')
    if (eq <= 0) return { ok: false, error: `Cannot parse path ${path}, invalid segment ${segment}` }
    const tag = segment.slice(0, eq)
    const value = segment.slice(eq + 1)
    const invalid = validateTagAndValue(tag, value)
    if (invalid) return { ok: false, error: invalid }
    tags.set(tag, value)
  }
  return finish(metric, tags)
}

/** carbon's TaggedSeries.parse. */
export function parseTaggedSeries(path: string): TagParseResult {
  if (path.endsWith('"}') && path.includes('{')) return parseOpenMetrics(path)
  return parseCarbon(path)
}

/**
 * The name carbon's cache stores a metric under: the normalised path, or the raw name when it does
 * not parse (carbon logs "Error parsing metric" and keeps it).
 */
export function normalizeMetricName(metric: string): string {
  const result = parseTaggedSeries(metric)
  return result.ok ? result.series.path : metric
}

/**
 * carbon's TaggedSeries.encode: the storage path of a (normalised) metric, without extension.
 * Tagged names (any `;`) go under `_tagged/<h[0:3]>/<h[3:6]>/`, named by the sha256 of the name
 * (`hashOnly`, carbon's default TAG_HASH_FILENAMES) or by the name with `.` as `_DOT_`; other names
 * turn `.` into `sep` with leading separators stripped.
 */
export function encodeMetricPath(metric: string, sep = '/', hashOnly = true): string {
  if (metric.includes(';')) {
    const hash = createHash('sha256').update(metric, 'utf8').digest('hex')
    return [
      '_tagged',
      hash.slice(0, 3),
      hash.slice(3, 6),
      hashOnly ? hash : metric.replaceAll('.', '_DOT_'),
    ].join(sep)
  }
  let path = metric.replaceAll('.', sep)
  while (sep.length > 0 && path.startsWith(sep)) path = path.slice(sep.length)
  return path
}
