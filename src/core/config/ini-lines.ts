// The one scanner for carbon's INI files (carbon.conf, storage-schemas.conf, storage-aggregation.conf):
// Python 3.11's configparser.ConfigParser as carbon constructs it, reproduced line by line so that
// every section, key, value and error carries its line number. Pure.
//
// Carbon's parser: delimiters `=` and `:` (the first one on the line wins), comment prefixes `#` and
// `;` on whole lines only (a `#` after a value is part of the value), keys lower-cased, values
// stripped, a line indented deeper than its key continues the value (blank lines inside a value are
// kept), `[DEFAULT]` inherited by every section, duplicate sections and keys fatal, and `%(name)s`
// interpolation (BasicInterpolation) applied when a value is read. Python reads the file with
// universal newlines, so `\r\n` and a lone `\r` end lines too.
//
// Where Python stops at the first fatal error, the scanner records it and goes on, so that a linter
// can report every problem at once; `fatal` says what Python raises.

/** Python's str.isspace() (what str.strip() removes): differs from JavaScript's trim(). */
const PY_SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/
const PY_SPACE_RUN_START = /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
const PY_SPACE_RUN_END = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/

export function pyIsSpace(ch: string): boolean {
  return PY_SPACE.test(ch)
}

/** Python's str.strip() with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_SPACE_RUN_START, '').replace(PY_SPACE_RUN_END, '')
}

/** Python's str.rstrip() with no argument. */
export function pyRstrip(s: string): string {
  return s.replace(PY_SPACE_RUN_END, '')
}

/** Split text into lines as Python's universal-newline reading does (no final empty line). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/)
  if (lines.length > 0 && lines[lines.length - 1] === '' && /[\r\n]$/.test(text)) lines.pop()
  if (text === '') return []
  return lines
}

export interface IniKey {
  /** The key as configparser stores it: lower-cased. */
  name: string
  /** The key as written. */
  rawName: string
  /** The value as read: lines joined with `\n`, right-stripped; not interpolated. */
  value: string
  /** The line of `key = value`. */
  line: number
  /** The last line of the value (continuation lines included). */
  lastLine: number
  /** Lines that continued the value, with their text (stripped). */
  continuations: { line: number; text: string }[]
}

export interface IniSection {
  /** The name between the brackets, as written (section names are case-sensitive). */
  name: string
  line: number
  keys: Map<string, IniKey>
}

export type IniProblemKind =
  'missing-section-header' | 'parse-error' | 'duplicate-section' | 'duplicate-key' | 'empty-key'

export interface IniProblem {
  kind: IniProblemKind
  line: number
  message: string
  /** Python raises at once (the rest of the file is not read); parse errors are raised at the end. */
  immediate: boolean
}

export interface IniDocument {
  lines: readonly string[]
  /** `[DEFAULT]` keys, inherited by every section. */
  defaults: Map<string, IniKey>
  /** Lines of `[DEFAULT]` headers. */
  defaultHeaders: number[]
  /** Sections in the order they first appear (`[DEFAULT]` excluded). */
  sections: IniSection[]
  problems: IniProblem[]
  /** What configparser raises for this file, or null when it reads it. */
  fatal: IniProblem | null
  /**
   * Sections as carbon's OrderedConfigParser lists them for storage-schemas and storage-aggregation:
   * every line that, stripped, starts with `[` and ends with `]`, in file order, `[DEFAULT]` included.
   */
  listedSections: { name: string; line: number }[]
}

/** configparser's SECTCRE `\[(?P<header>.+)\]` matched at the start of a stripped line. */
function sectionHeader(value: string): string | null {
  if (!value.startsWith('[')) return null
  const close = value.lastIndexOf(']')
  if (close < 2) return null
  const header = value.slice(1, close)
  // `.` does not match a newline; a stripped line has none.
  return header.length > 0 ? header : null
}

/** The index of the first non-whitespace character (configparser's indent level). */
function indentOf(line: string): number {
  for (let i = 0; i < line.length; i++) if (!pyIsSpace(line[i]!)) return i
  return 0
}

/**
 * Scan an INI file as configparser reads it. Never throws.
 */
