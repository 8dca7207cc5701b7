// The layout rules of STYLE.md that a linter does not see: no import cycles anywhere in src/, and
// src/core importing nothing from src/cli or the presentation libraries, and its folders layered as
// the README's Layout section lists them.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../helpers/paths.js'

const SRC = path.join(ROOT, 'src')

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

const IMPORT = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  return [...text.matchAll(IMPORT)].map((m) => m[1]!)
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  return path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.ts'))
}

test('src/ has no import cycles', () => {
  const files = sources(SRC)
  const graph = new Map(files.map((f) => [f, importsOf(f).flatMap((s) => resolveLocal(f, s) ?? [])]))
  const state = new Map<string, 'visiting' | 'done'>()
  const cycles: string[] = []
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(SRC, f)).join(' -> '))
      return
    }
    state.set(file, 'visiting')
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file])
    state.set(file, 'done')
  }
  for (const file of files) visit(file, [])
  assert.deepEqual(cycles, [])
})

test('src/core imports no cli code and no presentation or argument-parsing library', () => {
  const forbidden = ['chalk', 'ora', 'commander', 'cli-table3']
  const offences = sources(path.join(SRC, 'core')).flatMap((file) =>
    importsOf(file)
      .filter((s) => forbidden.includes(s) || (resolveLocal(file, s) ?? '').startsWith(path.join(SRC, 'cli')))
      .map((s) => `${path.relative(SRC, file)} imports ${s}`),
  )
  assert.deepEqual(offences, [])
})

test("each folder of src/core imports only the folders above it in the README's layout", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const block = /^## Layout\n\n```\n([\s\S]*?)```/m.exec(readme)?.[1] ?? ''
  const layers = [...block.matchAll(/^ {2}([a-z-]+)\/ /gm)].map((m) => m[1]!)
  const core = path.join(SRC, 'core')
  const folders = fs.readdirSync(core, { withFileTypes: true }).filter((e) => e.isDirectory())
  assert.deepEqual(
    folders.map((e) => e.name).filter((name) => !layers.includes(name)),
    [],
    "every folder of src/core is in the README's layout",
  )
  const offences = sources(core).flatMap((file) => {
    const from = path.relative(core, file).split(path.sep)
    if (from.length === 1) return []
    return importsOf(file).flatMap((s) => {
      const target = path.relative(core, resolveLocal(file, s) ?? core).split(path.sep)
      if (target.length === 1 || target[0] === from[0] || target[0] === '..') return []
      return layers.indexOf(target[0]!) < layers.indexOf(from[0]!) ? [] : [`${from.join('/')} imports ${s}`]
    })
  })
  assert.deepEqual(offences, [])
})
