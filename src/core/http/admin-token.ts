// The shared secret of the admin API (`--admin-token-file`): read the same way by the node that
// checks it (admin.ts) and by the tools that present it (admin-client.ts).

import fs from 'node:fs'
import { ConfigError } from '../errors.js'

/**
 * The token in FILE (surrounding whitespace trimmed).
 * @throws ConfigError for an unreadable or empty file, or one of several lines
 */
export function readAdminToken(file: string): string {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(
      file,
      `cannot read the admin token: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    )
  }
  const token = text.trim()
  if (token === '') throw new ConfigError(file, 'the admin token file is empty')
  if (/[\r\n]/.test(token)) throw new ConfigError(file, 'the admin token file holds more than one line')
  return token
}
