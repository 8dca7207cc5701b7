// Imported by crashing-writer.ts before the real writer, so that this listener runs first: the first
// batch after the file named by CARBONKIT_TEST_CRASH exists kills the thread, as the file says
// (`throw`: an uncaught exception; `exit`: process.exit(3) in the thread). The file is taken
// first, so the writer started in its place writes normally.

import fs from 'node:fs'
import { parentPort, threadId } from 'node:worker_threads'

const marker = process.env.CARBONKIT_TEST_CRASH
parentPort!.on('message', () => {
  if (!marker) return
  // Renaming claims the marker atomically: of two writers, one crashes.
  const claimed = `${marker}.${threadId}`
  try {
    fs.renameSync(marker, claimed)
  } catch {
    return
  }
  const how = fs.readFileSync(claimed, 'utf8')
  if (how === 'exit') process.exit(3)
  throw new Error('writer crashed on purpose')
})
