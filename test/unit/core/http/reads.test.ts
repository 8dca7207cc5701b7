import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sortMatches } from '../../../../src/core/http/reads.js'

test("issue 16 find speed: matches already sorted by path are put in graphite-web's order (last component, then path) as a full sort puts them", () => {
  let seed = 7
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
    return seed % n
  }
  const part = (): string => ['a', 'b', 'B', 'a1', 'é', '_', 'a.b', 'm10', 'm1'][random(9)]!.replace('.', '')
  for (let round = 0; round < 200; round++) {
    const matches: { path: string; isLeaf: boolean }[] = []
    for (let i = random(60); i > 0; i--) {
      const path = Array.from({ length: 1 + random(3) }, part).join('.')
      // A name both a branch and a leaf: the branch first, as the index gives them.
      if (random(4) === 0) matches.push({ path, isLeaf: false })
      matches.push({ path, isLeaf: true })
    }
    matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.isLeaf ? 1 : -1))
    const last = (p: string): string => p.slice(p.lastIndexOf('.') + 1)
    // The reference: a stable sort by the last component, then the path.
    const expected = matches
      .slice()
      .sort((a, b) =>
        last(a.path) < last(b.path)
          ? -1
          : last(a.path) > last(b.path)
            ? 1
            : a.path < b.path
              ? -1
              : a.path > b.path
                ? 1
                : 0,
      )
    assert.deepEqual(sortMatches(matches), expected)
    // Not sorted by path: the full sort gives the same.
    assert.deepEqual(
      sortMatches(matches.slice().reverse()).map((m) => m.path),
      expected.map((m) => m.path),
    )
  }
})
