import { Option } from 'commander'
import type { Command } from 'commander'
import { DEFAULT_CONFIG_DIR } from '../../../core/config/config-set.js'
import { lintFailed, lintPaths } from '../../../core/config/lint-paths.js'
import { parseDurationOption } from '../../shared/args.js'
import type { Context } from '../../shared/context.js'
import { emit, note } from '../../shared/output.js'
import { NegativeAnswer } from '../../shared/run.js'
import { renderLint, renderLintGithub, renderLintSummary } from '../render/lint.js'

interface LintFlags {
  configDir: string
  format: 'text' | 'json' | 'github'
  strict?: boolean
  interval?: number
  json?: boolean
}

export function registerLint(program: Command, ctx: Context): void {
  program
    .command('lint')
    .description("check carbon's configuration as carbon reads it: every problem at once")
    .argument('[paths...]', 'files or configuration directories (default: --config-dir)')
    .option('--config-dir <dir>', "carbon's configuration directory", DEFAULT_CONFIG_DIR)
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'),
    )
    .option('--json', 'print the report as JSON (the same as --format json)')
    .option('--strict', 'exit 1 on warnings too')
    .option(
      '--interval <duration>',
      'how often metrics arrive (10s, 1m): checks xFilesFactor against it',
      parseDurationOption,
    )
    .action(async (paths: string[], flags: LintFlags) => {
      const format = flags.json ? 'json' : flags.format
      const report = lintPaths(paths.length > 0 ? paths : [flags.configDir], {
        interval: flags.interval,
        env: ctx.env,
      })
      const render = format === 'github' ? renderLintGithub : renderLint
      await emit(ctx, report, { json: format === 'json', render })
      if (format !== 'json') note(ctx, `${ctx.programName} lint: ${renderLintSummary(report)}`)
      if (lintFailed(report, flags.strict ?? false)) throw new NegativeAnswer()
    })
}
