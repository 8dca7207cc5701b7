// Rules on INI structure, shared by carbon.conf, storage-schemas.conf and storage-aggregation.conf:
// what configparser refuses (syntax, duplicates) and %(name)s interpolation it cannot resolve.

import type { ConfigFileText } from '../config-set.js'
import type { IniDocument, IniKey } from '../ini-lines.js'
import { findSection, interpolate } from '../ini-lines.js'
import type { Collector } from './rule-table.js'

export function lintIniStructure(out: Collector, file: ConfigFileText, doc: IniDocument): void {
  if (file.invalidUtf8Line !== null) {
    out.add(
      file.path,
      file.invalidUtf8Line,
      'syntax',
      'not valid UTF-8: Python fails with UnicodeDecodeError reading the file',
    )
  }
  for (const problem of doc.problems) {
    if (problem.kind === 'duplicate-section')
      out.add(file.path, problem.line, 'duplicate-section', problem.message)
    else if (problem.kind === 'duplicate-key')
      out.add(file.path, problem.line, 'duplicate-key', problem.message)
    else if (problem.kind === 'missing-section-header' && file.text.startsWith('\ufeff')) {
      out.add(
        file.path,
        1,
        'syntax',
        'the file starts with a UTF-8 byte-order mark: Python reads it as part of the first line, so there is no section header; save without BOM',
      )
    } else out.add(file.path, problem.line, 'syntax', problem.message)
  }
  const keys: IniKey[] = [...doc.defaults.values()]
  for (const section of doc.sections) keys.push(...section.keys.values())
  for (const key of keys) {
    for (const c of key.continuations) {
      if (/^[A-Za-z_][\w.-]*\s*[=:]/.test(c.text) || /^\[.*\]$/.test(c.text)) {
        out.add(
          file.path,
          c.line,
          'continuation-line',
          `this line is indented, so configparser appends it to the value of '${key.rawName}' (line ${key.line}) instead of reading ${JSON.stringify(c.text)} on its own; remove the indentation`,
        )
      }
    }
  }
}

/** Interpolation errors of every key a section sees that it defines itself. */
export function lintInterpolation(
  out: Collector,
  file: string,
  doc: IniDocument,
  sections: readonly string[],
): void {
  const own = (name: string): IniKey[] =>
    name === 'DEFAULT' ? [...doc.defaults.values()] : [...(findSection(doc, name)?.keys.values() ?? [])]
  for (const name of sections) {
    for (const key of own(name)) {
      const result = interpolate(doc, name, key)
      if (!result.ok)
        out.add(file, key.line, 'interpolation', `[${name}] ${key.rawName}: ${result.error.message}`)
    }
  }
}
