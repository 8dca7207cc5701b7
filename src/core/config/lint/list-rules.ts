// Rules on whitelist.conf and blacklist.conf: each line is a Python pattern carbon compiles.

import type { ConfigFileText } from '../config-set.js'
import type { RegexListFile } from '../regex-list.js'
import type { Collector } from './rule-table.js'
import { lintRegex } from './helpers.js'

export function lintList(out: Collector, file: ConfigFileText, list: RegexListFile): void {
  if (file.invalidUtf8Line !== null) {
    out.add(
      file.path,
      file.invalidUtf8Line,
      'syntax',
      'not valid UTF-8: Python fails with UnicodeDecodeError reading the list and carbon stops',
    )
  }
  for (const entry of list.entries) {
    if (entry.problem) {
      out.add(
        file.path,
        entry.line,
        'invalid-regex',
        `pattern ${JSON.stringify(entry.pattern)}: ${entry.problem.message}; ${entry.status === 'fatal' ? 'this exception is not caught: carbon stops' : 'carbon logs it and ignores the line'}`,
      )
    }
    if (entry.looksLikeComment) {
      out.add(
        file.path,
        entry.line,
        'list-comment',
        `${JSON.stringify(entry.pattern)} is a pattern, not a comment: only lines whose first character is '#' are comments`,
      )
    }
    if (entry.status !== 'skipped') lintRegex(out, file.path, entry.line, 'list', entry.regex)
  }
}
