// Rules across files: what carbon does with a metric name once carbon.conf, the schemas, the
// aggregation rules and the lists are read together (counters averaged, sparse data dropped,
// lists that accept or refuse everything).

import { formatDuration } from '../../format/duration.js'
import type { ConfigSet } from '../match.js'
import { archiveViews, firstAggregationRule, firstSchemaRule } from '../match.js'
import type { PyRegex } from '../../python/regex.js'
import { exampleNames } from '../rule-analysis.js'
import type { AggregationRule, StorageAggregation } from '../storage-aggregation.js'
import { DEFAULT_SCHEMA_ARCHIVES } from '../storage-schemas.js'
import type { Collector } from './rule-table.js'

const COUNTER_PROBES = [
  'example.requests.count',
  'example.requests.sum',
  'stats.example.requests.count',
  'stats.counters.example.requests.count',
  'stats_counts.example.requests',
]

function safeFirst<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch {
    // A rule carbonkit cannot evaluate stands in the way; untranslatable-regex reports it.
    return undefined
  }
}

/** The pattern of a rule that catches `names`: their counter suffixes and the stats_counts. prefix. */
export function counterPattern(names: readonly string[]): string {
  const endings = (['count', 'sum'] as const).filter((e) => names.some((n) => n.endsWith(`.${e}`) || n === e))
  // `(^|\.)` only for a bare `count`, which `\.count$` would miss.
  const start = names.some((n) => n === 'count' || n === 'sum') ? '(^|\\.)' : '\\.'
  const parts: string[] = []
  if (endings.length === 1) parts.push(`${start}${endings[0]}$`)
  if (endings.length === 2) parts.push(`${start}(count|sum)$`)
  if (names.some((n) => n.startsWith('stats_counts.'))) parts.push('^stats_counts\\.')
  return parts.join('|')
}

/** Up to `count` of `names`: first one of each kind the suggested pattern catches, then the others. */
function representatives(names: readonly string[], count: number): string[] {
  const kinds = [/\.count$/, /\.sum$/, /^stats_counts\./]
  const firsts = kinds.flatMap((kind) => names.find((n) => kind.test(n)) ?? [])
  return [...new Set([...firsts, ...names])].slice(0, count)
}

function searches(regex: PyRegex | null, name: string): boolean {
  return regex?.valid === true && regex.js.ok && regex.js.search(name)
}

/**
 * How to have `names` (averaged by `rule`, or by whisper's default when null) added instead: move the
 * rules that already sum some of them above the one that takes them, and add one for the others.
 */
function counterFix(
  aggregation: StorageAggregation | null,
  rule: AggregationRule | null,
  names: readonly string[],
): string {
  const late = rule
    ? (aggregation?.rules ?? []).filter(
        (r) =>
          r.status === 'active' &&
          r !== rule &&
          r.aggregationMethod === 'sum' &&
          names.some((n) => searches(r.regex, n)),
      )
    : []
  const rest = names.filter((n) => !late.some((r) => searches(r.regex, n)))
  const fixes = late.map(
    (r) =>
      `[${r.section}] (line ${r.line}) sums ${rest.length > 0 ? 'some of them' : 'them'} but comes after it: move it above [${rule!.section}]`,
  )
  if (rest.length > 0) {
    const others = late.length > 0 ? ` for ${rest.map((n) => JSON.stringify(n)).join(', ')}` : ''
    fixes.push(
      `add a rule such as pattern = ${counterPattern(rest)} with aggregationMethod = sum${rule ? ` above [${rule.section}]` : ''}${others}`,
    )
  }
  return fixes.join('; ')
}

