// ESLint: typescript-eslint's type-checked rules over src/, test/, bench/, scripts/ and bin/
// (`npm run lint`, with --max-warnings 0). docs/testing.md lists the rules chosen and why.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // Build output and test artifacts: not source. (.gitignore's list; Prettier has its own.)
  { ignores: ['dist/', 'coverage/', 'data/', 'test-results/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A switch over a union must name every member, unless a `default:` says "all the rest" on purpose.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `_`-prefixed names and the rest of a destructuring are the way to drop fields here.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Off: Fastify plugins, oidc-provider hooks and Kysely's migration provider take Promise-returning
      // functions, and `async` is the plain way to write one that has nothing to await. The promise
      // bugs that matter are caught by no-floating-promises and no-misused-promises.
      '@typescript-eslint/require-await': 'off',
      // Off: input checks refuse control characters by matching them (`/[\x00-\x1f\x7f]/`), on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Migrations take `Kysely<any>`, as Kysely's migration guide says: a migration must not depend on
    // today's schema type, which describes the database after the last migration.
    files: ['src/store/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read API responses as parsed JSON typed `any` (`r.json.data[0].id`) and vitest's asymmetric
    // matchers (`expect.any(String)`) are typed `any`: the assertion itself checks the shape, and typing
    // ~750 such reads would add casts, not safety (the `any` is named once, in helpers/test-app.ts and
    // api/support.ts). src/, bench/ and scripts/ keep these rules.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The few JavaScript files (scripts, bin/, the browser scripts, this file) are outside tsconfig.json,
    // so they get the rules that need no type information, and the globals of where they run.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['src/ui/static/*.js'],
    languageOptions: { globals: { console: 'readonly', performance: 'readonly', process: 'readonly', setInterval: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/ui/static/*.js'],
    languageOptions: { globals: { document: 'readonly', navigator: 'readonly', setTimeout: 'readonly', URL: 'readonly', window: 'readonly' } },
  },
)
