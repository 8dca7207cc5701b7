// `wsp fetch --explain` for people: which archive answered and why, the window and its step, and why
// the nulls are null, one `explain:` line each (on stderr, beside the data on stdout). Times follow
// --pretty as the data's do. --json puts the same data in the document's "explain" object.

import { formatGeneral } from '../../../core/python/format.js'
import type { FetchExplanation, NullRun, Present } from '../../../core/whisper/explain-fetch.js'
import { formatDuration } from '../../../core/format/duration.js'
import { timeLabel } from './time-label.js'

export interface FetchExplainView {
  explanation: FetchExplanation
  pretty: boolean
  timeFormat?: string
}

/** Runs of nulls shown before the rest are summed up (--json lists them all). */
const MAX_RUNS = 20

function ago(seconds: number): string {
  return seconds <= 0 ? 'now' : `${formatDuration(seconds)} ago`
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

function archiveName(e: FetchExplanation, index: number, held = false): string {
  const a = e.archives[index]!
  const retention = held ? `, holds ${formatDuration(a.retention)}` : ''
  return `archive ${index} (${formatDuration(a.secondsPerPoint)}${retention})`
}

function present(run: Present & { total: number }): string {
  const some = run.presentMin === run.presentMax ? run.presentMin : `${run.presentMin} to ${run.presentMax}`
  return `${some} of ${plural(run.total, 'point')}`
}

function reasonText(e: FetchExplanation, run: NullRun, label: (t: number) => string): string {
  const xff = formatGeneral(e.xFilesFactor, 6)
  switch (run.reason) {
    case 'future':
      return `in the future (now is ${label(e.now)})`
    case 'beyond-retention': {
      const held = formatDuration(e.archives[e.archive!]!.retention)
      const hint = e.choice?.by === 'precision' ? '; without --archive a coarser archive answers' : ''
      return `older than ${archiveName(e, e.archive!)} reaches back (${held})${hint}`
    }
    case 'not-written':
      return e.archive === 0 ? 'no data written' : 'no data written (no finer archive holds a point there)'
    case 'finer-gone':
      return (
        (run.reaching === undefined
          ? 'nothing stored; the finer archives no longer reach back this far'
          : `${archiveName(e, run.reaching)} holds no point there either; ${archiveName(e, 0, true)} ` +
            'no longer reaches back this far') +
        ` to tell whether nothing was written or xFilesFactor ${xff} refused the roll-ups`
      )
    case 'xff':
      return (
        `roll-up refused by xFilesFactor ${xff}: ${archiveName(e, run.finerArchive)} holds ` +
        `${present(run)} there, ${run.needed} needed`
      )
    case 'finer-refused':
      return (
        `roll-ups refused by xFilesFactor ${xff}: ${archiveName(e, run.finerArchive)} holds no point ` +
        `there, ${archiveName(e, run.deeperArchive)} holds ${present(run)}`
      )
    case 'not-rolled-up':
      return (
        `${archiveName(e, run.finerArchive)} holds ${present(run)} there ` +
        `(${run.needed} needed for xFilesFactor ${xff}), but no roll-up was stored: they were written ` +
        'without propagation'
      )
  }
}

function choiceText(e: FetchExplanation): string {
  const choice = e.choice!
  const index = e.archive!
  if (choice.by === 'precision') return `--archive ${choice.precision} asked for it`
  const held = formatDuration(e.archives[index]!.retention)
  if (index === 0) return `--from is ${ago(choice.age)}, within the finest archive (${held})`
  const finer = e.archives[index - 1]!
  let text = `--from is ${ago(choice.age)}, beyond ${archiveName(e, index - 1, true)}; whisper chooses by the age of --from`
  // The trap: an old, short window is read from a coarse archive although a finer one spans its length.
  const window = e.window!
  if (window.until < e.now && window.until - window.from <= finer.retention) {
    text += ', not the length of the window'
  }
  return text
}

/** The explanation as `explain:` lines. */
export function renderFetchExplanation(view: FetchExplainView): string {
  const e = view.explanation
  const label = (t: number): string => timeLabel(t, view.pretty, view.timeFormat)
  const lines: string[] = []
  if (e.empty) {
    const maxRetention = Math.max(...e.archives.map((a) => a.retention))
    lines.push(
      e.empty === 'future'
        ? `no data: --from (${label(e.requested.from)}) is in the future (now is ${label(e.now)})`
        : `no data: --until (${label(e.requested.until)}) is older than the file's retention ` +
            `(${formatDuration(maxRetention)}, back to ${label(e.now - maxRetention)})`,
    )
    return lines.map((l) => `explain: ${l}\n`).join('')
  }
  const index = e.archive!
  lines.push(`${archiveName(e, index, true)} answered: ${choiceText(e)}`)
  const window = e.window!
  if (window.fromClamped) {
    lines.push(
      `--from is beyond the file's retention (${formatDuration(Math.max(...e.archives.map((a) => a.retention)))}): ` +
        `the window starts at ${label(window.from)}`,
    )
  }
  if (window.untilClamped)
    lines.push(`--until is in the future: the window ends now (${label(window.until)})`)
  const { fromInterval, untilInterval, step } = e.timeInfo!
  const count = (untilInterval - fromInterval) / step
  lines.push(
    `window (${label(window.from)}, ${label(window.until)}]: ${plural(count, 'value')} every ` +
      `${formatDuration(step)} from ${label(fromInterval)} to ${label(untilInterval - step)}: ` +
      `${e.stored} stored, ${e.nulls} null`,
  )
  for (const run of e.nullRuns.slice(0, MAX_RUNS)) {
    const span =
      run.count === 1 ? label(run.from) : `${label(run.from)} to ${label(run.until - step)} (${run.count})`
    lines.push(`null ${span}: ${reasonText(e, run, label)}`)
  }
  const rest = e.nullRuns.slice(MAX_RUNS)
  if (rest.length > 0) {
    const values = rest.reduce((n, run) => n + run.count, 0)
    lines.push(`and ${plural(rest.length, 'more run')} of nulls (${values} values): --json lists them all`)
  }
  return lines.map((l) => `explain: ${l}\n`).join('')
}

/** The "explain" object of the --json document. */
export function renderFetchExplanationJson(explanation: FetchExplanation): string {
  return JSON.stringify({ schemaVersion: 1, ...explanation })
}

/** On a terminal, after a fetch with nothing but nulls. */
export function renderAllNullHint(count: number): string {
  return `wsp: ${count === 1 ? 'the value is' : `all ${count} values are`} null: wsp fetch --explain says why`
}