export function scanIni(text: string): IniDocument {
  const lines = splitLines(text)
  const defaults = new Map<string, IniKey>()
  const defaultHeaders: number[] = []
  const sections: IniSection[] = []
  const byName = new Map<string, IniSection>()
  const problems: IniProblem[] = []
  const listedSections: { name: string; line: number }[] = []
  let current: Map<string, IniKey> | null = null
  let currentName: string | null = null
  let currentKey: IniKey | null = null
  let indentLevel = 0
  // A key's value lines before joining; blank lines count only while they may still be inside a value.
  let pending: string[] = []
  let missingHeaderReported = false

  const finishKey = (): void => {
    if (currentKey) currentKey.value = pyRstrip(pending.join('\n'))
  }

  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const stripped = pyStrip(raw)
    if (stripped.startsWith('[') && stripped.endsWith(']')) {
      listedSections.push({ name: stripped.slice(1, -1), line: lineNo })
    }
    const isComment = stripped.startsWith('#') || stripped.startsWith(';')
    const value = isComment ? '' : stripped
    if (!value) {
      // A blank line joins the current value (it is trimmed at the end); a comment line does not.
      if (!isComment && current !== null && currentKey !== null) pending.push('')
      return
    }
    const indent = indentOf(raw)
    if (current !== null && currentKey !== null && indent > indentLevel) {
      pending.push(value)
      currentKey.lastLine = lineNo
      currentKey.continuations.push({ line: lineNo, text: value })
      return
    }
    indentLevel = indent
    const header = sectionHeader(value)
    if (header !== null) {
      finishKey()
      currentKey = null
      pending = []
      if (header === 'DEFAULT') {
        current = defaults
        currentName = 'DEFAULT'
        defaultHeaders.push(lineNo)
        return
      }
      const existing = byName.get(header)
      if (existing) {
        problems.push({
          kind: 'duplicate-section',
          line: lineNo,
          message: `section [${header}] already exists (line ${existing.line})`,
          immediate: true,
        })
        // Keep reading into a detached section so that its keys are not reported as duplicates.
        current = new Map()
        currentName = header
        return
      }
      const section: IniSection = { name: header, line: lineNo, keys: new Map() }
      sections.push(section)
      byName.set(header, section)
      current = section.keys
      currentName = header
      return
    }
    if (current === null) {
      if (!missingHeaderReported) {
        problems.push({
          kind: 'missing-section-header',
          line: lineNo,
          message: `file contains no section headers before this line: ${JSON.stringify(raw)}`,
          immediate: true,
        })
        missingHeaderReported = true
      }
      return
    }
    const delimiter = value.search(/[=:]/)
    if (delimiter < 0) {
      problems.push({
        kind: 'parse-error',
        line: lineNo,
        message: `not a section header, a key = value line or a comment: ${JSON.stringify(raw)}`,
        immediate: false,
      })
      return
    }
    finishKey()
    pending = []
    const rawName = pyRstrip(value.slice(0, delimiter))
    const name = rawName.toLowerCase()
    if (!rawName) {
      problems.push({
        kind: 'empty-key',
        line: lineNo,
        message: `a value without a key: ${JSON.stringify(raw)}`,
        immediate: false,
      })
    }
    const previous = current.get(name)
    if (previous) {
      problems.push({
        kind: 'duplicate-key',
        line: lineNo,
        message: `key '${name}' in section [${currentName}] already exists (line ${previous.line})`,
        immediate: true,
      })
    }
    const key: IniKey = {
      name,
      rawName,
      value: '',
      line: lineNo,
      lastLine: lineNo,
      continuations: [],
    }
    pending = [pyStrip(value.slice(delimiter + 1))]
    if (!previous) current.set(name, key)
    currentKey = key
  })
  finishKey()
  const immediate = problems.find((p) => p.immediate)
  const fatal = immediate ?? problems[0] ?? null
  return { lines, defaults, defaultHeaders, sections, problems, fatal, listedSections }
}

export function findSection(doc: IniDocument, name: string): IniSection | undefined {
  return doc.sections.find((s) => s.name === name)
}

/** configparser's interpolation errors, with the key they were raised for. */
export interface InterpolationError {
  kind: 'syntax' | 'missing' | 'depth'
  /** The key being read. */
  key: string
  message: string
}

const MAX_INTERPOLATION_DEPTH = 10
const KEY_REFERENCE = /^%\(([^)]+)\)s/

/**
 * The keys a section sees, in configparser's order: `[DEFAULT]` first, then the section's own
 * (a section key that overrides a default keeps the default's place).
 */
export function sectionKeys(doc: IniDocument, section: string): IniKey[] {
  const merged = new Map(doc.defaults)
  if (section !== 'DEFAULT') {
    const own = findSection(doc, section)
    if (own) for (const [name, key] of own.keys) merged.set(name, key)
  }
  return [...merged.values()]
}

