// Differential: our parseATTime against graphite-web 1.1.8's own (Debian's graphite-web module, run
// by test/helpers/attime_oracle.py) on every form of its grammar, with offsets, in zones with half-
// and quarter-hour offsets and DST, on DST days and edge dates, for fixed `now`s.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { parseATTime, parseTimeOffset, zoneOffset } from '../../../../src/core/functions/attime.js'
import { setZoneDirectory } from '../../../../src/core/functions/tzfile.js'
import { ROOT } from '../../../helpers/paths.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { REFERENCE_PYTHON, needsReference } from '../../../helpers/reference.js'

const graphiteWeb = needsReference('graphite.render.attime')

type Answer = number | { error: string }

function python<T>(request: unknown): T {
  const run = spawnSync(REFERENCE_PYTHON, [path.join(ROOT, 'test/helpers/attime_oracle.py')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  assert.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout) as T
}

function oracle(now: number, cases: [string, string | null][]): Answer[] {
  return python<Answer[]>({ now, cases })
}

function ours(spec: string, now: number, tz: string | null): Answer {
  try {
    return parseATTime(spec, now, tz ?? undefined)
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** Compares every case; returns how many graphite-web accepted. */
function compare(now: number, cases: [string, string | null][]): { accepted: number; refused: number } {
  const theirs = oracle(now, cases)
  const differ: string[] = []
  let accepted = 0
  cases.forEach(([spec, tz], i) => {
    const expected = theirs[i]!
    const actual = ours(spec, now, tz)
    if (typeof expected === 'number') accepted++
    const same = typeof expected === 'number' ? actual === expected : typeof actual === 'object'
    if (!same && differ.length < 20)
      differ.push(
        `${JSON.stringify(spec)} tz=${tz} now=${now}: ours ${JSON.stringify(actual)}, graphite-web ${JSON.stringify(expected)}`,
      )
    else if (!same) differ.push('')
  })
  assert.equal(differ.length, 0, `${differ.length} of ${cases.length} differ:\n${differ.join('\n')}`)
  return { accepted, refused: cases.length - accepted }
}

// 2026-12-06 07:56:37 UTC, a Sunday.
const NOW = 1796543797

const TIMES = [
  '',
  'noon',
  'midnight',
  'teatime',
  '6am',
  '6pm',
  '12am',
  '12pm',
  '0am',
  '0pm',
  '11pm',
  '13pm',
  '13am',
  '25am',
  '14:30',
  '9:05',
  '09:05am',
  '11:59pm',
  '12:00am',
  '12:00pm',
  '1:5',
  '00:00',
  '24:00',
  '23:60',
  '3:15pm',
  'noon ',
  '6 pm',
  '6PM',
  '06:30_',
]
const DAYS = [
  '',
  'today',
  'yesterday',
  'tomorrow',
  'monday',
  'tuesday',
  'wed',
  'thursday',
  'thurs',
  'friday',
  'saturday',
  'sunday',
  'sun',
  'mon',
  'jan1',
  'january 1',
  'jan 31',
  'feb28',
  'feb29',
  'feb30',
  'mar31',
  'apr31',
  'jun 15',
  'sept9',
  'september 30',
  'oct1',
  'dec31',
  'december 25',
  'jan',
  'jan123',
  'janx5',
  'march',
  'may 1st',
  '12/31/26',
  '12/31/2026',
  '1/2/69',
  '1/2/70',
  '1/1/0',
  '2/29/24',
  '2/29/25',
  '2/29/2028',
  '13/1/26',
  '12/31/1969',
  '1/1/2100',
  '03/08/2026',
  '11/01/2026',
  '10/25/2026',
  '1/2/3/4',
  '20261206',
  '20240229',
  '20250229',
  '20261231',
  '20380119',
  '20400701',
  '19500101',
  '18900101',
  '00010101',
  '99991231',
  'noon',
  'someday',
  'now',
]
const OFFSETS = [
  '',
  '-1h',
  '+1h',
  '-1d12h',
  '+30min',
  '-2w',
  '-1mon',
  '+1y',
  '-5m',
  '-1h-30min',
  '+',
  '-',
  '-10s',
  '+1minute',
  '-3days',
  '+2weeks',
  '-1year',
  '-99999999999999d',
]
const STANDALONE = [
  'now',
  'now-5min',
  'now+1d',
  '-6h',
  '+6h',
  '-1h30min',
  '-2mon',
  ' -1d ',
  '-1D',
  'NOW',
  'Noon Yesterday',
  'Teatime',
  '0',
  '1796537197',
  '99999999999',
  '253402300799',
  '253402300800',
  '12:30_20261206',
  '23:00_20251231',
  '20260000',
  '19000101',
  '19010101',
  '20261306',
  '12345678',
  '1 796 537 197',
  '6pm yesterday',
  'noon tomorrow',
  '6pm today',
  'midnight+1h',
  'noon-30min',
  'teatime friday',
  '6am tomorrow',
  '14:30 jan1',
  'midnight 12/31/2026',
  '6pm 20261231',
  'noonmonday',
  '3:15pm+2d',
  'monday-1w',
  'jan1+12h',
  '12/31/26-1d',
  '-1pm+1h',
  '-1:00pm+1h',
  '-0:00+1h',
  '1/2/-5+1h',
  '11:59pm_dec31',
  '12:00am_20240229',
  '٢٠٢٦١٢٠٦',
  '١٧٩٦٥٣٧١٩٧',
  'jan٥',
  'jan¹5',
  '²',
  '-1٣h',
  '\u00a0now\u2003',
  '\u0085-1h',
  '\ufeff-1h',
  'mondaŷ',
  'mon\u{1f600}',
  '6pmĳ',
  'now\u{1f600}',
]
const ZONES = [
  null,
  'UTC',
  'utc',
  'Europe/Berlin',
  'America/New_York',
  'us/eastern',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Europe/Dublin',
  'America/St_Johns',
  'Pacific/Apia',
  'Etc/GMT+5',
  'EST',
  'Nowhere/City',
  '+05:00',
  '',
  'Etc/GMT_plus_5',
  'EUROPE/BERLIN',
  '../../../etc/passwd',
  'zone.tab',
  'posixrules',
]

function corpus(): string[] {
  const specs = new Set(STANDALONE)
  for (const time of TIMES) for (const day of DAYS) specs.add(`${time}${day}`)
  for (const ref of ['', 'now', 'noon', 'midnight', 'teatime yesterday', '6pm', 'friday', 'jan1', '12/31/26'])
    for (const offset of OFFSETS) specs.add(`${ref}${offset}`)
  specs.delete('')
  specs.add('')
  return [...specs]
}

test("issue 18: every form of graphite-web's parseATTime, identical to graphite-web's", graphiteWeb, (t) => {
  const specs = corpus()
  assert.ok(specs.length > 1500, `${specs.length} strings`)
  const cases: [string, string | null][] = []
  for (const spec of specs) for (const tz of ZONES) cases.push([spec, tz])
  const { accepted, refused } = compare(NOW, cases)
  t.diagnostic(
    `${specs.length} strings × ${ZONES.length} zones: ${accepted} accepted, ${refused} refused, 0 differ`,
  )
  // Most of the corpus is a real time, so this is not a comparison of errors.
  assert.ok(accepted > cases.length / 2, `${accepted} accepted`)
})

test(
  'issue 18: times on DST days, at the edges of years and months, identical to graphite-web',
  graphiteWeb,
  (t) => {
    const nows = [
      Date.UTC(2026, 2, 8, 12) / 1000, // America/New_York springs forward at 02:00
      Date.UTC(2026, 2, 29, 0, 30) / 1000, // Europe springs forward at 01:00 UTC; still Saturday in New York
      Date.UTC(2026, 9, 25, 1, 30) / 1000, // Europe falls back: 02:30 happens twice in Berlin
      Date.UTC(2026, 10, 1, 6, 30) / 1000, // America/New_York falls back at 02:00 EDT
      Date.UTC(2026, 3, 5, 2, 0) / 1000, // Australia (Adelaide, Lord Howe) falls back
      Date.UTC(2028, 1, 29, 23, 59, 59) / 1000, // Feb 29 of a leap year, a second before March in UTC
      Date.UTC(2026, 11, 31, 23, 30) / 1000, // New Year's Eve in UTC, already 2027 east of it
      Date.UTC(2037, 11, 31, 12) / 1000, // pytz stops changing the offset in 2038
      Date.UTC(2040, 6, 1, 12) / 1000, // and here it has stopped
    ]
    const zones = [
      'America/New_York',
      'Europe/Berlin',
      'Australia/Adelaide',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      null,
    ]
    const specs = [
      ...new Set([
        ...STANDALONE,
        ...TIMES.flatMap((time) =>
          ['', 'yesterday', 'tomorrow', 'sunday', 'mon', 'mar8', 'oct25', 'nov1', 'dec31'].map(
            (d) => time + d,
          ),
        ),
        '01:30_20261025',
        '02:30_20261025',
        '03:00_20261025',
        '02:30_20260329',
        '01:30_20260329',
        '02:30_20260308',
        '01:30_20261101',
        '02:00_20261101',
        '02:00_20260405',
        '02:30_20260405',
        '01:30_20261025-1h',
        '02:30_20260308+1h',
        '2:30am 03/08/2026',
        '1:30am 11/01/26',
      ]),
    ]
    let accepted = 0
    for (const now of nows) {
      const cases: [string, string | null][] = []
      for (const spec of specs) for (const tz of zones) cases.push([spec, tz])
      accepted += compare(now, cases).accepted
    }
    t.diagnostic(
      `${specs.length} strings × ${zones.length} zones × ${nows.length} nows, ${accepted} accepted, 0 differ`,
    )
  },
)

test('issue 18: seeded random strings from the grammar, identical to graphite-web', graphiteWeb, (t) => {
  const random = createRandom(runSeed())
  t.diagnostic(`seed ${random.seed} (CARBONKIT_SEED=${random.seed} replays it)`)
  const tokens = [
    '1',
    '2',
    '6',
    '12',
    '13',
    '30',
    '2026',
    '31',
    ':',
    '/',
    '+',
    '-',
    '_',
    ' ',
    ',',
    'am',
    'pm',
    'noon',
    'midnight',
    'teatime',
    'today',
    'yesterday',
    'tomorrow',
    'now',
    'mon',
    'friday',
    'jan',
    'feb',
    'dec',
    'h',
    'min',
    'd',
    'w',
    'mon',
    'y',
    's',
    'm',
    'x',
    '20261206',
    '0',
  ]
  const specs: string[] = []
  for (let i = 0; i < 3000; i++) {
    const parts: string[] = []
    for (let n = random.int(1, 6); n > 0; n--) parts.push(random.pick(tokens))
    specs.push(parts.join(''))
  }
  const zones = [null, 'Europe/Berlin', 'Asia/Kathmandu']
  const cases = specs.map((spec): [string, string | null] => [spec, random.pick(zones)])
  const { accepted } = compare(NOW, cases)
  t.diagnostic(`${cases.length} random strings, ${accepted} accepted by graphite-web, 0 differ`)
})

test(
  'issue 18: every zone pytz knows, its offsets and its DST changes read as pytz reads them',
  graphiteWeb,
  (t) => {
    const zones = python<string[]>({ zones: true })
    assert.ok(zones.length > 400, `${zones.length} zones`)
    // Instants from local mean time to past 2038 (where pytz stops changing), DST seasons of both
    // hemispheres, each side of 1901-12-13 and 2038-01-19.
    const instants = [
      -5364662400,
      -(2 ** 31) - 1,
      -(2 ** 31),
      -1e9,
      -1,
      0,
      1e8,
      5e8,
      1e9,
      1.2e9,
      1.5e9,
      1.7e9,
      1772955000,
      1782000000,
      1792888200,
      1796543797,
      2 ** 31 - 1,
      2 ** 31,
      2.3e9,
      2.5e9,
      253402300799 - 86400 * 2,
    ]
    const offsets: [string, number][] = zones.flatMap((tz) =>
      instants.map((epoch): [string, number] => [tz, epoch]),
    )
    const theirs = python<number[]>({ offsets })
    const differ = offsets.filter(([tz, epoch], i) => zoneOffset(tz, epoch) !== theirs[i])
    assert.deepEqual(differ.slice(0, 10), [], `${differ.length} of ${offsets.length} offsets differ`)
    // Wall times on change days (the spring gap, the autumn repeat), in every zone.
    const walls = [
      '02:30_20260308',
      '01:30_20261101',
      '02:30_20260329',
      '02:30_20261025',
      '02:30_20260405',
      '02:30_20261004',
      '00:00_19000101',
      '12:00_19450801',
      '23:30_20371231',
      '12:00_20400701',
    ]
    const cases = zones.flatMap((tz) => walls.map((spec): [string, string] => [spec, tz]))
    const { accepted } = compare(NOW, cases)
    t.diagnostic(
      `${zones.length} zones: ${offsets.length} offsets and ${accepted} wall times identical to pytz's`,
    )
  },
)

test('issue 18: without zone files, ICU zones give pytz results from 1970 to 2037', graphiteWeb, (t) => {
  const specs = corpus().filter((_, i) => i % 3 === 0)
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'Europe/Dublin',
    'EST',
  ]
  const nows = [NOW, Date.UTC(2026, 2, 8, 12) / 1000, Date.UTC(2026, 9, 25, 1, 30) / 1000]
  setZoneDirectory('/nonexistent/carbonkit-no-zoneinfo')
  try {
    let compared = 0
    for (const now of nows) {
      const cases = specs.flatMap((spec) => zones.map((tz): [string, string] => [spec, tz]))
      const theirs = oracle(now, cases)
      const differ: string[] = []
      cases.forEach(([spec, tz], i) => {
        const expected = theirs[i]!
        // Outside 1970 to 2037 the two zone databases differ (README: Differences).
        if (typeof expected === 'number' && (expected < 0 || expected >= 2 ** 31)) return
        compared++
        const actual = ours(spec, now, tz)
        const same = typeof expected === 'number' ? actual === expected : typeof actual === 'object'
        if (!same)
          differ.push(
            `${JSON.stringify(spec)} tz=${tz} now=${now}: ours ${JSON.stringify(actual)}, pytz ${JSON.stringify(expected)}`,
          )
      })
      assert.deepEqual(differ.slice(0, 10), [], `${differ.length} differ`)
    }
    t.diagnostic(`${compared} cases read with ICU's zones, 0 differ`)
  } finally {
    setZoneDirectory('/usr/share/zoneinfo')
  }
})

test("issue 18: parseTimeOffset as graphite-web's (function arguments such as summarize's interval)", () => {
  assert.equal(parseTimeOffset('1h30min'), 5400)
  assert.equal(parseTimeOffset('-1d'), -86400)
  assert.equal(parseTimeOffset('+2weeks'), 14 * 86400)
  assert.equal(parseTimeOffset('1mon'), 30 * 86400)
  assert.throws(() => parseTimeOffset('5m'), /unknown unit 'm'/)
  assert.throws(() => parseTimeOffset('+h'), /a number and a unit/)
  assert.throws(() => parseTimeOffset('x1h'), /starts with a digit/)
  assert.throws(() => parseTimeOffset('9999999999d'), /out of range/)
})
