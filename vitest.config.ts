import { defineConfig } from 'vitest/config'
import { DATABASE_SUITES, ONCE_SUITES, globs, onceFilesInDatabaseFolders } from './test/suites.js'

// Two projects (test/suites.ts says which file is where): `vitest run` runs both on SQLite;
// CI's PostgreSQL pass runs `vitest run --project database`.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Files run one after another in a worker that keeps its module graph (importing the app anew for
    // each file cost about half of the suite's CPU time). Nothing here mocks modules or leaves
    // global state behind; a test that must would need `isolate: true` in its own project.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'database', include: globs(DATABASE_SUITES), exclude: onceFilesInDatabaseFolders(), setupFiles: ['test/setup-database.ts'] },
      },
      { extends: true, test: { name: 'once', include: globs(ONCE_SUITES) } },
    ],
  },
})
