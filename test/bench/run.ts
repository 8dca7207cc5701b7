// npm run bench [name...]: run every test/bench/*.bench.js (or those whose name contains an argument),
// each in its own process, one after the other. Each prints its medians and ratios.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const filters = process.argv.slice(2)
const benches = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
let failed = 0
for (const file of benches) {
  process.stdout.write(`\n# ${file.replace('.bench.js', '')}\n`)
  const result = spawnSync(process.execPath, ['--expose-gc', path.join(here, file)], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exitCode = failed > 0 ? 1 : 0
