// The inventory renderers' time and size formats (formatted once per day and per size, for the
// million lines of `wsp ls --long` and `wsp stale`) against their plain definitions.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { humanBytes, isoTime } from '../../../../../src/cli/wsp/render/inventory.js'

test('issue 17: isoTime is the ISO 8601 second of Date, for any epoch second', () => {
  const plain = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z')
  const edges = [0, 59, 60, 3599, 3600, 86399, 86400, 951782400, 1_800_000_000, 2 ** 31, 10_000_000_000]
  const epochs = [...edges, 253402300799, 253402300800, -1, -86401, 1.5]
  for (let i = 0; i < 20000; i++) epochs.push(Math.floor(Math.random() * 2 ** 34))
  // Twice: the second round comes from the cache of days.
  for (const round of [1, 2]) {
    for (const epoch of epochs) assert.equal(isoTime(epoch), plain(epoch), `${epoch} (round ${round})`)
  }
})

test('issue 17: humanBytes gives the same text the first time and from its cache', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [1023, '1023'],
    [1024, '1.0K'],
    [1536, '1.5K'],
    [1_255_464, '1.2M'],
    [10 * 1024 * 1024, '10M'],
  ]
  for (const round of [1, 2])
    for (const [bytes, text] of cases) assert.equal(humanBytes(bytes), text, `${bytes} (${round})`)
})