export function lintCounters(out: Collector, set: ConfigSet): void {
  const aggregation = set.aggregation
  const names = [...COUNTER_PROBES]
  for (const rule of aggregation?.rules ?? []) {
    if (rule.status === 'active' && rule.regex?.valid && /count|sum/i.test(rule.pattern ?? ''))
      names.push(...exampleNames(rule.regex))
  }
  const byRule = new Map<string, { rule: AggregationRule | null; names: string[] }>()
  for (const name of names) {
    const found = safeFirst(() => firstAggregationRule(aggregation, name))
    if (found === undefined) continue
    const method = found?.aggregationMethod ?? 'average'
    if (method !== 'average' && method !== 'avg_zero') continue
    if (!/(^|\.)(count|sum)$|^stats_counts\./.test(name)) continue
    const key = found ? `${found.section}:${found.line}` : 'default'
    const entry = byRule.get(key) ?? { rule: found, names: [] }
    entry.names.push(name)
    byRule.set(key, entry)
  }
  for (const { rule, names: hit } of byRule.values()) {
    const file = aggregation?.file ?? set.schemas?.file
    if (!file) continue
    const fix = counterFix(aggregation, rule, hit)
    const line = rule
      ? (rule.aggregationMethodLine ?? rule.line)
      : Math.max(1, aggregation?.doc.lines.length ?? 1)
    const source = rule
      ? `[${rule.section}] (line ${rule.line})`
      : aggregation
        ? "whisper's default (no rule matches them)"
        : "whisper's default (there is no storage-aggregation.conf)"
    out.add(
      file,
      line,
      'counter-averaged',
      `counters such as ${representatives(hit, 3)
        .map((n) => JSON.stringify(n))
        .join(
          ', ',
        )} get aggregationMethod ${rule?.aggregationMethod ?? 'average'} from ${source}: rolled-up counts are averaged instead of added; ${fix}`,
    )
  }
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`
}

export function lintSparse(out: Collector, set: ConfigSet, interval: number): void {
  const names = new Set<string>(['example.metric', ...COUNTER_PROBES])
  for (const rule of set.schemas?.rules ?? [])
    if (rule.status === 'active' && rule.regex?.valid) for (const n of exampleNames(rule.regex)) names.add(n)
  for (const rule of set.aggregation?.rules ?? [])
    if (rule.status === 'active' && rule.regex?.valid) for (const n of exampleNames(rule.regex)) names.add(n)
  const seen = new Set<string>()
  for (const name of names) {
    const schemaRule = safeFirst(() => firstSchemaRule(set.schemas, name))
    const aggregationRule = safeFirst(() => firstAggregationRule(set.aggregation, name))
    if (schemaRule === undefined || aggregationRule === undefined) continue
    const key = `${schemaRule?.line ?? 'default'}|${aggregationRule?.line ?? 'default'}`
    if (seen.has(key)) continue
    seen.add(key)
    const archives = archiveViews(schemaRule?.archives ?? DEFAULT_SCHEMA_ARCHIVES)
    // whisper stores xFilesFactor as a 32-bit float and compares the known fraction with that.
    const xff = Math.fround(aggregationRule?.xFilesFactor ?? 0.5)
    if (xff <= 0) continue
    for (let j = 0; j + 1 < archives.length; j++) {
      const fine = archives[j]!.secondsPerPoint
      const coarse = archives[j + 1]!.secondsPerPoint
      if (fine <= 0 || coarse % fine !== 0) break
      const spacing = Math.max(interval, fine)
      if (interval <= fine && j === 0) continue
      const slots = coarse / fine
      const least = Math.min(slots, Math.floor(coarse / spacing))
      const most = Math.min(slots, Math.ceil(coarse / spacing))
      if (least / slots >= xff) continue
      const schemaLabel = schemaRule
        ? `[${schemaRule.section}] (line ${schemaRule.line})`
        : "carbon's built-in schema"
      const aggLabel = aggregationRule
        ? `[${aggregationRule.section}] (line ${aggregationRule.line})`
        : "whisper's default"
      const file = aggregationRule
        ? set.aggregation!.file
        : schemaRule
          ? set.schemas!.file
          : (set.aggregation?.file ?? set.schemas?.file)
      if (!file) return
      const line = aggregationRule
        ? (aggregationRule.xFilesFactorLine ?? aggregationRule.line)
        : (schemaRule?.retentionsLine ?? schemaRule?.line ?? 1)
      const outcome =
        most / slots < xff
          ? 'every roll-up is None and the data is gone once it ages out of the finer archive'
          : 'some roll-ups are None'
      out.add(
        file,
        line,
        'sparse-data',
        `metrics arriving every ${formatDuration(interval)} fill ${least === most ? least : `${least} to ${most}`} of each ${slots} ${formatDuration(fine)} slots (${percent(least / slots)}) when whisper rolls up to ${formatDuration(coarse)}; xFilesFactor ${aggregationRule?.xFilesFactorText ?? '0.5'} needs ${percent(xff)}, so ${outcome} (e.g. ${JSON.stringify(name)}: schema ${schemaLabel}, aggregation ${aggLabel}); lower xFilesFactor or send more often`,
      )
      break
    }
  }
}

export function lintLists(out: Collector, set: ConfigSet): void {
  const useWhitelist = set.settings.settings.USE_WHITELIST?.value === true
  const carbonFile = set.carbonConf?.file
  for (const list of [set.whitelist, set.blacklist]) {
    if (!list) continue
    if (!useWhitelist && set.carbonConf) {
      out.add(list.file, 1, 'list-unused', `USE_WHITELIST is off in ${carbonFile}: carbon ignores this file`)
    }
  }
  if (useWhitelist) {
    const usable = set.whitelist?.entries.some((e) => e.status === 'active') ?? false
    if (set.whitelist && !usable) {
      out.add(
        set.whitelist.file,
        1,
        'list-fail-open',
        'USE_WHITELIST is on but this whitelist has no usable pattern: carbon then accepts every metric',
      )
    } else if (!set.whitelist && !set.blacklist && carbonFile) {
      const line = set.settings.settings.USE_WHITELIST?.source?.line ?? 1
      out.add(
        carbonFile,
        line,
        'list-fail-open',
        'USE_WHITELIST = True but there is no whitelist.conf or blacklist.conf: every metric is accepted',
      )
    }
  }
}
