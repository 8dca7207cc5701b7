// Time zones as graphite-web's pytz reads them: Debian's pytz reads the system's zone files
// (/usr/share/zoneinfo), only their 32-bit part (no change after 2038-01-19, the last one holds
// on), uses the first standard offset (local mean time) before the first change, rounds offsets to
// the minute, and marks each offset DST or not from the file (Ireland's winter time is its DST).
// Node's ICU holds other data (zones merged before 1970, EST as a link with a history): where the
// zone files are present, these are read, so that times match pytz's to the second; where they
// are not, attime.ts falls back to ICU.

import fs from 'node:fs'
import path from 'node:path'

let ZONEINFO = '/usr/share/zoneinfo'

/** Reads zone files from another directory (tests: one without them, for the ICU fallback). */
export function setZoneDirectory(dir: string): void {
  ZONEINFO = dir
  names = undefined
  present = undefined
  ZONES.clear()
}

export interface PyZone {
  /** pytz's StaticTzInfo: one offset forever (UTC, Etc/GMT+5, EST). */
  fixed?: number
  /** Change instants, ascending; the first is -Infinity (datetime.min). */
  times: number[]
  /** Offset (rounded to the minute) and DST flag from each change on. */
  infos: { offset: number; dst: boolean }[]
}

let names: Map<string, string> | undefined

/** Python's zoneinfo.available_timezones(), lower-cased to the name (pytz's case-insensitive lookup). */
function zoneNames(): Map<string, string> {
  if (names) return names
  names = new Map()
  const walk = (dir: string, prefix: string): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const name = prefix + entry.name
      const full = path.join(dir, entry.name)
      let directory = entry.isDirectory()
      if (entry.isSymbolicLink())
        directory = fs.statSync(full, { throwIfNoEntry: false })?.isDirectory() ?? false
      if (directory) {
        if (prefix === '' && (entry.name === 'right' || entry.name === 'posix')) continue
        walk(full, `${name}/`)
      } else if (name !== 'posixrules' && name !== 'Factory' && name !== 'localtime' && isZoneFile(full)) {
        names!.set(name.toLowerCase(), name)
      }
    }
  }
  walk(ZONEINFO, '')
  return names
}

function isZoneFile(file: string): boolean {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    const magic = Buffer.alloc(4)
    return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'TZif'
  } catch {
    return false
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

let present: boolean | undefined

/** Whether this system has the zone files pytz reads. */
export function hasZoneFiles(): boolean {
  present ??= isZoneFile(path.join(ZONEINFO, 'UTC')) || zoneNames().size > 0
  return present
}

const ZONES = new Map<string, PyZone | undefined>()

/** pytz.timezone(name), or undefined where pytz raises UnknownTimeZoneError (or has no files). */
export function pytzZone(name: string): PyZone | undefined {
  if (ZONES.has(name)) return ZONES.get(name)
  let zone: PyZone | undefined
  // pytz: UTC in any case is utc; names are ASCII; old pytz's munged names (Etc/GMT_plus_5) are read.
  if (name.toUpperCase() === 'UTC') zone = { fixed: 0, times: [], infos: [] }
  else if (/^[\x00-\x7f]*$/.test(name)) {
    const unmunged = name.replaceAll('_plus_', '+').replaceAll('_minus_', '-')
    // A name as the files spell it is read at once; another spelling is looked up in the list of
    // zones (one walk of the directory), as pytz looks it up.
    if (
      /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(unmunged) &&
      !/^(right|posix)\/|^(posixrules|Factory|localtime)$/.test(unmunged)
    )
      zone = readZone(path.join(ZONEINFO, ...unmunged.split('/')))
    const known = zone === undefined ? zoneNames().get(unmunged.toLowerCase()) : undefined
    if (known !== undefined) zone = readZone(path.join(ZONEINFO, ...known.split('/')))
  }
  if (ZONES.size > 1000) ZONES.clear()
  ZONES.set(name, zone)
  return zone
}

/** pytz's build_tzinfo over a zone file's 32-bit part. */
function readZone(file: string): PyZone | undefined {
  let data: Buffer
  try {
    if (!fs.statSync(file).isFile()) return undefined
    data = fs.readFileSync(file)
  } catch {
    return undefined
  }
  if (data.length < 44 || data.toString('latin1', 0, 4) !== 'TZif') return undefined
  const timecnt = data.readInt32BE(32)
  const typecnt = data.readInt32BE(36)
  const charcnt = data.readInt32BE(40)
  let at = 44
  if (data.length < at + timecnt * 5 + typecnt * 6 + charcnt || typecnt < 1) return undefined
  const transitions: number[] = []
  for (let i = 0; i < timecnt; i++, at += 4) transitions.push(data.readInt32BE(at))
  const indexes: number[] = []
  for (let i = 0; i < timecnt; i++, at += 1) indexes.push(data[at]!)
  const types: { offset: number; dst: boolean; name: string }[] = []
  const charsAt = at + typecnt * 6
  for (let i = 0; i < typecnt; i++, at += 6) {
    const nameAt = charsAt + data[at + 5]!
    let end = data.indexOf(0, nameAt)
    if (end < 0 || end > charsAt + charcnt) end = charsAt + charcnt
    types.push({
      offset: data.readInt32BE(at),
      dst: data[at + 4] !== 0,
      name: data.toString('latin1', nameAt, end),
    })
  }
  if (indexes.some((i) => i >= typecnt)) return undefined
  if (typecnt === 1 || timecnt === 0) return { fixed: types[0]!.offset, times: [], infos: [] }
  // Early dates use the first standard time type.
  let first = 0
  while (first < types.length - 1 && types[first]!.dst) first++
  const same = (a: (typeof types)[0], b: (typeof types)[0]): boolean =>
    a.offset === b.offset && a.dst === b.dst && a.name === b.name
  const times: number[] = [...transitions]
  const lindexes = [...indexes]
  if (same(types[first]!, types[lindexes[0]!]!)) times[0] = -Infinity
  else {
    times.unshift(-Infinity)
    lindexes.unshift(first)
  }
  const infos = lindexes.map((index, i) => {
    const inf = types[index]!
    let dst = 0
    if (inf.dst) {
      let previous = types[lindexes[0]!]!
      for (let j = i - 1; j >= 0; j--) {
        previous = types[lindexes[j]!]!
        if (!previous.dst) break
      }
      dst = inf.offset - previous.offset
      // A DST offset that is not one (negative, or past 3 h across the date line): the next standard one.
      if (dst <= 0 || dst > 3 * 3600) {
        for (let j = i + 1; j < lindexes.length; j++) {
          const std = types[lindexes[j]!]!
          if (!std.dst) {
            dst = inf.offset - std.offset
            if (dst > 0) break
          }
        }
      }
    }
    const round = (seconds: number): number => Math.floor((seconds + 30) / 60) * 60
    return { offset: round(inf.offset), dst: round(dst) !== 0 }
  })
  return { times, infos }
}

/** The change in force at an instant (bisect_right - 1, at least 0). */
export function infoAt(zone: PyZone, epoch: number): { offset: number; dst: boolean } {
  let lo = 0
  let hi = zone.times.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (zone.times[mid]! <= epoch) lo = mid + 1
    else hi = mid
  }
  return zone.infos[Math.max(0, lo - 1)]!
}
