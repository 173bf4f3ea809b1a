/**
 * Which test files run on both databases. `npm test` runs every file on SQLite; CI's PostgreSQL pass
 * runs only the database suites (`vitest run --project database`). test/suites.test.ts fails when a
 * file is in neither list, when a database suite never opens a database, or when a file in ONCE
 * reaches the database helpers without being listed in ONCE_THOUGH_STORED with its reason.
 *
 * An entry ending in `/` is a folder (every test file under it); otherwise one file. A file entry
 * wins over a folder entry.
 */

/** Suites that read or write the store: SQLite, and PostgreSQL in CI. */
export const DATABASE_SUITES: readonly string[] = [
  'test/api/',
  'test/deploy/',
  'test/dev-idp/',
  'test/directory/',
  'test/events/',
  'test/http/',
  'test/jobs/',
  'test/oidc/',
  'test/security/',
  'test/sso/',
  'test/store/',
]

/** Suites whose outcome does not depend on the database: run once per Node line. */
export const ONCE_SUITES: readonly string[] = [
  'test/saml/',
  'test/scim/',
  'test/e2e/',
  'test/interop/',
  'test/net/',
  'test/cli.test.ts',
  'test/cli-process.test.ts',
  'test/cli-backup.test.ts',
  'test/cli-data-dir.test.ts',
  'test/cli-events.test.ts',
  'test/cli-keys.test.ts',
  'test/cli-oidc.test.ts',
  'test/cli-stop.test.ts',
  'test/config.test.ts',
  'test/config-errors.test.ts',
  'test/config-sources.test.ts',
  'test/core-domain-name.test.ts',
  'test/core-invisible-characters.security.test.ts',
  'test/core-key-refresh.test.ts',
  'test/core-logout-token.test.ts',
  'test/core-rate-window.test.ts',
  'test/core-role-mapping.test.ts',
  'test/dist-stamp.test.ts',
  'test/node-flags.test.ts',
  'test/production-install.test.ts',
  'test/readme.test.ts',
  'test/suites.test.ts',
  // In database folders, but never open a database:
  'test/api/errors-doc.test.ts',
  'test/http/form.test.ts',
  'test/http/acs-queue.test.ts',
  'test/store/database-unavailable.test.ts',
  'test/store/sqlite-checkpointer.test.ts',
  'test/store/sqlite-statement-cache.test.ts',
  // SQLite's rebuild of sso_tests in memory; PostgreSQL's in-place change runs in every database suite.
  'test/store/setup-link-migration.test.ts',
]

/** Entries of ONCE_SUITES that do open a database, and why running them on PostgreSQL too would prove nothing more. */
export const ONCE_THOUGH_STORED: Readonly<Record<string, string>> = {
  'test/e2e/': 'the browser is under test (pages, keyboard, axe-core); the routes and the store under them run on both databases in test/http/ and test/sso/',
  'test/interop/': 'pysaml2 as the IdP is under test; the ACS and its store run on both databases in test/sso/',
  'test/saml/decryption-oracle.security.test.ts':
    'decryption failing as one error is under test; the ACS store runs on both databases in test/sso/acs.security.test.ts',
}

const TEST_FILE = /\.test\.tsx?$/

function matches(entry: string, file: string): boolean {
  return entry.endsWith('/') ? file.startsWith(entry) && TEST_FILE.test(file) : file === entry
}

/** 'database', 'once', or undefined when the file is in neither list (or, ambiguously, in both at the same level). */
export function suiteOf(file: string): 'database' | 'once' | undefined {
  const level = (entries: readonly string[], folders: boolean) => entries.some((entry) => entry.endsWith('/') === folders && matches(entry, file))
  for (const folders of [false, true]) {
    const database = level(DATABASE_SUITES, folders)
    const once = level(ONCE_SUITES, folders)
    if (database !== once) return database ? 'database' : 'once'
    if (database && once) return undefined
  }
  return undefined
}

/** The lists as vitest include/exclude globs. */
export function globs(entries: readonly string[]): string[] {
  return entries.map((entry) => (entry.endsWith('/') ? `${entry}**/*.test.{ts,tsx}` : entry))
}

/** ONCE_SUITES' single files that sit in a database folder: excluded from the database project. */
export function onceFilesInDatabaseFolders(): string[] {
  return ONCE_SUITES.filter((entry) => !entry.endsWith('/') && DATABASE_SUITES.some((folder) => folder.endsWith('/') && entry.startsWith(folder)))
}