/**
 * BasicInterpolation of one value, read from `section`: `%%` is `%`, `%(name)s` is the named key of
 * the section or of `[DEFAULT]` (interpolated in turn, at most 10 levels), any other `%` an error.
 */
export function interpolate(
  doc: IniDocument,
  section: string,
  key: IniKey,
): { ok: true; value: string } | { ok: false; error: InterpolationError } {
  const map = new Map<string, string>()
  for (const k of sectionKeys(doc, section)) map.set(k.name, k.value)
  const out: string[] = []
  const walk = (rest: string, depth: number): InterpolationError | null => {
    if (depth > MAX_INTERPOLATION_DEPTH) {
      return {
        kind: 'depth',
        key: key.name,
        message: `'%(...)s' references nest deeper than ${MAX_INTERPOLATION_DEPTH} levels (a reference loop?)`,
      }
    }
    while (rest) {
      const p = rest.indexOf('%')
      if (p < 0) {
        out.push(rest)
        return null
      }
      if (p > 0) {
        out.push(rest.slice(0, p))
        rest = rest.slice(p)
      }
      const c = rest.slice(1, 2)
      if (c === '%') {
        out.push('%')
        rest = rest.slice(2)
      } else if (c === '(') {
        const m = KEY_REFERENCE.exec(rest)
        if (!m) {
          return {
            kind: 'syntax',
            key: key.name,
            message: `bad interpolation variable reference ${JSON.stringify(rest)} (write %(name)s, or %% for a %)`,
          }
        }
        const name = m[1]!.toLowerCase()
        rest = rest.slice(m[0].length)
        const v = map.get(name)
        if (v === undefined) {
          return {
            kind: 'missing',
            key: key.name,
            message: `'%(${m[1]})s' refers to '${name}', which is not set in [${section}] or [DEFAULT]`,
          }
        }
        if (v.includes('%')) {
          const inner = walk(v, depth + 1)
          if (inner) return inner
        } else {
          out.push(v)
        }
      } else {
        return {
          kind: 'syntax',
          key: key.name,
          message: `a lone '%' (found ${JSON.stringify(rest)}): write %% for a literal %, or %(name)s`,
        }
      }
    }
    return null
  }
  const error = walk(key.value, 1)
  return error ? { ok: false, error } : { ok: true, value: out.join('') }
}

/**
 * configparser's `items(section)`: every key the section sees, interpolated, in order. Python raises
 * at the first key that fails; `error` is that one, and `values` stops before it.
 */
export function sectionItems(
  doc: IniDocument,
  section: string,
): { values: { key: IniKey; value: string }[]; error: InterpolationError | null; errorKey?: IniKey } {
  const values: { key: IniKey; value: string }[] = []
  for (const key of sectionKeys(doc, section)) {
    const result = interpolate(doc, section, key)
    if (!result.ok) return { values, error: result.error, errorKey: key }
    values.push({ key, value: result.value })
  }
  return { values, error: null }
}

/** Decode file bytes as Python's UTF-8 text reading does, or say where it fails. */
export function decodeUtf8(bytes: Uint8Array): { text: string; invalidUtf8Line: number | null } {
  try {
    return {
      text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes),
      invalidUtf8Line: null,
    }
  } catch {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
    const bad = text.indexOf('\ufffd')
    const line = bad < 0 ? 1 : splitLines(text.slice(0, bad + 1)).length
    return { text, invalidUtf8Line: Math.max(1, line) }
  }
}

/** A section's keys after interpolation, by lower-case name, with the key each came from. */
export type SectionOptions = Map<string, { value: string; key: IniKey }>

/**
 * `dict(config.items(name))` for a section carbon's OrderedConfigParser listed: NoSectionError when the
 * listed line is not a section configparser knows (a `[x]` line inside an indented value, `[]`), and
 * the first interpolation error.
 */
export function listedSectionOptions(
  doc: IniDocument,
  name: string,
): { ok: true; options: SectionOptions } | { ok: false; line: number | null; message: string } {
  if (name !== 'DEFAULT' && !findSection(doc, name)) {
    return {
      ok: false,
      line: null,
      message: `carbon lists [${name}] as a section but configparser has no such section (NoSectionError)`,
    }
  }
  const items = sectionItems(doc, name)
  if (items.error) {
    return { ok: false, line: items.errorKey!.line, message: `${items.error.key}: ${items.error.message}` }
  }
  const options: SectionOptions = new Map()
  for (const { key, value } of items.values) options.set(key.name, { value, key })
  return { ok: true, options }
}
