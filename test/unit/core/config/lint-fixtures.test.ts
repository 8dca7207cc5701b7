// A fixture per lint rule (fixtures/config/<rule>/{bad,good}): bad shows the rule, good is clean.

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { RULE_IDS } from '../../../../src/core/config/lint/rule-table.js'
import { lintPaths } from '../../../../src/core/config/lint-paths.js'
import { FIXTURES } from '../../../helpers/paths.js'

const ROOT = path.join(FIXTURES, 'config')

function lintFixture(dir: string) {
  const optionsFile = path.join(dir, 'lint-options.json')
  const options = fs.existsSync(optionsFile)
    ? (JSON.parse(fs.readFileSync(optionsFile, 'utf8')) as { interval?: number; asDirectory?: boolean })
    : {}
  const files = fs
    .readdirSync(dir)
    .filter((name) => name !== 'lint-options.json')
    .map((name) => path.join(dir, name))
  return lintPaths(options.asDirectory ? [dir] : files, { interval: options.interval, env: {} })
}

function show(report: ReturnType<typeof lintPaths>): string {
  return report.diagnostics
    .map((d) => `${path.relative(ROOT, d.file)}:${d.line}: ${d.severity} ${d.rule} ${d.message}`)
    .join('\n')
}

describe('a fixture per lint rule', () => {
  test('every rule has a bad and a good fixture', () => {
    for (const rule of RULE_IDS) {
      assert.ok(fs.existsSync(path.join(ROOT, rule, 'bad')), `fixtures/config/${rule}/bad`)
      assert.ok(fs.existsSync(path.join(ROOT, rule, 'good')), `fixtures/config/${rule}/good`)
    }
  })

  for (const rule of RULE_IDS) {
    test(`${rule}: bad is reported, good is clean`, () => {
      const bad = lintFixture(path.join(ROOT, rule, 'bad'))
      assert.ok(
        bad.diagnostics.some((d) => d.rule === rule),
        `fixtures/config/${rule}/bad: no ${rule} diagnostic among:\n${show(bad)}`,
      )
      const good = lintFixture(path.join(ROOT, rule, 'good'))
      assert.deepEqual(good.diagnostics, [], `fixtures/config/${rule}/good:\n${show(good)}`)
    })
  }
})
