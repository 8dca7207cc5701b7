import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidArgumentError } from '../../../../src/core/errors.js'
import { compileGlob, compileSegment, expandBraces, segmentMatches } from '../../../../src/core/http/glob.js'

const names = ['node1', 'node2', 'node3', 'node10', 'web', 'db', 'sda', 'sdb', 'sdc', '.hidden', 'a]b', 'x']

function matching(segment: string): string[] {
  const matcher = compileSegment(segment)
  return names.filter((n) => segmentMatches(matcher, n))
}

test('issue 16 glob: * ? [..] [!..] [^..] as fnmatch, anchored, hidden names skipped', () => {
  assert.deepEqual(
    matching('*'),
    names.filter((n) => n !== '.hidden'),
  )
  assert.deepEqual(matching('node?'), ['node1', 'node2', 'node3'])
  assert.deepEqual(matching('node[13]'), ['node1', 'node3'])
  assert.deepEqual(matching('node[2-3]'), ['node2', 'node3'])
  assert.deepEqual(matching('sd[!a]'), ['sdb', 'sdc'])
  assert.deepEqual(matching('sd[^ab]'), ['sdc'])
  assert.deepEqual(matching('node*0'), ['node10'])
  assert.deepEqual(matching('*d*'), ['node1', 'node2', 'node3', 'node10', 'db', 'sda', 'sdb', 'sdc'])
  // fnmatch: a `]` right after `[` is a member; an unclosed `[` is literal.
  assert.deepEqual(matching('a[]]b'), ['a]b'])
  assert.deepEqual(matching('a[b'), [])
  assert.deepEqual(matching('node'), [])
  assert.deepEqual(matching('.hidden'), ['.hidden'])
})

test('issue 16 glob: braces, nested innermost first, empty alternatives, literal {x}, wildcards inside', () => {
  assert.deepEqual(matching('{web,db}'), ['web', 'db'])
  assert.deepEqual(matching('node{1,{2,3}}'), ['node1', 'node2', 'node3'])
  assert.deepEqual(matching('{node1,sd?}'), ['node1', 'sda', 'sdb', 'sdc'])
  assert.deepEqual(matching('x{,y}'), ['x'])
  assert.deepEqual(expandBraces('{x}').sort(), ['{x}'])
  assert.deepEqual(expandBraces('a{b,c}d{e,f}').sort(), ['abde', 'abdf', 'acde', 'acdf'])
  assert.deepEqual(expandBraces('{a,a}'), ['a'])
})

test('issue 16 glob: a pattern is split on dots; limits refuse explosive patterns with one line', () => {
  assert.equal(compileGlob('a.b*.{c,d}').length, 3)
  assert.throws(() => compileGlob(''), InvalidArgumentError)
  assert.throws(() => compileGlob('a\0b'), /NUL/)
  assert.throws(() => compileGlob('x'.repeat(5000)), /longer than 4096/)
  assert.throws(
    () => compileGlob('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}'),
    /expands to more than 1000/,
  )
})

test('issue 16 glob: many stars against a long name take linear time (no RegExp backtracking)', () => {
  const matcher = compileSegment('*a*a*a*a*a*a*a*a*a*a*a*a*b')
  const name = 'a'.repeat(255)
  // CPU time, not the clock: a loaded machine can keep the test off the CPU for longer than the
  // whole walk takes, but not make the walk itself cost more.
  const started = process.cpuUsage()
  assert.equal(segmentMatches(matcher, name), false)
  const used = process.cpuUsage(started)
  // A backtracking RegExp needs minutes of CPU here; the token walk needs well under a second.
  assert.ok(used.user + used.system < 1_000_000, `${used.user + used.system} µs of CPU`)
})
