// ESLint flat config. The block for src/core enforces the core/cli boundary of STYLE.md:
// core never imports presentation or argument parsing and never reaches for the process.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'fixtures/', '.bench-tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'use an `as const` object and a derived union instead of enum',
        },
      ],
    },
  },
  {
    // The CommonJS launchers and the bundle shim load code with require() on purpose (bin/load.cjs).
    files: ['bin/**/*.cjs', 'bundle-shim.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['chalk', 'ora', 'commander', 'cli-table3'].map((name) => ({
            name,
            message: 'src/core never imports presentation or argument parsing (STYLE.md, Boundaries 1)',
          })),
          patterns: [
            { group: ['**/cli/**', '../cli', '../../cli'], message: 'src/core never imports src/cli' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core receives what it needs as arguments' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', message: 'src/core receives what it needs as arguments' },
        { object: 'console', message: 'src/core returns data; observers report events' },
      ],
      'no-console': 'error',
    },
  },
)
